"""Audit (审计核验): verify one document, a village or township, or everything; each record valid or
failed with the reason; the latest signed checkpoint to take away as an anchor.

The verifier reads only the signed log and the attachment files, never the documents or steps tables,
so what this page reports does not depend on the tables an administrator could edit. An auditor may
verify what lies under the places where they hold an audit role; everything only from the county.
"""
from __future__ import annotations

import json
from typing import Optional

from flask import Blueprint, Response, abort, render_template, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import IntegerField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import NumberRange
from wtforms.validators import Optional as Blank

from web.access import AUDIT_ROLES, roles_required
from web.runtime import runtime
from workflow.engine.registry import Registry
from workflow.errors import NotFound
from workflow.ledger import log
from workflow.ledger.verify import Attachments, RecordStatus, Report, Scope, verify_database
from workflow.people import places as scopes

bp = Blueprint("audit", __name__, url_prefix="/audit")
MAX_ANCHOR_BYTES = 64 * 1024
SHOWN_RECORDS = 1000


class VerifyForm(FlaskForm):
    what = SelectField(_l("核验范围"), choices=[SelectChoice("doc", _l("一件文书")), SelectChoice("place", _l("一个地点")),
                                              SelectChoice("all", _l("全部记录"))])
    doc = IntegerField(_l("文书编号"), validators=[Blank(), NumberRange(min=1)])
    place = SelectField(_l("地点"), choices=[], validate_choice=False)
    anchors = MultipleFileField(_l("锚定检查点（此前保存的检查点文件，可多选）"))
    log_key = StringField(_l("日志公钥（可选，审计员自己保存的）"))


def _audit_places() -> list[str]:
    """Paths of the places under those where this person holds an audit role."""
    held = [(r.role, r.place_id) for r in current_user.roles if r.role in AUDIT_ROLES]
    villages = scopes.villages_where(scopes.villages(runtime().db), held, AUDIT_ROLES)
    paths = {r.place for r in current_user.roles if r.role in AUDIT_ROLES}
    for v in villages:
        paths.add(v.path)
        paths.add(v.path.rsplit("/", 1)[0])
    return sorted(paths, key=lambda p: (p.count("/"), p))


def _county_auditor() -> bool:
    return any(r.role in AUDIT_ROLES and r.level == "county" for r in current_user.roles)


def _latest() -> Optional[dict]:
    with runtime().db.read() as s:
        latest = log.latest_parsed(s)
    if latest is None:
        return None
    head = latest.checkpoint
    return {"origin": head.origin, "size": head.size, "root": head.root.hex(), "note": latest.note}


def step_title(registry: Registry, record: RecordStatus) -> str:
    """The step's title from the flowchart version its signed record names, so the report reads in
    Chinese; the transition id when that version is unknown here."""
    if record.definition is None:
        return record.transition
    try:
        wf = registry.get(*record.definition)
    except NotFound:
        return record.transition
    action = wf.start if record.transition == "start" else wf.transitions.get(record.transition)
    return action.title if action is not None else record.transition


@bp.route("/", methods=["GET"])
@roles_required(*AUDIT_ROLES)
def index():
    form = VerifyForm(formdata=None)
    form.place.choices = _audit_places()
    return render_template("audit/index.html", form=form, latest=_latest(), county=_county_auditor())


@bp.route("/verify", methods=["POST"])
@roles_required(*AUDIT_ROLES)
def verify():
    rt = runtime()
    form = VerifyForm()
    places = _audit_places()
    form.place.choices = places
    if not form.validate_on_submit():
        return render_template("audit/index.html", form=form, latest=_latest(), county=_county_auditor()), 400
    if form.what.data == "doc":
        if not form.doc.data:
            abort(400)
        rt.service.show(form.doc.data, current_user.username)
        chosen = Scope(doc_id=form.doc.data)
    elif form.what.data == "place":
        if form.place.data not in places:
            abort(403)
        chosen = Scope(place=form.place.data)
    elif _county_auditor():
        chosen = Scope()
    else:
        abort(403)
    anchors = []
    for storage in form.anchors.data or []:
        if storage and storage.filename:
            anchors.append((storage.filename, storage.stream.read(MAX_ANCHOR_BYTES)))
    report = verify_database(rt.db, Attachments(rt.blobs.root), anchors=anchors, registry=rt.registry,
                             scope=chosen, log_key=(form.log_key.data or "").strip() or None, details=True)
    if request.form.get("download") == "json":
        return report_file(report, chosen)
    failed_docs = sorted({f.doc_id for f in report.failures if f.doc_id is not None})
    shown = report.records[:SHOWN_RECORDS]
    return render_template("audit/report.html", report=report, scope=chosen, failed_docs=failed_docs,
                           records=[(r, step_title(rt.registry, r)) for r in shown], shown=SHOWN_RECORDS)


def report_file(report: Report, chosen: Scope) -> Response:
    """The report exactly as `cunwu verify --json` prints it, to file with the audit's papers."""
    what = f"doc-{chosen.doc_id}" if chosen.doc_id else ("place" if chosen.place else "all")
    response = Response(json.dumps(report.to_dict(), ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="cunwu-verify-{what}-{report.size}.json"'
    return response


@bp.route("/checkpoint.txt")
@roles_required(*AUDIT_ROLES)
def checkpoint():
    latest = _latest()
    if latest is None:
        abort(404)
    response = Response(latest["note"], mimetype="text/plain")
    name = f"checkpoint-{latest['size']}.txt"
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
