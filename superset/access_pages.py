"""Pages that explain access instead of a bare 404 or a JSON 403.

Installed by superset_config.FLASK_APP_MUTATOR as a ``before_request`` hook. For a
logged-in user:

- ``/superset/dashboard/<id or slug>/`` of a dashboard that exists but is outside the
  user's roles answers 403 with the dashboard's title, who it is for and whom to ask;
- Explore, SQL Lab and the chart / dataset / query lists answer 403 with an explanation
  when the user's roles do not grant them (dashboard viewers: dealers and regional
  managers).

Anonymous requests are left to Superset (which sends them to the login page).
"""

from __future__ import annotations

import html
import re
from typing import Any

DASHBOARD_PATH = re.compile(r"^/superset/dashboard/(?P<key>[^/]+)/?$")

# path prefix -> (feature, permission that grants it, view menu)
RESTRICTED: tuple[tuple[str, str, str, str], ...] = (
    ("/explore/", "图表编辑（Explore）", "can_explore", "Superset"),
    ("/superset/explore/", "图表编辑（Explore）", "can_explore", "Superset"),
    ("/sqllab", "SQL 工具箱（SQL Lab）", "menu_access", "SQL Lab"),
    ("/superset/sqllab", "SQL 工具箱（SQL Lab）", "menu_access", "SQL Lab"),
    ("/chart/list", "图表列表", "menu_access", "Charts"),
    ("/chart/add", "新建图表", "can_write", "Chart"),
    ("/tablemodelview/list", "数据集列表", "menu_access", "Datasets"),
    ("/dataset/", "数据集", "menu_access", "Datasets"),
    ("/savedqueryview/list", "已保存查询", "menu_access", "SQL Lab"),
    ("/databaseview/list", "数据库连接", "menu_access", "Databases"),
)

AUDIENCE_NAMES = {
    "aftersales_oem": "主机厂（OEM）",
    "aftersales_regional_manager": "区域经理",
    "aftersales_dealer": "经销商",
    "aftersales_data_engineer": "数据工程师",
}

PAGE = """<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{title}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "PingFang SC", sans-serif; background: #f6f7f9;
  color: #333; margin: 0; }}
.box {{ max-width: 640px; margin: 12vh auto; background: #fff; border-radius: 8px;
  padding: 32px 40px; box-shadow: 0 1px 4px rgba(0,0,0,.12); }}
h1 {{ font-size: 22px; margin-top: 0; }}
p {{ line-height: 1.7; }}
.en {{ color: #777; font-size: 13px; }}
a {{ color: #1a73e8; }}
</style></head>
<body><div class="box" data-test="access-explained">
<h1>{title}</h1>
{body}
<p><a href="/dashboard/list/">返回我的看板 Back to my dashboards</a></p>
</div></body></html>"""


def _page(title: str, paragraphs: list[str], status: int) -> Any:
    from flask import Response

    body = "\n".join(f"<p>{p}</p>" for p in paragraphs)
    return Response(
        PAGE.format(title=html.escape(title), body=body),
        status=status,
        mimetype="text/html",
    )


def dashboard_denied(title: str, audience: list[str]) -> Any:
    who = "、".join(AUDIENCE_NAMES.get(r, r) for r in audience) or "指定角色"
    return _page(
        "无权访问此看板",
        [
            f"看板「{html.escape(title)}」面向{html.escape(who)}，不在您账号的访问范围内。",
            "经销商账号只能看到本店的记分卡和数据接入健康；区域经理只能看到本区域的经销商。"
            "如需访问，请联系主机厂的系统管理员为您的账号分配相应角色。",
            '<span class="en">This dashboard is not part of your access. '
            "Ask the OEM's administrator to grant the role it is for.</span>",
        ],
        403,
    )


def feature_denied(feature: str) -> Any:
    return _page(
        "此功能未向您的角色开放",
        [
            f"{html.escape(feature)}不向看板用户开放：您的账号可以查看分配给它的看板，"
            "但不能浏览数据集、编辑或新建图表，也不能使用 SQL 工具箱。",
            "如需这些功能，请联系主机厂的系统管理员。",
            '<span class="en">This page is not available to dashboard viewers.</span>',
        ],
        403,
    )


def _explain() -> Any:
    from flask import request
    from flask_login import current_user

    if not getattr(current_user, "is_authenticated", False):
        return None
    from superset import security_manager

    path = request.path
    match = DASHBOARD_PATH.match(path)
    if match:
        return _dashboard_access(match.group("key"))
    for prefix, feature, permission, view in RESTRICTED:
        if path.startswith(prefix) and not security_manager.can_access(permission, view):
            return feature_denied(feature)
    return None


def _dashboard_access(key: str) -> Any:
    from superset.extensions import db
    from superset.models.dashboard import Dashboard

    from superset import security_manager

    query = db.session.query(Dashboard)
    dash = (
        query.filter(Dashboard.id == int(key)).one_or_none()
        if key.isdigit()
        else query.filter(Dashboard.slug == key).one_or_none()
    )
    if dash is None:
        return None  # Superset's own "not found"
    if security_manager.can_access_dashboard(dash):
        return None
    return dashboard_denied(dash.dashboard_title, [r.name for r in dash.roles])


def install(app: Any) -> None:
    app.before_request(_explain)
