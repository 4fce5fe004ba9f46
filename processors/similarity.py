"""Near-duplicate arithmetic: word shingles, MinHash signatures, LSH band keys, similarity.

Two texts' MinHash signatures agree in a share of positions that estimates the
Jaccard similarity of their shingle sets. LSH splits the signature into bands;
texts that agree on a whole band land in the same bucket and become candidates,
which are then verified on the whole signature. With 32 bands of 4 rows, a pair
at Jaccard 0.75 becomes a candidate with probability > 0.999, a pair at 0.3
with about 0.23 (and is then discarded by the verification).
"""

from __future__ import annotations

import hashlib
import operator
import re
import struct
from collections.abc import Sequence

import numpy as np
from aiokafka.partitioner import murmur2

SHINGLE_WORDS = 5
NUM_PERM = 128
BANDS = 32
ROWS = NUM_PERM // BANDS
_MERSENNE = np.uint64((1 << 61) - 1)
_MAX_HASH = np.uint64((1 << 32) - 1)
_WORD = re.compile(r"\w+", re.UNICODE)

# Fixed permutations: every worker, every run, computes the same signature for the same text.
_rng = np.random.RandomState(20240901)
_A = _rng.randint(1, int(_MERSENNE), size=NUM_PERM, dtype=np.uint64)
_B = _rng.randint(0, int(_MERSENNE), size=NUM_PERM, dtype=np.uint64)


def shingles(text: str, size: int = SHINGLE_WORDS) -> set[str]:
    """Overlapping ``size``-word windows of the case-folded text (the whole text if it is shorter)."""
    words = _WORD.findall(text.casefold())
    if len(words) <= size:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i : i + size]) for i in range(len(words) - size + 1)}


def minhash_signature(items: set[str]) -> list[int]:
    """The MinHash signature (NUM_PERM values below 2**32) of a set of strings."""
    if not items:
        return [int(_MAX_HASH)] * NUM_PERM
    hashes = np.fromiter(
        (struct.unpack("<I", hashlib.blake2b(s.encode(), digest_size=4).digest())[0] for s in items),
        dtype=np.uint64,
        count=len(items),
    )
    # (a*x + b) mod p, truncated to 32 bits, minimum over the set, for every permutation at once.
    permuted = ((np.outer(hashes, _A) + _B) % _MERSENNE) & _MAX_HASH
    return [int(v) for v in permuted.min(axis=0)]


def estimated_jaccard(left: Sequence[int], right: Sequence[int]) -> float:
    """Share of agreeing positions: an unbiased estimate of the shingle sets' Jaccard similarity."""
    if len(left) != len(right) or not left:
        raise ValueError("signatures must be non-empty and of equal length")
    # map(eq) rather than a generator: the stage runs this for every candidate of every band.
    agreeing: int = sum(map(operator.eq, left, right))
    return agreeing / len(left)


def band_partition(band_key: str, partitions: int) -> int:
    """The partition of ``articles.bands`` (and of the ``lsh-buckets`` table) where ``band_key``'s bucket lives.

    Kafka's default partitioner on the band key (murmur2), computed here because one message carries all of an
    article's bands that share a partition: the same partition a version-1 message (one band, keyed by the band
    key) went to, so the buckets stored before an upgrade stay where the new messages look for them.
    """
    hashed: int = murmur2(band_key.encode())  # aiokafka's function is untyped
    return (hashed & 0x7FFFFFFF) % partitions


def band_keys(signature: list[int]) -> list[str]:
    """One bucket key per LSH band: texts sharing any key are near-duplicate candidates."""
    keys = []
    for band in range(BANDS):
        rows = signature[band * ROWS : (band + 1) * ROWS]
        digest = hashlib.blake2b(struct.pack(f"<{ROWS}Q", *rows), digest_size=8).hexdigest()
        keys.append(f"{band:02d}:{digest}")
    return keys
