"""The 回音壁's figures: 办结率, average days to answer and satisfaction, per village, township and county.

Counted over the public kinds of villagers' voice (the voice flowcharts that disclose anything: 诉求 and
异议); a 举报 is never public, not even as a count, since in a small village a count alone can point at
someone. Per document:
- received: it exists (a merged duplicate is not a second document, so it is not counted twice);
- closed (办结): it is in a final state of its flowchart, refusals with their stated reason included,
  as Lianyuan counts 回复处理 against 收集 (3,801 of 3,806, 99%);
- answered: it has reached a disclosing state (the answer is public from then on: `disclosed_at`), and
  days to answer run from its registration to that moment;
- rated: the villager's latest 评价 was 满意 (satisfied) or 不满意; an unrated answer counts in neither.
A township's and the county's figures are the sums of their villages', so an average is over documents,
not an average of villages' averages.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from workflow.engine.registry import Registry
from workflow.store.database import Database
from workflow.store.tables import Document, Place, Step

SATISFIED, UNSATISFIED = "rate_satisfied", "rate_unsatisfied"


@dataclass(frozen=True)
class Figures:
    place_id: int
    place: str
    kind: str
    parent_id: int | None
    received: int = 0
    closed: int = 0
    answered: int = 0
    answer_seconds: float = 0.0
    rated: int = 0
    satisfied: int = 0

    @property
    def closure_rate(self) -> float | None:
        """办结率 as a fraction, None when nothing was received."""
        return self.closed / self.received if self.received else None

    @property
    def average_days(self) -> float | None:
        return self.answer_seconds / 86400 / self.answered if self.answered else None

    @property
    def satisfaction(self) -> float | None:
        return self.satisfied / self.rated if self.rated else None

    def plus(self, other: Figures) -> Figures:
        """This place's figures with another's counts added (a document, or a village into its township)."""
        return Figures(self.place_id, self.place, self.kind, self.parent_id,
                       self.received + other.received, self.closed + other.closed,
                       self.answered + other.answered, self.answer_seconds + other.answer_seconds,
                       self.rated + other.rated, self.satisfied + other.satisfied)


def public_kinds(registry: Registry) -> list[str]:
    return [wf.id for wf in registry.voice_charts() if any(s.disclose for s in wf.states.values())]


def figures(db: Database, registry: Registry, workflows: Iterable[str] | None = None,
            since: datetime | None = None, until: datetime | None = None) -> list[Figures]:
    """Every village's figures, then every township's, then each county's, for documents registered in
    [since, until)."""
    kinds = list(workflows) if workflows is not None else public_kinds(registry)
    query = select(Document.id, Document.place_id, Document.workflow_id, Document.workflow_version,
                   Document.state, Document.created_at, Document.disclosed_at).where(Document.workflow_id.in_(kinds))
    if since is not None:
        query = query.where(Document.created_at >= since)
    if until is not None:
        query = query.where(Document.created_at < until)
    with db.read() as s:
        places = {p.id: p for p in s.scalars(select(Place))}
        rows = s.execute(query).all()
        ratings: dict[int, str] = {}
        for doc_id, transition in s.execute(
                select(Step.document_id, Step.transition).join(Document, Document.id == Step.document_id)
                .where(Document.workflow_id.in_(kinds), Step.transition.in_([SATISFIED, UNSATISFIED]))
                .order_by(Step.document_id, Step.seq)):
            ratings[doc_id] = transition
        by_place = {pid: Figures(pid, p.name, p.kind, p.parent_id) for pid, p in places.items()}
    for doc_id, place_id, wid, version, state, created, disclosed in rows:
        answered = disclosed is not None
        rating = ratings.get(doc_id)
        one = Figures(place_id, "", "", None, received=1,
                      closed=int(state in registry.get(wid, version).finals()), answered=int(answered),
                      answer_seconds=(disclosed - created).total_seconds() if disclosed is not None else 0.0,
                      rated=int(rating is not None), satisfied=int(rating == SATISFIED))
        by_place[place_id] = by_place[place_id].plus(one)
    for kind in ("village", "township"):
        for f in [f for f in by_place.values() if f.kind == kind]:
            if f.parent_id in by_place:
                by_place[f.parent_id] = by_place[f.parent_id].plus(f)
    order = {"village": 0, "township": 1, "county": 2}
    return sorted(by_place.values(), key=lambda f: (order[f.kind], f.parent_id or 0, f.place_id))
