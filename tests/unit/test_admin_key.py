"""The local stack's admin key: made once, owner-only, given to the API; a configured key wins."""

from __future__ import annotations

import stat
from pathlib import Path

from pydantic import SecretStr

from newsflow.infra.settings import Settings
from newsflow.stack.admin_key import admin_key_path, local_admin_key, stored_admin_key
from newsflow.stack.services import ApiService


def test_the_first_start_makes_a_key_readable_by_its_owner_only_and_keeps_it(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    assert stored_admin_key(settings) is None
    key = local_admin_key(settings)
    assert len(key) >= 32
    assert stat.S_IMODE(admin_key_path(settings).stat().st_mode) == 0o600
    assert local_admin_key(settings) == stored_admin_key(settings) == key


def test_a_configured_key_is_used_and_no_file_is_made(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, admin_key=SecretStr("configured-key"))
    assert local_admin_key(settings) == "configured-key"
    assert not admin_key_path(settings).exists()


def test_the_local_api_runs_with_the_key(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path)
    env = ApiService(settings).env()
    assert env["NEWSFLOW_ADMIN_KEY"] == stored_admin_key(settings)
