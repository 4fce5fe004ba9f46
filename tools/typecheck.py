"""Run mypy over the package as installed, and report errors at their paths in this repository.

The layer folders (schemas/, producers/, ...) are subpackages of `newsflow`
by pyproject's ``[tool.setuptools.package-dir]``; mypy resolves imports by
folders only. So this builds the installed layout out of symlinks in
``.newsflow/typecheck/`` (newsflow/schemas -> ../../../schemas, ...), runs mypy
there on the package, the tests and the benchmarks, and rewrites the paths in
its report back to the repository's (newsflow/schemas/x.py -> schemas/x.py).

    python tools/typecheck.py [mypy options]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VIEW = ROOT / ".newsflow" / "typecheck"
CHECKED_OUTSIDE_THE_PACKAGE = ("tests", "bench", "tools")


def package_dirs() -> dict[str, str]:
    """pyproject's package -> folder map of the top-level layer folders."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return dict(config["tool"]["setuptools"]["package-dir"])


def build_view(mapping: dict[str, str]) -> dict[str, str]:
    """Symlink the installed layout into VIEW; return view path prefix -> repository path prefix."""
    package = VIEW / "newsflow"
    package.mkdir(parents=True, exist_ok=True)
    for entry in package.iterdir():
        if entry.is_symlink():
            entry.unlink()
    rewrites: dict[str, str] = {}
    for name in sorted(os.listdir(ROOT / mapping["newsflow"])):
        if name != "__pycache__":
            (package / name).symlink_to(ROOT / mapping["newsflow"] / name)
    for dotted, folder in mapping.items():
        if dotted == "newsflow":
            continue
        link = VIEW / Path(*dotted.split("."))
        link.symlink_to(ROOT / folder, target_is_directory=True)
        rewrites[f"{'/'.join(dotted.split('.'))}/"] = f"{folder}/"
    for folder in CHECKED_OUTSIDE_THE_PACKAGE:
        link = VIEW / folder
        if link.is_symlink():
            link.unlink()
        link.symlink_to(ROOT / folder, target_is_directory=True)
    rewrites[f"{mapping['newsflow']}/"] = f"{mapping['newsflow']}/"
    return rewrites


def _in_repository(line: str, rewrites: dict[str, str]) -> str:
    for view_prefix, repo_prefix in rewrites.items():
        if line.startswith(view_prefix):
            return repo_prefix + line[len(view_prefix) :]
    return line


def main() -> int:
    """Type-check; the exit code is mypy's."""
    rewrites = build_view(package_dirs())
    command = [
        sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
        "newsflow", *CHECKED_OUTSIDE_THE_PACKAGE, *sys.argv[1:],
    ]  # fmt: skip
    result = subprocess.run(command, cwd=VIEW, capture_output=True, text=True, check=False)
    for line in (result.stdout + result.stderr).splitlines():
        print(_in_repository(line, rewrites))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
