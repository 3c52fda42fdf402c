"""Take a fresh (or existing) Superset to ready, idempotently, in one process.

    .venv/superset/bin/python superset/bootstrap.py

Steps: metadata DB upgrade, roles and permissions sync (`superset init`), admin user,
import of the dashboards bundle overwriting databases, datasets, charts and dashboards,
then roles / users / row-level security from the dealer master (provision_access.py).
Running every step in one app context avoids a CLI start per step. A fresh embedded
(SQLite) install starts from a saved migrated metadata DB when one exists for this
Superset version (metadata_template.py).

Every user it creates (OEM, data engineer, regional managers, dealers) gets its own
generated password, printed once at the end; `--reset-passwords` generates and prints new
ones for all of them.

Environment: AFTERSALES_WAREHOUSE (served DuckDB file), AFTERSALES_SUPERSET_ASSETS
(asset folder, default superset/assets), AFTERSALES_SUPERSET_HOME
(metadata and bundle, default var/superset), AFTERSALES_SUPERSET_ADMIN_PASSWORD
(dev default, refused when AFTERSALES_ENV=production).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any

HERE = Path(__file__).resolve().parent
PROJECT_ROOT = HERE.parent
os.environ.setdefault("SUPERSET_CONFIG_PATH", str(HERE / "superset_config.py"))
os.environ.setdefault("SUPERSET_LOG_LEVEL", "warning")
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import build_bundle  # noqa: E402
import metadata_template  # noqa: E402
import provision_access  # noqa: E402
import typer  # noqa: E402
from pydantic import BaseModel  # noqa: E402
from rich.console import Console  # noqa: E402

# DEVELOPMENT ONLY: refused when AFTERSALES_ENV=production.
DEV_ADMIN_PASSWORD = "admin-dev-password"
LOGINS_HEADER = "logins (shown only now; store them):"

console = Console(stderr=True)


class BootstrapSettings(BaseModel):
    env: str
    warehouse: Path
    assets: Path
    home: Path
    admin_user: str
    admin_password: str
    template_dir: Path
    no_template: bool = False
    reset_passwords: bool = False

    @property
    def embedded_metadata_db(self) -> Path | None:
        """The SQLite metadata file of the embedded default, None with an external DB."""
        if os.environ.get("AFTERSALES_SUPERSET_METADATA_URI"):
            return None
        return self.home / "superset.db"

    @classmethod
    def from_env(cls) -> BootstrapSettings:
        env = (os.environ.get("AFTERSALES_ENV") or "development").lower()
        admin_password = os.environ.get("AFTERSALES_SUPERSET_ADMIN_PASSWORD") or ""
        if env == "production" and admin_password in ("", DEV_ADMIN_PASSWORD):
            raise SystemExit(
                "bootstrap: refusing: AFTERSALES_ENV=production needs "
                "AFTERSALES_SUPERSET_ADMIN_PASSWORD (not the development default)."
            )
        return cls(
            env=env,
            warehouse=build_bundle.warehouse_path(),
            assets=build_bundle.assets_path(),
            home=Path(
                os.environ.get("AFTERSALES_SUPERSET_HOME") or PROJECT_ROOT / "var" / "superset"
            ),
            admin_user=os.environ.get("AFTERSALES_SUPERSET_ADMIN_USER") or "admin",
            admin_password=admin_password or DEV_ADMIN_PASSWORD,
            template_dir=Path(
                os.environ.get("AFTERSALES_SUPERSET_TEMPLATE_DIR")
                or PROJECT_ROOT / "var" / "superset" / "templates"
            ),
        )


@contextmanager
def step(name: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
    console.print(f"[green]✓[/green] {name} [dim]{timings[name]:.1f}s[/dim]")


def _upgrade_metadata() -> None:
    from flask_migrate import upgrade

    upgrade()


def _init_permissions() -> None:
    from superset import appbuilder, db, security_manager

    appbuilder.add_permissions(update_perms=True)
    security_manager.sync_role_definitions()
    db.session.commit()


def _ensure_admin(settings: BootstrapSettings) -> Any:
    from werkzeug.security import check_password_hash

    from superset import db, security_manager

    user = security_manager.find_user(username=settings.admin_user)
    admin_role = security_manager.find_role("Admin")
    if user is None:
        user = security_manager.add_user(
            settings.admin_user,
            "Admin",
            "aftersales",
            f"{settings.admin_user}@aftersales.invalid",
            admin_role,
            password=settings.admin_password,
        )
    elif not check_password_hash(user.password, settings.admin_password):
        user.password = _hash(settings.admin_password)
    if admin_role not in user.roles:
        user.roles.append(admin_role)
    db.session.commit()
    return user


def _hash(password: str) -> str:
    from flask import current_app
    from werkzeug.security import generate_password_hash

    return generate_password_hash(
        password,
        method=current_app.config.get("FAB_PASSWORD_HASH_METHOD", "scrypt"),
        salt_length=current_app.config.get("FAB_PASSWORD_HASH_SALT_LENGTH", 16),
    )


def import_bundle(contents: dict[str, str], admin: Any) -> None:
    """Import everything with overwrite (databases, datasets, charts, dashboards)."""
    from flask import g
    from superset.commands.importers.v1.assets import ImportAssetsCommand

    g.user = admin
    # The assets importer overwrites every object in the bundle (the dashboard importer
    # would overwrite only the dashboards); it expects the "assets" bundle type.
    # Paths inside the command are relative to the bundle's top-level folder.
    assets: dict[str, str] = {}
    for path, text in contents.items():
        relative = path.split("/", 1)[1]
        if relative == "metadata.yaml":
            text = text.replace("type: Dashboard", "type: assets", 1)
        assets[relative] = text
    ImportAssetsCommand(assets).run()


def link_map_layers(assets: Any) -> None:
    """Point each deck_multi chart at the ids of its layer charts (known only after import)."""
    import json

    from superset.models.slice import Slice

    from superset import db

    for name, chart in assets.charts.items():
        layers = chart.params.get("deck_layers")
        if not layers:
            continue
        by_uuid = {str(s.uuid): s for s in db.session.query(Slice).all()}
        multi = by_uuid[build_bundle.stable_uuid("chart", name)]
        params = json.loads(multi.params or "{}")
        params["deck_slices"] = [by_uuid[build_bundle.stable_uuid("chart", n)].id for n in layers]
        multi.params = json.dumps(params, ensure_ascii=False)
    db.session.commit()


def run(settings: BootstrapSettings, bundle_out: Path | None = None) -> dict[str, float]:
    timings: dict[str, float] = {}
    total = time.perf_counter()
    with step("build bundle", timings):
        assets = build_bundle.load_assets(settings.assets)
        contents = build_bundle.build_contents(assets, settings.warehouse)
        audiences = {
            build_bundle.stable_uuid("dashboard", name): spec.audience
            for name, spec in assets.dashboards.items()
        }
        aggregate_tables = {ds.table_name for ds in assets.datasets.values() if ds.aggregate}
        out = bundle_out or settings.home / "aftersales_bundle.zip"
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(build_bundle.zip_bytes(contents))
    with step("read dealer master", timings):
        dealers = provision_access.read_dealers(settings.warehouse)
    sqlite_db = settings.embedded_metadata_db
    from_template = False
    if sqlite_db is not None and not settings.no_template:
        with step("metadata template", timings):
            from_template = metadata_template.restore(sqlite_db, settings.template_dir)
    fresh = sqlite_db is not None and not sqlite_db.exists()
    with step("create app", timings):
        from superset.app import create_app

        app = create_app()
    with app.app_context():
        with step("db upgrade", timings):
            _upgrade_metadata()
        with step("init (roles and permissions)", timings):
            _init_permissions()
        if fresh and sqlite_db is not None and not settings.no_template:
            metadata_template.save(sqlite_db, settings.template_dir)
        with step("admin user", timings):
            admin = _ensure_admin(settings)
        with step("import bundle (overwrite)", timings):
            import_bundle(contents, admin)
            link_map_layers(assets)
        with step("roles, users, row-level security", timings):
            report = provision_access.provision(
                dealers,
                _hash,
                audiences,
                aggregate_tables=aggregate_tables,
                reset_passwords=settings.reset_passwords,
            )
    timings["total"] = time.perf_counter() - total
    origin = "metadata from template, " if from_template else ""
    console.print(
        f"[bold]ready[/bold] in {timings['total']:.1f}s ({origin}{settings.env}): "
        f"{report.dealers} dealers, "
        f"{len(report.regions)} regions, {report.users} users, {report.rls_rules} RLS rules "
        f"on {report.datasets} datasets; warehouse {settings.warehouse}",
        soft_wrap=True,
    )
    if report.new_logins:
        console.print(LOGINS_HEADER, markup=False)
        for username, password in report.new_logins:
            console.print(
                f"  login: {username}  password: {password}", markup=False, soft_wrap=True
            )
    if report.removed_rules or report.deactivated_users:
        console.print(
            f"removed {report.removed_rules} RLS rules of dealers/regions no longer in the "
            f"master; deactivated users: {', '.join(report.deactivated_users) or '-'}"
        )
    return timings


app = typer.Typer(add_completion=False, help=__doc__)


@app.command()
def main(
    bundle_out: Annotated[
        Path | None, typer.Option(help="Where to keep the built bundle ZIP")
    ] = None,
    no_template: Annotated[
        bool, typer.Option(help="Migrate a fresh metadata DB from scratch (no template)")
    ] = False,
    reset_passwords: Annotated[
        bool, typer.Option(help="Generate (and print) new passwords for every provisioned user")
    ] = False,
) -> None:
    """Bootstrap Superset for the after-sales dashboards."""
    settings = BootstrapSettings.from_env()
    settings.no_template = no_template
    settings.reset_passwords = reset_passwords
    try:
        run(settings, bundle_out)
    except (build_bundle.BundleError, provision_access.ProvisioningError) as exc:
        console.print(f"[red]bootstrap failed:[/red] {exc}")
        raise typer.Exit(1) from exc
    except Exception as exc:
        from superset.commands.exceptions import CommandException

        if not isinstance(exc, CommandException):
            raise
        # import errors: name the file and field instead of a stack trace
        details = getattr(exc, "normalized_messages", lambda: {})() or {}
        console.print(f"[red]bootstrap failed:[/red] {exc.message} {details}")
        cause = exc.__cause__
        while cause is not None:
            console.print(f"  caused by {type(cause).__name__}: {cause}")
            cause = cause.__cause__
        raise typer.Exit(1) from exc


if __name__ == "__main__":
    app()
