"""Helpers the DAG tasks use: which landed feeds a run announces."""

from __future__ import annotations


def test_only_changed_feeds_are_announced() -> None:
    from orchestration.task_support import changed_feeds

    summaries = [
        {"feeds_changed": ["repair_orders"], "rows_read": 10},
        {"feeds_changed": [], "rows_read": 0},
        {"feeds_changed": ["complaints", "repair_orders"]},
    ]
    assert changed_feeds(summaries, master_changed=False) == ["complaints", "repair_orders"]
    assert changed_feeds(summaries[1:2], master_changed=False) == []
    assert changed_feeds([], master_changed=True) == ["dealers"]
