"""Saved searches stored in a sandbox without an API process (for the stream's and the fault suite's tests).

They go through the API's own store (api/saved_search_store.py), so the
documents the percolator reads are exactly the ones the API writes.
"""

from __future__ import annotations

from newsflow.api.saved_search_store import SavedSearchStore
from newsflow.infra.settings import Settings
from newsflow.schemas.alerts import SavedSearchRequest


def save_search(settings: Settings, request: SavedSearchRequest) -> str:
    """Store ``request`` in ``settings``' saved-searches index as the API does; return its id."""
    return SavedSearchStore(settings).create(request).saved_search_id
