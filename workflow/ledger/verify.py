"""The auditor's verifier: replay the signed log and name every entry that fails, and why.

It reads only the log (log_entries and checkpoints) and the attachment files, never the documents or
steps tables, which are caches an administrator could rewrite at will. Trust comes from the genesis entry
(which names the log key and the registrar), from a log key the auditor pins, and above all from
checkpoints the auditor holds outside the server (anchors): without an anchor, a log that was cut short
and re-signed with the stolen log key is indistinguishable from an honest shorter log.

Each entry is checked twice over. On its own, in worker processes when the log is long (Ed25519
verification dominates): strict parsing, canonical bytes, signatures, attachment files. Then in index
order, in this process: key registration and revocation by log position, that the signer owns the key
and held it when signing, each document's step sequence and hash chain, the log position and prefix root
every signer attested to ("observed"), the definitions, the latest checkpoint and the anchors.

A tampered entry usually disturbs what follows it (later signers attested to the original log). Those
consequences are folded into the failure of the entry that explains them, so the report names the entry
that was changed, not everything after it.

Each failure has a `code` saying what failed (stable, for scripts and tests) and a `message`, a coded
Message (codes `verify.*`) that the web shows in the reader's language.
"""
from __future__ import annotations

import hashlib
import multiprocessing
import os
from abc import ABC, abstractmethod
from collections import deque
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Iterator, NamedTuple, Optional, Sequence, Union

from sqlalchemy import func, select

from workflow.engine.registry import Registry
from workflow.ledger import log, merkle, notes, paths, records
from workflow.messages import Code, Message
from workflow.store.database import Database
from workflow.store.tables import LogEntry

PARALLEL_THRESHOLD = 4096
_sha256 = hashlib.sha256
CHUNK = 512

NOT_REGISTRAR = Code("verify.not-registrar", "%(what)s没有登记机关密钥的签名")
GENESIS_EVENT = Code("verify.genesis-entry", "创始记录")
KEY_EVENT = Code("verify.key-event", "密钥事件（%(event)s %(username)s）")
GENESIS_MISPLACED = Code("verify.genesis-misplaced", "创始记录只能是日志的第 0 条")
UNTRUSTED_LOG_KEY = Code("verify.untrusted-log-key", "创始记录指定的日志公钥 %(key)s 不是审计员指定的公钥")
NO_GENESIS = Code("verify.no-genesis", "日志没有有效的创始记录，无法确认日志与登记机关的密钥，其后的记录都无从核验")
WRONG_ORIGIN = Code("verify.wrong-origin", "记录属于日志 %(origin)s，不是本日志 %(log)s")
KEY_REUSED = Code("verify.key-reused", "密钥 %(key)s 已在第 %(index)s 条登记过")
ALREADY_ACTIVE = Code("verify.already-active", "%(username)s 已有有效密钥 %(key)s，登记新密钥须用更换（rotate）")
ROTATE_MISMATCH = Code("verify.rotate-mismatch", "更换的旧密钥 %(key)s 不是 %(username)s 的有效密钥")
REVOKE_MISMATCH = Code("verify.revoke-mismatch", "吊销的密钥 %(key)s 不是 %(username)s 的有效密钥")
UNEXPECTED_TYPE = Code("verify.unexpected-type", "日志中不应出现 %(type)s 类型的条目")
NO_RECORDS = Code("verify.no-records", "日志中没有文书 %(doc)s 的记录")
UNKNOWN_KEY = Code("verify.unknown-key", "签名密钥 %(key)s 在此之前没有由登记机关登记")
KEY_OWNER = Code("verify.key-owner", "签名密钥属于 %(owner)s，记录却写明办理人是 %(actor)s")
REVOKED_KEY = Code("verify.revoked-key", "%(username)s 的签名密钥已在第 %(index)s 条吊销（%(reason)s），此后所签的记录无效")
SEQ_GAP = Code("verify.seq-gap", "文书 %(doc)s 缺少%(span)s步的记录")
DOC_MISMATCH = Code("verify.doc-mismatch", "记录的流程、地点或标题与文书 %(doc)s 此前的记录不一致")
REPLAYED = Code("verify.replayed", "文书 %(doc)s 第 %(seq)s 步重复出现（已见于第 %(index)s 条）")
OUT_OF_ORDER = Code("verify.out-of-order", "文书 %(doc)s 第 %(seq)s 步出现在第 %(last)s 步之后")
CHAIN_BREAK = Code("verify.chain-break", "上一步哈希与第 %(index)s 条（文书 %(doc)s 第 %(seq)s 步）不符")
STATE_BREAK = Code("verify.state-break", "起始状态 %(state)s 不是上一步的结果状态 %(last)s")
DEFINITION_ENTRY = Code("verify.definition-entry", "流程定义（%(workflow)s 第 %(version)s 版）")
DEFINITION_MISMATCH = Code("verify.definition-mismatch",
                           "记录写明流程 %(workflow)s 第 %(version)s 版，所指的定义却是 %(pinned)s 第 %(pinned_version)s 版")
UNPINNED = Code("verify.unpinned", "文书 %(doc)s（第 %(index)s 条起）%(how)s")
ENTRIES_MISSING = Code("verify.entries-missing", "日志%(span)s条不见了（条目编号不连续）")
INDEX_REPEATED = Code("verify.index-repeated", "日志条目编号 %(index)s 重复或倒退")
MISPLACED_DELETED = Code("verify.misplaced-deleted", "签名时是日志第 %(size)s 条，现位于第 %(index)s 条：此前有 %(shift)s 条被删除")
MISPLACED_MOVED = Code("verify.misplaced-moved", "签名时是日志第 %(size)s 条，现位于第 %(index)s 条：被移动或重放，或此前被插入了条目")
ALTERED_ENTRY = Code("verify.altered-entry", "本条不是第 %(index)s 条签名人所见的日志内容：被修改、插入或替换")
ALTERED_RANGE = Code("verify.altered-range", "第 %(first)s 至 %(last)s 条中有条目与本条签名人所见的日志不同")
NO_CHECKPOINT = Code("verify.no-checkpoint", "日志没有已签名的检查点")
BAD_LOG_KEY = Code("verify.bad-log-key", "指定的日志公钥无效：%(error)s")
NOTE_INVALID = Code("verify.note-invalid", "%(note)s格式无效：%(error)s")
LATEST_CHECKPOINT = Code("verify.latest-checkpoint", "最新检查点")
ANCHOR_CHECKPOINT = Code("verify.anchor-checkpoint", "锚定检查点 %(name)s ")
NOTE_NO_KEY = Code("verify.note-no-key", "%(note)s无法核验：不知道日志公钥")
NOTE_BAD_SIGNATURE = Code("verify.note-bad-signature", "%(note)s的签名不是本日志密钥所签：%(error)s")
NOTE_ORIGIN = Code("verify.note-origin", "%(note)s属于日志 %(origin)s，不是 %(log)s")
TRUNCATED = Code("verify.truncated", "最新检查点记录了 %(checkpoint)s 条，日志只有 %(size)s 条：%(span)s条不见了")
UNCOVERED = Code("verify.uncovered", "%(span)s条不在任何已签名的检查点中（追加中断或被私自写入）")
CHECKPOINT_ROOT = Code("verify.checkpoint-root", "最新检查点的根哈希与日志前 %(size)s 条重算的结果不符")
ANCHOR_TRUNCATED = Code("verify.anchor-truncated", "锚定检查点 %(name)s 证明日志曾有 %(checkpoint)s 条，现在只有 %(size)s 条：%(span)s条被截断或回滚")
ANCHOR_FORK = Code("verify.anchor-fork", "日志前 %(size)s 条与锚定检查点 %(name)s 不符：这些条目在锚定之后被改写、回滚或分叉")
ATTACHMENT_MISSING = Code("verify.attachment-missing", "附件“%(name)s”（%(digest)s…）不在附件库中")
ATTACHMENT_MISMATCH = Code("verify.attachment-mismatch", "附件“%(name)s”的文件已被替换：哈希或大小与签名记录不符")
NON_CANONICAL = Code("verify.non-canonical", "内容不是规范编码（RFC 8785）：%(error)s")
MALFORMED = Code("verify.malformed", "条目格式无效：%(error)s")
BAD_SIGNATURE = Code("verify.bad-signature", "签名无效：用密钥 %(key)s 验证失败，内容在签名后被改动")
KEY_MISMATCH = Code("verify.key-mismatch", "记录写明的签名密钥 %(key)s 不是实际签名所用的密钥")
SPAN_ONE = Code("verify.span-one", "第 %(first)s ")
SPAN = Code("verify.span", "第 %(first)s 至 %(last)s ")


@dataclass(frozen=True)
class Failure:
    """One broken rule: where (log index, or None for the log as a whole), what kind, and why."""

    index: Optional[int]
    code: str
    message: str
    doc_id: Optional[int] = None
    step_seq: Optional[int] = None

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "code": self.code, "message": self.message, "doc_id": self.doc_id,
                "step_seq": self.step_seq}

    def __str__(self) -> str:
        where = "日志" if self.index is None else f"第 {self.index} 条"
        if self.doc_id is not None:
            where += f"（文书 {self.doc_id} 第 {self.step_seq} 步）"
        return f"{where}：{self.message} [{self.code}]"


@dataclass(frozen=True)
class RecordStatus:
    """One step in scope and whether it holds, for showing beside a document's history."""

    index: int
    doc_id: int
    step_seq: int
    actor: str
    transition: str
    key_id: str
    valid: bool = True
    reasons: tuple[str, ...] = ()
    definition: Optional[tuple[str, int]] = None
    """The signed (flowchart id, version), so a page can name the step by its title."""

    def to_dict(self) -> dict[str, Any]:
        return {"index": self.index, "doc_id": self.doc_id, "step_seq": self.step_seq, "actor": self.actor,
                "transition": self.transition, "key_id": self.key_id, "valid": self.valid,
                "reasons": list(self.reasons)}


@dataclass
class Report:
    """Everything the verifier found; `ok` only when there is no failure at all."""

    origin: Optional[str] = None
    log_key: Optional[str] = None
    trust: str = "genesis"
    size: int = 0
    root: Optional[str] = None
    checkpoint_size: Optional[int] = None
    scope: dict[str, Any] = field(default_factory=dict)
    checked: int = 0
    anchors: list[dict[str, Any]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    records: list[RecordStatus] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    """What the verifier could not hold against the log alone, and what it used instead (not failures)."""

    @property
    def ok(self) -> bool:
        return not self.failures

    def at(self, index: Optional[int]) -> list[Failure]:
        return [f for f in self.failures if f.index == index]

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "origin": self.origin, "log_key": self.log_key, "trust": self.trust,
                "size": self.size, "root": self.root, "checkpoint_size": self.checkpoint_size,
                "scope": self.scope, "checked": self.checked, "anchors": self.anchors,
                "failures": [f.to_dict() for f in self.failures], "records": [r.to_dict() for r in self.records],
                "notes": list(self.notes)}


@dataclass(frozen=True)
class Scope:
    """Which steps to check in full: one document, the villages under a place, or (both None) all."""

    doc_id: Optional[int] = None
    place: Optional[str] = None

    def covers(self, doc_id: int, place: str) -> bool:
        if self.doc_id is not None and doc_id != self.doc_id:
            return False
        if self.place is None:
            return True
        wanted, parts = [p for p in self.place.split("/") if p], place.split("/")
        return any(parts[i:i + len(wanted)] == wanted for i in range(len(parts) - len(wanted) + 1))

    def to_dict(self) -> dict[str, Any]:
        return {"doc": self.doc_id, "place": self.place}


@dataclass(frozen=True)
class Attachments:
    """Where attachment files are: the blob store's sharded layout, or a bag's flat directory."""

    root: Path
    flat: bool = False

    def path(self, sha256: str) -> str:
        """A plain string: pathlib's joins would cost more than reading a small attachment."""
        base = os.fspath(self.root)
        return os.path.join(base, sha256) if self.flat else os.path.join(base, sha256[:2], sha256[2:4], sha256)


class StepFacts(NamedTuple):
    """The parts of a step record the sequential checks need (kept flat: it crosses process pipes)."""

    log_origin: str
    doc_id: int
    step_seq: int
    prev_step_hash: Optional[str]
    from_state: Optional[str]
    to_state: str
    definition: tuple[str, int]
    place: str
    title: str
    actor: str
    role: str
    transition: str
    key_id: str
    observed_size: int
    observed_root: bytes
    at: str
    values: dict[str, Any]
    tallies: frozenset[str]
    slots: frozenset[str]
    definition_sha256: Optional[str]


class Examined(NamedTuple):
    """What could be learnt from one entry by itself."""

    index: int  # type: ignore[assignment]  # the field shadows tuple.index, which nothing here calls
    leaf_hash: bytes
    kind: str
    problems: tuple[tuple[str, str], ...]
    signers: tuple[str, ...] = ()
    claimed: tuple[str, ...] = ()
    step: Optional[StepFacts] = None
    event: Optional[records.Payload] = None
    in_scope: bool = True


def examine(index: int, leaf: bytes, scope: Scope, files: Optional[Attachments]) -> Examined:
    """Check one entry on its own: parse, canonical form, signatures and (for steps) attachment files."""
    return examine_many([(index, leaf)], scope, files)[0]


def examine_many(chunk: Sequence[tuple[int, bytes]], scope: Scope,
                 files: Optional[Attachments]) -> list[Examined]:
    """Examine a run of entries in three passes: parse every entry, check every signature, then read the
    attachment files. Interleaving OpenSSL's Ed25519 arithmetic with the parser's Python entry by entry
    costs both their caches; apart, the parsing costs a tenth less (bench/bench_verify.py)."""
    opened = [_open(index, leaf, scope) for index, leaf in chunk]
    verdicts = [None if isinstance(item, Examined) else _signatures(item[2]) for item in opened]
    examined: list[Examined] = []
    for item, verdict in zip(opened, verdicts):
        if isinstance(item, Examined):
            examined.append(item)
        else:
            assert verdict is not None, "every opened entry had its signatures checked"
            examined.append(_examined_entry(*item, *verdict, files))
    return examined


def _open(index: int, leaf: bytes,
          scope: Scope) -> Union[Examined, tuple[int, bytes, records.Envelope, records.Payload]]:
    """The entry parsed and its payload decoded, or what is already known if it goes no further."""
    leaf_hash = hashlib.sha256(b"\x00" + leaf).digest()
    try:
        envelope = records.open_envelope(leaf)
        if scope.doc_id is not None and envelope.payload_type == records.STEP_TYPE \
                and records.peek_doc_id(envelope.payload) not in (None, scope.doc_id):
            return Examined(index, leaf_hash, "step", (), in_scope=False)
        payload = envelope.decode()
    except records.RecordError as exc:
        reason = NON_CANONICAL(error=str(exc)) if exc.code == "non-canonical" else MALFORMED(error=str(exc))
        return Examined(index, leaf_hash, "malformed", ((exc.code, reason),))
    if isinstance(payload, records.StepRecord) and not scope.covers(payload.doc_id, payload.place):
        return Examined(index, leaf_hash, "step", (), in_scope=False)
    return index, leaf_hash, envelope, payload


def _signatures(envelope: records.Envelope) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The key ids whose signatures verified, and those whose did not."""
    good, bad = [], []
    for signature in envelope.signatures:
        try:
            envelope.verify(signature)
            good.append(signature.key_id)
        except records.RecordError:
            bad.append(signature.key_id)
    return tuple(good), tuple(bad)


def _examined_entry(index: int, leaf_hash: bytes, envelope: records.Envelope, payload: records.Payload,
                    signers: tuple[str, ...], bad: tuple[str, ...], files: Optional[Attachments]) -> Examined:
    problems: list[tuple[str, str]] = [("bad-signature", BAD_SIGNATURE(key=key_id)) for key_id in bad]
    claimed = tuple(s.key_id for s in envelope.signatures)
    if not isinstance(payload, records.StepRecord):
        kind = _KINDS.get(payload.payload_type, "other")
        return Examined(index, leaf_hash, kind, tuple(problems), signers, claimed, event=payload)
    if payload.key_id not in claimed:
        problems.append(("key-mismatch", KEY_MISMATCH(key=payload.key_id)))
    if files is not None and payload.attachments:
        problems += _check_attachments(payload, files)
    facts = StepFacts(payload.log_origin, payload.doc_id, payload.step_seq, payload.prev_step_hash,
                      payload.from_state, payload.to_state, (payload.definition_id, payload.definition_version),
                      payload.place, payload.title, payload.actor, payload.role, payload.transition, payload.key_id,
                      payload.observed.size, payload.observed.root, payload.at,
                      {**payload.fields, **payload.tallies} if payload.tallies else dict(payload.fields),
                      frozenset(payload.tallies), frozenset(a.slot for a in payload.attachments),
                      payload.definition_sha256)
    return Examined(index, leaf_hash, "step", tuple(problems), signers, claimed, facts)


_KINDS = {records.GENESIS_TYPE: "genesis", records.KEY_EVENT_TYPE: "key", records.DEFINITION_TYPE: "definition"}


def examine_chunk(chunk: Sequence[tuple[int, bytes]], scope: Scope,
                  files: Optional[Attachments]) -> list[tuple]:
    """Examined entries as plain tuples: pickle rebuilds a named tuple through a Python call, which across
    the pipe cost more than checking the entry's schema."""
    return [tuple(ex) if ex.step is None else (*ex[:6], tuple(ex.step), *ex[7:])
            for ex in examine_many(chunk, scope, files)]


def _named(plain: tuple) -> Examined:
    step = plain[6]
    return Examined._make((*plain[:6], None if step is None else StepFacts(*step), *plain[7:]))


@dataclass
class _Key:
    username: str
    registered: int
    revoked: Optional[int] = None
    reason: Optional[str] = None


@dataclass
class _Doc:
    last_seq: int
    last_index: int
    last_hash: str
    last_state: str
    definition: tuple[str, int]
    place: str
    title: str
    seen: dict[int, int]
    path: paths.Path


class Replay(ABC):
    """The checks that need the entries in index order, shared by the database and the bag verifier.

    Subclasses say how a signer's `observed` log head is confirmed: against the recomputed tree for a
    full log, against consistency proofs for a bag that holds only some entries.
    """

    def __init__(self, report: Report, *, scope: Scope, registry: Optional[Registry],
                 pinned_log_key: Optional[notes.NoteVerifier], details: bool) -> None:
        self.report = report
        self.scope = scope
        self.registry = registry
        self.pinned = pinned_log_key
        self.details = details
        self.genesis: Optional[records.Genesis] = None
        self.keys: dict[str, _Key] = {}
        self.active: dict[str, str] = {}
        self.docs: dict[int, _Doc] = {}
        self.statuses: list[RecordStatus] = []
        self.failed: set[int] = set()
        self.definitions = paths.Definitions(registry)
        self.people: dict[str, int] = {}

    @property
    def log_verifier(self) -> Optional[notes.NoteVerifier]:
        if self.pinned is not None:
            return self.pinned
        return self.genesis.log_verifier if self.genesis is not None else None

    def fail(self, index: Optional[int], code: str, message: str, step: Optional[StepFacts] = None) -> None:
        if index is not None:
            self.failed.add(index)
        self.report.failures.append(Failure(index, code, message, step.doc_id if step else None,
                                            step.step_seq if step else None))

    def feed(self, ex: Examined) -> None:
        if ex.kind == "step" and not ex.in_scope:
            return
        for code, message in ex.problems:
            self.fail(ex.index, code, message, ex.step)
        if ex.kind == "genesis":
            self._genesis(ex)
        elif ex.kind == "key":
            self._key_event(ex)
        elif ex.kind == "definition":
            self._definition_entry(ex)
        elif ex.kind == "step":
            self._step(ex)
        elif ex.kind == "other":
            assert ex.event is not None
            self.fail(ex.index, "unexpected-type", UNEXPECTED_TYPE(type=ex.event.payload_type))
        if self.details and ex.step is not None:
            step = ex.step
            self.statuses.append(RecordStatus(ex.index, step.doc_id, step.step_seq, step.actor, step.transition,
                                              step.key_id, definition=step.definition))

    @abstractmethod
    def check_observed(self, index: int, size: int, root: bytes, step: Optional[StepFacts]) -> None:
        """Whether the log the signer saw (size, root) is a prefix of this one: the full log and a bag
        prove it differently."""

    def finish(self) -> None:
        if self.scope.doc_id is not None and self.scope.doc_id not in self.docs:
            self.fail(None, "no-records", NO_RECORDS(doc=self.scope.doc_id))
        reasons: dict[Optional[int], list[str]] = {}
        for f in self.report.failures:
            reasons.setdefault(f.index, []).append(f.message)
        self.report.records = [replace(s, valid=s.index not in reasons, reasons=tuple(reasons.get(s.index, ())))
                               for s in self.statuses]

    def _registrar_signed(self, ex: Examined, registrar: str, what: str) -> bool:
        """A registrar signature that verified; a claimed one that did not is already a bad-signature."""
        if registrar in ex.signers:
            return True
        if registrar not in ex.claimed:
            self.fail(ex.index, "not-registrar", NOT_REGISTRAR(what=what))
        return False

    def _genesis(self, ex: Examined) -> None:
        genesis = ex.event
        assert isinstance(genesis, records.Genesis)
        if ex.index != 0 or self.genesis is not None:
            self.fail(ex.index, "genesis-misplaced", GENESIS_MISPLACED())
            return
        if not self._registrar_signed(ex, genesis.registrar_key_id, GENESIS_EVENT()):
            return
        if self.pinned is not None and genesis.log_verifier != self.pinned:
            self.fail(ex.index, "untrusted-log-key", UNTRUSTED_LOG_KEY(key=genesis.log_key))
        self.genesis = genesis
        self.report.origin, self.report.log_key = genesis.log_origin, genesis.log_key

    def _trusted_origin(self, index: int, origin: str, step: Optional[StepFacts] = None) -> bool:
        """Entries can only be judged once a valid genesis named the log; its absence is reported once."""
        if self.genesis is None:
            if "no-genesis" not in (f.code for f in self.report.failures):
                self.fail(0, "no-genesis", NO_GENESIS())
            return False
        if origin != self.genesis.log_origin:
            self.fail(index, "wrong-origin", WRONG_ORIGIN(origin=origin, log=self.genesis.log_origin), step)
            return False
        return True

    def _registrar_entry(self, ex: Examined, origin: str, observed: records.Observed, what: str) -> bool:
        """An entry only the registrar may sign (keys, definitions): in this log, where its signer saw it,
        and signed by the registrar the genesis named."""
        if not self._trusted_origin(ex.index, origin):
            return False
        assert self.genesis is not None
        self.check_observed(ex.index, observed.size, observed.root, None)
        return self._registrar_signed(ex, self.genesis.registrar_key_id, what)

    def _key_event(self, ex: Examined) -> None:
        event = ex.event
        assert isinstance(event, records.KeyEvent)
        if not self._registrar_entry(ex, event.log_origin, event.observed,
                                     KEY_EVENT(event=event.event, username=event.username)):
            return
        current = self.active.get(event.username)
        if event.event in ("register", "rotate") and event.key_id in self.keys:
            self.fail(ex.index, "key-reused",
                      KEY_REUSED(key=event.key_id, index=self.keys[event.key_id].registered))
        elif event.event == "register" and current is not None:
            self.fail(ex.index, "already-active", ALREADY_ACTIVE(username=event.username, key=current))
        elif event.event == "rotate" and current != event.previous_key_id:
            self.fail(ex.index, "rotate-mismatch", ROTATE_MISMATCH(key=event.previous_key_id, username=event.username))
        elif event.event == "revoke" and current != event.key_id:
            self.fail(ex.index, "revoke-mismatch", REVOKE_MISMATCH(key=event.key_id, username=event.username))
        else:
            self._apply(ex.index, event, current)

    def _apply(self, index: int, event: records.KeyEvent, current: Optional[str]) -> None:
        if current is not None and event.event in ("rotate", "revoke"):
            old = self.keys[current]
            old.revoked, old.reason = index, event.reason or "superseded"
            del self.active[event.username]
        if event.event in ("register", "rotate"):
            self.keys[event.key_id] = _Key(event.username, index)
            self.active[event.username] = event.key_id

    def _definition_entry(self, ex: Examined) -> None:
        record = ex.event
        assert isinstance(record, records.DefinitionRecord)
        if self._registrar_entry(ex, record.log_origin, record.observed,
                                 DEFINITION_ENTRY(workflow=record.definition_id, version=record.version)):
            self.definitions.add(ex.index, record)

    def _step(self, ex: Examined) -> None:
        step = ex.step
        assert step is not None
        self.report.checked += 1
        if not self._trusted_origin(ex.index, step.log_origin, step):
            return
        self.check_observed(ex.index, step.observed_size, step.observed_root, step)
        self._signer(ex.index, step)
        doc = self._chain(ex, step)
        if doc is not None:
            self._rules(ex.index, step, doc)

    def _rules(self, index: int, step: StepFacts, doc: _Doc) -> None:
        """The step held to its document's pinned definition (workflow.ledger.paths)."""
        actor = paths.SignedRole(self.people.setdefault(step.actor, len(self.people) + 1), step.role)
        for code, message in paths.check_step(
                doc.path, seq=step.step_seq, transition=step.transition, from_state=step.from_state,
                to_state=step.to_state, role=step.role, at=step.at, values=step.values, tallies=step.tallies,
                slots=step.slots, place=step.place, actor=actor, place_ids=frozenset()):
            self.fail(index, code, message, step)

    def _pin(self, index: int, step: StepFacts) -> paths.Path:
        """The rules a new document runs under: the definition its first record names, in the log."""
        if step.definition_sha256 is not None:
            pinned, problem = self.definitions.pinned(step.definition_sha256)
            if problem is not None:
                self.fail(index, *problem, step)
            elif pinned is not None and (pinned.workflow.id, pinned.workflow.version) != step.definition:
                self.fail(index, "definition-mismatch", DEFINITION_MISMATCH(
                    workflow=step.definition[0], version=step.definition[1], pinned=pinned.workflow.id,
                    pinned_version=pinned.workflow.version), step)
                pinned = None
            return paths.Path(pinned)
        pinned, note = self.definitions.unpinned(step.definition)
        self.report.notes.append(UNPINNED(doc=step.doc_id, index=index, how=note))
        return paths.Path(pinned)

    def _signer(self, index: int, step: StepFacts) -> None:
        key = self.keys.get(step.key_id)
        if key is None:
            self.fail(index, "unknown-key", UNKNOWN_KEY(key=step.key_id), step)
        elif key.username != step.actor:
            self.fail(index, "key-owner", KEY_OWNER(owner=key.username, actor=step.actor), step)
        elif key.revoked is not None:
            self.fail(index, "revoked-key",
                      REVOKED_KEY(username=key.username, index=key.revoked, reason=key.reason), step)

    def _chain(self, ex: Examined, step: StepFacts) -> Optional[_Doc]:
        """Check the document's sequence and hash chain; the document, if its rules can be replayed here."""
        doc = self.docs.get(step.doc_id)
        leaf_hash = ex.leaf_hash.hex()
        if doc is None:
            if step.step_seq != 0:
                self.fail(ex.index, "seq-gap", SEQ_GAP(doc=step.doc_id, span=_span(0, step.step_seq - 1)), step)
            path = self._pin(ex.index, step) if step.step_seq == 0 else paths.Path(None)
            doc = self.docs[step.doc_id] = _Doc(step.step_seq, ex.index, leaf_hash, step.to_state, step.definition,
                                                step.place, step.title, {step.step_seq: ex.index}, path)
            return doc
        if (step.definition, step.place, step.title) != (doc.definition, doc.place, doc.title):
            self.fail(ex.index, "doc-mismatch", DOC_MISMATCH(doc=step.doc_id), step)
        if step.step_seq in doc.seen:
            self.fail(ex.index, "replayed",
                      REPLAYED(doc=step.doc_id, seq=step.step_seq, index=doc.seen[step.step_seq]), step)
            return None
        doc.seen[step.step_seq] = ex.index
        if step.step_seq < doc.last_seq:
            self.fail(ex.index, "out-of-order",
                      OUT_OF_ORDER(doc=step.doc_id, seq=step.step_seq, last=doc.last_seq), step)
            return None
        if step.step_seq > doc.last_seq + 1:
            self.fail(ex.index, "seq-gap",
                      SEQ_GAP(doc=step.doc_id, span=_span(doc.last_seq + 1, step.step_seq - 1)), step)
            doc.path.pinned = None
        elif step.prev_step_hash != doc.last_hash and doc.last_index not in self.failed:
            self.fail(ex.index, "chain-break",
                      CHAIN_BREAK(index=doc.last_index, doc=step.doc_id, seq=doc.last_seq), step)
        elif step.from_state != doc.last_state and step.prev_step_hash == doc.last_hash:
            self.fail(ex.index, "state-break", STATE_BREAK(state=step.from_state, last=doc.last_state), step)
        doc.last_seq, doc.last_index, doc.last_hash, doc.last_state = step.step_seq, ex.index, leaf_hash, step.to_state
        return doc


class _Accumulator:
    """The compact range of the leaves so far, mutated in place.

    The same algorithm as merkle.frontier_append and frontier_root, without the immutable Frontier's
    validation on every append, which in the verifier's hot loop would cost more than the hashing.
    """

    def __init__(self) -> None:
        self.size = 0
        self.hashes: list[bytes] = []

    def append(self, leaf_hash: bytes) -> None:
        node, carry, hashes = leaf_hash, self.size, self.hashes
        while carry & 1:
            node = _sha256(b"\x01" + hashes.pop() + node).digest()
            carry >>= 1
        hashes.append(node)
        self.size += 1

    def root(self) -> bytes:
        hashes = self.hashes
        if not hashes:
            return merkle.EMPTY_ROOT
        root = hashes[-1]
        for position in range(len(hashes) - 2, -1, -1):
            root = _sha256(b"\x01" + hashes[position] + root).digest()
        return root


class _FullReplay(Replay):
    """Replay of a whole log: the tree is recomputed, so every signer's observed head is checked exactly."""

    def __init__(self, report: Report, *, capture: set[int], **kwargs: Any) -> None:
        super().__init__(report, **kwargs)
        self.tree = _Accumulator()
        self.capture = capture
        self.roots: dict[int, bytes] = {}
        self.matched: Optional[int] = None
        self.shift = 0
        self.diverged = False

    def feed(self, ex: Examined) -> None:
        position = self.tree.size
        if ex.index > position:
            self.fail(position, "missing", ENTRIES_MISSING(span=_span(position, ex.index - 1)))
        elif ex.index < position:
            self.fail(position, "missing", INDEX_REPEATED(index=ex.index))
        super().feed(ex)
        self.tree.append(ex.leaf_hash)
        if self.tree.size in self.capture:
            self.roots[self.tree.size] = self.tree.root()

    def check_observed(self, index: int, size: int, root: bytes, step: Optional[StepFacts]) -> None:
        """The signer saw a log of `size` entries with `root`; compare with the log as it stands.

        An entry signed for another position is reported once per shift, so deleting one entry names
        where it was and not every entry that moved up. A matching size with another root means an
        earlier entry changed; it is pinned between the last signer who saw the same log and this one,
        and reported only if nothing in that range has failed already.
        """
        if size != index:
            shift = size - index
            if shift != self.shift:
                self.shift = shift
                self.fail(index, "misplaced", MISPLACED_DELETED(size=size, index=index, shift=shift) if shift > 0
                          else MISPLACED_MOVED(size=size, index=index), step)
            return
        self.shift = 0
        if root == self.tree.root():
            self.matched = index
            return
        if self.diverged:
            return
        self.diverged = True
        since = 0 if self.matched is None else self.matched
        if any(since <= failed < index for failed in self.failed):
            return
        if since == index - 1:
            self.fail(since, "altered", ALTERED_ENTRY(index=index))
        else:
            self.fail(index, "altered", ALTERED_RANGE(first=since, last=index - 1), step)


def verify_log(entries: Iterable[tuple[int, bytes]], *, checkpoint: Optional[str],
               anchors: Sequence[tuple[str, bytes | str]] = (), files: Optional[Attachments] = None,
               registry: Optional[Registry] = None, scope: Scope = Scope(), log_key: Optional[str] = None,
               processes: int = 1, details: Optional[bool] = None) -> Report:
    """Verify a whole log given as (index, leaf) in index order, its latest checkpoint and the anchors.

    `anchors` are (name, checkpoint note) pairs held outside the server; `log_key` pins the verifier key
    instead of taking it from the genesis entry. `processes` > 1 checks entries in that many worker
    processes. Per-record statuses are kept when `details` (default: when one document is in scope).
    """
    report = Report(scope=scope.to_dict(), trust="pinned" if log_key else "genesis")
    pinned = pinned_log_key(log_key, report)
    head = _parse_note(checkpoint, "checkpoint", report) if checkpoint is not None else None
    parsed_anchors = [(name, _parse_note(note, name, report)) for name, note in anchors]
    capture = {parsed[1].size for parsed in [head, *(a for _, a in parsed_anchors)] if parsed is not None}
    replay = _FullReplay(report, capture=capture, scope=scope, registry=registry, pinned_log_key=pinned,
                         details=scope.doc_id is not None if details is None else details)
    for ex in _examined(entries, scope, files, processes):
        replay.feed(ex)
    replay.finish()
    size = report.size = replay.tree.size
    report.root = replay.tree.root().hex()
    verifier = replay.log_verifier
    if checkpoint is None and size:
        replay.fail(None, "no-checkpoint", NO_CHECKPOINT())
    if head is not None:
        _check_head(replay, head, verifier, size)
    for name, parsed in parsed_anchors:
        if parsed is not None:
            _check_anchor(replay, name, parsed, verifier, size)
    return report


def verify_database(db: Database, files: Attachments, *, anchors: Sequence[tuple[str, bytes | str]] = (),
                    registry: Optional[Registry] = None, scope: Scope = Scope(), log_key: Optional[str] = None,
                    processes: Optional[int] = None, details: Optional[bool] = None) -> Report:
    """Verify the log stored in `db` (log tables only) against the attachment files and anchors.

    processes=None uses every core once the log is long enough for worker start-up to pay off.
    """
    with db.read() as s:
        checkpoint = log.latest_checkpoint(s)
        count = s.scalar(select(func.count()).select_from(LogEntry)) or 0
    if processes is None:
        processes = (os.cpu_count() or 1) if count >= PARALLEL_THRESHOLD else 1
    with db.read() as s:
        return verify_log(log.entries(s), checkpoint=checkpoint, anchors=anchors, files=files,
                          registry=registry, scope=scope, log_key=log_key, processes=processes, details=details)


def pinned_log_key(log_key: Optional[str], report: Report) -> Optional[notes.NoteVerifier]:
    """The auditor's own copy of the log key, if given; a malformed one is a failure, not a crash."""
    if log_key is None:
        return None
    try:
        return notes.parse_verifier_key(log_key)
    except notes.CheckpointError as exc:
        report.failures.append(Failure(None, "bad-log-key", BAD_LOG_KEY(error=str(exc))))
        return None


def _examined(entries: Iterable[tuple[int, bytes]], scope: Scope, files: Optional[Attachments],
              processes: int) -> Iterator[Examined]:
    """Examined entries in index order; with several processes, a bounded window of chunks in flight
    keeps memory flat however long the log."""
    if processes <= 1:
        for chunk in _chunks(entries):
            yield from examine_many(chunk, scope, files)
        return
    with _worker_context().Pool(processes) as pool:
        pending: deque = deque()
        for chunk in _chunks(entries):
            pending.append(pool.apply_async(examine_chunk, (chunk, scope, files)))
            if len(pending) >= 4 * processes:
                yield from map(_named, pending.popleft().get())
        while pending:
            yield from map(_named, pending.popleft().get())


def _worker_context() -> Any:
    """Workers fork from a clean server process that has already imported this module: cheap to start
    even from a threaded web server, where forking the caller itself would be unsafe."""
    if "forkserver" not in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("spawn")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload([__name__])
    return context


def _chunks(entries: Iterable[tuple[int, bytes]]) -> Iterator[list[tuple[int, bytes]]]:
    chunk: list[tuple[int, bytes]] = []
    for item in entries:
        chunk.append(item)
        if len(chunk) == CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _parse_note(note: bytes | str, name: str,
                report: Report) -> Optional[tuple[notes.SignedNote, notes.Checkpoint]]:
    try:
        signed = notes.parse_note(note)
        return signed, notes.parse_checkpoint(signed.text)
    except notes.CheckpointError as exc:
        code = "bad-checkpoint" if name == "checkpoint" else "bad-anchor"
        report.failures.append(Failure(None, code, NOTE_INVALID(note=_note_name(name), error=str(exc))))
        return None


def _note_name(name: str) -> Message:
    return LATEST_CHECKPOINT() if name == "checkpoint" else ANCHOR_CHECKPOINT(name=name)


def _signed_by_log(replay: Replay, name: str, note: notes.SignedNote, checkpoint: notes.Checkpoint,
                   verifier: Optional[notes.NoteVerifier]) -> bool:
    code = "checkpoint" if name == "checkpoint" else "anchor"
    if verifier is None:
        replay.fail(None, f"{code}-signature", NOTE_NO_KEY(note=_note_name(name)))
        return False
    try:
        notes.verify_note(note, verifier)
    except notes.CheckpointError as exc:
        replay.fail(None, f"{code}-signature", NOTE_BAD_SIGNATURE(note=_note_name(name), error=str(exc)))
        return False
    if checkpoint.origin != verifier.name:
        replay.fail(None, f"{code}-origin", NOTE_ORIGIN(note=_note_name(name), origin=checkpoint.origin, log=verifier.name))
        return False
    return True


def _check_head(replay: _FullReplay, head: tuple[notes.SignedNote, notes.Checkpoint],
                verifier: Optional[notes.NoteVerifier], size: int) -> None:
    note, checkpoint = head
    replay.report.checkpoint_size = checkpoint.size
    if not _signed_by_log(replay, "checkpoint", note, checkpoint, verifier):
        return
    if checkpoint.size > size:
        replay.fail(size, "truncated", TRUNCATED(checkpoint=checkpoint.size, size=size,
                                                         span=_span(size, checkpoint.size - 1)))
        return
    if checkpoint.size < size:
        replay.fail(checkpoint.size, "uncovered",
                    UNCOVERED(span=_span(checkpoint.size, size - 1)))
    expected = replay.roots.get(checkpoint.size, merkle.EMPTY_ROOT if checkpoint.size == 0 else None)
    if expected != checkpoint.root:
        replay.fail(None, "checkpoint-root", CHECKPOINT_ROOT(size=checkpoint.size))


def _check_anchor(replay: _FullReplay, name: str, anchor: tuple[notes.SignedNote, notes.Checkpoint],
                  verifier: Optional[notes.NoteVerifier], size: int) -> None:
    note, checkpoint = anchor
    entry = {"name": name, "size": checkpoint.size, "root": checkpoint.root.hex(), "ok": False}
    replay.report.anchors.append(entry)
    if not _signed_by_log(replay, name, note, checkpoint, verifier):
        return
    if checkpoint.size > size:
        replay.fail(size, "anchor-truncated", ANCHOR_TRUNCATED(name=name, checkpoint=checkpoint.size, size=size,
                                                                  span=_span(size, checkpoint.size - 1)))
        return
    if checkpoint.size and replay.roots.get(checkpoint.size) != checkpoint.root:
        replay.fail(None, "anchor-fork",
                    ANCHOR_FORK(size=checkpoint.size, name=name))
        return
    entry["ok"] = True


def _check_attachments(step: records.StepRecord, files: Attachments) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for a in step.attachments:
        try:
            with open(files.path(a.sha256), "rb") as handle:
                data = handle.read(a.size + 1)
        except OSError:
            problems.append(("attachment-missing", ATTACHMENT_MISSING(name=a.name, digest=a.sha256[:12])))
            continue
        if len(data) != a.size or hashlib.sha256(data).hexdigest() != a.sha256:
            problems.append(("attachment-mismatch", ATTACHMENT_MISMATCH(name=a.name)))
    return problems


def _span(first: int, last: int) -> Message:
    return SPAN_ONE(first=first) if first == last else SPAN(first=first, last=last)
