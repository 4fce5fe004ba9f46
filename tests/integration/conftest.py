"""Fixtures shared by the integration tests of the API and its web page."""

from __future__ import annotations

from typing import Any

import pytest

from newsflow.infra.settings import Settings
from tests.integration.corpus import OTHER, REUTERS, send_files, write_republication
from tests.integration.index_queries import articles, wait_for


@pytest.fixture(scope="module")
def indexed_corpus(pipeline_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings of a sandbox holding both samples and an edited republication of the Reuters one."""
    republication = write_republication(tmp_path_factory.mktemp("republication") / "republished.txt")
    send_files(pipeline_settings, REUTERS, OTHER, republication)

    def all_linked() -> list[dict[str, Any]] | None:
        docs = articles(pipeline_settings)
        return docs if len(docs) == 3 and any(d.get("near_duplicate_of") for d in docs) else None

    wait_for(all_linked, what="three articles with the near-duplicate link")
    return pipeline_settings
