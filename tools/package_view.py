"""The installed layout of the `newsflow` package, built from symlinks, for tools that resolve imports by folder.

The layer folders (schemas/, producers/, ...) are subpackages of `newsflow`
by pyproject's ``[tool.setuptools.package-dir]``. Python finds them through
the editable install's finder, but mypy and import-linter look for
``newsflow/schemas/`` on disk. This module builds that layout in
``.newsflow/package-view/`` (newsflow/schemas -> ../../../schemas, ...) and
maps the paths tools report there back to the repository's.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEW = ROOT / ".newsflow" / "package-view"
# Checked by mypy beside the package; they import it as an installed package.
OUTSIDE_THE_PACKAGE = ("tests", "bench", "tools")


def package_dirs(root: Path = ROOT) -> dict[str, str]:
    """pyproject's package -> folder map (``newsflow.schemas`` -> ``schemas``)."""
    config = tomllib.loads((root / "pyproject.toml").read_text())
    return dict(config["tool"]["setuptools"]["package-dir"])


def build_view(root: Path = ROOT, view: Path = VIEW) -> dict[str, str]:
    """(Re)build the view of the tree at ``root`` in ``view``; return view path prefix -> tree path prefix."""
    mapping = package_dirs(root)
    package = view / "newsflow"
    package.mkdir(parents=True, exist_ok=True)
    for entry in [*package.iterdir(), *view.iterdir()]:
        if entry.is_symlink():
            entry.unlink()
    root_folder = mapping["newsflow"]
    for name in sorted(os.listdir(root / root_folder)):
        if name != "__pycache__":
            (package / name).symlink_to(root / root_folder / name)
    rewrites: dict[str, str] = {}
    for dotted, folder in mapping.items():
        if dotted != "newsflow":
            (view / Path(*dotted.split("."))).symlink_to(root / folder, target_is_directory=True)
            rewrites[dotted.replace(".", "/") + "/"] = f"{folder}/"
    for folder in OUTSIDE_THE_PACKAGE:
        if (root / folder).is_dir():
            (view / folder).symlink_to(root / folder, target_is_directory=True)
    rewrites["newsflow/"] = f"{root_folder}/"
    return rewrites


def in_repository(line: str, rewrites: dict[str, str]) -> str:
    """``line`` with a leading view path replaced by the repository's path of the same file."""
    for view_prefix, repo_prefix in rewrites.items():
        if line.startswith(view_prefix):
            return repo_prefix + line[len(view_prefix) :]
    return line
