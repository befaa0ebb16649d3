"""Villagers' voice on the portal, no login: 诉求, 举报 and 异议 sent and followed by 查询码, the 回音壁, and
码上监督's printable QR codes.

Everything a submitter sends goes through the intake (workflow.voice.intake), which signs it with the
portal's desk; this module adds what only a web form needs: the per-client rate limit, the question
that keeps scripts out, the upload checks every form uses, and pages that never show who sent what.
The 查询码 travels only in POST bodies, never in an address a proxy or a browser history would keep.
"""
from __future__ import annotations

import io
from typing import Any

import segno
from flask import Blueprint, Flask, Response, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from web.abuse import Challenges, Throttle
from web.display import field_rows
from web.errors import page
from web.public import BOARDS
from web.runtime import runtime
from web.uploads import JPEG, PDF, PNG, UploadRejected, check
from workflow.documents import disclosure, objections
from workflow.documents.service import Upload
from workflow.errors import CunwuError, NotFound
from workflow.people import places as scope
from workflow.store.tables import Document
from workflow.voice import figures as voice_figures
from workflow.voice import queries
from workflow.voice.intake import CATEGORIES, EVIDENCE_SLOT, MAX_CONTENT, OBJECTION, PETITION, REPORT, Submission

bp = Blueprint("voice", __name__, url_prefix="/public")
KIND_TITLES = {PETITION: _l("反映诉求"), REPORT: _l("举报违纪违规"), OBJECTION: _l("对公示提出异议")}
EVIDENCE_TYPES = frozenset({PDF, PNG, JPEG})
PER_PAGE = 20
DEFAULTS = {
    "VOICE_SUBMIT_LIMIT": "5 per hour;20 per day",
    "VOICE_LOOKUP_LIMIT": "30 per minute;300 per day",
    "VOICE_UPLOAD_MAX_BYTES": 10 * 1024 * 1024,
    "PUBLIC_BASE_URL": None,
}


def register(app: Flask) -> None:
    for key, value in DEFAULTS.items():
        app.config.setdefault(key, value)
    app.extensions["cunwu.voice"] = {
        "throttle": Throttle(),
        "challenges": Challenges(app.config["SECRET_KEY"] if isinstance(app.config["SECRET_KEY"], bytes)
                                 else str(app.config["SECRET_KEY"]).encode(), app.extensions["cunwu"].now),
    }
    app.jinja_env.globals["objection_panel"] = objection_panel
    app.register_blueprint(bp)


def _throttle() -> Throttle:
    return current_app.extensions["cunwu.voice"]["throttle"]


def _challenges() -> Challenges:
    return current_app.extensions["cunwu.voice"]["challenges"]


def _limited(purpose: str, setting: str) -> tuple | None:
    """The 429 page once this client has used up `setting`, else None."""
    if _throttle().allow(purpose, current_app.config[setting], request.remote_addr or "unknown"):
        return None
    return page(429, _("提交过于频繁，请稍后再试；如有急事，可直接向村委会或乡镇反映"))


def _village(village_id: int) -> scope.Village:
    village = next((v for v in scope.villages(runtime().db) if v.id == village_id), None)
    if village is None:
        abort(404)
    return village


def _external(endpoint: str, **values: Any) -> str:
    """An absolute address for a QR code: PUBLIC_BASE_URL when the server is reached by another name."""
    base = current_app.config["PUBLIC_BASE_URL"]
    if base:
        return base.rstrip("/") + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def _notices(village_id: int) -> list[disclosure.PublicDocument]:
    rt = runtime()
    out = []
    for doc_id in queries.notices_in_progress(rt.db, rt.registry, village_id):
        view = rt.service.show(doc_id)
        doc = disclosure.public_document(view, rt.registry.get(view.workflow, view.workflow_version))
        if doc is not None:
            out.append(doc)
    return out


@bp.route("/v/<int:village_id>")
def village(village_id: int):
    place = _village(village_id)
    rt = runtime()
    mine = next(f for f in voice_figures.figures(rt.db, rt.registry) if f.place_id == village_id)
    return render_template("voice/village.html", village=place, boards=BOARDS, notices=_notices(village_id),
                           figures=mine, kinds=KIND_TITLES)


@bp.route("/voice/new", methods=["GET", "POST"])
def new():
    rt = runtime()
    kind = request.values.get("kind", PETITION)
    if kind not in KIND_TITLES:
        abort(404)
    subject = None
    if kind == OBJECTION:
        subject = next(iter(_notices_of(request.values.get("doc", type=int))), None)
        if subject is None:
            abort(404)
        place = _village(_place_id(subject.id))
    else:
        place = _village(request.values.get("village", type=int) or 0)
    cadres = rt.context.intake.cadres(place.id) if kind == REPORT else []
    problems: list[str] = []
    if request.method == "POST":
        limited = _limited("voice-submit", "VOICE_SUBMIT_LIMIT")
        if limited is not None:
            return limited
        try:
            _challenges().check(request.form.get("challenge_token", ""), request.form.get("challenge", ""))
            anonymous = request.form.get("identity", "anonymous") == "anonymous"
            receipt = rt.context.intake.submit(Submission(
                kind=kind, village_id=place.id, content=request.form.get("content", ""),
                category=request.form.get("category") if kind == PETITION else None,
                subject_id=subject.id if subject else None,
                accused=request.form.get("accused") or None if kind == REPORT else None,
                name=None if anonymous else request.form.get("name"),
                phone=None if anonymous else request.form.get("phone"),
                uploads=_evidence()))
        except CunwuError as exc:
            problems = [exc.message or str(exc), *exc.reasons]
        else:
            return render_template("voice/receipt.html", receipt=receipt, village=place, kind=kind,
                                   kinds=KIND_TITLES)
    return render_template("voice/new.html", kind=kind, kinds=KIND_TITLES, village=place, subject=subject,
                           cadres=cadres, categories=CATEGORIES, question=_challenges().issue(),
                           problems=problems, form=request.form, max_content=MAX_CONTENT), (400 if problems else 200)


def _notices_of(doc_id: int | None) -> list[disclosure.PublicDocument]:
    """The public form of `doc_id` if it is a 公示 in progress, else nothing (the same for any other id)."""
    rt = runtime()
    if doc_id is None:
        return []
    try:
        view = rt.service.show(doc_id)
    except NotFound:
        return []
    wf = rt.registry.get(view.workflow, view.workflow_version)
    doc = disclosure.public_document(view, wf)
    return [doc] if doc is not None and wf.publicizing(view.state) and not wf.voice else []


def _place_id(doc_id: int) -> int:
    with runtime().db.read() as s:
        doc = s.get(Document, doc_id)
        assert doc is not None, "asked only for a document the portal has just shown"
        return doc.place_id


def _evidence() -> tuple[Upload, ...]:
    """The optional photo or PDF, through the checks every upload passes, then limited to those kinds."""
    storage = request.files.get("evidence")
    if storage is None or not storage.filename:
        return ()
    data = storage.read()
    checked = check(storage.filename, data, current_app.config["VOICE_UPLOAD_MAX_BYTES"])
    if checked.media_type not in EVIDENCE_TYPES:
        raise UploadRejected(_("附件“%(name)s”须为照片（JPG、PNG）或 PDF 文件", name=checked.filename))
    return (Upload(EVIDENCE_SLOT, checked.filename, data, checked.media_type),)


@bp.route("/voice/track", methods=["GET", "POST"])
def track():
    tracking, problems = None, []
    if request.method == "POST":
        limited = _limited("voice-lookup", "VOICE_LOOKUP_LIMIT")
        if limited is not None:
            return limited
        try:
            tracking = runtime().context.intake.track(request.form.get("code", ""))
        except CunwuError as exc:
            problems = [exc.message or str(exc)]
    return render_template("voice/track.html", tracking=tracking, code=request.form.get("code", ""),
                           problems=problems), (404 if problems else 200)


@bp.route("/voice/rate", methods=["POST"])
def rate():
    limited = _limited("voice-lookup", "VOICE_LOOKUP_LIMIT")
    if limited is not None:
        return limited
    intake = runtime().context.intake
    code = request.form.get("code", "")
    problems: list[str] = []
    try:
        tracking = intake.rate(code, request.form.get("rating") == "satisfied", request.form.get("note"))
    except CunwuError as exc:
        problems = [exc.message or str(exc), *exc.reasons]
        try:
            tracking = intake.track(code)
        except CunwuError:
            tracking = None
    return render_template("voice/track.html", tracking=tracking, code=code, problems=problems,
                           rated=not problems), (400 if problems else 200)


@bp.route("/voice")
def wall():
    """回音壁: the answered 诉求 and 异议 with their answers, and each place's figures."""
    rt = runtime()
    villages = scope.villages(rt.db)
    village_id = request.args.get("village", type=int)
    if village_id is not None and village_id not in {v.id for v in villages}:
        abort(404)
    number = max(request.args.get("page", 1, type=int), 1)
    rows, total = disclosure.public_page(rt.db, rt.registry, "voice", village_id, number, PER_PAGE)
    answered = [(r, field_rows(rt.registry.get(r.workflow, r.workflow_version), r.values)) for r in rows]
    table = [f for f in voice_figures.figures(rt.db, rt.registry)
             if village_id is None or f.place_id == village_id or f.kind != "village"]
    return render_template("voice/wall.html", rows=answered, boards=BOARDS, total=total, page=number,
                           pages=max((total + PER_PAGE - 1) // PER_PAGE, 1), villages=villages,
                           village=village_id, figures=table)


def qr_svg(url: str) -> bytes:
    """A standalone SVG of the QR code for `url`, its title the address, so a person can read it too."""
    out = io.BytesIO()
    segno.make(url, error="m").save(out, kind="svg", scale=4, border=4, title=url, xmldecl=False)
    return out.getvalue()


def _qr(url: str) -> Response:
    response = Response(qr_svg(url), mimetype="image/svg+xml")
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response


@bp.route("/qr/v/<int:village_id>.svg")
def village_qr(village_id: int):
    _village(village_id)
    return _qr(_external("voice.village", village_id=village_id))


@bp.route("/qr/d/<int:doc_id>.svg")
def document_qr(doc_id: int):
    if not _public(doc_id):
        abort(404)
    return _qr(_external("public.document", doc_id=doc_id))


def _public(doc_id: int) -> bool:
    rt = runtime()
    try:
        view = rt.service.show(doc_id)
    except NotFound:
        return False
    return disclosure.public_document(view, rt.registry.get(view.workflow, view.workflow_version)) is not None


@bp.route("/print/v/<int:village_id>")
def print_village(village_id: int):
    """码上监督 for the 公开栏: the village's code, and a code for each 公示 in progress, ready to print."""
    place = _village(village_id)
    return render_template("voice/print.html", village=place, notices=_notices(village_id),
                           village_url=_external("voice.village", village_id=village_id),
                           doc_url=lambda doc_id: _external("public.document", doc_id=doc_id))


def objection_panel(doc_id: int) -> dict:
    """For a 公示's public page: whether a villager may object now, and the 异议 raised with their answers
    (what their flowchart discloses, masked like every public field)."""
    rt = runtime()
    answered = []
    for oid in objections.objections_of(rt.db, doc_id):
        view = rt.service.show(oid)
        wf = rt.registry.get(view.workflow, view.workflow_version)
        public = disclosure.public_document(view, wf)
        answered.append({"id": oid, "state_title": view.state_title, "final": view.final,
                         "rows": field_rows(wf, public.values) if public else []})
    return {"open": bool(_notices_of(doc_id)), "objections": answered}
