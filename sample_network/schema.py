"""Canonical feed layouts (shared spec feeds.md) as the generator writes them."""

from __future__ import annotations

import numpy as np

from ingestion.contracts import DEALER_FEEDS, FEEDS
from ingestion.contracts.model import ColumnType as ColType

NA_INT = np.iinfo(np.int64).min
"""Missing value of int, decimal (cents), date (days) and ts (minutes) columns."""

# The feed layouts are the feed contracts' (ingestion/contracts/<feed>.yaml): the generator
# writes exactly the columns, keys and allowed values the ingestion layer enforces.
FEED_NAMES: tuple[str, ...] = DEALER_FEEDS
COLUMNS: dict[str, tuple[tuple[str, ColType], ...]] = {
    feed: tuple((c.name, c.type) for c in FEEDS[feed].columns) for feed in FEED_NAMES
}
KEYS: dict[str, tuple[str, ...]] = {feed: FEEDS[feed].key for feed in FEED_NAMES}
ENUMS: dict[str, dict[str, tuple[str, ...]]] = {
    feed: {c.name: c.enum for c in FEEDS[feed].columns if c.enum} for feed in FEED_NAMES
}

AMOUNTS: dict[str, tuple[str, ...]] = {
    feed: tuple(name for name, kind in cols if kind == "decimal") for feed, cols in COLUMNS.items()
}

SURVEY_ITEMS = ENUMS["survey_responses"]["item_code"]
