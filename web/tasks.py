"""The worklist (待办): what waits for this person's roles in their places, most urgent first."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from web.runtime import runtime
from workflow import worklist

bp = Blueprint("tasks", __name__)


@bp.route("/")
@login_required
def index():
    rt = runtime()
    tasks = worklist.for_user(rt.db, rt.registry, current_user.username, rt.now())
    roles = rt.registry.support.roles.roles
    return render_template("tasks/index.html", tasks=tasks, counts=worklist.counts(tasks),
                           role_titles={r: roles[r].title for r in roles})
