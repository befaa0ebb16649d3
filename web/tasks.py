"""The worklist (待办): what waits for this person's roles in their places, most urgent first."""
from __future__ import annotations

from flask import Blueprint, render_template, request
from flask_login import current_user, login_required

from web.runtime import runtime
from workflow.documents import worklist

bp = Blueprint("tasks", __name__)


@bp.route("/")
@login_required
def index():
    rt = runtime()
    now = rt.now()
    counts = worklist.counts(rt.db, rt.registry, current_user.username, now)
    pages = max((counts["total"] + worklist.PER_PAGE - 1) // worklist.PER_PAGE, 1)
    page = min(max(request.args.get("page", 1, type=int), 1), pages)
    tasks = worklist.for_user(rt.db, rt.registry, current_user.username, now, page)
    roles = rt.registry.support.roles.roles
    return render_template("tasks/index.html", tasks=tasks, counts=counts, page=page, pages=pages,
                           role_titles={r: roles[r].title for r in roles})
