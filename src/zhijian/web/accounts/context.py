"""The navigation bar: the pages this user's roles open."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from zhijian.web.accounts import access


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    if not user.is_authenticated:
        return {"nav_items": []}
    match = request.resolver_match
    current = f"{match.namespace}:" if match and match.namespace else ""
    items = [
        ("dashboard:index", "数据总览"),
        ("leads:list", "线索工作台"),
        ("people:search", "人员档案"),
        ("library:list", "模型库"),
        ("resident:home", "派驻检察"),
    ]
    if access.is_modeller(user) or access.is_admin(user):
        items.append(("datahub:list", "数据导入"))
    if access.is_admin(user):
        items += [("audit:list", "审计日志"), ("admin:index", "系统管理")]
    return {
        "nav_items": [
            {"url": url, "label": label, "active": bool(current) and url.startswith(current)}
            for url, label in items
        ]
    }
