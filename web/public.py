"""The public portal (村务公开), no login: the four boards of Lianyuan's platform.

权力清单 shows the items, flowcharts and legal basis; 工程项目, 办事结果 and 资产资源 show documents
only once they have reached a disclosing state, and of them only what the definitions disclose,
masked. Any other document number answers 404, exactly like one that does not exist, so guessing
addresses tells nothing.
"""
from __future__ import annotations

from flask import Blueprint, abort, render_template, request
from flask_babel import lazy_gettext as _l

from web.display import field_rows
from web.powerlist import catalogue, flowchart, items_of
from web.responses import send_attachment, svg_response
from web.runtime import runtime
from workflow.documents import disclosure
from workflow.documents.views import DocumentView
from workflow.errors import NotFound
from workflow.people import places as scope

bp = Blueprint("public", __name__, url_prefix="/public")
BOARDS = {"works": _l("工程项目"), "results": _l("办事结果"), "assets": _l("资产资源")}
PER_PAGE = 20


@bp.route("/")
def index():
    return render_template("public/index.html", boards=BOARDS, villages=scope.villages(runtime().db))


@bp.route("/powers")
def powers():
    return render_template("public/powers.html", categories=catalogue(runtime().registry), detail="public.chart",
                           boards=BOARDS)


@bp.route("/powers/<code>")
def chart(code: str):
    rt = runtime()
    wf = flowchart(rt.registry, code)
    return render_template("powers/chart.html", wf=wf, d=wf.describe(), items=items_of(rt.registry, wf),
                           public=True, boards=BOARDS)


@bp.route("/diagrams/<code>.svg")
def diagram(code: str):
    rt = runtime()
    wf = flowchart(rt.registry, code)
    return svg_response(rt.svg(wf.id, wf.version), private=False)


@bp.route("/<any(works, results, assets):board>")
def board(board: str):
    rt = runtime()
    villages = scope.villages(rt.db)
    village = request.args.get("village", type=int)
    if village is not None and village not in {v.id for v in villages}:
        abort(404)
    page = max(request.args.get("page", 1, type=int), 1)
    rows, total = disclosure.public_page(rt.db, rt.registry, board, village, page, PER_PAGE)
    summaries = [(r, field_rows(rt.registry.get(r.workflow, r.workflow_version), r.values)[:3]) for r in rows]
    return render_template("public/board.html", board=board, boards=BOARDS, rows=summaries, total=total,
                           page=page, pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), villages=villages,
                           village=village)


def _public(doc_id: int) -> tuple[DocumentView, disclosure.PublicDocument]:
    rt = runtime()
    try:
        view = rt.service.show(doc_id)
    except NotFound:
        abort(404)
    doc = disclosure.public_document(view, rt.registry.get(view.workflow, view.workflow_version))
    if doc is None:
        abort(404)
    return view, doc


@bp.route("/d/<int:doc_id>")
def document(doc_id: int):
    _view, doc = _public(doc_id)
    wf = runtime().registry.get(doc.workflow, doc.workflow_version)
    return render_template("public/document.html", doc=doc, rows=field_rows(wf, doc.values), boards=BOARDS)


@bp.route("/d/<int:doc_id>/files/<int:seq>/<int:index>")
def attachment(doc_id: int, seq: int, index: int):
    view, doc = _public(doc_id)
    if not any(a.seq == seq and a.index == index for a in doc.attachments):
        abort(404)
    return send_attachment(runtime(), view.history, seq, index)
