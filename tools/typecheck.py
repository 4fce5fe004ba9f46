"""Run mypy (strict, pyproject's settings) on the package as installed, the tests, benchmarks and tools.

mypy runs in the package view (tools/package_view.py); its report names the
files by their paths in this repository.

    python -m tools.typecheck [mypy options]
"""

from __future__ import annotations

import subprocess
import sys

from tools.package_view import OUTSIDE_THE_PACKAGE, ROOT, VIEW, build_view, in_repository


def main() -> int:
    """Type-check; the exit code is mypy's."""
    rewrites = build_view()
    command = [
        sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
        "newsflow", *OUTSIDE_THE_PACKAGE, *sys.argv[1:],
    ]  # fmt: skip
    result = subprocess.run(command, cwd=VIEW, capture_output=True, text=True, check=False)
    for line in (result.stdout + result.stderr).splitlines():
        print(in_repository(line, rewrites))
    return result.returncode


if __name__ == "__main__":
    sys.exit(main())
