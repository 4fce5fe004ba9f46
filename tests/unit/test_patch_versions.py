"""A worker refuses library versions its Faust and aiokafka patches were not verified with."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from newsflow.processors.patches import UnverifiedVersionError, verify_versions
from newsflow.processors.patches.versions import VERIFIED_VERSIONS

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def test_the_installed_versions_are_the_verified_ones() -> None:
    verify_versions()


def test_the_verified_versions_are_the_pins_of_the_project() -> None:
    dependencies = tomllib.loads(PYPROJECT.read_text())["project"]["dependencies"]
    for name, verified in VERIFIED_VERSIONS.items():
        assert f"{name}=={verified}" in dependencies


def test_another_version_is_refused_with_the_versions_and_what_to_do() -> None:
    installed = {"faust-streaming": "0.15.4", "aiokafka": "0.14.0"}
    with pytest.raises(UnverifiedVersionError) as refused:
        verify_versions(installed.get)
    message = str(refused.value)
    assert "found faust-streaming 0.15.4" in message
    assert "faust-streaming==0.15.3" in message
    assert "aiokafka" not in message.split(";", maxsplit=1)[0], "only the wrong version is named as found"
    assert "docs/patches.md" in message


def test_a_missing_library_is_named() -> None:
    with pytest.raises(UnverifiedVersionError, match="aiokafka not installed"):
        verify_versions({"faust-streaming": "0.15.3"}.get)


def test_the_worker_does_not_start_on_an_unverified_version(tmp_path: Path) -> None:
    """The real worker entry point, with aiokafka's reported version changed before it checks."""
    script = (
        "import importlib.metadata as m, runpy, sys\n"
        "real = m.version\n"
        "m.version = lambda name: '0.15.0' if name == 'aiokafka' else real(name)\n"
        "sys.argv = ['newsflow.processors']\n"
        "runpy.run_module('newsflow.processors', run_name='__main__')\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path
    )
    assert result.returncode == 1
    assert "newsflow worker: found aiokafka 0.15.0" in result.stderr
    assert "aiokafka==0.14.0" in result.stderr
