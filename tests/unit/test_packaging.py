"""The wheel installs one top-level import name, `newsflow`, holding every layer and its data files."""

from __future__ import annotations

import subprocess
import sys
import tomllib
import venv
import zipfile
from pathlib import Path

import pydantic
import pytest

from newsflow.schemas.topics import ALL_TOPICS

ROOT = Path(__file__).resolve().parents[2]
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_folder_is_in_the_wheel_list() -> None:
    """A subpackage missing from pyproject's ``packages`` would be left out of the wheel."""
    found = set()
    for package, folder in CONFIG["package-dir"].items():
        for init in (ROOT / folder).rglob("__init__.py"):
            relative = init.parent.relative_to(ROOT / folder)
            found.add(".".join([package, *relative.parts]))
    assert found == set(CONFIG["packages"])


@pytest.fixture(scope="module")
def built_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The project's wheel, built as `pip wheel` builds it for an install."""
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
        check=True,
        timeout=600,
    )
    (wheel,) = out.glob("newsflow-*.whl")
    return wheel


def test_the_wheel_holds_one_top_level_name_with_the_data_files(built_wheel: Path) -> None:
    names = zipfile.ZipFile(built_wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == {"newsflow"}
    for expected in (
        "newsflow/py.typed",
        "newsflow/schemas/topics.py",
        "newsflow/processors/patches/versions.py",
        "newsflow/api/web/index.html",
        "newsflow/stack/maven/kafka/pom.xml",
        "newsflow/cli/main.py",
    ):
        assert expected in names


def test_installed_in_a_fresh_virtualenv_it_exposes_only_newsflow(built_wheel: Path, tmp_path: Path) -> None:
    """pip install of the wheel (without its dependencies: only the names it adds are looked at)."""
    environment = tmp_path / "venv"
    venv.create(environment, with_pip=True)
    python = environment / "bin" / "python"
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--no-deps", built_wheel], check=True, timeout=600)
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
    )  # fmt: skip
    before = {"pip", "_distutils_hack", "setuptools", "pkg_resources", "distutils-precedence.pth", "__pycache__"}
    added = {p.name for p in site.iterdir() if not p.name.endswith(".dist-info") and p.name not in before}
    assert added == {"newsflow"}
    # The installed package imports from its own folder (the contracts need only pydantic, found here
    # through this test's environment appended after the fresh one).
    probe = (
        "import sys; sys.path.append(sys.argv[1]); import newsflow.schemas.topics as t; "
        "print(t.__file__); print(len(t.ALL_TOPICS))"
    )
    ours = str(Path(pydantic.__path__[0]).parent)
    result = subprocess.run([python, "-I", "-c", probe, ours], capture_output=True, text=True, check=True, cwd=tmp_path)
    installed_file, topics = result.stdout.split()
    assert Path(installed_file).is_relative_to(site)
    assert int(topics) == len(ALL_TOPICS)  # the same contracts as the checkout's
