"""newsflow: streaming news ingest and search.

The package is built in layers that import only downward
(docs/decisions/0002-one-package-in-layers.md):

    newsflow.cli                                     the command line, imported by nobody
    newsflow.stack                                   the local stack (Kafka, Elasticsearch, the processes)
    newsflow.producers | .processors | .api          the three stages
    newsflow.delivery                                webhook delivery, a process beside them
    newsflow.operations                              bootstrap, replay, reindex, Kibana import
    newsflow.infra                                   settings, logging, errors, Kafka offsets, health, metrics
    newsflow.schemas                                 the contracts: messages, topics, index mapping
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("newsflow")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
