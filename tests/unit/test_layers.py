"""The layer contracts (pyproject's [tool.importlinter]) hold, and they catch an import that goes upward."""

from __future__ import annotations

import shutil
from pathlib import Path

from tools.layers import check_layers
from tools.package_view import ROOT, package_dirs


def test_the_package_keeps_its_layers(tmp_path: Path) -> None:
    code, report = check_layers(view=tmp_path / "view")
    assert code == 0, report
    assert "Contracts: 3 kept, 0 broken." in report


def _copy_of_the_package(destination: Path) -> Path:
    destination.mkdir()
    shutil.copy(ROOT / "pyproject.toml", destination / "pyproject.toml")
    for folder in package_dirs().values():
        shutil.copytree(ROOT / folder, destination / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return destination


def test_the_api_importing_the_local_stack_breaks_the_layers(tmp_path: Path) -> None:
    tree = _copy_of_the_package(tmp_path / "tree")
    admin = tree / "api" / "admin.py"
    admin.write_text(admin.read_text() + "\nfrom newsflow.stack.stack import LocalStack  # noqa: E402\n")
    code, report = check_layers(root=tree, view=tmp_path / "view")
    assert code != 0
    assert "newsflow.api is not allowed to import newsflow.stack" in report
    assert "newsflow.api.admin -> newsflow.stack.stack" in report


def test_the_contracts_importing_faust_breaks_their_contract(tmp_path: Path) -> None:
    tree = _copy_of_the_package(tmp_path / "tree")
    topics = tree / "schemas" / "topics.py"
    topics.write_text(topics.read_text() + "\nimport faust  # noqa: E402\n")
    code, report = check_layers(root=tree, view=tmp_path / "view")
    assert code != 0
    assert "newsflow.schemas.topics -> faust" in report
