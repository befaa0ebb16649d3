"""What the public may see (村务公开): a document once it has reached a state that discloses, and of it
only the fields those states name, ID-card and phone numbers masked, attachments only where a state
says so.

A notice once posted stays public, so every disclosing state a document has passed through counts,
not only the current one (the same rule as the search index's public records). The title a cadre
typed is not disclosed, because titles such as 李四无犯罪记录证明 name people; the public title is
the flowchart's title and the village.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Optional, cast

from sqlalchemy import ColumnElement, CursorResult, and_, exists, func, or_, select, update

from workflow.documents.views import DocumentView
from workflow.engine.fields import mask
from workflow.engine.flowchart import Workflow
from workflow.engine.registry import Registry
from workflow.store.database import Database
from workflow.store.tables import Document, Step

BOARDS = ("works", "results", "assets")


@dataclass(frozen=True)
class Stage:
    title: str
    state_title: str
    at: datetime


@dataclass(frozen=True)
class PublicAttachment:
    seq: int
    index: int
    filename: str
    size: int
    media_type: str
    sha256: str


@dataclass(frozen=True)
class PublicDocument:
    id: int
    workflow: str
    workflow_version: int
    code: str
    workflow_title: str
    board: str
    title: str
    village: str
    place: str
    state_title: str
    final: bool
    values: dict[str, Any]
    stages: tuple[Stage, ...]
    attachments: tuple[PublicAttachment, ...]
    updated_at: datetime


def disclosed(wf: Workflow, visited: Iterable[str]) -> Optional[tuple[frozenset[str], bool]]:
    """The disclosed field names and whether attachments are public, or None while nothing is."""
    found = [d for d in (wf.states[s].disclose for s in visited if s in wf.states) if d is not None]
    if not found:
        return None
    return frozenset(n for d in found for n in d.fields), any(d.attachments for d in found)


def masked_values(wf: Workflow, data: Mapping[str, Any], names: frozenset[str]) -> dict[str, Any]:
    out = {}
    for name, value in data.items():
        if name in names:
            spec = wf.field_spec(name)
            out[name] = mask(spec.type, value) if spec else value
    return out


def public_document(view: DocumentView, wf: Workflow) -> Optional[PublicDocument]:
    """The public form of a document as `Service.show` gives it, or None if it is not public."""
    found = disclosed(wf, [h.to_state for h in view.history])
    if found is None:
        return None
    names, with_files = found
    village = view.place.rsplit("/", 1)[-1]
    stages = tuple(Stage(h.title, wf.states[h.to_state].title, h.at) for h in view.history)
    files = tuple(PublicAttachment(h.seq, i, a.filename, a.size, a.media_type, a.sha256)
                  for h in view.history for i, a in enumerate(h.attachments)) if with_files else ()
    return PublicDocument(
        id=view.id, workflow=wf.id, workflow_version=wf.version, code=wf.chart.code, workflow_title=wf.title,
        board=wf.chart.board, title=f"{wf.title}（{village}）", village=village, place=view.place,
        state_title=view.state_title, final=view.final, values=masked_values(wf, view.data, names),
        stages=stages, attachments=files, updated_at=view.updated_at)


@dataclass(frozen=True)
class PublicSummary:
    id: int
    code: str
    workflow_title: str
    title: str
    village: str
    state_title: str
    updated_at: str
    values: dict[str, Any]
    workflow: str
    workflow_version: int


def _on_board(registry: Registry, board: str) -> Optional[ColumnElement[bool]]:
    """Which documents a board lists, by definition: a flowchart whose every version is on the board is
    matched by id alone, which lets the database count from its index; None if nothing on it discloses."""
    on = [wf for wf in registry.workflows.values()
          if wf.chart.board == board and any(s.disclose for s in wf.states.values())]
    whole = sorted({wf.id for wf in on} - {wf.id for wf in registry.workflows.values() if wf.chart.board != board})
    clauses: list[ColumnElement[bool]] = [Document.workflow_id.in_(whole)] if whole else []
    clauses += [and_(Document.workflow_id == wf.id, Document.workflow_version == wf.version)
                for wf in on if wf.id not in whole]
    return or_(*clauses) if clauses else None


def public_page(db: Database, registry: Registry, board: str, village_id: Optional[int] = None,
                page: int = 1, per_page: int = 20) -> tuple[list[PublicSummary], int]:
    """One page of a board's public documents, most recently changed first, and how many there are in all."""
    on_board = _on_board(registry, board)
    if on_board is None:
        return [], 0
    query = select(Document).where(on_board, Document.disclosed_at.is_not(None))
    if village_id is not None:
        query = query.where(Document.place_id == village_id)
    with db.read() as s:
        total = s.scalar(select(func.count()).select_from(query.with_only_columns(Document.id).subquery())) or 0
        docs = s.scalars(query.order_by(Document.updated_at.desc(), Document.id.desc())
                         .offset((page - 1) * per_page).limit(per_page)).all()
        visited: dict[int, set[str]] = {}
        for doc_id, state in s.execute(select(Step.document_id, Step.to_state)
                                       .where(Step.document_id.in_([d.id for d in docs]))):
            visited.setdefault(doc_id, set()).add(state)
        rows = []
        for doc in docs:
            wf = registry.get(doc.workflow_id, doc.workflow_version)
            names, _files = disclosed(wf, visited.get(doc.id, ())) or (frozenset(), False)
            rows.append(PublicSummary(
                id=doc.id, code=wf.chart.code, workflow_title=wf.title, title=f"{wf.title}（{doc.place.name}）",
                village=doc.place.path(), state_title=wf.states[doc.state].title,
                updated_at=doc.updated_at.isoformat(), values=masked_values(wf, doc.data, names),
                workflow=wf.id, workflow_version=wf.version))
        return rows, total


def backfill(db: Database, registry: Registry) -> int:
    """Set ``disclosed_at`` on documents that reached a disclosing state before the column existed (or
    were written without the service); safe to run again. Returns the documents it set."""
    done = 0
    with db.write() as s:
        for wf in registry.workflows.values():
            states = [name for name, state in wf.states.items() if state.disclose]
            if not states:
                continue
            first = (select(func.min(Step.at)).where(Step.document_id == Document.id, Step.to_state.in_(states))
                     .scalar_subquery())
            done += cast(CursorResult[Any], s.execute(
                update(Document)
                .where(Document.workflow_id == wf.id, Document.workflow_version == wf.version,
                       Document.disclosed_at.is_(None),
                       exists().where(Step.document_id == Document.id, Step.to_state.in_(states)))
                .values(disclosed_at=first)
                .execution_options(synchronize_session=False))).rowcount
    return done
