"""``newsflow alerts``: saved searches and their alerts from the terminal, through the API over HTTP.

Unlike ``newsflow search`` (which runs the search in process), these commands
talk to a running API: saved searches are written where the pipeline reads
them, with the admin key, and ``watch`` follows the API's live stream. The
API's address is ``--api`` / ``NEWSFLOW_API_URL``, else the configured host and port.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import typer
from pydantic import ValidationError
from rich.markup import escape
from rich.table import Table

from newsflow.cli.console import console, err_console, fail
from newsflow.infra.settings import get_settings
from newsflow.schemas.alert_api import SavedSearchView
from newsflow.schemas.alerts import Alert, SavedSearchPatch, SavedSearchRequest
from newsflow.schemas.problems import validation_problems
from newsflow.stack.admin_key import stored_admin_key

app = typer.Typer(help="Saved searches and their alerts (through the running API).", no_args_is_help=True)

_API_OPTION = typer.Option(
    None, "--api", envvar="NEWSFLOW_API_URL", help="The API's base URL (default: the configured host and port)."
)
_JSON_OPTION = typer.Option(False, "--json", help="Print the API's JSON response instead of a table.")
_TIMEOUT_S = 30.0
_RECONNECT_S = 2.0


class ApiClient:
    """The few calls these commands make, with the API's refusals and its absence as readable errors."""

    def __init__(self, base_url: str | None) -> None:
        settings = get_settings()
        host = "127.0.0.1" if settings.api_host in ("0.0.0.0", "::", "") else settings.api_host
        self.base_url = (base_url or f"http://{host}:{settings.api_port}").rstrip("/")
        self.admin_key = stored_admin_key(settings)
        self.http = httpx.Client(base_url=self.base_url, timeout=_TIMEOUT_S)

    def _headers(self, admin: bool) -> dict[str, str]:
        if not admin:
            return {}
        if self.admin_key is None:
            raise fail(
                ValueError(
                    "writing saved searches needs the admin key: set NEWSFLOW_ADMIN_KEY to the API's key "
                    "(`make up` makes one in .newsflow/admin-key)"
                )
            )
        return {"X-Admin-Key": self.admin_key}

    def unreachable(self, exc: Exception) -> typer.Exit:
        """The error for an API that does not answer."""
        return fail(
            RuntimeError(
                f"the API at {self.base_url} did not answer ({exc.__class__.__name__}): start it with `make up`, "
                "or give its address with --api / NEWSFLOW_API_URL"
            )
        )

    def request(self, method: str, path: str, admin: bool = False, **kwargs: Any) -> Any:
        """The JSON answer of ``method path``; exits with the API's error when it refuses."""
        try:
            response = self.http.request(method, path, headers=self._headers(admin), **kwargs)
        except httpx.TransportError as exc:
            raise self.unreachable(exc) from exc
        if response.status_code >= 400:
            raise fail(RuntimeError(_refusal(response)))
        return None if response.status_code == 204 else response.json()


def _refusal(response: httpx.Response) -> str:
    try:
        body = response.json()
        return f"{body['error']}: {body['detail']} (HTTP {response.status_code})"
    except (ValueError, KeyError, TypeError):
        return f"the API answered HTTP {response.status_code}: {response.text[:200]}"


def _filters_text(view: SavedSearchView) -> str:
    f = view.filters
    parts = [f"q={f.q!r}"] if f.q else []
    parts += [f"entity={e}" for e in f.entity]
    if f.entity_type:
        parts.append(f"entity_type={f.entity_type.value}")
    parts += [f"outlet={o}" for o in f.outlet] + [f"language={lang}" for lang in f.language]
    if f.since:
        parts.append(f"since={f.since.isoformat()}")
    if f.until:
        parts.append(f"until={f.until.isoformat()}")
    return " ".join(parts)


def _webhook_text(view: SavedSearchView) -> str:
    hook = view.webhook
    if hook is None:
        return "-"
    state = hook.state.value
    if hook.consecutive_failures:
        state += f", {hook.consecutive_failures} failure(s)"
    return f"{hook.url} ({state})"


def _print_alert(alert: Alert) -> None:
    extra = f" (copy of {alert.duplicate_of[:12]})" if alert.duplicate_of else ""
    console.print(
        f"{alert.alerted_at:%Y-%m-%d %H:%M:%S} [bold]{escape(alert.saved_search_name)}[/] "
        f"{escape(alert.outlet or '-')}: {escape(alert.title)} [dim]{alert.article_id[:16]}{extra}[/]"
    )


@app.command("add")
def add(  # noqa: PLR0917 - typer turns each parameter into an option
    query: str | None = typer.Argument(None, help='Words to find, as in `newsflow search` ("phrases", -not, OR).'),
    entity: list[str] = typer.Option(
        [], "--entity", "-e", help="Entity id or canonical name an article must mention (repeat: all)."
    ),
    entity_type: str | None = typer.Option(None, "--entity-type", help="person, organization or place."),
    outlet: list[str] = typer.Option([], "--outlet", help="Outlet to keep (repeat: any)."),
    language: list[str] = typer.Option([], "--language", help="Language code to keep (repeat: any)."),
    since: str | None = typer.Option(None, "--since", help="Earliest article date, ISO 8601."),
    until: str | None = typer.Option(None, "--until", help="Latest article date, ISO 8601."),
    name: str | None = typer.Option(None, "--name", help="How the search is shown (default: its words and filters)."),
    webhook: str | None = typer.Option(None, "--webhook", help="http(s) URL to POST each alert to as JSON."),
    duplicates: bool = typer.Option(
        False, "--duplicates", help="Also alert on copies and near-duplicates of an article that already alerted."
    ),
    api: str | None = _API_OPTION,
    as_json: bool = _JSON_OPTION,
) -> None:
    """Save a search: from the next indexed article on, each one it matches raises an alert."""
    shown = name or " · ".join([*([query] if query else []), *entity, *outlet]) or "saved search"
    try:
        request = SavedSearchRequest.model_validate(
            {
                "name": shown[:200],
                "q": query,
                "entity": entity,
                "entity_type": entity_type,
                "outlet": outlet,
                "language": language,
                "since": since,
                "until": until,
                "webhook_url": webhook,
                "notify_duplicates": duplicates,
            }
        )
    except ValidationError as exc:
        raise fail(ValueError(validation_problems(exc, "search"))) from exc
    client = ApiClient(api)
    body = request.model_dump(mode="json", exclude_defaults=True)
    created = client.request("POST", "/saved-searches", admin=True, json=body)
    if as_json:
        console.print_json(json.dumps(created))
        return
    view = SavedSearchView.model_validate(created)
    console.print(f"saved search [bold]{view.saved_search_id}[/] {escape(view.name)}: {escape(_filters_text(view))}")


_CLEARABLE = ("q", "entity", "entity_type", "outlet", "language", "since", "until", "webhook")
_CLEAR_HELP = f"Remove a filter or the webhook (repeat): {', '.join(_CLEARABLE)}."


@app.command("edit")
def edit(  # noqa: PLR0917 - typer turns each parameter into an option
    saved_search_id: str = typer.Argument(..., help="The saved search's id (from `newsflow alerts list`)."),
    query: str | None = typer.Option(None, "--query", "-q", help="New words to find."),
    entity: list[str] = typer.Option([], "--entity", "-e", help="New entities (repeat; replaces the old ones)."),
    entity_type: str | None = typer.Option(None, "--entity-type", help="person, organization or place."),
    outlet: list[str] = typer.Option([], "--outlet", help="New outlets (repeat; replaces the old ones)."),
    language: list[str] = typer.Option([], "--language", help="New language codes (repeat; replaces the old ones)."),
    since: str | None = typer.Option(None, "--since", help="Earliest article date, ISO 8601."),
    until: str | None = typer.Option(None, "--until", help="Latest article date, ISO 8601."),
    name: str | None = typer.Option(None, "--name", help="New name."),
    webhook: str | None = typer.Option(None, "--webhook", help="New webhook URL (starts it afresh)."),
    duplicates: bool | None = typer.Option(
        None, "--duplicates/--no-duplicates", help="Alert on copies and near-duplicates too, or not."
    ),
    resume_webhook: bool = typer.Option(
        False, "--resume-webhook", help="Re-enable a disabled webhook (fix the receiver first)."
    ),
    clear: list[str] = typer.Option([], "--clear", help=_CLEAR_HELP),
    api: str | None = _API_OPTION,
    as_json: bool = _JSON_OPTION,
) -> None:
    """Change a saved search: the options given replace what it has, the rest stays (its webhook too)."""
    unknown = sorted(set(clear) - set(_CLEARABLE))
    if unknown:
        raise fail(ValueError(f"--clear takes {', '.join(_CLEARABLE)}, not {', '.join(unknown)}"))
    given: dict[str, Any] = {
        "q": query,
        "entity": entity or None,
        "entity_type": entity_type,
        "outlet": outlet or None,
        "language": language or None,
        "since": since,
        "until": until,
        "name": name,
        "webhook_url": webhook,
        "notify_duplicates": duplicates,
    }
    body = {key: value for key, value in given.items() if value is not None}
    both = sorted(f for f in clear if ("webhook_url" if f == "webhook" else f) in body)
    if both:
        raise fail(ValueError(f"{', '.join(both)}: given a new value and --clear at once; keep one"))
    for field in clear:
        body["webhook_url" if field == "webhook" else field] = [] if field in ("entity", "outlet", "language") else None
    if resume_webhook:
        body["resume_webhook"] = True
    if not body:
        raise fail(ValueError("nothing to change: give the options to change, --clear, or --resume-webhook"))
    try:
        SavedSearchPatch.model_validate(body)
    except ValidationError as exc:
        raise fail(ValueError(validation_problems(exc, "search"))) from exc
    changed = ApiClient(api).request("PATCH", f"/saved-searches/{saved_search_id}", admin=True, json=body)
    if as_json:
        console.print_json(json.dumps(changed))
        return
    view = SavedSearchView.model_validate(changed)
    console.print(
        f"changed saved search [bold]{view.saved_search_id}[/] {escape(view.name)}: {escape(_filters_text(view))}; "
        f"webhook: {escape(_webhook_text(view))}"
    )


@app.command("list")
def list_searches(api: str | None = _API_OPTION, as_json: bool = _JSON_OPTION) -> None:
    """The saved searches, by name."""
    client = ApiClient(api)
    views: list[SavedSearchView] = []
    cursor = None
    total = 0
    while True:
        page = client.request("GET", "/saved-searches", params={"size": 1000, **({"cursor": cursor} if cursor else {})})
        total = page["total"]
        views += [SavedSearchView.model_validate(v) for v in page["saved_searches"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    if as_json:
        console.print_json(json.dumps({"saved_searches": [v.model_dump(mode="json") for v in views], "total": total}))
        return
    table = Table("id", "name", "filters", "webhook", title=f"{total} saved search(es)", title_justify="left")
    for view in views:
        table.add_row(view.saved_search_id, escape(view.name), escape(_filters_text(view)), escape(_webhook_text(view)))
    console.print(table)


@app.command("show")
def show(
    saved_search_id: str = typer.Argument(..., help="The saved search's id (from `newsflow alerts list`)."),
    api: str | None = _API_OPTION,
    as_json: bool = _JSON_OPTION,
) -> None:
    """One saved search, its webhook's last deliveries and its latest alerts."""
    client = ApiClient(api)
    found = client.request("GET", f"/saved-searches/{saved_search_id}")
    alerts = client.request("GET", "/alerts", params={"saved_search_id": saved_search_id, "size": 10})
    deliveries: dict[str, Any] = (
        client.request("GET", f"/saved-searches/{saved_search_id}/deliveries", params={"size": 10})
        if found.get("webhook")
        else {"deliveries": [], "total": 0}
    )
    if as_json:
        console.print_json(json.dumps({"saved_search": found, "alerts": alerts, "deliveries": deliveries}))
        return
    view = SavedSearchView.model_validate(found)
    console.print(f"[bold]{escape(view.name)}[/] ({view.saved_search_id})")
    console.print(f"filters: {escape(_filters_text(view))}")
    console.print(f"duplicates: {'alerted too' if view.notify_duplicates else 'not alerted'}")
    console.print(f"webhook: {escape(_webhook_text(view))}")
    if view.webhook and view.webhook.disabled_reason:
        console.print(f"disabled at {view.webhook.disabled_at}: {escape(view.webhook.disabled_reason)}")
    console.print(f"created {view.created_at:%Y-%m-%d %H:%M}, changed {view.updated_at:%Y-%m-%d %H:%M}")
    for delivery in deliveries["deliveries"]:
        status = delivery.get("status_code") or delivery.get("error") or ""
        console.print(f"  delivery {delivery['at']} attempt {delivery['attempt']}: {delivery['outcome']} {status}")
    console.print(f"{alerts['total']} alert(s)")
    for alert in alerts["alerts"]:
        _print_alert(Alert.model_validate(alert))


@app.command("rm")
def remove(
    saved_search_id: str = typer.Argument(..., help="The saved search's id."),
    api: str | None = _API_OPTION,
) -> None:
    """Delete a saved search (the alerts it raised stay)."""
    ApiClient(api).request("DELETE", f"/saved-searches/{saved_search_id}", admin=True)
    console.print(f"deleted saved search {saved_search_id}")


@app.command("recent")
def recent(
    search: str | None = typer.Option(None, "--search", "-s", help="Only this saved search's alerts."),
    size: int = typer.Option(20, "--size", "-n", help="Alerts to show (1-100)."),
    api: str | None = _API_OPTION,
    as_json: bool = _JSON_OPTION,
) -> None:
    """The latest alerts, newest first."""
    params: dict[str, Any] = {"size": size}
    if search:
        params["saved_search_id"] = search
    page = ApiClient(api).request("GET", "/alerts", params=params)
    if as_json:
        console.print_json(json.dumps(page))
        return
    console.print(f"{page['total']} alert(s)")
    for alert in page["alerts"]:
        _print_alert(Alert.model_validate(alert))


def _events(lines: Iterator[str]) -> Iterator[tuple[str | None, str]]:
    """(id, data) of each ``alert`` event in a server-sent event stream."""
    event_id: str | None = None
    kind = "message"
    data: list[str] = []
    for line in lines:
        if line == "":
            if data and kind == "alert":
                yield event_id, "\n".join(data)
            kind, data = "message", []
            continue
        if line.startswith(":"):
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "id":
            event_id = value
        elif field == "event":
            kind = value
        elif field == "data":
            data.append(value)


@app.command("watch")
def watch(
    search: str | None = typer.Option(None, "--search", "-s", help="Only this saved search's alerts."),
    count: int | None = typer.Option(None, "--count", help="Stop after this many alerts (default: run until Ctrl-C)."),
    api: str | None = _API_OPTION,
    as_json: bool = typer.Option(False, "--json", help="Print each alert as one line of JSON."),
) -> None:
    """Follow the live alerts (the API's /alerts/stream); reconnects, without losing alerts, if the API restarts."""
    client = ApiClient(api)
    params = {"saved_search_id": search} if search else {}
    last_id: str | None = None
    seen = 0
    connected_once = False
    stream_client = httpx.Client(base_url=client.base_url, timeout=httpx.Timeout(_TIMEOUT_S, read=60.0))
    try:
        while True:
            headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last_id} if last_id else {})}
            try:
                with stream_client.stream("GET", "/alerts/stream", params=params, headers=headers) as response:
                    if response.status_code != 200:
                        response.read()
                        raise fail(RuntimeError(_refusal(response)))
                    if not connected_once:
                        err_console.print(f"watching alerts{f' of {search}' if search else ''} (Ctrl-C stops)")
                    connected_once = True
                    for event_id, data in _events(response.iter_lines()):
                        last_id = event_id or last_id
                        alert = Alert.model_validate_json(data)
                        if as_json:
                            print(alert.model_dump_json(), flush=True)  # one JSON line per alert, unstyled
                        else:
                            _print_alert(alert)
                        seen += 1
                        if count is not None and seen >= count:
                            return
            except httpx.TransportError as exc:
                if not connected_once:
                    raise client.unreachable(exc) from exc
                err_console.print(f"stream interrupted ({exc.__class__.__name__}); reconnecting")
            time.sleep(_RECONNECT_S)
    except KeyboardInterrupt:
        return
    finally:
        stream_client.close()
