"""The Faust App whose aiokafka transport carries the patches of this package (and its tables' shared block cache)."""

from __future__ import annotations

import faust
import rocksdict
from faust.transport.drivers import aiokafka as faust_aiokafka
from faust.types import TransportT

from newsflow.processors.patches.metadata_backoff import BackoffProducer
from newsflow.processors.patches.rewinding_consumer import GapListener, RewindingConsumer


class PatchedTransport(faust_aiokafka.Transport):
    """The aiokafka transport with the rewinding consumer and clients that back off while Kafka is down."""

    Consumer = RewindingConsumer
    Producer = BackoffProducer


class PatchedApp(faust.App):
    """A Faust app on :class:`PatchedTransport` (overrides Faust's private ``App._new_transport``)."""

    # Told of every offset jump the rewinding consumer handles (set before the worker starts; optional).
    gap_listener: GapListener | None = None
    # The block cache its tables' RocksDB databases share (patches/shared_block_cache.py; None: one each).
    block_cache: rocksdict.Cache | None = None

    def _new_transport(self) -> TransportT:
        return PatchedTransport(self.conf.broker_consumer, self)
