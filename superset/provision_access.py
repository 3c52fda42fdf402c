"""Roles, users and row-level security for the after-sales dashboards.

Runs inside a Superset app context (bootstrap.py). Idempotent: every object is found by
name and updated, or created.

Access model
- Permission roles (what a user may open): ``aftersales_oem``, ``aftersales_regional_manager``,
  ``aftersales_dealer``, ``aftersales_data_engineer`` — datasource access on the datasets.
- UI roles: the OEM and data engineers get Superset's ``Gamma`` (explore, chart lists);
  dealers and regional managers get ``aftersales_viewer``, which opens dashboards and
  nothing else (no dataset or chart lists, no Explore, no chart creation, no SQL Lab).
- Scope roles (which rows): ``region_<region>`` and ``dealer_<dealer_code>``, one per region
  and per dealer of the dealer master (``dim_dealers`` in the warehouse). They carry no
  permissions, only row-level security rules.
- Row-level security on every dataset, all in one group (clauses of one group are ORed):
  a Base rule ``1 = 0`` for everyone except Admin / OEM / data engineers (deny by
  default), a Regular rule per region and per dealer. A user with no scope role sees
  nothing; a dealer user sees ``1 = 0 OR dealer_code = '<own>'``. Aggregate datasets
  (benchmarks, the region map: no dealer rows) carry no rule.
- Users: each new user gets its own generated password, returned once in the report
  (bootstrap prints it); existing users keep theirs unless passwords are reset.
"""

from __future__ import annotations

import re
import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

RLS_GROUP = "aftersales_scope"
BASE_RULE_NAME = "aftersales: deny by default"
DATABASE_NAME = "aftersales_warehouse"

ROLE_OEM = "aftersales_oem"
ROLE_REGIONAL = "aftersales_regional_manager"
ROLE_DEALER = "aftersales_dealer"
ROLE_DATA_ENGINEER = "aftersales_data_engineer"
ROLE_VIEWER = "aftersales_viewer"
PERMISSION_ROLES = (ROLE_OEM, ROLE_REGIONAL, ROLE_DEALER, ROLE_DATA_ENGINEER)
UNRESTRICTED_ROLES = ("Admin", ROLE_OEM, ROLE_DATA_ENGINEER)
DATA_ENGINEER_DATASETS = ("rpt_feed_health",)

SCOPE_ROLE_PREFIXES = ("region_", "dealer_")
SCOPE_RULE_PREFIXES = ("aftersales: region ", "aftersales: dealer ")

# What a dashboard viewer may do: open the dashboards of its roles with their filters,
# and its own account. Everything else Gamma has (chart and dataset lists, Explore, chart
# creation, SQL Lab, exports) is left out.
VIEWER_PERMISSIONS: tuple[tuple[str, str], ...] = (
    ("can_read", "Dashboard"),
    ("can_read", "Chart"),  # the chart-data API the dashboard's charts call
    ("can_read", "DashboardFilterStateRestApi"),
    ("can_write", "DashboardFilterStateRestApi"),
    ("can_read", "DashboardPermalinkRestApi"),
    ("can_dashboard", "Superset"),
    ("can_explore_json", "Superset"),  # data of the legacy map charts
    ("can_log", "Superset"),
    ("can_language_pack", "Superset"),
    ("can_time_range", "Api"),
    ("can_list", "AsyncEventsRestApi"),
    ("can_read", "AvailableDomains"),
    ("can_read", "CurrentUserRestApi"),
    ("can_list", "DynamicPlugin"),
    ("can_show", "DynamicPlugin"),
    ("can_get", "MenuApi"),
    ("can_recent_activity", "Log"),
    ("can_read", "Theme"),
    ("menu_access", "Home"),
    ("menu_access", "Dashboards"),
    ("can_userinfo", "UserDBModelView"),
    ("resetmypassword", "UserDBModelView"),
    ("can_this_form_get", "ResetMyPasswordView"),
    ("can_this_form_post", "ResetMyPasswordView"),
)

OEM_USER = "oem"
DATA_ENGINEER_USER = "dataeng"
_SAFE_CODE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


class ProvisioningError(ValueError):
    """The dealer master cannot be turned into roles (bad code, missing table)."""


@dataclass(frozen=True)
class Dealer:
    dealer_code: str
    region: str
    dealer_name: str = ""


@dataclass
class ProvisionReport:
    roles: int = 0
    users: int = 0
    rls_rules: int = 0
    datasets: int = 0
    dealers: int = 0
    regions: list[str] = field(default_factory=list)
    removed_rules: int = 0
    deactivated_users: list[str] = field(default_factory=list)
    new_logins: list[tuple[str, str]] = field(default_factory=list)


def generate_password() -> str:
    return secrets.token_urlsafe(12)


def region_role(region: str) -> str:
    return f"region_{region}"


def dealer_role(dealer_code: str) -> str:
    return f"dealer_{dealer_code}"


def regional_user(region: str) -> str:
    return f"rm_{region}"


def _sql_literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def region_clause(region: str) -> str:
    # Resolved against the current dealer master on every query, so a dealer moving
    # region follows without re-provisioning.
    return (
        "dealer_code IN (SELECT dealer_code FROM main.dim_dealers "
        f"WHERE region = {_sql_literal(region)})"
    )


def dealer_clause(dealer_code: str) -> str:
    return f"dealer_code = {_sql_literal(dealer_code)}"


def read_dealers(warehouse: Path) -> list[Dealer]:
    """Dealer master from the served warehouse (read-only)."""
    if not warehouse.exists():
        raise ProvisioningError(f"warehouse {warehouse} does not exist")
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        cols = {
            r[0]
            for r in con.execute(
                "SELECT column_name FROM information_schema.columns "
                "WHERE table_schema = 'main' AND table_name = 'dim_dealers'"
            ).fetchall()
        }
        if not {"dealer_code", "region"} <= cols:
            raise ProvisioningError(
                f"{warehouse}: main.dim_dealers with dealer_code and region is required"
            )
        name = "dealer_name" if "dealer_name" in cols else "''"
        rows = con.execute(
            f"SELECT dealer_code, coalesce(region, 'unassigned'), coalesce({name}, '') "
            "FROM main.dim_dealers ORDER BY dealer_code"
        ).fetchall()
    finally:
        con.close()
    dealers = [Dealer(str(c), str(r), str(n)) for c, r, n in rows]
    for d in dealers:
        for value in (d.dealer_code, d.region):
            if not _SAFE_CODE.match(value):
                raise ProvisioningError(
                    f"dim_dealers: {value!r} cannot name a role (letters, digits, _ . - only)"
                )
    return dealers


def provision(
    dealers: list[Dealer],
    hash_password: Callable[[str], str],
    audiences: dict[str, list[str]],
    aggregate_tables: set[str] | frozenset[str] = frozenset(),
    reset_passwords: bool = False,
) -> ProvisionReport:
    """Create or update roles, users, RLS rules and dashboard roles. Needs an app context.

    New users (every user with ``reset_passwords``) get a generated password, returned in
    ``report.new_logins``; aggregate tables get no row-level security rule."""
    from superset.connectors.sqla.models import RowLevelSecurityFilter, SqlaTable
    from superset.models.core import Database
    from superset.models.dashboard import Dashboard
    from superset.utils.core import RowLevelSecurityFilterType

    from superset import db, security_manager

    sm = security_manager
    report = ProvisionReport(dealers=len(dealers))
    database = db.session.query(Database).filter_by(database_name=DATABASE_NAME).one_or_none()
    if database is None:
        raise ProvisioningError(f"database {DATABASE_NAME!r} not imported")
    datasets = db.session.query(SqlaTable).filter_by(database_id=database.id).all()
    report.datasets = len(datasets)
    dealer_datasets = [ds for ds in datasets if ds.table_name not in aggregate_tables]

    roles: dict[str, object] = {}

    def role(name: str) -> object:
        if name not in roles:
            found = sm.find_role(name)
            roles[name] = found if found is not None else sm.add_role(name)
            report.roles += 1
        return roles[name]

    gamma = sm.find_role("Gamma")
    admin = sm.find_role("Admin")
    roles["Gamma"], roles["Admin"] = gamma, admin

    viewer = role(ROLE_VIEWER)
    viewer_pvms = [sm.find_permission_view_menu(p, v) for p, v in VIEWER_PERMISSIONS]
    viewer.permissions = [pvm for pvm in viewer_pvms if pvm is not None]  # type: ignore[attr-defined]

    # permission roles: datasource access
    for role_name in PERMISSION_ROLES:
        r = role(role_name)
        for ds in datasets:
            if role_name == ROLE_DATA_ENGINEER and ds.table_name not in DATA_ENGINEER_DATASETS:
                continue
            pvm = sm.find_permission_view_menu("datasource_access", ds.perm)
            if pvm is None:
                pvm = sm.add_permission_view_menu("datasource_access", ds.perm)
            if pvm not in r.permissions:  # type: ignore[attr-defined]
                r.permissions.append(pvm)  # type: ignore[attr-defined]

    regions = sorted({d.region for d in dealers})
    report.regions = regions
    for region in regions:
        role(region_role(region))
    for d in dealers:
        role(dealer_role(d.dealer_code))

    # row-level security
    existing = {f.name: f for f in db.session.query(RowLevelSecurityFilter).all()}

    def rule(name: str, kind: object, clause: str, role_names: list[str], desc: str) -> None:
        f = existing.get(name)
        if f is None:
            f = RowLevelSecurityFilter(name=name)
            db.session.add(f)
        f.filter_type = kind
        f.clause = clause
        f.group_key = RLS_GROUP
        f.description = desc
        f.tables = list(dealer_datasets)
        f.roles = [roles[n] for n in role_names]
        report.rls_rules += 1

    rule(
        BASE_RULE_NAME,
        RowLevelSecurityFilterType.BASE,
        "1 = 0",
        list(UNRESTRICTED_ROLES),
        "Deny by default: everyone except the listed roles sees only rows a Regular "
        "rule of their scope roles grants.",
    )
    for region in regions:
        rule(
            f"aftersales: region {region}",
            RowLevelSecurityFilterType.REGULAR,
            region_clause(region),
            [region_role(region)],
            f"Dealers of region {region}",
        )
    for d in dealers:
        rule(
            f"aftersales: dealer {d.dealer_code}",
            RowLevelSecurityFilterType.REGULAR,
            dealer_clause(d.dealer_code),
            [dealer_role(d.dealer_code)],
            f"Own rows of dealer {d.dealer_code}",
        )

    # dealers and regions gone from the master: drop their rules (their users then
    # fall back to deny-by-default) and deactivate their users
    scope_rule_names = {f"aftersales: region {r}" for r in regions} | {
        f"aftersales: dealer {d.dealer_code}" for d in dealers
    }
    for name, f in existing.items():
        if name.startswith(SCOPE_RULE_PREFIXES) and name not in scope_rule_names:
            db.session.delete(f)
            report.removed_rules += 1

    # users
    wanted: list[tuple[str, str, list[str]]] = [
        (OEM_USER, "OEM", ["Gamma", ROLE_OEM]),
        (DATA_ENGINEER_USER, "Data engineering", ["Gamma", ROLE_DATA_ENGINEER]),
    ]
    wanted += [
        (regional_user(r), f"Regional manager {r}", [ROLE_VIEWER, ROLE_REGIONAL, region_role(r)])
        for r in regions
    ]
    wanted += [
        (
            d.dealer_code,
            d.dealer_name or d.dealer_code,
            [ROLE_VIEWER, ROLE_DEALER, dealer_role(d.dealer_code)],
        )
        for d in dealers
    ]
    users = {u.username: u for u in db.session.query(sm.user_model).all()}
    for username, first_name, role_names in wanted:
        user_roles = [roles[n] for n in role_names]
        user = users.get(username)
        if user is None or reset_passwords:
            password = generate_password()
            report.new_logins.append((username, password))
        if user is None:
            user = sm.user_model(
                username=username,
                first_name=first_name,
                last_name="aftersales",
                email=f"{username.lower()}@aftersales.invalid",
                active=True,
                password=hash_password(password),
            )
            db.session.add(user)
        elif reset_passwords:
            user.password = hash_password(password)
        user.roles = user_roles
        user.active = True
        report.users += 1
    wanted_names = {w[0] for w in wanted}
    scope_names = {region_role(r) for r in regions} | {dealer_role(d.dealer_code) for d in dealers}
    for username, user in users.items():
        stale = [
            r.name
            for r in user.roles
            if r.name.startswith(SCOPE_ROLE_PREFIXES) and r.name not in scope_names
        ]
        if stale and username not in wanted_names:
            user.active = False
            user.roles = []
            report.deactivated_users.append(username)

    # dashboards: who may open which (DASHBOARD_RBAC); keys are dashboard UUIDs
    for dashboard_uuid, audience in audiences.items():
        dash = db.session.query(Dashboard).filter_by(uuid=uuid.UUID(dashboard_uuid)).one_or_none()
        if dash is not None:
            dash.roles = [role(n) for n in audience]
            dash.published = True

    db.session.commit()
    return report
