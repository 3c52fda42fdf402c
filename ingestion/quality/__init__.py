"""Batch-level data-quality gate (Great Expectations), freshness and feed health."""

from ingestion.quality.gate import GateReport, run_gate, write_results

__all__ = ["GateReport", "run_gate", "write_results"]
