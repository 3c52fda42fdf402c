"""The hostile corpus and fault drills reuse the hand-made network of the ingestion tests
and the generated-network helpers of the end-to-end tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "ingestion"))
sys.path.insert(0, str(TESTS / "dags"))

from ing_network import Network  # noqa: E402


@pytest.fixture
def network(tmp_path: Path) -> Network:
    return Network(tmp_path)
