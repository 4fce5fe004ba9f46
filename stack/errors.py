"""The one error type of the local stack."""

from __future__ import annotations

from newsflow.infra.errors import NewsflowError


class StackError(NewsflowError):
    """A local-stack step failed (a JVM did not start, a port is taken, a download failed)."""
