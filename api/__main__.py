"""Run the API: ``python -m newsflow.api`` (host and port from the settings)."""

from __future__ import annotations

import gc

import uvicorn

from newsflow.api.app import create_app
from newsflow.infra.logs import configure_logging
from newsflow.infra.settings import get_settings


def main() -> None:
    """Serve the API and its page until stopped."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    app = create_app(settings)
    # What is built by now lives as long as the process. Frozen, it is out of the collector's sight: a full
    # collection walked its 120 000 objects in 40-70 ms, a pause in the middle of some search (docs/benchmarks.md,
    # "Session 24").
    gc.freeze()
    # /alerts/stream answers never end by themselves: without a bound, a page left open would hold a stop forever.
    uvicorn.run(
        app,
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
