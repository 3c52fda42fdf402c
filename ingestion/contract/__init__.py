"""The row contract: pandera schemas per canonical feed and rule attribution per row."""

from ingestion.contract.schemas import build_schema
from ingestion.contract.validate import validate_rows

__all__ = ["build_schema", "validate_rows"]
