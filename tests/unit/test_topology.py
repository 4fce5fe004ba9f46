"""The topic graph is declared once: the worker, the docs and the lag all follow schemas/topics.py."""

from __future__ import annotations

from pathlib import Path

from newsflow.infra.settings import Settings
from newsflow.processors.worker import build_worker
from newsflow.schemas.topics import ALL_TOPICS, DEADLETTER, FILES, PROCESSED_TOPICS, RAW, STAGES, topology_diagram

PIPELINE_DOC = Path(__file__).resolve().parents[2] / "docs" / "pipeline.md"


def test_the_docs_show_the_declared_graph() -> None:
    assert f"```mermaid\n{topology_diagram()}\n```" in PIPELINE_DOC.read_text()


def test_every_topic_has_a_writer_and_every_stage_input_a_writer() -> None:
    written = {FILES.suffix, RAW.suffix, DEADLETTER.suffix}  # by the producers (and every stage: dead letters)
    written |= {topic.suffix for stage in STAGES for topic in stage.writes}
    for stage in STAGES:
        # Not only earlier stages: the index stage reads the alerts that its own percolation led to.
        assert all(topic.suffix in written for topic in stage.reads), f"{stage.name} reads a topic nobody writes"
    assert written == {spec.suffix for spec in ALL_TOPICS}


def test_the_lag_covers_what_the_stages_read() -> None:
    assert {spec.suffix for spec in PROCESSED_TOPICS} == {t.suffix for stage in STAGES for t in stage.reads}


def test_the_worker_has_one_agent_per_stage_reading_its_declared_topics(tmp_path: Path) -> None:
    """Building the worker connects to nothing (the broker address is unused) and makes only its state folder."""
    settings = Settings(home=tmp_path, kafka_bootstrap_servers="127.0.0.1:1", topic_prefix="t")
    app = build_worker(settings, worker_id="7")
    agents = list(app.agents.values())
    assert len(agents) == len(STAGES)
    read_by_agents = sorted(sorted(agent.channel.topics) for agent in agents)
    declared = sorted(sorted(topic.name("t") for topic in stage.reads) for stage in STAGES)
    assert read_by_agents == declared
    assert sorted(path.name for path in (tmp_path / "data" / "faust").iterdir()) == ["worker-7"]
