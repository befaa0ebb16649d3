"""The worklist (待办): documents waiting for a person's roles in the places they hold them.

Computed by a query, never materialised: for each role a person holds, the (flowchart, version, state)
triples in which that role can take a forward, return or reject step, within the villages under the
place where the role is held. Withdrawals and objections are never "waiting", so they are left out, and
so is a document the person is recused from (the 举报 that names them).
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import ColumnElement, case, exists, func, or_, select, tuple_, update
from sqlalchemy.orm import Session

from workflow.engine import deadlines
from workflow.engine.calendar import CalendarError
from workflow.engine.registry import Registry
from workflow.people import places
from workflow.people.directory import find_user
from workflow.store.database import Database
from workflow.store.tables import Document, Recusal

WAITING_KINDS = frozenset({"forward", "return", "reject"})
DUE_SOON = timedelta(days=2)
PER_PAGE = 50
Held = tuple[str, set[int], set[tuple[str, int, str]]]


@dataclass(frozen=True)
class Task:
    doc_id: int
    title: str
    code: str
    workflow_title: str
    state_title: str
    place: str
    due_at: Optional[datetime]
    colour: str
    roles: tuple[str, ...]


def states_by_role(registry: Registry) -> dict[str, list[tuple[str, int, str]]]:
    """For each role, the states (of every loaded version) in which it has a step waiting."""
    out: dict[str, set[tuple[str, int, str]]] = {}
    for wf in registry.workflows.values():
        for action in wf.transitions.values():
            if action.kind not in WAITING_KINDS:
                continue
            for state in action.sources:
                allowed = wf.states[state].step
                for role in action.roles:
                    if allowed is None or role in allowed:
                        out.setdefault(role, set()).add((wf.id, wf.version, state))
    return {role: sorted(states) for role, states in out.items()}


def colour(due_at: Optional[datetime], now: datetime) -> str:
    """Red when overdue, yellow when due within two days, otherwise green."""
    if due_at is None or due_at - now > DUE_SOON:
        return "green"
    return "red" if due_at < now else "yellow"


def _waiting(s: Session, registry: Registry, username: str) -> tuple[Optional[ColumnElement[bool]], list[Held]]:
    """The condition a waiting document meets, and where the person holds each role that has steps."""
    waiting = states_by_role(registry)
    user = find_user(s, username)
    clauses, held = [], []
    for a in user.assignments:
        states = waiting.get(a.role)
        if not states:
            continue
        villages = places.villages_under(s, a.place)
        held.append((a.role, set(villages), set(states)))
        clauses.append(tuple_(Document.workflow_id, Document.workflow_version, Document.state).in_(states)
                       & Document.place_id.in_(villages))
    if not clauses:
        return None, held
    recused = exists().where(Recusal.document_id == Document.id, Recusal.user_id == user.id)
    return or_(*clauses) & ~recused, held


def for_user(db: Database, registry: Registry, username: str, now: datetime, page: int = 1,
             per_page: int = PER_PAGE) -> list[Task]:
    """One page of what waits for this person, most urgent first (overdue, then by time limit, then none)."""
    with db.read() as s:
        condition, held = _waiting(s, registry, username)
        if condition is None:
            return []
        query = (select(Document).where(condition)
                 .order_by(Document.due_at.is_(None), Document.due_at, Document.id)
                 .offset((max(page, 1) - 1) * per_page).limit(per_page))
        tasks = []
        for doc in s.scalars(query):
            wf = registry.get(doc.workflow_id, doc.workflow_version)
            key = (doc.workflow_id, doc.workflow_version, doc.state)
            roles = tuple(sorted({r for r, villages, states in held if doc.place_id in villages and key in states}))
            tasks.append(Task(doc_id=doc.id, title=doc.title, code=wf.chart.code, workflow_title=wf.title,
                              state_title=wf.states[doc.state].title, place=doc.place.path(), due_at=doc.due_at,
                              colour=colour(doc.due_at, now), roles=roles))
        return tasks


def counts(db: Database, registry: Registry, username: str, now: datetime) -> dict[str, int]:
    """How many wait for this person by colour, over the whole list and not only the page shown."""
    with db.read() as s:
        condition, _held = _waiting(s, registry, username)
        if condition is None:
            return {"red": 0, "yellow": 0, "green": 0, "total": 0}
        red = Document.due_at < now
        yellow = Document.due_at.between(now, now + DUE_SOON)
        row = s.execute(select(func.count(), func.count(case((red, 1))), func.count(case((yellow, 1))))
                        .where(condition)).one()
    total, overdue, soon = row
    return {"red": overdue, "yellow": soon, "green": total - overdue - soon, "total": total}


def refresh_due(db: Database, registry: Registry) -> int:
    """Recompute every pending time limit from when its state was entered, so that limits stored by an
    older rule (before periods followed 民法典 Arts. 201 and 203) or under an amended holiday calendar read
    as the law counts them. A limit the calendar cannot reach yet keeps its stored value. Safe to run again;
    returns the documents changed."""
    changed = 0
    calendar = registry.support.calendar
    with db.write() as s:
        rows = s.execute(select(Document.id, Document.workflow_id, Document.workflow_version, Document.state,
                                Document.state_entered_at, Document.due_at)
                         .where(Document.due_at.is_not(None))).all()
        for doc_id, workflow_id, version, state, entered, stored in rows:
            wf = registry.workflows.get((workflow_id, version))
            spec = wf.states.get(state) if wf is not None else None
            if spec is None or entered is None:
                continue
            try:
                due = deadlines.due(entered, spec.deadline, calendar)
            except CalendarError:
                continue
            if due != stored:
                s.execute(update(Document).where(Document.id == doc_id).values(due_at=due)
                          .execution_options(synchronize_session=False))
                changed += 1
    return changed
