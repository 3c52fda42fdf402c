"""Vectorised parsers for the feed contract's value formats (dates, numbers, identifiers)."""
