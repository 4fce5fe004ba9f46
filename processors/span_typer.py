"""A second opinion on the type of each name spaCy finds: person, organisation, place, or not a name at all.

spaCy's NER finds most names but often gives them the wrong type: companies and bands as people or places
("Yukos", "Gazprom", "Green Day"), people as organisations. Its labels come from one left-to-right pass; the
typer looks at the whole span at once: the static word vectors of the pipeline (en_core_web_md's) of the span,
its last word ("Dairy", "Studios"), the three words on each side ("the band", "shares in"), the model's own
label and the span's shape, through a softmax regression trained on permissively licensed annotated text
(``tools/train_span_typer.py``, ``make span-typer``; the data and its licences: models/data/LICENSE.md).

The typer overrides the model only when it is clearly surer of another type (:data:`MARGIN`), and only for the
labels the facets use (PERSON, ORG, GPE, LOC, FAC): the knowledge rules of processors/entities.py (gazetteer,
outlets, parties) still decide after it. The weights were trained against one pipeline: with any other
(another version, or the small model without static vectors) the typer stays off (:meth:`SpanTyper.for_pipeline`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

WEIGHTS = Path(__file__).parent / "data" / "span_typer.npz"
# What the features are; a weights file of another version is not used.
FEATURES_VERSION = 1
# The model's labels the typer reads (one-hot) and those it may change (the facet labels).
INPUT_LABELS = ("PERSON", "ORG", "GPE", "LOC", "FAC", "NORP", "PRODUCT", "EVENT", "WORK_OF_ART", "LAW", "LANGUAGE")
NAME_LABELS = frozenset({"PERSON", "ORG", "GPE", "LOC", "FAC"})
CLASSES = ("PERSON", "ORG", "PLACE", "NONE")
_MODEL_CLASS = {"PERSON": 0, "ORG": 1, "GPE": 2, "LOC": 2, "FAC": 2}
CONTEXT = 3  # words on each side of the span
# How much surer (in probability) the typer must be of another class than of the model's type to change it.
# Chosen on the dev parts of the entity benchmark (docs/benchmarks.md, "The span typer").
MARGIN = 0.3
SHAPE_FEATURES = 9
NONE = CLASSES.index("NONE")
KEEP_NAMES = True  # a span is only retyped, never dropped: dropping lost real organisations on dev

FloatArray = npt.NDArray[np.float32]


def _unit(rows: FloatArray) -> FloatArray:
    """Each row scaled to length one (zero rows stay zero)."""
    norms = np.linalg.norm(rows, axis=-1, keepdims=True)
    return np.divide(rows, norms, out=np.zeros_like(rows), where=norms > 0)


def _mean_rows(table: FloatArray, rows: npt.NDArray[np.int64]) -> FloatArray:
    """The mean of the table's rows ``rows`` (-1: a word without a vector, left out)."""
    found = rows[rows >= 0]
    if found.size == 0:
        return np.zeros(table.shape[1], dtype=np.float32)
    return table[found].mean(axis=0)


def span_features(doc: Any, spans: list[tuple[int, int, str]]) -> FloatArray:
    """One row of features for each span (token start, token end exclusive, the model's label) of ``doc``.

    The pipeline's static vectors of the span, its last word and the CONTEXT words on each side, each scaled to
    length one; the model's label (one-hot over INPUT_LABELS); the span's shape.
    """
    vectors = doc.vocab.vectors
    table: FloatArray = np.asarray(vectors.data, dtype=np.float32)
    width = table.shape[1]
    rows = np.asarray(vectors.find(keys=[token.orth for token in doc]), dtype=np.int64) if len(doc) else np.zeros(0)
    out = np.zeros((len(spans), 4 * width + len(INPUT_LABELS) + SHAPE_FEATURES), dtype=np.float32)
    for i, (start, end, label) in enumerate(spans):
        parts = np.stack(
            [
                _mean_rows(table, rows[start:end]),
                _mean_rows(table, rows[end - 1 : end]),
                _mean_rows(table, rows[max(0, start - CONTEXT) : start]),
                _mean_rows(table, rows[end : end + CONTEXT]),
            ]
        )
        out[i, : 4 * width] = _unit(parts).ravel()
        if label in INPUT_LABELS:
            out[i, 4 * width + INPUT_LABELS.index(label)] = 1.0
        words = [doc[j].text for j in range(start, end)]
        shape = out[i, 4 * width + len(INPUT_LABELS) :]
        shape[min(len(words), 4) - 1] = 1.0  # 1, 2, 3, 4+ words
        shape[4] = float(all(w.isupper() for w in words if any(c.isalpha() for c in w)))
        shape[5] = float(any(c.isdigit() for w in words for c in w))
        shape[6] = float(start == 0 or doc[start - 1].text in {".", "!", "?", "\n", '"', ":"})
        shape[7] = float((rows[start:end] >= 0).mean()) if end > start else 0.0
        shape[8] = 1.0  # bias
    return out


def softmax(scores: FloatArray) -> FloatArray:
    """Row-wise softmax."""
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)


@dataclass(frozen=True)
class SpanTyper:
    """The trained weights (features x classes) and the pipeline they were trained against."""

    weights: FloatArray
    pipeline: str  # "en_core_web_md-3.8.0"

    @classmethod
    def load(cls, path: Path = WEIGHTS) -> SpanTyper:
        """The typer saved at ``path`` by :meth:`save`."""
        with np.load(path) as saved:
            meta = json.loads(str(saved["meta"]))
            if meta.get("features_version") != FEATURES_VERSION:
                raise ValueError(f"{path}: features version {meta.get('features_version')}, not {FEATURES_VERSION}")
            return cls(np.asarray(saved["weights"], dtype=np.float32), str(meta["pipeline"]))

    def save(self, path: Path, **provenance: Any) -> None:
        """Write the weights and their metadata (plus ``provenance``) to ``path``."""
        meta = {"features_version": FEATURES_VERSION, "pipeline": self.pipeline, "classes": CLASSES, **provenance}
        with path.open("wb") as handle:
            np.savez_compressed(handle, weights=self.weights, meta=np.array(json.dumps(meta, sort_keys=True)))

    @classmethod
    def for_pipeline(cls, nlp: Any, path: Path = WEIGHTS) -> SpanTyper | None:
        """The shipped typer when it was trained against ``nlp``'s pipeline and that has static vectors; else None."""
        if not path.exists() or not nlp.vocab.vectors.shape[0]:
            return None
        typer = cls.load(path)
        return typer if typer.pipeline == pipeline_name(nlp) else None

    def probabilities(self, features: FloatArray) -> FloatArray:
        """Each span's probability of each of CLASSES."""
        return softmax(features @ self.weights)

    def labels(self, doc: Any, margin: float = MARGIN, keep_names: bool = KEEP_NAMES) -> list[tuple[int, int, str]]:
        """The doc's entities as (start char, end char, label): the model's, except where the typer is surer.

        A facet label (PERSON, ORG, GPE, LOC, FAC) becomes another when the typer's probability of that class
        exceeds the model's by ``margin``; a span the typer is that sure is no name is left out.
        """
        ents = list(doc.ents)
        spans = [(e.start, e.end, e.label_) for e in ents]
        named = [i for i, (_, _, label) in enumerate(spans) if label in NAME_LABELS]
        decided = {i: spans[i][2] for i in range(len(spans))}
        if named:
            probs = self.probabilities(span_features(doc, [spans[i] for i in named]))
            for row, i in zip(probs, named, strict=True):
                label = spans[i][2]
                best = int(row[:NONE].argmax()) if keep_names else int(row.argmax())
                if row[best] - row[_MODEL_CLASS[label]] >= margin:
                    decided[i] = _label_of(best, label)
        return [(e.start_char, e.end_char, decided[i]) for i, e in enumerate(ents) if decided[i]]


def _label_of(cls: int, model_label: str) -> str:
    """The spaCy label of a class ("" for NONE); a place keeps the model's finer place label."""
    name = CLASSES[cls]
    if name == "PLACE":
        return model_label if model_label in ("GPE", "LOC", "FAC") else "GPE"
    return "" if name == "NONE" else name


def pipeline_name(nlp: Any) -> str:
    """A pipeline's name and version as the weights record them ("en_core_web_md-3.8.0")."""
    return f"{nlp.meta.get('lang', 'xx')}_{nlp.meta.get('name', '')}-{nlp.meta.get('version', '')}"
