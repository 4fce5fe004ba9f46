"""Structured log lines, and the limiter that keeps a client library's error storm out of the log."""

from __future__ import annotations

import json
import logging

from newsflow.infra.logs import JsonFormatter, RepeatLimiter, logging_config


def _record(name: str, msg: str, created: float, *args: object) -> logging.LogRecord:
    record = logging.LogRecord(name, logging.ERROR, __file__, 0, msg, args, None)
    record.created = created
    return record


def test_a_library_repeat_is_let_through_once_per_interval_with_the_count_held_back() -> None:
    limiter = RepeatLimiter(interval_s=10.0)
    template = "Unable connect to node with id %s: %s"
    passed = [
        limiter.filter(_record("aiokafka.conn", template, 100.0 + i * 0.001, i % 3, "refused")) for i in range(5000)
    ]
    assert passed.count(True) == 1, "one line for a burst of 5000 within the interval"
    later = _record("aiokafka.conn", template, 111.0, 1, "refused")
    assert limiter.filter(later)
    assert vars(later)["suppressed"] == 4999


def test_a_library_message_with_its_numbers_formatted_in_counts_as_one_template() -> None:
    limiter = RepeatLimiter(interval_s=10.0)
    sizes = [101, 104, 133, 2048]
    passed = [limiter.filter(_record("faust.transport.producer", f"producer buffer full size {n}", 5.0)) for n in sizes]
    took = [
        limiter.filter(_record("faust.transport.producer", f"producer flush took {s}", 5.0)) for s in (0.0049, 4e-05)
    ]
    assert (passed, took) == ([True, False, False, False], [True, False])
    assert limiter.filter(_record("faust.transport.producer", "producer buffer full size 99", 16.0))


def test_different_messages_and_the_projects_own_lines_are_never_held_back() -> None:
    limiter = RepeatLimiter(interval_s=10.0)
    assert limiter.filter(_record("aiokafka", "Unable to update metadata from %s", 1.0, 1))
    assert limiter.filter(_record("aiokafka", "Unable connect to %s", 1.0, 1))
    own = [limiter.filter(_record("newsflow.processors", "dead letter", 1.0)) for _ in range(100)]
    assert all(own)


def test_json_lines_carry_the_extra_context() -> None:
    record = _record("newsflow.producers", "file rejected", 0.0)
    record.path = "ingest/a.txt"
    entry = json.loads(JsonFormatter().format(record))
    assert entry["message"] == "file rejected"
    assert entry["path"] == "ingest/a.txt"
    assert entry["level"] == "error"


def test_the_config_applies_the_limiter_to_every_line_and_quiets_library_info() -> None:
    config = logging_config("json", "debug")
    assert config["handlers"]["stderr"]["filters"] == ["repeats"]
    assert config["root"] == {"level": "DEBUG", "handlers": ["stderr"]}
    assert config["loggers"]["aiokafka"] == {"level": "WARNING"}
    assert config["formatters"]["newsflow"]["()"] is JsonFormatter
