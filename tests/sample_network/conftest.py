from __future__ import annotations

from pathlib import Path

import pytest
from sn_config import small_config

from sample_network import generate


@pytest.fixture(scope="session")
def network(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, object]]:
    out = tmp_path_factory.mktemp("network")
    summary = generate(small_config(out))
    return out, summary
