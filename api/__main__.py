"""Run the API: ``python -m newsflow.api`` (host and port from the settings)."""

from __future__ import annotations

import uvicorn

from newsflow.api.app import create_app
from newsflow.infra.logs import configure_logging
from newsflow.infra.settings import get_settings


def main() -> None:
    """Serve the API and its page until stopped."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    # /alerts/stream answers never end by themselves: without a bound, a page left open would hold a stop forever.
    uvicorn.run(
        create_app(settings),
        host=settings.api_host,
        port=settings.api_port,
        log_config=None,
        timeout_graceful_shutdown=5,
    )


if __name__ == "__main__":
    main()
