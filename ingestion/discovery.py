"""Inbox layout inbox/<dealer_code>/<feed>/<YYYY-MM>.<ext>: listing and path validation."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from ingestion.registry.schema import RegistryConfig


@dataclass(frozen=True)
class InboxFile:
    """One candidate file; `problem` set when the path itself is not acceptable."""

    rel_path: str
    dealer_code: str
    feed: str | None
    period: str | None
    problem: tuple[str, str] | None = None  # (rule, reason)


def _folder_feeds(config: RegistryConfig) -> dict[str, str]:
    return {spec.folder: feed for feed, spec in config.feeds.items()}


def classify(
    rel_path: str, inbox: Path, known: frozenset[str], config: RegistryConfig
) -> InboxFile:
    """Validate a path relative to the inbox without trusting it (no .., no symlinks)."""
    parts = rel_path.split("/")
    dealer = parts[0] if parts else ""
    if (
        rel_path.startswith("/")
        or "\\" in rel_path
        or any(p in ("", ".", "..") for p in parts)
        or os.path.isabs(rel_path)
    ):
        return InboxFile(
            rel_path,
            dealer,
            None,
            None,
            ("dealer_unknown", f"path {rel_path!r} is not inbox/<dealer>/<feed>/<file>"),
        )
    if dealer not in known:
        return InboxFile(
            rel_path,
            dealer,
            None,
            None,
            ("dealer_unknown", f"folder {dealer!r} is not a known dealer code"),
        )
    current = inbox
    for part in parts:
        current = current / part
        if current.is_symlink():
            return InboxFile(
                rel_path,
                dealer,
                None,
                None,
                (
                    "dealer_unknown" if current == inbox / dealer else "symlink",
                    f"{'/'.join(current.relative_to(inbox).parts)} is a symbolic link; "
                    "links are not followed",
                ),
            )
    if len(parts) != 3:
        return InboxFile(
            rel_path,
            dealer,
            None,
            None,
            ("unrecognised_path", f"{rel_path!r} is not <dealer>/<feed>/<period file>"),
        )
    feed = _folder_feeds(config).get(parts[1])
    if feed is None:
        return InboxFile(
            rel_path,
            dealer,
            None,
            None,
            ("unknown_feed", f"folder {parts[1]!r} is not a known feed"),
        )
    match = re.match(config.feeds[feed].pattern, parts[2])
    if not match:
        return InboxFile(
            rel_path,
            dealer,
            feed,
            None,
            ("unrecognised_path", f"file name {parts[2]!r} is not <YYYY-MM>.csv|.xlsx"),
        )
    return InboxFile(rel_path, dealer, feed, match.group("period"))


def list_inbox(inbox: Path) -> dict[str, list[str]]:
    """Every file under inbox/<dealer>/..., grouped by top folder; links not followed.

    Names beginning with `.` are listed like any other: a hidden dealer folder or file is
    rejected with a ledger row (classify), never silently passed over."""
    out: dict[str, list[str]] = {}
    if not inbox.is_dir():
        return out
    with os.scandir(inbox) as top:
        dealer_entries = sorted(top, key=lambda e: e.name)
    for dealer in dealer_entries:
        if dealer.is_symlink() or not dealer.is_dir(follow_symlinks=False):
            out.setdefault(dealer.name, []).append(dealer.name + "/")
            continue
        files: list[str] = []
        stack = [(dealer.path, dealer.name)]
        while stack:
            path, rel = stack.pop()
            try:
                entries = list(os.scandir(path))
            except FileNotFoundError:  # removed while listing
                continue
            for entry in entries:
                child = f"{rel}/{entry.name}"
                if entry.is_dir(follow_symlinks=False):
                    stack.append((entry.path, child))
                else:
                    files.append(child)
        out[dealer.name] = sorted(files)
    return out
