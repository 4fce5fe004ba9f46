"""One POST of an alert to a webhook, and what came of it, described without the URL's secrets.

A webhook URL may carry credentials (``https://user:token@host/...``) or a
token in its query string. Nothing this module returns contains either: error
texts are built from the redacted URL (:func:`newsflow.schemas.alerts.redact_url`).
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import httpx

import newsflow
from newsflow.schemas.alerts import Alert, redact_url

# httpx logs every request's full URL at INFO, and httpcore every answer's headers at DEBUG (a redirect's
# Location with its credentials): neither may reach the log, whatever NEWSFLOW_LOG_LEVEL says.
for _name, _quietest in (("httpx", logging.WARNING), ("httpcore", logging.INFO)):
    if logging.getLogger(_name).level < _quietest:
        logging.getLogger(_name).setLevel(_quietest)

USER_AGENT = f"newsflow/{newsflow.__version__}"
ALERT_ID_HEADER = "X-Newsflow-Alert-Id"


@dataclass(frozen=True)
class AttemptResult:
    """The answer to one POST: ``error`` is None exactly when it was delivered (a 2xx)."""

    status_code: int | None
    error: str | None
    seconds: float

    @property
    def delivered(self) -> bool:
        return self.error is None


def request_headers(alert: Alert) -> dict[str, str]:
    """The headers of every POST: JSON, who sends it, and the alert's id for the receiver to deduplicate."""
    return {"Content-Type": "application/json", "User-Agent": USER_AGENT, ALERT_ID_HEADER: alert.alert_id}


def scrub(text: str, url: str) -> str:
    """``text`` with ``url`` and any of its credentials or query string replaced (for errors from libraries)."""
    parts = urlsplit(url)
    text = text.replace(url, redact_url(url))
    for secret in (parts.password, parts.username, parts.query, parts.fragment):
        if secret:
            text = text.replace(secret, "***")
    return text


async def post_alert(client: httpx.AsyncClient, url: str, alert: Alert, timeout_s: float) -> AttemptResult:
    """POST ``alert`` as JSON to ``url``, within ``timeout_s`` from connecting to the answer's status line.

    The answer's body is not read. A redirect is a failure: following it would
    send the alert (and any credentials) to an address nobody configured.
    """
    started = time.monotonic()
    status: int | None = None
    try:
        # httpx's timeout is per phase (connect, each read); this bounds the whole attempt.
        async with asyncio.timeout(timeout_s):
            request = client.build_request("POST", url, content=alert.model_dump_json(), headers=request_headers(alert))
            response = await client.send(request, stream=True, follow_redirects=False)
            await response.aclose()
        status = response.status_code
        error = _status_error(url, response)
    except (TimeoutError, httpx.TimeoutException):
        error = f"no answer within {timeout_s:g} s (NEWSFLOW_WEBHOOK_TIMEOUT_S, connect and answer)"
    except httpx.ConnectError as exc:
        error = f"could not connect to {redact_url(url)}: {scrub(str(exc), url) or type(exc).__name__}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__} from {redact_url(url)}: {scrub(str(exc), url)}"
    return AttemptResult(status, error, time.monotonic() - started)


def _status_error(url: str, response: httpx.Response) -> str | None:
    status = response.status_code
    if 200 <= status < 300:
        return None
    if 300 <= status < 400:
        location = response.headers.get("location")
        target = redact_url(urljoin(url, location)) if location else "(no Location header)"
        return f"HTTP {status}: redirects are not followed: point the webhook at {target}"
    reason = response.reason_phrase or ""
    return f"HTTP {status} {reason}".rstrip()
