"""Great Expectations runtime, built once per process: import, ephemeral context,
pandas data source and one batch definition per batch shape; suites cached by name."""

from __future__ import annotations

import os
import threading
import time
from typing import TYPE_CHECKING, Any

import pandas as pd

if TYPE_CHECKING:
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.batch_definition import BatchDefinition
    from great_expectations.core.expectation_validation_result import (
        ExpectationValidationResult,
    )

    from ingestion.quality.suites import SuiteSpec

_LOCK = threading.Lock()
_RUNTIME: GxRuntime | None = None


class GxRuntime:
    """Holds the context and prepared objects; use :func:`get_runtime`."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        started = time.perf_counter()
        import great_expectations as gx
        from great_expectations.data_context.types.base import ProgressBarsConfig
        from great_expectations.execution_engine import pandas_execution_engine

        # GX fingerprints every in-memory batch (a full hash of the frame) only to label it
        # in the result metadata; on a million-row batch that is a third of the validation.
        pandas_execution_engine.HASH_THRESHOLD = 0

        self.import_seconds = time.perf_counter() - started
        started = time.perf_counter()
        self._gx = gx
        self.context = gx.get_context(mode="ephemeral")
        self.context.variables.progress_bars = ProgressBarsConfig(globally=False)
        source = self.context.data_sources.add_pandas("aftersales_gate")
        self._batch_defs: dict[str, BatchDefinition] = {}
        for asset_name in ("rows", "files"):
            asset = source.add_dataframe_asset(asset_name)
            self._batch_defs[asset_name] = asset.add_batch_definition_whole_dataframe(asset_name)
        self._suites: dict[str, ExpectationSuite] = {}
        self.context_seconds = time.perf_counter() - started

    def suite(self, spec: SuiteSpec, only: frozenset[str] | None = None) -> ExpectationSuite:
        """The GX suite of `spec` (or of its expectations named in `only`), built once."""
        expectations = spec.expectations
        name = spec.name
        if only is not None:
            expectations = [e for e in expectations if _spec_name(e) in only]
            name = f"{spec.name}[{','.join(sorted(only))}]"
        cached = self._suites.get(name)
        if cached is None:
            cached = self._gx.ExpectationSuite(
                name=name, expectations=expectations, meta=spec.meta.model_dump()
            )
            self._suites[name] = cached
        return cached

    def validate(
        self, level: str, frame: pd.DataFrame, spec: SuiteSpec
    ) -> list[ExpectationValidationResult]:
        """One result per expectation of `spec`, in suite order.

        A batch is checked first with the ``BOOLEAN_ONLY`` result format (GX then counts
        unexpected values without listing them); only the expectations that fail run again
        with ``COMPLETE``, whose unexpected row indexes attribute failures to files. On a
        clean batch that halves the validation (docs/benchmarks.md)."""
        batch = self._batch_defs[level].get_batch(batch_parameters={"dataframe": frame})
        quick = batch.validate(self.suite(spec), result_format={"result_format": "BOOLEAN_ONLY"})
        by_name = {_name(r): r for r in quick.results}
        failing = frozenset(n for n, r in by_name.items() if not r.success)
        if failing:
            result_format: Any = {
                "result_format": "COMPLETE",
                "partial_unexpected_count": 20,
                "return_unexpected_index_query": False,
            }
            full = batch.validate(self.suite(spec, failing), result_format=result_format)
            by_name.update({_name(r): r for r in full.results})
        return [by_name[_spec_name(e)] for e in spec.expectations]


def _spec_name(expectation: dict[str, Any]) -> str:
    """The unique ``meta.name`` of a suite file's expectation (checked by load_suite)."""
    return str(expectation["meta"]["name"])


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
