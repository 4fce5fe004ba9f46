"""The span typer without a trained pipeline: features, the margin rule, its weights file, and its training rows."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.tokens import Doc, Span

from newsflow.processors.span_typer import (
    CLASSES,
    CONTEXT,
    INPUT_LABELS,
    SHAPE_FEATURES,
    SpanTyper,
    pipeline_name,
    span_features,
)
from tools.train_ner import Sentence
from tools.train_span_typer import decide, documents, fit, gold_class

WIDTH = 4
FEATURES = 4 * WIDTH + len(INPUT_LABELS) + SHAPE_FEATURES
COMPANY = np.array([1.0, 0.0, 0.0, 0.0], dtype=np.float32)  # the one direction the toy weights read


@pytest.fixture
def vectored_nlp() -> spacy.language.Language:
    """A blank English pipeline whose vocabulary has 4-dimensional vectors for a few words."""
    nlp = spacy.blank("en")
    for word, vector in {
        "Gazprom": COMPANY,
        "shares": np.array([0.0, 1.0, 0.0, 0.0]),
        "in": np.array([0.0, 0.0, 1.0, 0.0]),
        "Putin": np.array([0.0, 0.0, 0.0, 2.0]),
    }.items():
        nlp.vocab.set_vector(word, np.asarray(vector, dtype=np.float32))
    return nlp


def _doc(nlp: spacy.language.Language, words: list[str], ents: list[tuple[int, int, str]]) -> Doc:
    doc = Doc(nlp.vocab, words=words)
    doc.ents = [Span(doc, start, end, label=label) for start, end, label in ents]
    return doc


def _company_typer() -> SpanTyper:
    """Weights that call a span an organisation as strongly as its own vector points at COMPANY."""
    weights = np.zeros((FEATURES, len(CLASSES)), dtype=np.float32)
    weights[0, CLASSES.index("ORG")] = 6.0
    return SpanTyper(weights, "en_test-0.0.0")


def test_features_are_the_unit_vectors_of_span_last_word_and_context_then_label_and_shape(
    vectored_nlp: spacy.language.Language,
) -> None:
    doc = _doc(vectored_nlp, ["shares", "in", "Gazprom", "fell", "."], [(2, 3, "PERSON")])
    (row,) = span_features(doc, [(2, 3, "PERSON")])
    assert row.shape == (FEATURES,)
    assert np.allclose(row[:WIDTH], COMPANY)  # the span
    assert np.allclose(row[WIDTH : 2 * WIDTH], COMPANY)  # its last word
    left = np.array([0.0, 1.0, 1.0, 0.0]) / np.sqrt(2)  # "shares in", averaged, to unit length
    assert np.allclose(row[2 * WIDTH : 3 * WIDTH], left)
    assert np.allclose(row[3 * WIDTH : 4 * WIDTH], 0.0)  # "fell ." have no vectors
    labels = row[4 * WIDTH : 4 * WIDTH + len(INPUT_LABELS)]
    assert labels.tolist() == [1.0 if name == "PERSON" else 0.0 for name in INPUT_LABELS]
    shape = row[4 * WIDTH + len(INPUT_LABELS) :]
    assert shape[0] == 1.0  # one word
    assert shape[7] == 1.0  # every word has a vector
    assert shape[8] == 1.0  # bias
    assert CONTEXT >= 2


def test_a_span_the_typer_is_surer_of_changes_type_and_others_keep_the_model_label(
    vectored_nlp: spacy.language.Language,
) -> None:
    doc = _doc(
        vectored_nlp,
        ["Gazprom", "and", "Putin", "and", "Russians"],
        [(0, 1, "PERSON"), (2, 3, "PERSON"), (4, 5, "NORP")],
    )
    labels = _company_typer().labels(doc, margin=0.3)
    assert labels == [(0, 7, "ORG"), (12, 17, "PERSON"), (22, 30, "NORP")]


def test_the_margin_keeps_the_model_label_when_the_typer_is_not_sure_enough(
    vectored_nlp: spacy.language.Language,
) -> None:
    doc = _doc(vectored_nlp, ["Gazprom"], [(0, 1, "PERSON")])
    assert _company_typer().labels(doc, margin=0.999) == [(0, 7, "PERSON")]


def test_a_span_the_typer_is_sure_is_no_name_is_left_out(vectored_nlp: spacy.language.Language) -> None:
    weights = np.zeros((FEATURES, len(CLASSES)), dtype=np.float32)
    weights[-1, CLASSES.index("NONE")] = 6.0  # the bias: nothing is a name
    doc = _doc(vectored_nlp, ["Putin", "spoke"], [(0, 1, "PERSON")])
    assert SpanTyper(weights, "en_test-0.0.0").labels(doc, keep_names=False) == []
    assert SpanTyper(weights, "en_test-0.0.0").labels(doc) == [(0, 5, "PERSON")]  # keep_names: only retyped


def test_a_place_keeps_the_models_finer_place_label(vectored_nlp: spacy.language.Language) -> None:
    weights = np.zeros((FEATURES, len(CLASSES)), dtype=np.float32)
    weights[-1, CLASSES.index("PLACE")] = 6.0
    typer = SpanTyper(weights, "en_test-0.0.0")
    doc = _doc(vectored_nlp, ["Putin", "in", "Gazprom"], [(0, 1, "PERSON"), (2, 3, "FAC")])
    assert typer.labels(doc) == [(0, 5, "GPE"), (9, 16, "FAC")]


def test_weights_round_trip_and_only_serve_the_pipeline_they_were_trained_for(
    tmp_path: Path, vectored_nlp: spacy.language.Language
) -> None:
    path = tmp_path / "typer.npz"
    typer = _company_typer()
    typer.save(path, data_sha256="x")
    loaded = SpanTyper.load(path)
    assert np.array_equal(loaded.weights, typer.weights) and loaded.pipeline == typer.pipeline
    assert SpanTyper.for_pipeline(vectored_nlp, path) is None  # trained for another pipeline
    SpanTyper(typer.weights, pipeline_name(vectored_nlp)).save(path)
    assert SpanTyper.for_pipeline(vectored_nlp, path) is not None
    assert SpanTyper.for_pipeline(spacy.blank("en"), path) is None  # no static vectors: nothing to read
    assert SpanTyper.for_pipeline(vectored_nlp, tmp_path / "missing.npz") is None


@pytest.mark.parametrize(
    ("span", "exhaustive", "taught"),
    [
        ((0, 2), True, "PERSON"),  # the same tokens
        ((0, 3), True, "PERSON"),  # two of three tokens shared
        ((5, 6), True, "NONE"),  # MISC: not a person, organisation or place
        ((8, 9), True, "NONE"),  # no gold: wikigold marks every name
        ((8, 9), False, None),  # no gold in GUM: maybe missed, no row
        ((1, 5), True, None),  # a small overlap: no row
    ],
)
def test_training_rows_take_the_type_of_the_gold_span_they_share_most_with(
    span: tuple[int, int], exhaustive: bool, taught: str | None
) -> None:
    gold = [(0, 2, "PERSON"), (4, 7, "ORG"), (5, 6, "MISC")]
    cls = gold_class(span, gold, exhaustive)
    assert (CLASSES[cls] if cls is not None else None) == taught


def test_a_documents_sentences_become_one_text_with_spans_moved() -> None:
    sentences = [
        Sentence("d", ["Putin", "spoke", "."], [True, False, False], [(0, 1, "PERSON")], True),
        Sentence("d", ["Gazprom", "fell"], [True, False], [(0, 1, "ORG")], True),
    ]
    (joined,) = documents(sentences)
    assert joined.words == ["Putin", "spoke", ".", "Gazprom", "fell"]
    assert joined.spaces == [True, False, True, True, True]
    assert joined.spans == [(0, 1, "PERSON"), (3, 4, "ORG")]


def test_fitting_separates_a_toy_problem_and_decide_changes_only_facet_labels() -> None:
    x = np.zeros((4, FEATURES), dtype=np.float32)
    x[[0, 1], 0] = 1.0
    x[[2, 3], 1] = 1.0
    x[:, -1] = 1.0
    y = np.array([CLASSES.index("ORG")] * 2 + [CLASSES.index("PERSON")] * 2)
    typer = SpanTyper(fit(x, y, epochs=300, l2=0.0, learn_rate=0.1), "en_test-0.0.0")
    assert typer.probabilities(x).argmax(axis=1).tolist() == y.tolist()
    model = np.array([CLASSES.index("PERSON"), CLASSES.index("NONE"), CLASSES.index("PERSON"), CLASSES.index("ORG")])
    assert decide(typer, x, model, margin=0.3).tolist() == [
        CLASSES.index("ORG"),
        CLASSES.index("NONE"),  # the model's NORP, PRODUCT, ...: never made a facet name
        CLASSES.index("PERSON"),
        CLASSES.index("PERSON"),
    ]
