"""Definition versions in the signed log: installing one appends its content, signed by the registrar.

A document's first record names the hash of the content it runs under, and every later step follows it:
the service runs the document on that content (read back from the log when the definitions directory has
since changed it under the same version number), and the verifier replays the document against it with
nothing but the log. Installing is idempotent by hash: the same content is logged once, however often
`cunwu init` runs or documents start.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Optional

from sqlalchemy.orm import Session

from workflow.engine import content as definition_content
from workflow.engine.calendar import Calendar
from workflow.engine.flowchart import Workflow
from workflow.engine.machine import Engine
from workflow.engine.registry import Registry
from workflow.errors import CunwuError, DefinitionError, Problem
from workflow.ledger import log, records
from workflow.ledger.keyring import Keyring
from workflow.store.database import Database, utcnow
from workflow.store.tables import DefinitionEntry


@dataclass(frozen=True)
class Pinned:
    """A definition version as a document runs on it: its hash, the compiled flowchart and its machine."""

    sha256: str
    workflow: Workflow
    engine: Engine


def pin(wf: Workflow) -> tuple[dict, str]:
    """The content that pins `wf` and its hash; a definition that cannot be signed says which and why."""
    content = definition_content.content(wf)
    try:
        return content, records.content_sha256(content)
    except records.RecordError as exc:
        raise CunwuError(f"流程 {wf.id} 第 {wf.version} 版无法记入签名日志：{exc}") from None


def install(session: Session, keyring: Keyring, wf: Workflow, now: Optional[datetime] = None) -> str:
    """Make sure the log holds `wf`'s content; returns its hash. Runs in the caller's transaction.

    The log head is locked before looking, so two processes installing the same content at once append
    it once: the second sees the first's row when the lock is released to it.
    """
    content, sha256 = pin(wf)
    head = log.head(session, lock=True)
    if session.get(DefinitionEntry, sha256) is not None:
        return sha256
    record = records.DefinitionRecord(log_origin=keyring.log.origin, definition_id=wf.id, version=wf.version,
                                      sha256=sha256, content=content, at=records.utc_timestamp(now or utcnow()),
                                      observed=head.observed)
    appended = log.append(session, keyring.log, records.sign(record, [keyring.registrar]).encode(), head)
    session.add(DefinitionEntry(sha256=sha256, workflow_id=wf.id, version=wf.version, log_index=appended.index))
    session.flush()
    return sha256


def install_all(db: Database, keyring: Keyring, registry: Registry) -> list[str]:
    """Install every loaded definition version (cunwu init, and the upgrade that brings this in)."""
    with db.write() as s:
        return [install(s, keyring, wf) for wf in sorted(registry.workflows.values(), key=lambda w: (w.id, w.version))]


def read(session: Session, sha256: str, calendar: Calendar) -> Pinned:
    """The definition a document pinned, compiled from its log entry."""
    entry = session.get(DefinitionEntry, sha256)
    if entry is None:
        raise CunwuError(f"签名日志中没有哈希为 {sha256[:12]}… 的流程定义（请运行 cunwu verify）")
    try:
        record = records.open_envelope(log.leaf(session, entry.log_index)).decode()
    except (LookupError, records.RecordError) as exc:
        raise CunwuError(f"签名日志第 {entry.log_index} 条流程定义无法读取：{exc}（请运行 cunwu verify）") from None
    if not isinstance(record, records.DefinitionRecord) or record.sha256 != sha256:
        raise CunwuError(f"签名日志第 {entry.log_index} 条不是哈希为 {sha256[:12]}… 的流程定义（请运行 cunwu verify）")
    return compile_record(record, f"签名日志第 {entry.log_index} 条", calendar)


def compile_record(record: records.DefinitionRecord, where: str, calendar: Calendar) -> Pinned:
    """A logged definition compiled by the registry's own compiler; raises DefinitionError."""
    wf = definition_content.rebuild(record.content, where, calendar)
    if (wf.id, wf.version) != (record.definition_id, record.version):
        claimed = f"{record.definition_id} 第 {record.version} 版"
        message = f"内容是流程 {wf.id} 第 {wf.version} 版，记录却写明是 {claimed}"
        raise DefinitionError([Problem(where, 0, "schema", message)])
    return Pinned(record.sha256, wf, Engine([wf]))
