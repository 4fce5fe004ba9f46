"""Check the import contracts of pyproject's ``[tool.importlinter]`` (the layers) with import-linter.

import-linter finds modules on disk, so it runs in the package view
(tools/package_view.py). Exit code 0 when every contract is kept.

    python -m tools.layers
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tools.package_view import ROOT, VIEW, build_view, in_repository


def check_layers(root: Path = ROOT, view: Path = VIEW) -> tuple[int, str]:
    """Run ``lint-imports`` on the view of the tree at ``root``: its exit code and report (tree paths)."""
    rewrites = build_view(root, view)
    environment = {**os.environ, "PYTHONPATH": str(view)}
    command = [str(Path(sys.executable).with_name("lint-imports")), "--no-cache", str(root / "pyproject.toml")]
    result = subprocess.run(command, cwd=view, env=environment, capture_output=True, text=True, check=False)
    report = "\n".join(in_repository(line, rewrites) for line in (result.stdout + result.stderr).splitlines())
    return result.returncode, report


def main() -> int:
    """Check the repository's layers; the exit code is lint-imports'."""
    code, report = check_layers()
    print(report)
    return code


if __name__ == "__main__":
    sys.exit(main())
