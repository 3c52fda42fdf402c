"""Row rule ids (shared with the generator's truth manifest) and their precedence."""

from __future__ import annotations

# One quarantined row gets one rule: the first of these it breaks.
ROW_RULES: tuple[str, ...] = (
    "malformed_row",
    "conflicting_duplicate",
    "vin_invalid",
    "unparseable_date",
    "unparseable_amount",
    "unknown_category",
    "required_missing",
    "future_timestamp",
    "timestamp_order",
    "response_before_receipt",
    "negative_amount",
    "score_out_of_scale",
)
PRECEDENCE = {rule: i for i, rule in enumerate(ROW_RULES)}

RULE_TEXT = {
    "malformed_row": "record is malformed (wrong number of fields or unterminated quote)",
    "conflicting_duplicate": "same business key appears more than once in the file with different values",
    "required_missing": "a required field is blank",
    "vin_invalid": "VIN is not 17 valid characters or fails its check digit",
    "unparseable_date": "a date or time cannot be read",
    "unparseable_amount": "a number cannot be read",
    "unknown_category": "a category, status or yes/no value is not in the allowed list",
    "future_timestamp": "a date lies in the future or before 2000",
    "timestamp_order": "delivered / QC-completed / settled before arrival",
    "response_before_receipt": "complaint response or closure before receipt",
    "negative_amount": "an amount is negative on a non-void record",
    "score_out_of_scale": "survey score outside its scale",
}

FLAGS = (
    "promised_missing",
    "promised_before_arrival",
    "odometer_rollback",
    "phone_invalid",
    "plate_invalid",
)
