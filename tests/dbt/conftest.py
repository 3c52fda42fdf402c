from __future__ import annotations

import pytest
from dbt_build_fixture import BuiltWarehouse, build_tiny_warehouse


@pytest.fixture(scope="session")
def built_warehouse(tmp_path_factory: pytest.TempPathFactory) -> BuiltWarehouse:
    """The tiny hand-made lake, built once per session with a real `dbt build`."""
    return build_tiny_warehouse(tmp_path_factory.mktemp("dbt_build"))
