"""Duplicate decisions, as pure functions the Faust agents call.

Exact duplicates share an ``article_id`` (the fingerprint of the normalised
body), so the decision is local to one partition of ``articles.normalized``.
Near duplicates are found through LSH buckets: each bucket lives on one
partition (``similarity.band_partition``), where ``articles.bands`` brings
it the article's bands of that partition, so the search scales with the
partitions. A pair is linked from the later article to the earlier one
(``received_at``, then id), whatever order the workers see them in.

An article is linked to its original only: in each bucket, the earliest
member (``received_at``, then id) it is similar to, not every similar member,
so a story republished by many outlets costs one link per republication. Two
similar articles share most of their 32 bands, so the same pair is found in
each of them; :class:`SentLinks` lets a worker send it once. A bucket names
its members; their signatures are kept once per partition beside the buckets
(schemas/near_duplicates.py) and read through :class:`RecentSignatures`.
"""

from __future__ import annotations

from array import array
from collections import OrderedDict
from collections.abc import Callable, Sequence
from datetime import datetime
from enum import StrEnum

from newsflow.processors.similarity import band_keys, band_partition, estimated_jaccard
from newsflow.processors.table_records import decoded
from newsflow.schemas.articles import ArticleBands, NearDuplicateLink, NormalizedArticle
from newsflow.schemas.near_duplicates import BucketMember, LshSignature

# A bucket keeps its earliest members; beyond this, new arrivals are compared but not stored,
# which bounds the state of a hot bucket (boilerplate shared by many articles).
MAX_BUCKET_MEMBERS = 64

# How many links a worker remembers having sent. A pair is found again in its other shared
# bands within moments (the article's band entries are produced together), so two thousand
# cover it even with a backlog (about ten minutes of the soak's links), and a link sent again
# is harmless; about 300 bytes a link. 16 384 took five hours of the soak to fill.
SENT_LINKS_REMEMBERED = 2048

# How many signatures a worker keeps decoded: the originals of the stories being republished are read over and
# over; 4 096 of them are about 2.5 MB.
SIGNATURES_REMEMBERED = 4_096

# An article id -> its signature, or None when it is unknown.
SignatureOf = Callable[[str], Sequence[int] | None]


class ExactVerdict(StrEnum):
    NEW = "new"  # first time this text is seen
    SAME_SOURCE = "same_source"  # the same copy again (replay, producer re-send): process again, idempotently
    COPY = "copy"  # the same text from another file: record the copy on the original


def exact_verdict(first_source_id: str | None, article: NormalizedArticle) -> ExactVerdict:
    """What to do with a normalised article, given the source id that first brought its text."""
    if first_source_id is None:
        return ExactVerdict.NEW
    if first_source_id == article.source.source_id:
        return ExactVerdict.SAME_SOURCE
    return ExactVerdict.COPY


def band_messages(article: NormalizedArticle, partitions: int) -> list[tuple[int, ArticleBands]]:
    """The ``articles.bands`` messages of a new article: one per partition its bands' buckets live on, with the
    partition to send it to, in partition order."""
    by_partition: dict[int, list[str]] = {}
    for key in band_keys(article.minhash):
        by_partition.setdefault(band_partition(key, partitions), []).append(key)
    return [
        (
            partition,
            ArticleBands(
                band_keys=keys,
                article_id=article.article_id,
                received_at=article.source.received_at,
                minhash=article.minhash,
            ),
        )
        for partition, keys in sorted(by_partition.items())
    ]


def member_record(entry: ArticleBands) -> BucketMember:
    """What a bucket stores of an article: its id and time (its signature is kept once, in ``lsh-signatures``)."""
    return BucketMember(article_id=entry.article_id, received_at=entry.received_at)


def _order(member: BucketMember) -> tuple[datetime, str]:
    """Where a member stands in time: ``received_at``, then id (ties between files received together)."""
    return member.received_at, member.article_id


def match_bucket(
    members: list[BucketMember], entry: ArticleBands, threshold: float, signature_of: SignatureOf
) -> tuple[list[NearDuplicateLink], list[BucketMember]]:
    """The links ``entry`` (an article, with one of its bands) makes in this band's bucket, and the bucket's new
    member list.

    ``entry`` is compared with the members stored before it (all of them if it
    is not stored, the bucket being full), so the same entry again (a replay, a
    redelivery) makes the same links. It links to its original: the earliest of
    them it is similar to. Members received after it (they were processed first)
    whose earliest similar member it now is link to it. Nothing else: no link
    per similar member. A member's signature is its own (a version 1 bucket's)
    or ``signature_of`` its id; a member whose signature is unknown is not compared.
    """
    position = next((i for i, m in enumerate(members) if m.article_id == entry.article_id), None)
    seen = members if position is None else members[:position]
    ours = (entry.received_at, entry.article_id)
    signed: list[tuple[BucketMember, Sequence[int]]] = []
    for member in seen:
        signature = member.minhash if member.minhash is not None else signature_of(member.article_id)
        if signature is not None:
            signed.append((member, signature))
    earlier = sorted(((m, s) for m, s in signed if _order(m) < ours), key=lambda pair: _order(pair[0]))
    later = sorted(((m, s) for m, s in signed if _order(m) > ours), key=lambda pair: _order(pair[0]))
    links = []
    # The earliest similar member: scanning in time order stops at the first (usually the first member).
    for member, signature in earlier:
        similarity = estimated_jaccard(signature, entry.minhash)
        if similarity >= threshold:
            links.append(
                NearDuplicateLink(
                    article_id=entry.article_id, near_duplicate_of=member.article_id, similarity=similarity
                )
            )
            break
    # Out of order (another partition's producer was faster): ``entry`` may be an earlier original for some.
    for member, signature in later:
        similarity = estimated_jaccard(signature, entry.minhash)
        if similarity < threshold:
            continue
        if any(estimated_jaccard(other, signature) >= threshold for _, other in earlier):
            continue  # that member's original is earlier than ``entry``
        links.append(
            NearDuplicateLink(article_id=member.article_id, near_duplicate_of=entry.article_id, similarity=similarity)
        )
    if position is not None or len(members) >= MAX_BUCKET_MEMBERS:
        return links, members
    return links, [*members, member_record(entry)]


class RecentSignatures:
    """The signatures a worker read or stored lately, by article id, so that the members of an article's
    buckets (mostly the same few originals) are not read from the table and decoded once per band.

    An article's signature never changes (both come from its text), so an entry is never stale. Kept as
    32-bit arrays: about 600 bytes a signature.
    """

    def __init__(self, capacity: int = SIGNATURES_REMEMBERED) -> None:
        self.capacity = capacity
        self._recent: OrderedDict[str, array[int]] = OrderedDict()

    def get(self, article_id: str) -> array[int] | None:
        """``article_id``'s signature if it is remembered."""
        found = self._recent.get(article_id)
        if found is not None:
            self._recent.move_to_end(article_id)
        return found

    def put(self, article_id: str, minhash: Sequence[int]) -> array[int]:
        """Remember ``article_id``'s signature (the oldest is forgotten beyond the capacity)."""
        values = array("I", minhash)
        self._recent[article_id] = values
        self._recent.move_to_end(article_id)
        if len(self._recent) > self.capacity:
            self._recent.popitem(last=False)
        return values

    def read_through(self, article_id: str, stored: Callable[[str], object | None]) -> array[int] | None:
        """``article_id``'s signature: remembered, or else its ``LshSignature`` record as ``stored`` returns it
        (a table's read), decoded and remembered. None if neither has it."""
        found = self.get(article_id)
        if found is not None:
            return found
        record = stored(article_id)
        return None if record is None else self.put(article_id, decoded(LshSignature, record).values())


class SentLinks:
    """The links one worker sent lately, so that a pair found again in another shared band is not sent again.

    A pair is found in every band the two articles share where a bucket holds
    the earlier one of them, and those bands are on any partitions. Remembering
    what was sent (rather than sending only from the first shared band) keeps a
    link whose first shared band's bucket was full (``MAX_BUCKET_MEMBERS``), so
    could not hold either article: a later band finds and sends it. Each worker
    holding bands of the pair sends it once; a restarted worker may send again.
    Both are harmless: the sink's link write is idempotent.
    """

    def __init__(self, capacity: int = SENT_LINKS_REMEMBERED) -> None:
        self.capacity = capacity
        self._sent: OrderedDict[tuple[str, str], None] = OrderedDict()

    def first_time(self, link: NearDuplicateLink) -> bool:
        """Whether ``link`` was not sent lately (a link seen again counts as recent once more)."""
        pair = (link.article_id, link.near_duplicate_of)
        if pair in self._sent:
            self._sent.move_to_end(pair)
            return False
        return True

    def remember(self, link: NearDuplicateLink) -> None:
        """Remember ``link`` as sent (called once its send went through, so a failed send is tried again)."""
        self._sent[(link.article_id, link.near_duplicate_of)] = None
        self._sent.move_to_end((link.article_id, link.near_duplicate_of))
        if len(self._sent) > self.capacity:
            self._sent.popitem(last=False)
