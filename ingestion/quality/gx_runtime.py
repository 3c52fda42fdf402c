"""Great Expectations runtime, built once per process: import, ephemeral context, pandas
data source and the batch definition of the metrics frame; suites cached by name."""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )

    from ingestion.quality.suites import SuiteSpec

_LOCK = threading.Lock()
_RUNTIME: GxRuntime | None = None
PASS_FAIL_FORMAT: dict[str, Any] = {"result_format": "BOOLEAN_ONLY"}
RESULT_FORMAT: dict[str, Any] = {
    # the frame has one row per file: listing the unexpected rows (files) is cheap
    "result_format": "COMPLETE",
    "partial_unexpected_count": 20,
    "return_unexpected_index_query": False,
}


class GxRuntime:
    """Holds the context and prepared objects; use :func:`get_runtime`."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        started = time.perf_counter()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every in-memory batch (a full hash of the frame) only to label it
        # in the result metadata.
        pandas_execution_engine.HASH_THRESHOLD = 0

        self.import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("aftersales_gate")
        asset = source.add_dataframe_asset("files")
        self._batch_def = asset.add_batch_definition_whole_dataframe("files")
        self._suites: dict[str, ExpectationSuite] = {}
        self.context_seconds = time.perf_counter() - started

    def suite(self, spec: SuiteSpec, only: frozenset[str] | None = None) -> ExpectationSuite:
        """The GX suite of `spec` (or of its expectations named in `only`), built once per
        process."""
        key = spec.name if only is None else f"{spec.name}[{','.join(sorted(only))}]"
        cached = self._suites.get(key)
        if cached is None:
            expectations = [
                e for e in spec.expectations if only is None or str(e["meta"]["name"]) in only
            ]
            cached = self._gx.ExpectationSuite(
                name=key, expectations=expectations, meta=spec.meta.model_dump()
            )
            self._suites[key] = cached
        return cached

    def validate(self, frame: pd.DataFrame, spec: SuiteSpec) -> list[ExpectationValidationResult]:
        """One result per expectation of `spec`, in suite order, over the whole metrics frame
        (one row per file of the batch). The suite is validated for success only, then the
        expectations that failed again with the unexpected rows listed: GX's cost is per
        expectation and result detail, and most expectations pass for every file."""
        batch = self._batch_def.get_batch(batch_parameters={"dataframe": frame})
        quick = batch.validate(self.suite(spec), result_format=PASS_FAIL_FORMAT)
        by_name = {_name(r): r for r in quick.results}
        failed = frozenset(name for name, r in by_name.items() if not r.success)
        if failed:
            detail = batch.validate(self.suite(spec, failed), result_format=RESULT_FORMAT)
            by_name.update({_name(r): r for r in detail.results})
        return [by_name[str(e["meta"]["name"])] for e in spec.expectations]


def _name(result: ExpectationValidationResult) -> str:
    return str((result.expectation_config.meta or {}).get("name"))


def get_runtime() -> GxRuntime:
    """The process-wide runtime (lazy: the first call imports great_expectations)."""
    global _RUNTIME
    if _RUNTIME is None:
        with _LOCK:
            if _RUNTIME is None:
                _RUNTIME = GxRuntime()
    return _RUNTIME
