"""Taking in what a villager sends through the portal, and letting them follow and rate it by 查询码.

A 诉求 (petition), 举报 (report) or 异议 (objection) becomes a document on its own flowchart (V01-V03),
started and, when the villager rates the answer, stepped by the portal's desk, so every step is signed
like any other. The villager gets a 查询码: 12 random characters (60 bits) of which only the SHA-256 is
kept. A name and phone, when given, go into the ticket beside the document, never into the signed record,
so they reach no public page, index or export; the document's own handlers read them.

A submission that repeats an open one (same kind, village, subject, named cadre and, ignoring spaces and
punctuation, the same text) is merged into it: the villager gets their own code to follow the shared
document, and no second document is opened. Only the first submitter's code may rate the answer.
"""
from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from workflow.documents.service import Service, Upload
from workflow.engine import fields as fieldtypes
from workflow.engine.flowchart import Workflow
from workflow.engine.schema import FieldSpec
from workflow.errors import InputError, NotFound
from workflow.messages import Code
from workflow.store.tables import Document, ObjectionLink, Place, RoleAssignment, User, VoiceTicket
from workflow.voice.desk import Desk

PETITION, REPORT, OBJECTION = "petition", "report", "objection"
KINDS = (PETITION, REPORT, OBJECTION)
CATEGORIES = ("咨询", "建议", "投诉", "求助", "其他")
MAX_CONTENT = 2000
MAX_NAME = 20
EVIDENCE_SLOT = "evidence"
RATING_TRANSITIONS = ("rate_satisfied", "rate_unsatisfied")
# What a villager reads back: the fields that answer them, in the order a reply is read.
ANSWER_FIELDS = ("refuse_reason", "finding", "disposition", "answer", "feedback", "review_opinion",
                 "township_opinion")
_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
_CODE_LENGTH = 12
_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1"})
_NOT_WORD = re.compile(r"[\W_]+", re.UNICODE)

UNKNOWN_KIND = Code("voice.unknown-kind", "诉求类型须为 诉求、举报 或 异议")
BAD_CATEGORY = Code("voice.bad-category", "诉求类别须为：%(options)s")
CONTENT_EMPTY = Code("voice.content-empty", "请填写要反映的内容")
CONTENT_TOO_LONG = Code("voice.content-too-long", "内容不能超过 %(limit)s 字（现为 %(length)s 字）")
CONTROL_CHARACTERS = Code("voice.control-characters", "内容含有不可见的控制字符")
NAMED_NEEDS_BOTH = Code("voice.named-needs-both", "实名反映须同时填写姓名和联系电话；不愿留名的请选择匿名")
NAME_TOO_LONG = Code("voice.name-too-long", "姓名不能超过 %(limit)s 字")
BAD_PHONE = Code("voice.bad-phone", "联系电话“%(phone)s”不是有效的手机号或固定电话")
NO_SUCH_VILLAGE = Code("voice.no-such-village", "没有这个村")
NOT_PUBLICIZING = Code("voice.not-publicizing", "文书 %(doc)s 不在公示期，不能对其提出异议")
NOT_A_CADRE = Code("voice.not-a-cadre", "所选的被反映人不是本村干部，请重新选择或在内容中说明")
NO_SUCH_CODE = Code("voice.no-such-code", "查询码不正确，请核对后重新输入")
CANNOT_RATE = Code("voice.cannot-rate", "该事项现在不能评价（%(state)s）")
MERGED_CANNOT_RATE = Code("voice.merged-cannot-rate", "您的反映已与他人的相同反映合并办理，由首位反映人评价")
REASON_REQUIRED = Code("voice.reason-required", "请写明不满意的理由")


@dataclass(frozen=True)
class Submission:
    """What the portal's form gives: `subject_id` for an 异议, `accused` (a username) for a 举报."""

    kind: str
    village_id: int
    content: str
    category: str | None = None
    subject_id: int | None = None
    accused: str | None = None
    name: str | None = None
    phone: str | None = None
    uploads: tuple[Upload, ...] = ()


@dataclass(frozen=True)
class Receipt:
    code: str
    document_id: int
    merged: bool


@dataclass(frozen=True)
class Stage:
    title: str
    state_title: str
    at: datetime


@dataclass(frozen=True)
class Tracking:
    """What a 查询码 shows: nothing about who sent it, and of a 举报 only the township 纪委's reply."""

    document_id: int
    kind: str
    kind_title: str
    village: str
    state_title: str
    final: bool
    content: str
    stages: tuple[Stage, ...]
    answers: tuple[tuple[str, str], ...]
    can_rate: bool
    merged: bool
    due_at: datetime | None


@dataclass(frozen=True)
class Contact:
    name: str
    phone: str
    at: datetime
    merged: bool


@dataclass(frozen=True)
class Cadre:
    username: str
    name: str
    roles: str


def new_code() -> str:
    raw = "".join(secrets.choice(_ALPHABET) for _ in range(_CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, _CODE_LENGTH, 4))


def code_hash(code: str) -> str:
    """The stored form of a code as typed: case, spaces, dashes and look-alike letters forgiven."""
    cleaned = re.sub(r"[\s\-－—_]", "", unicodedata.normalize("NFKC", code)).upper().translate(_CONFUSABLE)
    return hashlib.sha256(cleaned.encode("ascii", "replace")).hexdigest()


def fingerprint(sub: Submission) -> str:
    text = _NOT_WORD.sub("", unicodedata.normalize("NFKC", sub.content)).lower()
    key = f"{sub.kind}|{sub.village_id}|{sub.subject_id or ''}|{sub.accused or ''}|{text}"
    return hashlib.sha256(key.encode()).hexdigest()


class Intake:
    def __init__(self, service: Service, desk: Desk) -> None:
        self.service = service
        self.desk = desk

    @property
    def db(self):
        return self.service.db

    def submit(self, sub: Submission) -> Receipt:
        """Start the document (or join the open one it repeats) and hand back a new 查询码."""
        if sub.kind not in KINDS:
            raise InputError(UNKNOWN_KIND())
        content = _content(sub.content)
        name, phone = _contact(sub.name, sub.phone)
        sub = Submission(sub.kind, sub.village_id, content, sub.category, sub.subject_id, sub.accused or None,
                         name, phone, sub.uploads)
        wf = self.service.registry.get(sub.kind)
        values: dict[str, object] = {"content": content, "named": name is not None}
        if sub.kind == PETITION:
            if sub.category not in CATEGORIES:
                raise InputError(BAD_CATEGORY(options="、".join(CATEGORIES)))
            values["category"] = sub.category
        village = self._village(sub)
        if sub.kind == OBJECTION:
            values.update(subject_doc=sub.subject_id, subject_title=self._publicizing_title(sub.subject_id))
        if sub.kind == REPORT and sub.accused is not None:
            cadre = next((c for c in self.cadres(village.id) if c.username == sub.accused), None)
            if cadre is None:
                raise InputError(NOT_A_CADRE())
            values.update(accused=cadre.username, accused_name=cadre.name)
        code, print_ = new_code(), fingerprint(sub)
        digest = code_hash(code)
        now = self.service.clock()
        merged_into = self._open_duplicate(print_)
        if merged_into is not None:
            with self.db.write() as s:
                s.add(VoiceTicket(document_id=merged_into, code_hash=digest, fingerprint=print_, merged=True,
                                  contact_name=name, contact_phone=phone, created_at=now))
            return Receipt(code, merged_into, True)

        def attach(s: Session, doc: Document) -> None:
            s.add(VoiceTicket(document_id=doc.id, code_hash=digest, fingerprint=print_, merged=False,
                              contact_name=name, contact_phone=phone, created_at=now))
            if sub.kind == OBJECTION:
                s.add(ObjectionLink(objection_id=doc.id, subject_id=sub.subject_id))
            s.flush()

        signer = self.desk.signer(village.chain()[-1].id)
        doc_id = self.service.start(self.desk.username, wf.id, village.path(), _title(wf, sub, village, values),
                                    values, sub.uploads, signer=signer, after=attach)
        return Receipt(code, doc_id, False)

    def track(self, code: str) -> Tracking:
        ticket = self._ticket(code)
        view = self.service.show(ticket.document_id)
        wf = self.service.registry.get(view.workflow, view.workflow_version)
        data = view.data
        stages = tuple(Stage(h.title, wf.states[h.to_state].title, h.at) for h in view.history)
        answers = tuple((_field_title(wf, name), str(data[name])) for name in ANSWER_FIELDS if name in data)
        rateable = any(t.id in RATING_TRANSITIONS for t in wf.outgoing(view.state))
        return Tracking(
            document_id=view.id, kind=wf.id, kind_title=wf.title, village=view.place.rsplit("/", 1)[-1],
            state_title=view.state_title, final=view.final, content=data.get("content", ""), stages=stages,
            answers=answers, can_rate=rateable and not ticket.merged, merged=ticket.merged,
            due_at=view.due_at)

    def rate(self, code: str, satisfied: bool, note: str | None = None) -> Tracking:
        """The villager's 评价 of the answer, signed by the desk: 满意 closes it, 不满意 sends it back."""
        ticket = self._ticket(code)
        if ticket.merged:
            raise InputError(MERGED_CANNOT_RATE())
        current = self.track(code)
        if not current.can_rate:
            raise InputError(CANNOT_RATE(state=current.state_title))
        note = (note or "").strip()
        if satisfied:
            transition, values = "rate_satisfied", ({"rating_note": note} if note else {})
        else:
            if not note:
                raise InputError(REASON_REQUIRED())
            transition, values = "rate_unsatisfied", {"dissatisfaction": _content(note)}
        with self.db.read() as s:
            county_id = s.get(Document, ticket.document_id).place.chain()[-1].id
        self.service.step(self.desk.username, ticket.document_id, transition, values,
                          signer=self.desk.signer(county_id))
        return self.track(code)

    def cadres(self, village_id: int) -> list[Cadre]:
        """The people holding a village role in the village, whom a 举报 may name."""
        roles = self.service.registry.support.roles.roles
        with self.db.read() as s:
            rows = s.execute(select(User.username, User.display_name, RoleAssignment.role)
                             .join(RoleAssignment, RoleAssignment.user_id == User.id)
                             .where(RoleAssignment.place_id == village_id, User.active.is_(True))
                             .order_by(User.username, RoleAssignment.role)).all()
        held: dict[tuple[str, str], list[str]] = {}
        for username, name, role in rows:
            if role in roles and roles[role].level == "village":
                held.setdefault((username, name), []).append(roles[role].title)
        return [Cadre(u, n, "、".join(r)) for (u, n), r in held.items()]

    def contacts(self, doc_id: int) -> list[Contact]:
        """Who sent a document and left a name: for the people who handle it, never for a public page."""
        with self.db.read() as s:
            rows = s.scalars(select(VoiceTicket).where(VoiceTicket.document_id == doc_id,
                                                       VoiceTicket.contact_name.is_not(None))
                             .order_by(VoiceTicket.id)).all()
            return [Contact(t.contact_name or "", t.contact_phone or "", t.created_at, t.merged) for t in rows]

    def duplicates(self, doc_id: int) -> int:
        """How many more villagers sent the same thing (附议)."""
        with self.db.read() as s:
            return len(s.scalars(select(VoiceTicket.id).where(VoiceTicket.document_id == doc_id,
                                                              VoiceTicket.merged.is_(True))).all())

    def _ticket(self, code: str) -> VoiceTicket:
        with self.db.read() as s:
            ticket = s.scalar(select(VoiceTicket).where(VoiceTicket.code_hash == code_hash(code or "")))
            if ticket is None:
                raise NotFound(NO_SUCH_CODE())
            s.expunge(ticket)
            return ticket

    def _village(self, sub: Submission) -> Place:
        with self.db.read() as s:
            if sub.kind == OBJECTION:
                subject = s.get(Document, sub.subject_id) if sub.subject_id else None
                if subject is None:
                    raise InputError(NOT_PUBLICIZING(doc=sub.subject_id))
                place = subject.place
            else:
                place = s.get(Place, sub.village_id)
            if place is None or place.kind != "village":
                raise NotFound(NO_SUCH_VILLAGE())
            for p in place.chain():
                s.expunge(p)
            return place

    def _publicizing_title(self, doc_id: int | None) -> str:
        """The public title of a 公示 in progress; the same refusal for any document that is not one."""
        try:
            view = self.service.show(doc_id or 0)
        except NotFound:
            raise InputError(NOT_PUBLICIZING(doc=doc_id)) from None
        wf = self.service.registry.get(view.workflow, view.workflow_version)
        if not wf.publicizing(view.state) or wf.voice:
            raise InputError(NOT_PUBLICIZING(doc=doc_id))
        return f"{wf.title}（{view.place.rsplit('/', 1)[-1]}）"

    def _open_duplicate(self, print_: str) -> int | None:
        registry = self.service.registry
        with self.db.read() as s:
            rows = s.execute(select(Document.id, Document.workflow_id, Document.workflow_version, Document.state)
                             .join(VoiceTicket, VoiceTicket.document_id == Document.id)
                             .where(VoiceTicket.fingerprint == print_, VoiceTicket.merged.is_(False))
                             .order_by(Document.id)).all()
        return next((doc_id for doc_id, wid, version, state in rows
                     if state not in registry.get(wid, version).finals()), None)


def _content(raw: str) -> str:
    text = unicodedata.normalize("NFC", raw or "").strip()
    if not text:
        raise InputError(CONTENT_EMPTY())
    if len(text) > MAX_CONTENT:
        raise InputError(CONTENT_TOO_LONG(limit=MAX_CONTENT, length=len(text)))
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in text.replace("\r\n", "\n")):
        raise InputError(CONTROL_CHARACTERS())
    return text.replace("\r\n", "\n")


def _contact(name: str | None, phone: str | None) -> tuple[str | None, str | None]:
    name = unicodedata.normalize("NFC", name or "").strip()
    phone = (phone or "").strip().replace(" ", "")
    if not name and not phone:
        return None, None
    if not name or not phone:
        raise InputError(NAMED_NEEDS_BOTH())
    if len(name) > MAX_NAME or any(unicodedata.category(c)[0] == "C" for c in name):
        raise InputError(NAME_TOO_LONG(limit=MAX_NAME))
    try:
        phone = fieldtypes.parse(FieldSpec(name="phone", title="联系电话", type="phone"), phone)
    except InputError:
        raise InputError(BAD_PHONE(phone=phone[:20])) from None
    return name, phone


def _title(wf: Workflow, sub: Submission, village: Place, values: dict) -> str:
    if sub.kind == PETITION:
        return f"群众诉求·{values['category']}（{village.name}）"
    if sub.kind == OBJECTION:
        return f"对“{values['subject_title']}”的异议"
    return f"{wf.title}（{village.name}）"


def _field_title(wf: Workflow, name: str) -> str:
    spec = wf.field_spec(name)
    return spec.title if spec else name

