"""Who may open the audience-specific parts: audit for auditors and discipline inspectors, administration
for administrators. Checked on the server for every request, whatever the page shows."""
from __future__ import annotations

from functools import wraps
from typing import Any, Callable

from flask import Flask, abort, url_for
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

AUDIT_ROLES = ("auditor", "discipline_commission", "township_discipline")
ADMIN_ROLES = ("admin",)


def roles_required(*roles: str) -> Callable:
    def wrap(view: Callable) -> Callable:
        @wraps(view)
        @login_required
        def inner(*args: Any, **kwargs: Any) -> Any:
            if not current_user.holds(*roles):
                abort(403)
            return view(*args, **kwargs)
        return inner
    return wrap


NAV = (("archive.index", _l("档案检索"), None), ("audit.index", _l("审计核验"), AUDIT_ROLES),
       ("admin.index", _l("系统管理"), ADMIN_ROLES))


def register(app: Flask) -> None:
    @app.context_processor
    def extra_nav() -> dict:
        """Links to the parts this person may open, among those this application has."""
        items = []
        if current_user.is_authenticated:
            for endpoint, title, roles in NAV:
                if endpoint in app.view_functions and (roles is None or current_user.holds(*roles)):
                    items.append({"url": url_for(endpoint), "title": str(title)})
        return {"extra_nav": items}
