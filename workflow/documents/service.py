"""The one entry point that changes documents: `start` and `step`, each exactly one transaction.

Every interface (CLI, web, demo, tests) calls these, so the guards, the machine, the history and the
conflict rules are the same wherever a step comes from. A step locks the document, re-checks the guards
for this person, lets the machine move the state, signs the step record with the person's key, appends it
to the Merkle log with a fresh checkpoint, writes the history row and bumps the document's version under a
compare-and-set; any failure rolls all of it back, so no step exists without its signed record.

The person's password opens their key before the writing transaction begins: Argon2id takes a large
fraction of a second by design, and on SQLite the writing transaction holds the only write lock, so
unwrapping inside it would stall every other writer. Nothing is written by then, and the transaction
re-checks that the key is still the person's active one before signing.
"""
from __future__ import annotations

import logging
import mimetypes
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable, Iterable, Mapping, Optional, Sequence

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from workflow.documents import objections
from workflow.documents.views import AttachmentView, DocumentSummary, DocumentView, Offer, Slot, StepView
from workflow.engine import deadlines, guards
from workflow.engine import fields as fieldtypes
from workflow.engine.calendar import CalendarError
from workflow.engine.flowchart import Action, Workflow
from workflow.engine.registry import Registry
from workflow.errors import Conflict, CunwuError, InputError, NotFound, PermissionDenied, StepRefused
from workflow.ledger import definitions, log, records
from workflow.ledger.keyring import Keyring, Signer
from workflow.messages import Code, Message
from workflow.people import places
from workflow.people.directory import Principal, find_place, find_user, principal
from workflow.store.blobs import BlobStore
from workflow.store.database import Database, utcnow
from workflow.store.tables import Blob, Document, Place, Recusal, Step, StepAttachment, User

MAX_ATTACHMENT_BYTES = 20 * 1024 * 1024
OTHER_SLOT = "other"
_MEDIA_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,62}/[a-z0-9][a-z0-9!#$&^_.+-]{0,62}")
_log = logging.getLogger(__name__)

TITLE_EMPTY = Code("service.title-empty", "标题不能为空")
TITLE_TOO_LONG = Code("service.title-too-long", "标题不能超过 %(limit)s 字")
NOT_A_VILLAGE = Code("service.not-a-village", "文书须在村一级办理，“%(place)s”不是村")
CANNOT_START = Code("service.cannot-start", "%(person)s不能发起“%(workflow)s”")
START_REFUSED = Code("service.start-refused", "不能发起“%(workflow)s”")
DATABASE_BUSY = Code("service.database-busy", "数据库繁忙，请稍后重试")
VERSION_MOVED = Code("service.version-moved", "文书 %(doc)s 已被他人办理（版本 %(expected)s → %(actual)s），请刷新后重试")
NO_SUCH_ACTION = Code("service.no-such-action", "流程“%(workflow)s”中没有操作“%(transition)s”")
CANNOT_VIEW = Code("service.cannot-view", "%(person)s无权查看文书 %(doc)s")
CANNOT_STEP = Code("service.cannot-step", "%(person)s不能办理“%(action)s”")
TAKEN_BY_OTHER = Code("service.taken-by-other", "文书 %(doc)s 已被他人办理，请刷新后重试")
NO_SUCH_DOCUMENT = Code("service.no-such-document", "没有编号为 %(doc)s 的文书")
UNKNOWN_FIELDS = Code("service.unknown-fields", "“%(action)s”没有字段：%(unknown)s；可填字段：%(known)s")
UNKNOWN_SLOT = Code("service.unknown-slot", "“%(action)s”没有附件项“%(slot)s”；可上传：%(known)s")
NONE = Code("service.none", "无")
BAD_FILENAME = Code("service.bad-filename", "附件文件名须为 1 至 255 个字符：“%(filename)s”")
EMPTY_FILE = Code("service.empty-file", "附件“%(filename)s”是空文件")
FILE_TOO_LARGE = Code("service.file-too-large", "附件“%(filename)s”超过 %(limit_mb)s MB")
COMMENT_TOO_LONG = Code("service.comment-too-long", "办理意见不能超过 %(limit)s 字")
UNSIGNABLE = Code("service.unsignable", "这一步的内容无法写成签名记录：%(error)s")
UNCHAINED = Code("service.unchained", "文书 %(doc)s 的第 %(seq)s 步没有签名记录，无法接续签名")
WRONG_SIGNER = Code("service.wrong-signer", "签名密钥属于 %(signer)s，不能以 %(person)s 的名义办理")
NO_CREDENTIAL = Code("service.no-credential", "办理须提供密码或已解锁的签名密钥")


@dataclass(frozen=True)
class Upload:
    """An attachment given with a step: which slot it fills, its file name and bytes."""

    slot: str
    filename: str
    data: bytes
    media_type: Optional[str] = None


class Service:
    def __init__(self, db: Database, registry: Registry, blobs: BlobStore,
                 clock: Callable[[], datetime] = utcnow, *, keyring: Keyring) -> None:
        self.db = db
        self.registry = registry
        self.blobs = blobs
        self.clock = clock
        self.keyring = keyring
        self._pins: dict[tuple[str, int], str] = {}
        self._logged: dict[str, definitions.Pinned] = {}

    def start(self, username: str, workflow: str, place: str, title: str, values: Mapping[str, Any],
              uploads: Sequence[Upload] = (), comment: Optional[str] = None, *, password: Optional[str] = None,
              signer: Optional[Signer] = None, after: Optional[Callable[[Session, Document], None]] = None) -> int:
        """Open a document on the newest version of `workflow` in a village, signed by `username`.

        A person gives their password; the portal, which signs for villagers without an account, gives
        its unlocked `signer`. `after` runs inside the same transaction once the document exists, so
        what belongs with the start (the portal's ticket, an 异议's link) is written with it or not at all."""
        wf = self.registry.find(workflow)
        title = unicodedata.normalize("NFC", (title or "").strip())
        if not title:
            raise InputError(TITLE_EMPTY())
        if len(title) > 300:
            raise InputError(TITLE_TOO_LONG(limit=300))
        signer = self._signer(username, password, signer)
        try:
            with self.db.write() as s:
                user = find_user(s, username)
                who = principal(user)
                village = find_place(s, place)
                if village.kind != "village":
                    raise InputError(NOT_A_VILLAGE(place=village.name))
                now = self.clock()
                where = self._situation(village, None, {}, now, None, None, None)
                parsed = self._parse(wf, wf.start, values)
                self._check_slots(wf.start, uploads)
                denials = guards.who(wf, wf.start, who, where)
                if denials:
                    raise PermissionDenied(CANNOT_START(person=who.describe(), workflow=wf.title), tuple(denials))
                denials = guards.what(wf, wf.start, where, parsed, {u.slot for u in uploads})
                if denials:
                    raise StepRefused(START_REFUSED(workflow=wf.title), tuple(denials))
                role = guards.acting_role(wf, wf.start, who, where)
                assert role is not None, "guards.who refused no role, so the person holds one"
                state = wf.initial
                due_at = self._due(wf, state, now)
                pinned = definitions.install(s, self.keyring, wf, now)
                doc = Document(workflow_id=wf.id, workflow_version=wf.version, place_id=village.id, title=title,
                               state=state, data=dict(parsed), version=0, created_by=user.id, created_at=now,
                               updated_at=now, state_entered_at=now, due_at=due_at, definition_sha256=pinned)
                s.add(doc)
                s.flush()
                self._append(s, doc, wf, wf.start, None, state, who, role, now, parsed, uploads, comment, seq=0,
                             signer=signer)
                self._recuse(s, wf, doc.id, parsed)
                if after is not None:
                    after(s, doc)
                return doc.id
        except OperationalError as exc:
            _log.warning("start refused, database busy: %s", exc.orig)
            raise Conflict(DATABASE_BUSY()) from None

    def step(self, username: str, doc_id: int, transition: str, values: Mapping[str, Any],
             uploads: Sequence[Upload] = (), comment: Optional[str] = None,
             expected_version: Optional[int] = None, *, password: Optional[str] = None,
             signer: Optional[Signer] = None) -> DocumentView:
        """Take one transition signed by `username` (by password, or the portal's unlocked `signer`);
        raises PermissionDenied, StepRefused or Conflict and changes nothing."""
        signer = self._signer(username, password, signer)
        try:
            with self.db.write() as s:
                doc = self._load(s, doc_id, lock=True)
                if expected_version is not None and doc.version != expected_version:
                    raise Conflict(VERSION_MOVED(doc=doc_id, expected=expected_version, actual=doc.version))
                pinned = self._definition(s, doc)
                wf = pinned.workflow
                action = wf.transitions.get(transition)
                if action is None:
                    raise StepRefused(NO_SUCH_ACTION(workflow=wf.title, transition=transition))
                user = find_user(s, username)
                who = principal(user)
                now = self.clock()
                where = self._situation(doc.place, doc.state, doc.data, now, doc.state_entered_at, doc.due_at,
                                        self._previous_actor(s, doc), self._actors(s, doc.id))
                if not self._may_view(wf, doc, who, where.place_ids):
                    raise PermissionDenied(CANNOT_VIEW(person=who.describe(), doc=doc_id))
                parsed = self._parse(wf, action, values)
                if guards.recused(wf, who.username, parsed):
                    raise PermissionDenied(CANNOT_STEP(person=who.describe(), action=action.title))
                self._check_slots(action, uploads)
                role_denials = guards.who(wf, action, who, where)
                if role_denials and doc.state in action.sources:
                    raise PermissionDenied(CANNOT_STEP(person=who.describe(), action=action.title), tuple(role_denials))
                given = {u.slot for u in uploads}
                blocked = self._objection_block(s, wf, doc, action)
                if blocked is not None:
                    raise StepRefused(blocked)
                new_state = pinned.engine.fire(
                    wf.id, wf.version, doc.state, transition,
                    lambda: tuple(guards.what(wf, action, where, parsed, given)))
                due_at = self._due(wf, new_state, now)
                role = guards.acting_role(wf, action, who, where)
                assert role is not None, "guards.who refused no role, so the person holds one"
                from_state = doc.state
                self._append(s, doc, wf, action, from_state, new_state, who, role, now, parsed, uploads, comment,
                             seq=doc.version + 1, signer=signer)
                moved: CursorResult[Any] = s.execute(  # type: ignore[assignment]  # an UPDATE's result
                    update(Document)
                    .where(Document.id == doc.id, Document.version == doc.version)
                    .values(state=new_state, version=doc.version + 1, data={**doc.data, **parsed}, updated_at=now,
                            state_entered_at=now, due_at=due_at)
                    .execution_options(synchronize_session=False))
                if moved.rowcount != 1:
                    raise Conflict(TAKEN_BY_OTHER(doc=doc_id))
                self._recuse(s, wf, doc.id, parsed)
        except IntegrityError:
            raise Conflict(TAKEN_BY_OTHER(doc=doc_id)) from None
        except OperationalError as exc:
            _log.warning("step on document %s refused, database busy: %s", doc_id, exc.orig)
            raise Conflict(DATABASE_BUSY()) from None
        return self.show(doc_id, username)

    def show(self, doc_id: int, username: Optional[str] = None) -> DocumentView:
        """State, history, and (for a person) the transitions they may take with what each needs."""
        with self.db.read() as s:
            doc = self._load(s, doc_id)
            wf = self._definition(s, doc).workflow
            history = s.scalars(select(Step).where(Step.document_id == doc.id).order_by(Step.seq)).all()
            actions = None
            if username is not None:
                who = principal(find_user(s, username))
                where = self._situation(doc.place, doc.state, doc.data, self.clock(), doc.state_entered_at,
                                        doc.due_at, history[-1].actor_id if history else None,
                                        _actors(history))
                if not self._may_view(wf, doc, who, where.place_ids):
                    raise PermissionDenied(CANNOT_VIEW(person=who.describe(), doc=doc_id))
                actions = tuple(self._offer(wf, t, who, where, self._objection_block(s, wf, doc, t))
                                for t in wf.outgoing(doc.state))
            return self.document_view(doc, wf, history, actions, self._late(wf, history))

    def list(self, place: Optional[str] = None, state: Optional[str] = None, workflow: Optional[str] = None,
             username: Optional[str] = None, limit: int = 200) -> list[DocumentSummary]:
        with self.db.read() as s:
            query = select(Document).order_by(Document.id.desc())
            if place:
                target = find_place(s, place)
                ids = places.under(s, target.id)
                query = query.where(Document.place_id.in_(ids))
            if state:
                query = query.where(Document.state == state)
            if workflow:
                query = query.where(Document.workflow_id == self.registry.find(workflow).id)
            who = principal(find_user(s, username)) if username else None
            out = []
            for doc in s.scalars(query).yield_per(500):
                wf = self._definition(s, doc).workflow
                if who is not None and not self._may_view(wf, doc, who, frozenset(p.id for p in doc.place.chain())):
                    continue
                out.append(DocumentSummary(**self._summary_fields(doc, wf)))
                if len(out) >= limit:
                    break
            return out

    def count(self) -> int:
        with self.db.read() as s:
            return s.scalar(select(func.count(Document.id))) or 0

    def _load(self, s: Session, doc_id: int, lock: bool = False) -> Document:
        query = select(Document).where(Document.id == doc_id)
        if lock and not self.db.is_sqlite:
            query = query.with_for_update(of=Document)
        doc = s.scalar(query)
        if doc is None:
            raise NotFound(NO_SUCH_DOCUMENT(doc=doc_id))
        return doc

    def _due(self, wf: Workflow, state: str, entered: datetime) -> Optional[datetime]:
        return deadlines.due(entered, wf.states[state].deadline, self.registry.support.calendar)

    def _definition(self, s: Session, doc: Document) -> definitions.Pinned:
        """The rules the document runs under: the version it pinned when it started, which is today's
        definition unless that was since edited without a new version number; then the pinned content
        is read back from the log, so the service and the verifier hold the document to the same rules.
        A version since removed from the definitions directory runs from the log too. Documents that
        predate pinning run on the loaded version, as they always did."""
        key = (doc.workflow_id, doc.workflow_version)
        wf = self.registry.workflows.get(key)
        if wf is None and doc.definition_sha256 is None:
            wf = self.registry.get(*key)
        if wf is not None:
            if key not in self._pins:
                self._pins[key] = definitions.pin(wf)[1]
            if doc.definition_sha256 in (None, self._pins[key]):
                return definitions.Pinned(self._pins[key], wf, self.registry.engine)
        pinned = doc.definition_sha256
        assert pinned is not None, "an unpinned document runs on the loaded version, returned above"
        if pinned not in self._logged:
            self._logged[pinned] = definitions.read(s, pinned, self.registry.support.calendar)
        return self._logged[pinned]

    @staticmethod
    def _actors(s: Session, doc_id: int) -> dict[str, frozenset[int]]:
        return _actors(s.execute(select(Step.transition, Step.actor_id).where(Step.document_id == doc_id)).all())

    @staticmethod
    def _may_view(wf: Workflow, doc: Document, who: Principal, place_ids: frozenset[int]) -> bool:
        return guards.can_view(wf, doc.state, who, place_ids) and not guards.recused(wf, who.username, doc.data)

    def _objection_block(self, s: Session, wf: Workflow, doc: Document, action: Action) -> Optional[Message]:
        """The refusal for a forward step out of a 公示 in progress while a villager's 异议 on it is open."""
        if action.kind != "forward" or action.to == doc.state or not wf.publicizing(doc.state):
            return None
        open_ids = objections.pending(s, self.registry, doc.id)
        if not open_ids:
            return None
        return objections.OBJECTION_OPEN(objections="、".join(str(i) for i in open_ids))

    @staticmethod
    def _recuse(s: Session, wf: Workflow, doc_id: int, parsed: Mapping[str, Any]) -> None:
        """Record who a step names in a recusal field, so their worklist leaves the document out."""
        for name in wf.chart.recuse:
            username = parsed.get(name)
            user_id = s.scalar(select(User.id).where(User.username == username)) if username else None
            if user_id is not None and s.get(Recusal, (doc_id, user_id)) is None:
                s.add(Recusal(document_id=doc_id, user_id=user_id))
                s.flush()

    @staticmethod
    def _previous_actor(s: Session, doc: Document) -> Optional[int]:
        return s.scalar(select(Step.actor_id).where(Step.document_id == doc.id, Step.seq == doc.version))

    @staticmethod
    def _situation(place: Place, state: Optional[str], data: Mapping[str, Any], now: datetime,
                   entered: Optional[datetime], due: Optional[datetime],
                   previous_actor: Optional[int], actors: Optional[Mapping[str, frozenset[int]]] = None
                   ) -> guards.Situation:
        chain = place.chain()
        return guards.Situation(state=state, place_ids=frozenset(p.id for p in chain),
                                place_names=tuple(p.name for p in chain), data=data, now=now,
                                state_entered_at=entered, due_at=due, previous_actor_id=previous_actor,
                                actors=actors or {})

    @staticmethod
    def _parse(wf: Workflow, action: Action, values: Mapping[str, Any]) -> dict[str, Any]:
        unknown = set(values) - {f.name for f in action.fields}
        if unknown:
            known = "、".join(f"{f.name}（{f.title}）" for f in action.fields) or NONE()
            raise InputError(UNKNOWN_FIELDS(action=action.title, unknown="、".join(sorted(unknown)), known=known))
        parsed = {}
        for spec in action.fields:
            raw = values.get(spec.name)
            if raw is None or (isinstance(raw, str) and not raw.strip() and spec.type != "text"):
                continue
            if isinstance(raw, str) and not raw.strip() and not spec.required:
                continue
            parsed[spec.name] = fieldtypes.parse(spec, raw, wf.options(spec))
        return parsed

    @staticmethod
    def _check_slots(action: Action, uploads: Iterable[Upload]) -> None:
        slots = {a.name for a in action.attachments} | {OTHER_SLOT}
        for u in uploads:
            if u.slot not in slots:
                names = "、".join(f"{a.name}（{a.title}）" for a in action.attachments) or NONE()
                raise InputError(UNKNOWN_SLOT(action=action.title, slot=u.slot, known=names))
            if not u.filename.strip() or len(u.filename) > 255:
                raise InputError(BAD_FILENAME(filename=u.filename[:40]))
            if not u.data:
                raise InputError(EMPTY_FILE(filename=u.filename))
            if len(u.data) > MAX_ATTACHMENT_BYTES:
                raise InputError(FILE_TOO_LARGE(filename=u.filename, limit_mb=MAX_ATTACHMENT_BYTES // (1024 * 1024)))

    def _signer(self, username: str, password: Optional[str], signer: Optional[Signer]) -> Signer:
        if signer is not None:
            if signer.username != username:
                raise PermissionDenied(WRONG_SIGNER(signer=signer.username, person=username))
            return signer
        if password is None:
            raise PermissionDenied(NO_CREDENTIAL())
        with self.db.read() as s:
            return self.keyring.unlock(s, find_user(s, username), password)

    def _append(self, s: Session, doc: Document, wf: Workflow, action: Action, from_state: Optional[str],
                to_state: str, who: Principal, role: str, now: datetime, parsed: Mapping[str, Any],
                uploads: Sequence[Upload], comment: Optional[str], seq: int, signer: Signer) -> Step:
        """Sign the step record, append it to the log, then write the history rows that cache it, the
        document's first disclosure time. The step row is inserted while the log head is locked, so step
        ids grow in commit order: the search index follows them as its change feed."""
        self.keyring.require_active(s, signer)
        comment = unicodedata.normalize("NFC", (comment or "").strip()) or None
        if comment is not None and len(comment) > records.MAX_TEXT:
            raise InputError(COMMENT_TOO_LONG(limit=records.MAX_TEXT))
        attachments = []
        for u in uploads:
            digest = self.blobs.put(u.data)
            attachments.append(records.Attachment(
                slot=u.slot, name=unicodedata.normalize("NFC", u.filename), size=len(u.data), sha256=digest,
                media_type=_media_type(u.media_type or mimetypes.guess_type(u.filename)[0])))
        head = log.head(s, lock=True)
        record = records.StepRecord(
            log_origin=self.keyring.log.origin, doc_id=doc.id, definition_id=wf.id, definition_version=wf.version,
            title=doc.title, place=unicodedata.normalize("NFC", doc.place.path()), step_seq=seq,
            transition=action.id, kind=action.kind, from_state=from_state, to_state=to_state, actor=who.username,
            role=role, at=records.utc_timestamp(now),
            fields={k: v for k, v in parsed.items() if not _is_tally(action, k)},
            tallies={k: v for k, v in parsed.items() if _is_tally(action, k)},
            comment=comment, attachments=tuple(attachments),
            prev_step_hash=None if seq == 0 else self._previous_leaf_hash(s, doc, seq),
            key_id=signer.key_id, observed=head.observed,
            definition_sha256=doc.definition_sha256 if seq == 0 else None)
        try:
            leaf = records.sign(record, [signer.private_key]).encode()
            self._self_check(leaf)
        except ValueError as exc:
            raise InputError(UNSIGNABLE(error=str(exc))) from None
        appended = log.append(s, self.keyring.log, leaf, head)
        step = Step(document_id=doc.id, seq=seq, transition=action.id, kind=action.kind, from_state=from_state,
                    to_state=to_state, actor_id=who.user_id, role=role, at=now, fields=dict(parsed),
                    comment=comment, log_index=appended.index)
        s.add(step)
        s.flush()
        for a in attachments:
            if s.get(Blob, a.sha256) is None:
                s.add(Blob(sha256=a.sha256, size=a.size, media_type=a.media_type, created_at=now))
                s.flush()
            s.add(StepAttachment(step_id=step.id, slot=a.slot, filename=a.name, sha256=a.sha256, size=a.size,
                                 media_type=a.media_type))
        if doc.disclosed_at is None and wf.states[to_state].disclose:
            doc.disclosed_at = now
        return step

    @staticmethod
    def _previous_leaf_hash(s: Session, doc: Document, seq: int) -> str:
        index = s.scalar(select(Step.log_index).where(Step.document_id == doc.id, Step.seq == seq - 1))
        if index is None:
            raise CunwuError(UNCHAINED(doc=doc.id, seq=seq - 1))
        return records.leaf_hash_hex(log.leaf(s, index))

    @staticmethod
    def _self_check(leaf: bytes) -> None:
        """Run the auditor's own parser and signature check, so the log never takes an entry it would reject."""
        envelope = records.open_envelope(leaf)
        envelope.decode()
        for signature in envelope.signatures:
            envelope.verify(signature)

    @staticmethod
    def document_view(doc: Document, wf: Workflow, history: Sequence[Step],
                      actions: Optional[tuple[Offer, ...]] = None, late: Sequence[bool] = ()) -> DocumentView:
        """The one way a document row becomes its view, for ``show`` and for the archive index's source
        (which loads documents in batches), so the index shows exactly what the service shows. `late`
        flags the steps taken after a binding time limit ran out (``show`` counts them; the index does not)."""
        flags = tuple(late) or (False,) * len(history)
        return DocumentView(**Service._summary_fields(doc, wf),
                            history=tuple(Service._step_view(wf, st, was_late)
                                          for st, was_late in zip(history, flags, strict=True)),
                            visited=tuple(sorted({st.to_state for st in history})), actions=actions)

    def _late(self, wf: Workflow, history: Sequence[Step]) -> Sequence[bool]:
        """Whether each step left its state after a binding time limit ran out (the limit's source says the
        lapse counts: 逾期办理); judged from the signed times of the step and of the one before it."""
        out = [False]
        for before, st in zip(history, history[1:], strict=False):
            spec = wf.states.get(st.from_state or "")
            deadline = spec.deadline if spec is not None else None
            if deadline is None or deadline.binding is None:
                out.append(False)
                continue
            try:
                due = deadlines.due(before.at, deadline, self.registry.support.calendar)
            except CalendarError:
                due = None
            out.append(due is not None and st.at > due)
        return out

    @staticmethod
    def _summary_fields(doc: Document, wf: Workflow) -> dict[str, Any]:
        state = wf.states[doc.state]
        return dict(id=doc.id, title=doc.title, workflow=wf.id, workflow_version=wf.version, workflow_title=wf.title,
                    code=wf.chart.code, place=doc.place.path(), state=doc.state, state_title=state.title,
                    final=state.final, version=doc.version, data=doc.data, created_at=doc.created_at,
                    updated_at=doc.updated_at, due_at=doc.due_at)

    @staticmethod
    def _step_view(wf: Workflow, st: Step, late: bool = False) -> StepView:
        action = wf.start if st.transition == "start" else wf.transitions.get(st.transition)
        roles = wf.support.roles.roles
        return StepView(
            seq=st.seq, transition=st.transition, title=action.title if action else st.transition, kind=st.kind,
            from_state=st.from_state, to_state=st.to_state, actor=st.actor.username,
            actor_name=st.actor.display_name, role=st.role,
            role_title=roles[st.role].title if st.role in roles else st.role, at=st.at, fields=st.fields,
            comment=st.comment, log_index=st.log_index,
            attachments=tuple(AttachmentView(a.slot, a.filename, a.sha256, a.size, a.media_type)
                              for a in st.attachments), late=late)

    @staticmethod
    def _offer(wf: Workflow, action: Action, who: Principal, where: guards.Situation,
               blocked: Optional[Message] = None) -> Offer:
        reasons = guards.who(wf, action, who, where) or guards.what(wf, action, where, {}, set(), pending=True)
        if blocked is not None and not reasons:
            reasons = [blocked]
        return Offer(id=action.id, title=action.title, kind=action.kind, to=action.to,
                     to_title=wf.states[action.to].title, allowed=not reasons, reasons=tuple(reasons),
                     fields=tuple(wf.describe_fields(action)),
                     attachments=tuple(Slot(a.name, a.title, a.required) for a in action.attachments))


def _actors(steps: Iterable[Any]) -> dict[str, frozenset[int]]:
    """Who took each transition of a document (steps or (transition, actor_id) rows), for `not_by`."""
    found: dict[str, set[int]] = {}
    for step in steps:
        transition, actor = (step.transition, step.actor_id) if isinstance(step, Step) else tuple(step)
        found.setdefault(transition, set()).add(actor)
    return {k: frozenset(v) for k, v in found.items()}


def _is_tally(action: Action, name: str) -> bool:
    spec = action.field(name)
    return spec is not None and spec.type == "tally"


def _media_type(given: Optional[str]) -> str:
    """A bare type/subtype for the signed record: parameters dropped, anything unrecognisable made generic."""
    value = (given or "").split(";", 1)[0].strip().lower()
    return value if _MEDIA_TYPE.fullmatch(value) else "application/octet-stream"
