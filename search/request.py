"""A clerk's criteria made into what every engine executes: the parsed words, the filters as index
terms, the permission tokens, the order and the page. One copy of what each criterion means.

Filters are exact terms on untokenized fields: a clause lists (field, value) alternatives of
which a record must hold one (the flowchart is asked for by id or by code, so that clause has two).
Dates are the record's life, ``date`` to ``date_end``, overlapping the local days asked for;
amounts are cents.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from search.analysis import fold
from search.criteria import Criteria, Sort
from search.permissions import step_tokens
from search.query import Parsed, QueryError, parse

__all__ = ["MAX_PAGE_SIZE", "Clause", "Request", "plan"]

MAX_PAGE_SIZE = 100
Clause = tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Request:
    """One page of a search, engine-neutral. ``words`` is None when the clerk typed none."""

    words: Parsed | None
    filters: tuple[Clause, ...]
    allowed: tuple[str, ...]
    amount: tuple[int | None, int | None] | None
    life: tuple[datetime | None, datetime | None] | None
    sort: Sort
    page: int
    page_size: int
    facets: bool

    @property
    def ranked(self) -> bool:
        """Ordered by score: relevance was asked for and there are words to score."""
        return self.sort == "relevance" and self.words is not None

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.page_size


def _filters(criteria: Criteria) -> tuple[Clause, ...]:
    clauses: list[Clause] = []
    if criteria.place:
        clauses.append((("places", criteria.place.strip("/")),))
    if criteria.definition:
        clauses.append((("workflow", criteria.definition), ("code", criteria.definition.upper())))
    for fieldname, value in (("state", criteria.state), ("items", criteria.item and criteria.item.upper()),
                             ("categories", criteria.category), ("actors", criteria.actor),
                             ("persons", criteria.person and fold(criteria.person.strip()))):
        if value:
            clauses.append(((fieldname, value),))
    return tuple(clauses)


def plan(criteria: Criteria, principals: Sequence[str], page: int = 1, page_size: int = 20,
         facets: bool = True) -> Request:
    """The request for one page; :class:`QueryError` for words or a page to correct."""
    if page < 1:
        raise QueryError(f"页码须为正整数，而不是 {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise QueryError(f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间")
    words = parse(criteria.query) if criteria.query.strip() else None
    amount = None
    if criteria.amount_min is not None or criteria.amount_max is not None:
        amount = (None if criteria.amount_min is None else int(criteria.amount_min * 100),
                  None if criteria.amount_max is None else int(criteria.amount_max * 100))
    life = None
    if criteria.date_from or criteria.date_to:
        life = (datetime.combine(criteria.date_from, time.min) if criteria.date_from else None,
                datetime.combine(criteria.date_to, time.max) if criteria.date_to else None)
    allowed = step_tokens(principals) if criteria.kind == "step" else list(principals)
    return Request(words, _filters(criteria), tuple(allowed), amount, life, criteria.sort, page, page_size, facets)
