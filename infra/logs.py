"""Structured logging: readable lines locally, one JSON object per line in production.

Call sites pass context with ``extra={...}``; both formats show it. Client
libraries repeat themselves when a service is down (aiokafka logs thousands of
identical connection errors a second during a broker outage), so their repeats
are let through once per interval with a count of those held back.
"""

from __future__ import annotations

import json
import logging
import logging.config
import re
from datetime import UTC, datetime
from typing import Any

# Attributes every LogRecord has; anything else came from ``extra=``.
_STANDARD_ATTRS = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "taskName"}


def _context(record: logging.LogRecord) -> dict[str, Any]:
    return {k: v for k, v in vars(record).items() if k not in _STANDARD_ATTRS}


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message and the extra context."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            **_context(record),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class TextFormatter(logging.Formatter):
    """``HH:MM:SS level logger: message key=value ...`` for people at a terminal."""

    def format(self, record: logging.LogRecord) -> str:
        when = datetime.fromtimestamp(record.created).strftime("%H:%M:%S")
        extras = " ".join(f"{k}={v}" for k, v in _context(record).items())
        line = f"{when} {record.levelname.lower():7} {record.name}: {record.getMessage()}"
        if extras:
            line = f"{line}  {extras}"
        if record.exc_info:
            line = f"{line}\n{self.formatException(record.exc_info)}"
        return line


# Client libraries: chatty at INFO (their warnings still come through) and prone to floods.
LIBRARY_LOGGERS = ("kafka", "aiokafka", "elasticsearch", "elastic_transport", "urllib3", "httpx", "faust", "mode")
# httpcore at DEBUG would also log a redirect's Location header, credentials and all.
_NOISY_AT_INFO = ("kafka", "aiokafka", "elasticsearch", "elastic_transport", "urllib3", "httpx", "httpcore")


# Some libraries format their numbers into the message before logging it (Faust's producer buffer logs
# "producer buffer full size 104" a few times a second under load): such lines differ only in their numbers.
_NUMBERS = re.compile(r"\d+(?:\.\d+)?(?:e-?\d+)?")


class RepeatLimiter(logging.Filter):
    """Lets a library's repeated message (same logger, level and template, numbers aside) through once per
    ``interval_s``.

    The next line let through carries ``suppressed=N``: how many were held back
    since the last one. The project's own loggers are never limited.
    """

    MAX_KEYS = 1000

    def __init__(self, interval_s: float = 10.0, loggers: tuple[str, ...] = LIBRARY_LOGGERS) -> None:
        super().__init__()
        self.interval_s = interval_s
        self.prefixes = tuple(loggers) + tuple(f"{name}." for name in loggers)
        # (logger, level, template) -> [time last let through, count held back since]
        self._seen: dict[tuple[str, int, str], list[float]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        if not (record.name in self.prefixes or record.name.startswith(self.prefixes)):
            return True
        key = (record.name, record.levelno, _NUMBERS.sub("#", str(record.msg)))
        seen = self._seen.get(key)
        if seen is not None and record.created - seen[0] < self.interval_s:
            seen[1] += 1
            return False
        if seen is not None and seen[1]:
            record.suppressed = int(seen[1])
        if len(self._seen) >= self.MAX_KEYS:
            self._seen.clear()
        self._seen[key] = [record.created, 0]
        return True


def logging_config(fmt: str = "text", level: str = "INFO") -> dict[str, Any]:
    """The ``logging.config.dictConfig`` of every newsflow process (the Faust worker applies it too)."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"newsflow": {"()": JsonFormatter if fmt == "json" else TextFormatter}},
        "filters": {"repeats": {"()": RepeatLimiter}},
        "handlers": {
            "stderr": {
                "class": "logging.StreamHandler",
                "stream": "ext://sys.stderr",
                "formatter": "newsflow",
                "filters": ["repeats"],
            }
        },
        "root": {"level": level.upper(), "handlers": ["stderr"]},
        "loggers": {name: {"level": "WARNING"} for name in _NOISY_AT_INFO},
    }


def configure_logging(fmt: str = "text", level: str = "INFO") -> None:
    """Install the newsflow formatter and repeat limiter on the root logger (idempotent)."""
    logging.config.dictConfig(logging_config(fmt, level))
