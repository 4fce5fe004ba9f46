"""Run one stream-processing worker: ``python -m newsflow.processors`` (stops cleanly on SIGTERM)."""

from __future__ import annotations

import os
import sys

from newsflow.infra.logs import configure_logging
from newsflow.infra.settings import get_settings
from newsflow.processors.patches import UnverifiedVersionError, verify_versions
from newsflow.processors.worker import build_worker


def main() -> None:
    """Check the patched libraries' versions, build the worker and run it until SIGTERM."""
    settings = get_settings()
    configure_logging(settings.log_format, settings.log_level)
    try:
        verify_versions()
    except UnverifiedVersionError as exc:
        sys.exit(f"newsflow worker: {exc}")
    app = build_worker(settings, worker_id=os.environ.get("NEWSFLOW_WORKER_ID", "0"))
    sys.argv = [sys.argv[0], "worker", "--loglevel", settings.log_level.lower(), "--without-web"]
    app.main()


if __name__ == "__main__":
    main()
