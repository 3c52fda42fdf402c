"""docker-compose.yml, .env.example and deploy/*.Dockerfile read the way Compose reads them."""

from __future__ import annotations

import re
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
ENV_EXAMPLE = ROOT / ".env.example"
IMAGE_ROOT = "/opt/aftersales"  # where both Dockerfiles put the project (WORKDIR)
# ${VAR}, ${VAR:-default}, ${VAR:?message}; `$${...}` is an escaped dollar, not a variable
VARIABLE = re.compile(r"(?<!\$)\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?\}")
# folders the code reads at run time besides the Python packages of pyproject.toml
RUNTIME_FOLDERS = ("dags", "dbt_project", "expectations")


def env_example() -> dict[str, str]:
    values = {}
    for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


def variables() -> dict[str, set[str]]:
    """Each variable the compose file interpolates, with the forms it is used in."""
    found: dict[str, set[str]] = {}
    for match in VARIABLE.finditer(COMPOSE_FILE.read_text(encoding="utf-8")):
        found.setdefault(match.group(1), set()).add(match.group(2) or "")
    return found


def required_variables() -> set[str]:
    return {name for name, forms in variables().items() if ":?" in forms}


def generated_values() -> dict[str, str]:
    """.env.example with every empty required value filled with a fresh random secret."""
    values = env_example()
    for name in required_variables():
        if not values.get(name):
            values[name] = secrets.token_urlsafe(32)
    return values


def render(values: dict[str, str]) -> dict[str, Any]:
    """Interpolate like Compose does (a missing `:?` variable is an error), then parse."""

    def substitute(match: re.Match[str]) -> str:
        name, form, argument = match.group(1), match.group(2) or "", match.group(3) or ""
        value = values.get(name, "")
        if form == ":?" and not value:
            raise ValueError(f"required variable {name} is missing a value: {argument}")
        if form == ":-" and not value:
            return argument
        return value

    text = VARIABLE.sub(substitute, COMPOSE_FILE.read_text(encoding="utf-8"))
    return yaml.safe_load(text.replace("$$", "$"))


def service_env(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment") or {}
    if isinstance(env, list):
        env = dict(item.split("=", 1) for item in env)
    return {key: "" if value is None else str(value) for key, value in env.items()}


@dataclass(frozen=True)
class Dockerfile:
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    def instructions(self) -> list[tuple[str, str]]:
        """(INSTRUCTION, arguments) with continuation lines joined."""
        joined = re.sub(r"\\\n\s*", " ", self.text)
        result = []
        for line in joined.splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                word, _, rest = line.partition(" ")
                result.append((word.upper(), rest.strip()))
        return result

    def copied_sources(self) -> list[str]:
        """The sources of every COPY (relative to the build context), without a trailing /."""
        sources = []
        for word, rest in self.instructions():
            if word == "COPY":
                parts = [p for p in rest.split() if not p.startswith("--")]
                sources += [p.rstrip("/") for p in parts[:-1]]
        return sources

    def run_lines(self) -> list[str]:
        return [rest for word, rest in self.instructions() if word == "RUN"]


PIPELINE_DOCKERFILE = Dockerfile(ROOT / "deploy" / "pipeline.Dockerfile")
SUPERSET_DOCKERFILE = Dockerfile(ROOT / "deploy" / "superset.Dockerfile")
DOCKERFILES = {"pipeline": PIPELINE_DOCKERFILE, "superset": SUPERSET_DOCKERFILE}


def image_of(service: dict[str, Any]) -> str | None:
    """'pipeline' or 'superset' for the project's images, None for a stock image."""
    build = service.get("build")
    if not build:
        return None
    dockerfile = ROOT / build.get("context", ".") / build["dockerfile"]
    for name, candidate in DOCKERFILES.items():
        if dockerfile.resolve() == candidate.path.resolve():
            return name
    raise AssertionError(f"unknown Dockerfile {dockerfile}")


def python_packages() -> list[str]:
    """The top-level packages pyproject.toml installs (ingestion, orchestration, ...)."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return [
        name.rstrip("*") for name in config["tool"]["setuptools"]["packages"]["find"]["include"]
    ]


def code_folders() -> list[str]:
    """Every folder the pipeline image needs: the Python packages and the runtime folders."""
    return [*python_packages(), *RUNTIME_FOLDERS]


def in_repo(image_path: str) -> Path:
    """The file in this repository that a path inside an image is a copy of."""
    assert image_path.startswith(IMAGE_ROOT + "/"), image_path
    return ROOT / image_path.removeprefix(IMAGE_ROOT + "/")
