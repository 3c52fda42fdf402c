"""Helpers used inside DAG tasks (imported at run time, not at parse time)."""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Iterable, Mapping
from typing import Any

log = logging.getLogger(__name__)


def as_json_dict(value: Any) -> dict[str, Any]:
    """A task result that XCom can store: dicts, dataclasses and pydantic models."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    elif not isinstance(value, Mapping):
        value = {"result": value}
    return json.loads(json.dumps(dict(value), default=str))


def sum_numeric(summaries: Iterable[Mapping[str, Any]]) -> dict[str, float | int]:
    """Sum every top-level numeric field of the shard summaries (rows, files, seconds)."""
    totals: dict[str, float | int] = {}
    for summary in summaries:
        for key, value in summary.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                totals[key] = totals.get(key, 0) + value
    return totals


def changed_feeds(summaries: Iterable[Mapping[str, Any]], master_changed: bool) -> list[str]:
    """Feeds whose landed data the shards wrote or replaced, plus the master if it changed."""
    feeds = {str(feed) for summary in summaries for feed in summary.get("feeds_changed", [])}
    if master_changed:
        feeds.add("dealers")
    return sorted(feeds)


class WorkTimer:
    """Measures the work inside a task (the rest of a task's duration is Airflow's)."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.seconds = 0.0

    def __enter__(self) -> WorkTimer:
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.seconds = round(time.perf_counter() - self._start, 3)
        log.info("work %s: %.3f s", self.label, self.seconds)


def load_settings(overrides: Mapping[str, Any] | None = None) -> Any:
    """`ingestion.settings.Settings` from the environment, with non-empty overrides applied.

    Overrides come from DAG params; a param left at ``None`` keeps the environment or the
    embedded default, so there is one settings source for every stage. Paths come back
    absolute (relative ones are taken from the project root).
    """
    from ingestion.settings import Settings

    values = {key: value for key, value in (overrides or {}).items() if value not in (None, "")}
    return Settings.from_env(**values)
