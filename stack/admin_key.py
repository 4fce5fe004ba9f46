"""The local stack's admin key: made once at the first ``make up`` unless ``NEWSFLOW_ADMIN_KEY`` is set.

Saving a search needs the admin key, as replay and reindex do. A deployment
sets its own (docker-compose: ``NEWSFLOW_ADMIN_KEY``); on one's own machine,
``make up`` makes a random key, keeps it in ``<home>/admin-key`` readable by
its owner only, gives it to the API, and ``newsflow alerts`` reads it from
there. The page asks for it once per tab (``cat .newsflow/admin-key``).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from newsflow.infra.settings import Settings

KEY_FILE = "admin-key"


def admin_key_path(settings: Settings) -> Path:
    """Where the local stack keeps the key it made."""
    return settings.home / KEY_FILE


def stored_admin_key(settings: Settings) -> str | None:
    """``NEWSFLOW_ADMIN_KEY`` if set, else the key the local stack made (None before the first ``make up``)."""
    if settings.admin_key is not None:
        return settings.admin_key.get_secret_value()
    path = admin_key_path(settings)
    return path.read_text().strip() or None if path.is_file() else None


def local_admin_key(settings: Settings) -> str:
    """The key the local API runs with: :func:`stored_admin_key`, made and stored the first time."""
    if (key := stored_admin_key(settings)) is not None:
        return key
    path = admin_key_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(24)
    # Created owner-only from the start: the key never sits in a file others can read.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(key + "\n")
    return key
