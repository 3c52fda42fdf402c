"""Dialect profiles and the feed registry (YAML validated by pydantic)."""

from ingestion.registry.loader import Registry, load_dialect, load_registry
from ingestion.registry.schema import DialectProfile, FeedMapping, MeltSpec, RegistryConfig

__all__ = [
    "DialectProfile",
    "FeedMapping",
    "MeltSpec",
    "Registry",
    "RegistryConfig",
    "load_dialect",
    "load_registry",
]
