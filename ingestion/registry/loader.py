"""Load and resolve dialect profiles for dealers."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml
from pydantic import ValidationError

from ingestion.registry.schema import DialectProfile, RegistryConfig
from ingestion.settings import ConfigError, Settings


def _read_yaml(path: Path) -> object:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"config file not found: {path}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: invalid YAML: {exc}") from exc


def load_dialect(path: Path) -> DialectProfile:
    try:
        return DialectProfile.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid dialect profile:\n{exc}") from exc


def load_registry_config(path: Path) -> RegistryConfig:
    try:
        return RegistryConfig.model_validate(_read_yaml(path) or {})
    except ValidationError as exc:
        raise ConfigError(f"{path}: invalid feed registry:\n{exc}") from exc


@dataclass
class Registry:
    config: RegistryConfig
    dialects: dict[str, DialectProfile] = field(default_factory=dict)

    def dialect_for(self, dealer_code: str, dms_vendor: str | None) -> DialectProfile:
        name = self.config.dealer_overrides.get(dealer_code)
        if name is None:
            name = self.config.vendors.get(dms_vendor or "", self.config.default_dialect)
        try:
            return self.dialects[name]
        except KeyError as exc:
            raise ConfigError(f"dialect {name!r} (dealer {dealer_code}) has no profile") from exc


@cache
def _load_cached(registry_path: Path, dialects_dir: Path, stamp: tuple[float, ...]) -> Registry:
    config = load_registry_config(registry_path)
    dialects: dict[str, DialectProfile] = {}
    for path in sorted(dialects_dir.glob("*.yaml")):
        profile = load_dialect(path)
        if profile.name in dialects:
            raise ConfigError(f"dialect {profile.name!r} defined twice ({path})")
        dialects[profile.name] = profile
    names = {config.default_dialect, *config.vendors.values(), *config.dealer_overrides.values()}
    missing = sorted(n for n in names if n not in dialects)
    if missing:
        raise ConfigError(
            f"{registry_path}: dialects without a profile in {dialects_dir}: {missing}"
        )
    return Registry(config, dialects)


def load_registry(settings: Settings) -> Registry:
    files = [settings.registry_path, *sorted(settings.dialects_dir.glob("*.yaml"))]
    stamp = tuple(p.stat().st_mtime if p.exists() else 0.0 for p in files)
    return _load_cached(settings.registry_path, settings.dialects_dir, stamp)
