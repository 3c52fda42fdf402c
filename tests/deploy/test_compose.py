"""The compose stack, checked without a Docker engine: the Compose specification, the env keys
against the code, production settings against the code's refusals, files, commands and the
images' install lines."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from compose_model import (
    COMPOSE_FILE,
    DOCKERFILES,
    IMAGE_ROOT,
    PIPELINE_DOCKERFILE,
    ROOT,
    SUPERSET_DOCKERFILE,
    code_folders,
    env_example,
    generated_values,
    image_of,
    in_repo,
    render,
    required_variables,
    service_env,
    variables,
)

PIPELINE_BIN = Path(sys.executable).parent
SUPERSET_PYTHON = ROOT / ".venv" / "superset" / "bin" / "python"
# variables the stock images document (postgres:15), not the project's code
STOCK_IMAGE_KEYS = {"postgres": {"POSTGRES_USER", "POSTGRES_PASSWORD", "POSTGRES_DB"}}
# variables read by a library inside the image: the package whose source must name them
LIBRARY_KEYS = {
    "GX_ANALYTICS_ENABLED": ("pipeline", "great_expectations"),
    "DBT_SEND_ANONYMOUS_USAGE_STATS": ("pipeline", "dbt"),
    "SUPERSET_CONFIG_PATH": ("superset", "superset"),
}
VENVS = {"pipeline": ROOT / ".venv" / "pipeline", "superset": ROOT / ".venv" / "superset"}


@pytest.fixture(scope="module")
def values() -> dict[str, str]:
    return generated_values()


@pytest.fixture(scope="module")
def compose(values: dict[str, str]) -> dict[str, Any]:
    return render(values)


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return compose["services"]


def test_compose_file_follows_the_compose_specification() -> None:
    schema = json.loads(
        (
            resources.files("check_jsonschema.builtin_schemas.vendor") / "compose-spec.json"
        ).read_text()
    )
    document = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]
    assert not errors, "\n".join(errors)
    # the check can fail: a misspelt key is refused
    broken = {**document, "services": {"redis": {"image": "redis:7", "helthcheck": {}}}}
    assert list(validator.iter_errors(broken))


def test_settings_and_secrets_come_from_env_with_no_working_default() -> None:
    example = env_example()
    used = variables()
    assert set(example) == set(used), (
        f"in compose, not in .env.example: {sorted(set(used) - set(example))}; "
        f"in .env.example, unused: {sorted(set(example) - set(used))}"
    )
    required = required_variables()
    assert {"POSTGRES_PASSWORD", "AFTERSALES_PHONE_HMAC_KEY", "AIRFLOW_FERNET_KEY"} <= required
    for name in required:
        assert example[name] == "", f"{name} has a value in .env.example"
        assert used[name] == {":?"}, f"{name} is also used without ':?' (a silent default)"
    # optional ones have a default in the compose file
    for name in set(used) - required:
        assert ":-" in used[name], f"{name} is neither required nor defaulted"
    # .env.example as shipped does not start: every secret is refused while empty
    with pytest.raises(ValueError, match="required variable"):
        render(example)


def test_every_env_key_is_read_by_the_code(services: dict[str, dict[str, Any]]) -> None:
    from airflow.configuration import conf
    from airflow.providers_manager import ProvidersManager

    ProvidersManager().initialize_providers_configuration()
    airflow_options = {
        (section, option)
        for section, described in conf.configuration_description.items()
        for option in described.get("options", {})
    }
    sources: dict[str, str] = {}
    for image, dockerfile in DOCKERFILES.items():
        texts = []
        for source in dockerfile.copied_sources():
            path = ROOT / source
            files = [path] if path.is_file() else sorted(path.rglob("*"))
            texts += [
                f.read_text(encoding="utf-8", errors="ignore")
                for f in files
                if f.is_file() and f.suffix in (".py", ".sh", ".yml", ".yaml", ".sql")
            ]
        sources[image] = "\n".join(texts)
    problems = []
    for name, service in services.items():
        image = image_of(service)
        for key in service_env(service):
            if image is None:
                stock = service["image"].split(":")[0]
                if key not in STOCK_IMAGE_KEYS.get(stock, set()):
                    problems.append(f"{name}: {key} is not a documented {stock} variable")
            elif key.startswith("AIRFLOW__"):
                section, _, option = key.removeprefix("AIRFLOW__").lower().partition("__")
                if image != "pipeline" or (section, option) not in airflow_options:
                    problems.append(f"{name}: {key} is no Airflow option")
            elif key in LIBRARY_KEYS:
                owner, package = LIBRARY_KEYS[key]
                if owner != image or not _package_names(VENVS[owner], package, key):
                    problems.append(f"{name}: {key} is not read by {package}")
            elif key not in sources[image]:
                problems.append(f"{name}: {key} is read by no code in the {image} image")
    assert not problems, "\n".join(problems)


def _package_names(venv: Path, package: str, key: str) -> bool:
    site = next(venv.glob("lib/python3*/site-packages"))
    done = subprocess.run(["grep", "-rlq", "--include=*.py", key, str(site / package)], check=False)
    return done.returncode == 0


def _pipeline_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services.items() if image_of(s) == "pipeline"}


def _superset_services(services: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {n: s for n, s in services.items() if image_of(s) == "superset"}


def test_pipeline_settings_satisfy_production_mode(
    services: dict[str, dict[str, Any]], values: dict[str, str]
) -> None:
    from ingestion.settings import DEV_PHONE_HMAC_KEY, ConfigError, Settings
    from orchestration import superset_cache

    pipeline = _pipeline_services(services)
    assert {
        "airflow-init",
        "airflow-api-server",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-triggerer",
        "airflow-worker",
    } <= set(pipeline)
    envs = [service_env(service) for service in pipeline.values()]
    assert all(env == envs[0] for env in envs), "the pipeline services differ in settings"
    env = envs[0]
    settings = Settings.from_env(environ=env)
    assert settings.env == "production"
    assert settings.phone_hmac_key == values["AFTERSALES_PHONE_HMAC_KEY"]
    with pytest.raises(ConfigError):
        Settings.from_env(environ={**env, "AFTERSALES_PHONE_HMAC_KEY": DEV_PHONE_HMAC_KEY})
    # the cache refresh after a build has a URL *and* the credentials Superset's admin has
    superset_env = service_env(services["superset"])
    assert env[superset_cache.URL_ENV].startswith("http://superset:")
    assert env[superset_cache.USER_ENV] == superset_env["AFTERSALES_SUPERSET_ADMIN_USER"]
    assert env[superset_cache.PASSWORD_ENV] == superset_env["AFTERSALES_SUPERSET_ADMIN_PASSWORD"]
    assert env["AIRFLOW__CORE__EXECUTOR"] == "CeleryExecutor"
    assert env["AIRFLOW__CELERY__BROKER_URL"].startswith("redis://redis:")
    assert "@postgres:5432/" in env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"]


def _superset_config_exit(env: dict[str, str], home: Path) -> subprocess.CompletedProcess[str]:
    script = "import runpy, sys; runpy.run_path(sys.argv[1]); print('configured')"
    return subprocess.run(
        [str(SUPERSET_PYTHON), "-c", script, str(ROOT / "superset" / "superset_config.py")],
        env={"PATH": os.environ["PATH"], **env, "AFTERSALES_SUPERSET_HOME": str(home)},
        capture_output=True,
        text=True,
        check=False,
    )


def test_superset_settings_satisfy_production_mode(
    services: dict[str, dict[str, Any]], tmp_path: Path
) -> None:
    superset = _superset_services(services)
    assert set(superset) == {"superset", "superset-init"}
    env = service_env(superset["superset"])
    assert env == service_env(superset["superset-init"])
    done = _superset_config_exit(env, tmp_path)
    assert done.returncode == 0 and "configured" in done.stdout, done.stderr
    # each production requirement of superset_config.py is set by compose, and needed
    for key in ("AFTERSALES_SUPERSET_SECRET_KEY", "AFTERSALES_SUPERSET_METADATA_URI"):
        refused = _superset_config_exit({k: v for k, v in env.items() if k != key}, tmp_path)
        assert refused.returncode != 0 and key in refused.stderr, refused.stderr
    # the bootstrap's production checks (admin and user passwords) pass
    check = (
        "import sys; sys.path.insert(0, sys.argv[1]); import bootstrap; "
        "s = bootstrap.BootstrapSettings.from_env(); print(s.env, s.warehouse)"
    )
    done = subprocess.run(
        [str(SUPERSET_PYTHON), "-c", check, str(ROOT / "superset")],
        env={"PATH": os.environ["PATH"], **env, "AFTERSALES_SUPERSET_HOME": str(tmp_path)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.split() == ["production", env["AFTERSALES_WAREHOUSE"]]
    assert env["AFTERSALES_SUPERSET_REDIS_URL"].startswith("redis://redis:")
    assert "@postgres:5432/superset" in env["AFTERSALES_SUPERSET_METADATA_URI"]


def _airflow_args(argv: list[str]) -> None:
    from airflow.cli.cli_parser import get_parser

    get_parser().parse_args(argv)  # SystemExit on an unknown command or option


def test_referenced_files_and_commands_exist(services: dict[str, dict[str, Any]]) -> None:
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).is_file(), f"{name}: {source} does not exist"
        for dependency in service.get("depends_on", {}):
            assert dependency in services, f"{name} depends on unknown {dependency}"
        image = image_of(service)
        health = service.get("healthcheck", {}).get("test", [])
        if image == "pipeline":
            entrypoint = service.get("entrypoint")
            if entrypoint is None:  # the image's ENTRYPOINT is `airflow`
                _airflow_args(service["command"])
            else:
                assert entrypoint[:3] == ["python", "-m", "orchestration.run_dags"]
                help_text = subprocess.run(
                    [sys.executable, "-m", "orchestration.run_dags", "--help"],
                    capture_output=True,
                    text=True,
                    check=True,
                    cwd=ROOT,
                ).stdout
                for option in service["command"]:
                    assert option in help_text, f"{name}: run_dags has no {option}"
            if health[:2] == ["CMD", "airflow"]:
                _airflow_args(health[2:])
        if image == "superset" and "command" in service:
            script = next(part for part in service["command"] if part.startswith(IMAGE_ROOT))
            assert in_repo(script).is_file()
            assert (
                in_repo(script).relative_to(ROOT).as_posix() in SUPERSET_DOCKERFILE.copied_sources()
            )
    # named volumes mount on folders the image made for its service user (so they start
    # writable by it, not root-owned)
    for name, service in services.items():
        image = image_of(service)
        if image is None:
            continue
        made = " ".join(line for line in DOCKERFILES[image].run_lines() if "mkdir" in line)
        for volume in service.get("volumes", []):
            target = volume.split(":")[1]
            assert not volume.startswith(".") and target in made.split(), (
                f"{name}: {target} is not made by deploy/{image}.Dockerfile"
            )
    env = service_env(services["airflow-scheduler"])
    assert (in_repo(env["AIRFLOW__CORE__DAGS_FOLDER"]) / "feed_ingestion.py").is_file()
    assert in_repo(service_env(services["superset"])["SUPERSET_CONFIG_PATH"]).is_file()
    # workers scale with --scale: no fixed container name or host port
    worker = services["airflow-worker"]
    assert "container_name" not in worker and "ports" not in worker
    assert worker["depends_on"]["airflow-api-server"]["condition"] == "service_healthy"
    # every long-running service has a health check; one-shots complete before others start
    for name, service in services.items():
        if service.get("restart") != "no" and name != "superset-init":
            assert "healthcheck" in service, f"{name} has no health check"
    assert services["airflow-scheduler"]["depends_on"]["airflow-init"]["condition"] == (
        "service_completed_successfully"
    )
    assert services["superset"]["depends_on"]["superset-init"]["condition"] == (
        "service_completed_successfully"
    )


@pytest.mark.parametrize("image", sorted(DOCKERFILES))
def test_images_build_from_the_lock_files(image: str, services: dict[str, dict[str, Any]]) -> None:
    dockerfile = DOCKERFILES[image]
    lint = subprocess.run(
        [str(PIPELINE_BIN / "hadolint"), "--failure-threshold", "info", str(dockerfile.path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert lint.returncode == 0, lint.stdout + lint.stderr
    lock = f"requirements/{image}.lock.txt"
    assert lock in dockerfile.copied_sources()
    installs = [
        line for line in dockerfile.run_lines() if re.search(r"\bpip (install|sync)\b", line)
    ]
    sync = re.compile(rf"uv pip sync\b[^&]*\s{re.escape(lock)}(\s|$)")
    assert any(sync.search(line) for line in installs), f"no `uv pip sync ... {lock}`: {installs}"
    for line in installs:
        for command in re.split(r"&&", line):
            if "pip install" in command:
                arguments = re.sub(r"--python\s+\S+", "", command.split("pip install", 1)[1])
                packages = [word for word in arguments.split() if not word.startswith("-")]
                assert all("==" in p or p == "." for p in packages), f"unpinned install: {command}"
                if "." in packages:
                    assert "--no-deps" in command, (
                        f"the project installed with dependencies: {command}"
                    )
    # compose builds every project service from this Dockerfile, not a stock image
    built = [n for n, s in services.items() if image_of(s) == image]
    assert built
    assert not any(services[n]["image"].startswith("apache/") for n in built)


def test_pipeline_image_holds_every_code_folder() -> None:
    copied = set(PIPELINE_DOCKERFILE.copied_sources())
    folders = code_folders()
    assert {"ingestion", "orchestration", "warehouse", "dags", "dbt_project"} <= set(folders)
    missing = [folder for folder in folders if folder not in copied]
    assert not missing, f"deploy/pipeline.Dockerfile does not COPY {missing}"
    for folder in folders:
        assert (ROOT / folder).is_dir(), folder
