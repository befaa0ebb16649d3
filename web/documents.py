"""Documents: start one, read one (summary, flowchart, signed history), take a step, fetch an attachment.

Every request asks the service first (`Service.show` with the person), so a cadre of another village
gets 403 from the same guard that refuses them at the command line, whether they open the page, post
a step or guess an attachment's address.
"""
from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path
from typing import Any, Optional

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from web import forms, searching, signing
from web.display import field_rows
from web.errors import status_of
from web.powerlist import flowchart
from web.responses import send_attachment, svg_response
from web.runtime import Runtime, runtime
from workflow.documents import worklist
from workflow.errors import CunwuError, PermissionDenied, StepRefused
from workflow.ledger.bag import export_document
from workflow.people import places as scope

bp = Blueprint("documents", __name__, url_prefix="/documents")
LIST_LIMIT = 100
KIND_ORDER = {"forward": 0, "return": 1, "reject": 2, "objection": 3, "withdraw": 4}


def _problems(exc: CunwuError) -> list[str]:
    reasons = list(getattr(exc, "reasons", ()) or ())
    return reasons if isinstance(exc, StepRefused) and reasons else [str(exc)] + reasons


def _form_errors(form: forms.ActionForm) -> list[str]:
    return [f"{field.label.text}：{error}" for field in form for error in field.errors]


@bp.route("/")
@login_required
def index():
    rt = runtime()
    places = list(dict.fromkeys(r.place for r in current_user.roles))
    place = request.args.get("place") or (places[0] if places else None)
    if place not in places:
        abort(403)
    state = request.args.get("state", "").strip() or None
    code = request.args.get("flowchart", "").strip() or None
    rows = rt.service.list(place, state, code, current_user.username, limit=LIST_LIMIT)
    return render_template("documents/index.html", rows=rows, places=places, place=place, state=state or "",
                           code=code or "", charts=rt.registry.charts(), limit=LIST_LIMIT)


def _startable(rt: Runtime) -> list[tuple]:
    held = [(r.role, r.place_id) for r in current_user.roles]
    villages = scope.villages(rt.db)
    out = []
    for wf in rt.registry.charts():
        where = scope.villages_where(villages, held, wf.start.roles)
        if where:
            out.append((wf, where))
    return out


@bp.route("/new")
@login_required
def new():
    return render_template("documents/new.html", startable=_startable(runtime()))


@bp.route("/new/<code>", methods=["GET", "POST"])
@login_required
def start(code: str):
    rt = runtime()
    wf = flowchart(rt.registry, code)
    villages = scope.villages_where(scope.villages(rt.db), [(r.role, r.place_id) for r in current_user.roles],
                                    wf.start.roles)
    if not villages:
        abort(403)
    form = forms.build(wf, wf.start, prefix="start", start=True, places=[v.path for v in villages])
    problems, status = [], 200
    if request.method == "POST":
        if form.validate_on_submit():
            try:
                doc_id = signing.start(rt, current_user.username, wf.id, form.place.data, form.title.data,
                                       forms.values(form, wf, wf.start), forms.files(form, wf.start),
                                       forms.comment(form), form.password.data)
            except PermissionDenied:
                raise
            except CunwuError as exc:
                problems, status = _problems(exc), _status(exc)
            else:
                searching.keep_up(rt)
                flash(_("已发起：%(title)s", title=form.title.data.strip()), "success")
                return redirect(url_for("documents.show", doc_id=doc_id))
        else:
            problems, status = _form_errors(form), 400
    return render_template("documents/start.html", wf=wf, form=form, problems=problems), status


def _status(exc: CunwuError) -> int:
    return 403 if isinstance(exc, signing.SigningRefused) else status_of(exc)


def _page(doc_id: int, failed: Optional[tuple[str, forms.ActionForm, list[str]]] = None, status: int = 200):
    rt = runtime()
    view = rt.service.show(doc_id, current_user.username)
    wf = rt.registry.get(view.workflow, view.workflow_version)
    actions: list[dict[str, Any]] = []
    for offer in sorted(view.actions or (), key=lambda o: (not o.allowed, KIND_ORDER.get(o.kind, 9))):
        form, problems = None, []
        if offer.allowed:
            if failed is not None and failed[0] == offer.id:
                form, problems = failed[1], failed[2]
            else:
                form = forms.build(wf, wf.transitions[offer.id], prefix=offer.id, bind=False)
            form.expected_version.data = str(view.version)
        actions.append({"offer": offer, "form": form, "problems": problems, "open": bool(problems)})
    orphaned = failed[2] if failed is not None and not any(a["problems"] for a in actions) else []
    if failed is None:
        first = next((a for a in actions if a["form"] is not None and a["offer"].kind == "forward"), None)
        if first is not None:
            first["open"] = True
    step_rows = {h.seq: field_rows(wf, h.fields) for h in view.history}
    colour = worklist.colour(view.due_at, rt.now()) if view.due_at else None
    intake = rt.context.intake
    return render_template("documents/show.html", view=view, wf=wf,
                           summary=field_rows(wf, view.data, steps=[h.fields for h in view.history]),
                           actions=actions, problems=orphaned, history=view.history, step_rows=step_rows,
                           colour=colour, statuses=signing.statuses(rt, doc_id, view.history),
                           contacts=intake.contacts(doc_id) if wf.voice else [],
                           seconded=intake.duplicates(doc_id) if wf.voice else 0), status


@bp.route("/<int:doc_id>")
@login_required
def show(doc_id: int):
    return _page(doc_id)


@bp.route("/<int:doc_id>/steps/<transition>", methods=["POST"])
@login_required
def step(doc_id: int, transition: str):
    rt = runtime()
    view = rt.service.show(doc_id, current_user.username)
    wf = rt.registry.get(view.workflow, view.workflow_version)
    action = wf.transitions.get(transition)
    if action is None:
        abort(404)
    form = forms.build(wf, action, prefix=transition)
    if not form.validate_on_submit():
        return _page(doc_id, (transition, form, _form_errors(form)), 400)
    try:
        signing.step(rt, current_user.username, doc_id, transition, forms.values(form, wf, action),
                     forms.files(form, action), forms.comment(form), form.password.data,
                     forms.expected_version(form))
    except PermissionDenied:
        raise
    except CunwuError as exc:
        return _page(doc_id, (transition, form, _problems(exc)), _status(exc))
    searching.keep_up(rt)
    flash(_("已办理：%(title)s", title=action.title), "success")
    return redirect(url_for("documents.show", doc_id=doc_id))


@bp.route("/<int:doc_id>/diagram.svg")
@login_required
def diagram(doc_id: int):
    rt = runtime()
    view = rt.service.show(doc_id, current_user.username)
    svg = rt.svg(view.workflow, view.workflow_version, view.state, view.visited)
    return svg_response(svg, private=True)


@bp.route("/<int:doc_id>/export.zip")
@login_required
def export(doc_id: int):
    """The document's BagIt package (signed records, attachments, proofs, checkpoint, seal) as one zip,
    verifiable offline with `cunwu verify-bag`."""
    rt = runtime()
    rt.service.show(doc_id, current_user.username)
    with tempfile.TemporaryDirectory(prefix="cunwu-export-") as tmp:
        bag = export_document(rt.db, rt.blobs, rt.context.keyring, doc_id, Path(tmp) / f"cunwu-doc-{doc_id}")
        packed = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)
        with zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted(bag.rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(bag.parent).as_posix())
    packed.seek(0)
    return send_file(packed, mimetype="application/zip", as_attachment=True,
                     download_name=f"cunwu-doc-{doc_id}.zip")


@bp.route("/<int:doc_id>/files/<int:seq>/<int:index>")
@login_required
def attachment(doc_id: int, seq: int, index: int):
    rt = runtime()
    view = rt.service.show(doc_id, current_user.username)
    return send_attachment(rt, view.history, seq, index)
