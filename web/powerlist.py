"""The power list (权力清单): 28 items by category, each with executor, supervisor, legal basis and
its flowcharts; and for staff, each flowchart's states, steps, roles and forms."""
from __future__ import annotations

from flask import Blueprint, abort, render_template
from flask_login import login_required

from web.runtime import runtime
from workflow.engine.flowchart import Workflow
from workflow.engine.registry import Registry
from workflow.errors import NotFound

bp = Blueprint("powerlist", __name__, url_prefix="/powers")


def catalogue(registry: Registry) -> list[dict]:
    """Categories in catalogue order, each with its items and the flowcharts (code, title) they use."""
    cat = registry.support.catalogue
    out: list[dict] = []
    if cat is None:
        return out
    for cid, category in cat.categories.items():
        items = []
        for iid, item in cat.items.items():
            if item.category == cid:
                charts = [registry.get(f) for f in item.flowcharts]
                items.append({"id": iid, "item": item,
                              "charts": sorted((w.chart.code, w.title) for w in charts)})
        out.append({"id": cid, "title": category.title, "items": items})
    return out


def flowchart(registry: Registry, code: str) -> Workflow:
    try:
        wf = registry.find(code)
    except NotFound:
        abort(404)
    if wf.chart.code != code.upper():
        abort(404)
    return wf


def items_of(registry: Registry, wf: Workflow) -> list[tuple[str, str]]:
    cat = registry.support.catalogue
    return [(i, cat.items[i].title) for i in wf.chart.items if cat is not None and i in cat.items]


@bp.route("/")
@login_required
def index():
    return render_template("powers/index.html", categories=catalogue(runtime().registry),
                           detail="powerlist.chart")


@bp.route("/<code>")
@login_required
def chart(code: str):
    rt = runtime()
    wf = flowchart(rt.registry, code)
    return render_template("powers/chart.html", wf=wf, d=wf.describe(), items=items_of(rt.registry, wf))
