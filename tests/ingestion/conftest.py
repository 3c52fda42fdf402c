"""Fixtures: a fresh hand-made network in tmp_path."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from ing_network import Network


@pytest.fixture
def network(tmp_path: Path) -> Network:
    return Network(tmp_path)


@pytest.fixture
def make_network(tmp_path: Path) -> Callable[[str], Network]:
    return lambda name: Network(tmp_path / name)
