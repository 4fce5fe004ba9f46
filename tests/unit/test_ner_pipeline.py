"""processors/ner_pipeline.py: the entity stage's spaCy pipeline runs only what its NER reads."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language
from spacy.pipeline import Tok2Vec

from newsflow.processors.entities import BASELINE_MODEL
from newsflow.processors.ner_pipeline import UNUSED_BY_NER, load_ner_pipeline

TEXTS = [
    "President Volodymyr Zelensky said Ukrainian forces had retaken Balakliya, south-east of Kharkiv.",
    "Shares in Goldman Sachs fell in New York after the Federal Reserve raised rates.",
    "ROME 1996-12-06 Italy's Prime Minister Romano Prodi met Jacques Chirac in Paris.",
]


def _entities(nlp: Language) -> list[list[tuple[int, int, str]]]:
    return [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in nlp.pipe(TEXTS)]


def test_the_small_pipeline_runs_ner_alone() -> None:
    """Its shared tok2vec feeds only the tagger and parser, which are left out, so it goes too."""
    assert load_ner_pipeline(BASELINE_MODEL).pipe_names == ["ner"]


def test_leaving_tok2vec_out_changes_no_entity() -> None:
    with_tok2vec = spacy.load(BASELINE_MODEL, exclude=list(UNUSED_BY_NER))
    assert "tok2vec" in with_tok2vec.pipe_names
    found = _entities(load_ner_pipeline(BASELINE_MODEL))
    assert found == _entities(with_tok2vec)
    assert ("Volodymyr Zelensky", "PERSON") in {(TEXTS[0][s:e], label) for s, e, label in found[0]}


def test_a_tok2vec_that_ner_listens_to_is_kept(tmp_path: Path) -> None:
    """A pipeline whose NER reads the shared tok2vec (a listener) would break without it."""
    nlp = spacy.blank("en")
    nlp.add_pipe("tok2vec")
    nlp.add_pipe(
        "ner",
        config={
            "model": {
                "@architectures": "spacy.TransitionBasedParser.v2",
                "state_type": "ner",
                "extra_state_tokens": False,
                "hidden_width": 8,
                "maxout_pieces": 2,
                "use_upper": True,
                "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": 96, "upstream": "*"},
            }
        },
    )
    nlp.initialize()
    shared = nlp.get_pipe("tok2vec")
    assert isinstance(shared, Tok2Vec)
    assert shared.listening_components == ["ner"]
    nlp.to_disk(tmp_path / "listening")
    assert load_ner_pipeline(str(tmp_path / "listening")).pipe_names == ["tok2vec", "ner"]
