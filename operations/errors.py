"""The one error type of the operations jobs."""

from __future__ import annotations

from newsflow.infra.errors import NewsflowError


class OperationError(NewsflowError):
    """A job against a deployment failed (bootstrap, Kibana import); the message says what to do."""
