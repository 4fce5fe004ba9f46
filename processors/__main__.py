"""Run one stream-processing worker: ``python -m processors`` (stops cleanly on SIGTERM)."""

from __future__ import annotations

import sys

from newsflow.logs import configure_logging
from newsflow.settings import get_settings


def main() -> None:
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    from processors.app import app

    sys.argv = [sys.argv[0], "worker", "--loglevel", settings.log_level.lower(), "--without-web"]
    app.main()


if __name__ == "__main__":
    main()
