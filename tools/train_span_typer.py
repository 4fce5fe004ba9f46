"""Train the span typer of the entity stage (processors/span_typer.py): ``make span-typer``.

The typer gives a second opinion on the type of each name the NER pipeline finds. Its training rows are the
pipeline's own entities on the vendored annotated text of ``models/data`` (wikigold, CC BY 4.0; GUM's CC BY
genres; licences in ``models/data/LICENSE.md``, the readers in tools/train_ner.py), each labelled with the
gold type of the same span:
- the gold span with the same tokens, or the gold span overlapping it most when they share at least half of
  their tokens: its type (PERSON, ORG, a place; wikigold's MISC is "not a person, organisation or place");
- no gold span at all: "not a name of the three types" in wikigold, whose gold marks every name; nothing in
  GUM, whose named mentions are found by rule and may be missed;
- a small overlap: no row.

A softmax regression (numpy, L2, full-batch Adam from zeros: deterministic) is fitted on the documents
tools/train_ner.py does not hold out and scored on those it does, beside the pipeline's own labels. The
weights go to processors/data/span_typer.npz with the pipeline they were trained against.

    python -m tools.train_span_typer              # train on the default pipeline (NEWSFLOW_NER_MODEL)
    python -m tools.train_span_typer --epochs 100 # a quicker, worse fit
"""

from __future__ import annotations

import argparse
import hashlib
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import spacy
from spacy.tokens import Doc

from newsflow.infra.ner_models import ner_model_location
from newsflow.infra.settings import get_settings
from newsflow.processors.span_typer import (
    _MODEL_CLASS,
    CLASSES,
    INPUT_LABELS,
    MARGIN,
    WEIGHTS,
    FloatArray,
    SpanTyper,
    pipeline_name,
    span_features,
)
from tools.train_ner import DATA, EXCLUDE, Sentence, held_out, load_sentences

GOLD_CLASS = {"PERSON": 0, "ORG": 1, "LOC": 2, "MISC": 3}
NONE = CLASSES.index("NONE")


def documents(sentences: Sequence[Sentence]) -> list[Sentence]:
    """The sentences of each document joined into one (the stage reads whole articles, not sentences)."""
    by_document: dict[str, list[Sentence]] = defaultdict(list)
    for sentence in sentences:
        by_document[sentence.document].append(sentence)
    joined = []
    for name, parts in by_document.items():
        words: list[str] = []
        spaces: list[bool] = []
        spans: list[tuple[int, int, str]] = []
        for part in parts:
            spans += [(start + len(words), end + len(words), label) for start, end, label in part.spans]
            words += part.words
            spaces += [*part.spaces[:-1], True]
        joined.append(Sentence(name, words, spaces, spans, parts[0].exhaustive))
    return joined


def gold_class(span: tuple[int, int], gold: Sequence[tuple[int, int, str]], exhaustive: bool) -> int | None:
    """The class a predicted token span is taught (see the module's docstring); None: no row."""
    start, end = span
    best, best_share = None, 0.0
    for g_start, g_end, label in gold:
        shared = min(end, g_end) - max(start, g_start)
        if shared <= 0:
            continue
        share = shared / (max(end, g_end) - min(start, g_start))
        if share > best_share:
            best, best_share = label, share
    if best is None:
        return NONE if exhaustive else None
    return GOLD_CLASS[best] if best_share >= 0.5 else None


def rows(nlp: Any, docs: Sequence[Sentence]) -> tuple[FloatArray, np.ndarray, np.ndarray, list[bool]]:
    """Features, taught classes and the pipeline's own classes of every predicted span; whether it is held out."""
    features: list[FloatArray] = []
    taught: list[int] = []
    model: list[int] = []
    held: list[bool] = []
    pipes = (Doc(nlp.vocab, words=d.words, spaces=d.spaces) for d in docs)
    for source, doc in zip(docs, nlp.pipe(pipes, batch_size=16), strict=True):
        spans = []
        for ent in doc.ents:
            cls = gold_class((ent.start, ent.end), source.spans, source.exhaustive)
            if ent.label_ in INPUT_LABELS and cls is not None:
                spans.append((ent.start, ent.end, ent.label_))
                taught.append(cls)
                model.append(_MODEL_CLASS.get(ent.label_, NONE))
                held.append(held_out(source.document))
        if spans:
            features.append(span_features(doc, spans))
    return np.concatenate(features), np.asarray(taught), np.asarray(model), held


def fit(x: FloatArray, y: np.ndarray, epochs: int, l2: float, learn_rate: float) -> FloatArray:
    """Softmax regression by full-batch Adam from zero weights (deterministic)."""
    weights = np.zeros((x.shape[1], len(CLASSES)), dtype=np.float32)
    first, second = np.zeros_like(weights), np.zeros_like(weights)
    target = np.eye(len(CLASSES), dtype=np.float32)[y]
    for step in range(1, epochs + 1):
        scores = x @ weights
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        probs /= probs.sum(axis=1, keepdims=True)
        gradient = x.T @ (probs - target) / len(x) + l2 * weights
        first = 0.9 * first + 0.1 * gradient
        second = 0.999 * second + 0.001 * gradient**2
        weights -= learn_rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return weights


def accuracy(decided: np.ndarray, taught: np.ndarray) -> str:
    """Share of rows decided right, overall and on the rows whose model label is a facet label."""
    return f"{(decided == taught).mean():.3f} ({len(taught)} spans)"


def decide(typer: SpanTyper, x: FloatArray, model: np.ndarray, margin: float) -> np.ndarray:
    """The class the stage keeps for each row: the typer's where it is ``margin`` surer, else the model's."""
    probs = typer.probabilities(x)
    best = probs.argmax(axis=1)
    gain = probs[np.arange(len(x)), best] - probs[np.arange(len(x)), model]
    # The stage only changes facet labels; a span the model typed NORP, PRODUCT, ... stays not a facet name.
    return np.where((gain >= margin) & (model != NONE), best, model)


def main(argv: list[str] | None = None) -> int:
    """Train, print held-out accuracies beside the pipeline's own, write the weights."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", help="spaCy pipeline (default: NEWSFLOW_NER_MODEL's)")
    parser.add_argument("--epochs", type=int, default=400)
    parser.add_argument("--l2", type=float, default=1e-4)
    parser.add_argument("--learn-rate", type=float, default=0.02)
    parser.add_argument("--output", type=Path, default=WEIGHTS)
    args = parser.parse_args(argv)
    nlp = spacy.load(args.model or ner_model_location(get_settings()), exclude=EXCLUDE)
    x, taught, model, held = rows(nlp, documents(load_sentences()))
    test = np.asarray(held)
    weights = fit(x[~test], taught[~test], args.epochs, args.l2, args.learn_rate)
    typer = SpanTyper(weights, pipeline_name(nlp))
    print(f"rows: {len(taught)} ({int(test.sum())} held out); classes {np.bincount(taught, minlength=len(CLASSES))}")
    for name, mask in (("train", ~test), ("held out", test)):
        print(f"  {name:9} pipeline's labels {accuracy(model[mask], taught[mask])}")
        for margin in (0.0, 0.1, 0.2, 0.3, 0.5):
            decided = decide(typer, x[mask], model[mask], margin)
            print(f"  {name:9} typer, margin {margin:.1f}  {accuracy(decided, taught[mask])}")
    digest = hashlib.sha256(b"".join(p.read_bytes() for p in sorted(DATA.glob("*.gz")))).hexdigest()[:16]
    typer.save(args.output, data_sha256=digest, epochs=args.epochs, l2=args.l2, margin=MARGIN)
    print(f"written to {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
