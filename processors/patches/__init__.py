"""Every workaround for faust-streaming and aiokafka internals, in one place (docs/patches.md lists them).

Each patch names the upstream issue it works around and the test that fails
without it; :func:`verify_versions` stops a worker on library versions the
patches were not verified with.
"""

from newsflow.processors.patches.rewinding_consumer import GapListener, GapOutcome
from newsflow.processors.patches.shared_block_cache import SharedCacheTable
from newsflow.processors.patches.transport import PatchedApp
from newsflow.processors.patches.versions import UnverifiedVersionError, verify_versions

__all__ = ["GapListener", "GapOutcome", "PatchedApp", "SharedCacheTable", "UnverifiedVersionError", "verify_versions"]
