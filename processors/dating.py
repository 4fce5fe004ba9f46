"""Which date an article is filed under: the one its source gave, unless that date cannot be right."""

from __future__ import annotations

from datetime import datetime, timedelta

# A publication date more than this after the file arrived is a wrong clock or a typo, not news from the future.
FUTURE_TOLERANCE = timedelta(days=1)
# Older than this before arrival: an epoch-zero or otherwise broken date (an archive that old is not news).
PAST_LIMIT = timedelta(days=50 * 365)


def filed_date(published_at: datetime | None, received_at: datetime) -> tuple[datetime, str | None]:
    """The article's date, and a note when the source's date was out of range and the receipt time replaced it."""
    if published_at is None:
        return received_at, None
    if published_at > received_at + FUTURE_TOLERANCE:
        return received_at, f"published_at {published_at.isoformat()} is in the future: dated when received"
    if published_at < received_at - PAST_LIMIT:
        return received_at, f"published_at {published_at.isoformat()} is implausibly old: dated when received"
    return published_at, None
