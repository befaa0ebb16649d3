"""Run a clerk's criteria against the index: one page of hits with snippets, facet counts, totals.

The filters a clerk may set are put into one ``And`` with the words, including the permission
filter, rather than passed as Whoosh's ``filter=``: the selective part then drives the
intersection, which was about twice as fast in the benchmark (search anchors §3.1). Filter
terms carry boost 0 so they do not move the ranking. Dates are the exception, checked from
columns as each match is collected (see :class:`_LifeOverlap`).

Facets are village, power-list item, state and year. Whoosh can only count multi-valued fields
by inverting postings on every query, so the item counts are derived from the flowchart counts
(a column read): every record of a flowchart counts once under each item that flowchart serves,
which is how the power list itself reads (F01 serves all ten 重大决策类 items).

Every match is visited once, to count it and its facets exactly; that visit, in pure Python,
is what a page costs on a common term (see bench/bench_search.py).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime, time
from html import escape
from typing import Any

from whoosh import collectors, sorting
from whoosh.query import And, NumericRange, Or, Query, Term
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from search.analysis import fold
from search.columns import CodedColumn, ColumnCache
from search.criteria import Criteria
from search.index import ArchiveIndex
from search.permissions import step_tokens
from search.query import QueryError, parse_query
from search.snippets import Pattern, highlight, query_patterns

__all__ = ["FACETS", "FacetValue", "Hit", "Page", "build_query", "search", "warm"]

FACETS = ("village", "item", "state", "year")
MAX_PAGE_SIZE = 100
FACET_FIELDS = ("village", "workflow", "state_title", "year")
DATE_FIELDS = ("date", "date_end")
_SNIPPET_FALLBACK_CHARS = 120


@dataclass(frozen=True)
class Hit:
    """One result. ``title_html`` and ``snippet_html`` are escaped HTML with ``<mark>`` around
    the matches; every other text is plain."""

    uid: str
    kind: str
    doc_id: int
    seq: int | None
    title: str
    title_html: str
    snippet_html: str
    place: str
    workflow: str
    workflow_title: str
    code: str
    state_title: str
    date: str
    step_title: str | None
    actor_name: str | None
    score: float | None


@dataclass(frozen=True)
class FacetValue:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class Page:
    hits: list[Hit]
    total: int
    page: int
    page_size: int
    pages: int
    facets: dict[str, list[FacetValue]] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, for ``cunwu search --json`` and the web layer."""
        return asdict(self)


def _day_start(day: Any) -> datetime:
    return datetime.combine(day, time.min)


def _day_end(day: Any) -> datetime:
    return datetime.combine(day, time.max)


def _term(fieldname: str, text: str) -> Term:
    """A filter term: boost 0, so terms that nearly every record has do not move the ranking."""
    return Term(fieldname, text, boost=0.0)


def _filters(criteria: Criteria) -> list[Query]:
    clauses: list[Query] = []
    if criteria.place:
        clauses.append(_term("places", criteria.place.strip("/")))
    if criteria.definition:
        clauses.append(Or([_term("workflow", criteria.definition), _term("code", criteria.definition.upper())]))
    if criteria.state:
        clauses.append(_term("state", criteria.state))
    if criteria.item:
        clauses.append(_term("items", criteria.item.upper()))
    if criteria.category:
        clauses.append(_term("categories", criteria.category))
    if criteria.person:
        clauses.append(_term("persons", fold(criteria.person.strip())))
    if criteria.actor:
        clauses.append(_term("actors", criteria.actor))
    if criteria.amount_min is not None or criteria.amount_max is not None:
        low = None if criteria.amount_min is None else int(criteria.amount_min * 100)
        high = None if criteria.amount_max is None else int(criteria.amount_max * 100)
        clauses.append(NumericRange("amount_cents", low, high))
    return clauses


def build_query(criteria: Criteria, principals: Sequence[str]) -> tuple[Query, Query | None]:
    """The whole Whoosh query, and its word part (None when the clerk typed no words).

    Filters are not wrapped in ``ConstantScoreQuery``, although they only filter: Whoosh
    builds that matcher by listing every document the filter matches, on every query, which
    for the permission filter is the whole archive (185 ms for a nine-hit name in 100,000
    records).
    """
    words = parse_query(criteria.query, ["body"], rank_field="title_rank") if criteria.query.strip() else None
    tokens = step_tokens(principals) if criteria.kind == "step" else principals
    filters = _filters(criteria) + [Or([_term("allowed", token) for token in tokens])]
    return And(([words] if words is not None else []) + filters), words


def _item_facet(index: ArchiveIndex, searcher: Searcher, workflows: Counter[str]) -> list[FacetValue]:
    counts: Counter[str] = Counter()
    labels: dict[str, str] = {}
    for workflow, count in workflows.items():
        stored = index.workflow_items(searcher, workflow)
        for code, title in stored:
            counts[code] += count
            labels[code] = title
    return _ordered(counts, labels)


def _ordered(counts: Counter[str], labels: dict[str, str]) -> list[FacetValue]:
    return [
        FacetValue(key, labels.get(key, key), count)
        for key, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]


def _facets(index: ArchiveIndex, searcher: Searcher, counts: dict[str, Counter[str]]) -> dict[str, list[FacetValue]]:
    return {
        "village": _ordered(counts["village"], {k: k.rsplit("/", 1)[-1] for k in counts["village"]}),
        "item": _item_facet(index, searcher, counts["workflow"]),
        "state": _ordered(counts["state_title"], {}),
        "year": sorted(_ordered(counts["year"], {}), key=lambda value: value.key, reverse=True),
    }


def _hit(stored: dict[str, Any], score: float | None, patterns: list[Pattern]) -> Hit:
    title = stored["title"]
    body = stored.get("body", "")
    if body.startswith(title + "\n"):
        body = body[len(title) + 1 :]
    fallback = escape(body[:_SNIPPET_FALLBACK_CHARS]).replace("\n", " ")
    if len(body) > _SNIPPET_FALLBACK_CHARS:
        fallback += "…"
    return Hit(
        uid=stored["uid"],
        kind=stored["kind"],
        doc_id=int(stored["doc_id"]),
        seq=stored.get("seq"),
        title=title,
        title_html=highlight(title, patterns, top=1, maxchars=len(title) + 1, surround=len(title)) or escape(title),
        snippet_html=highlight(body, patterns, top=2) or fallback,
        place=stored["place"],
        workflow=stored["workflow"],
        workflow_title=stored["workflow_title"],
        code=stored["code"],
        state_title=stored["state_title"],
        date=stored["date"].date().isoformat(),
        step_title=stored.get("step_title"),
        actor_name=stored.get("actor_name"),
        score=score,
    )


class _LifeOverlap(collectors.WrappingCollector):
    """Keeps the records whose life, ``date`` to ``date_end``, overlaps the days asked for.

    The dates are read from columns for each match instead of being range queries: a range
    such as "before 2022" matches most of the archive, and intersecting it with the words cost
    more than the words themselves (100 ms for 7 hits in 3,000 records), while a column read
    costs the same whatever the range.
    """

    def __init__(self, child: collectors.Collector, columns: ColumnCache, low: int | None, high: int | None) -> None:
        super().__init__(child)
        self._columns = columns
        self._low = low
        self._high = high

    def set_subsearcher(self, subsearcher: Searcher, offset: int) -> None:
        super().set_subsearcher(subsearcher, offset)
        reader = subsearcher.reader()
        self._starts, self._ends = (self._columns.numbers(reader, name) for name in DATE_FIELDS)

    def collect_matches(self) -> None:
        child, starts, ends, low, high = self.child, self._starts, self._ends, self._low, self._high
        for sub_docnum in child.matches():
            if (high is None or starts[sub_docnum] <= high) and (low is None or ends[sub_docnum] >= low):
                child.collect(sub_docnum)


class _FacetCounts(collectors.WrappingCollector):
    """Counts the collected records by village, flowchart, state and year, from cached columns.

    Whoosh's ``FacetCollector`` opens the column readers on every query and decodes a value per
    match (see :mod:`search.columns`); here a match costs one list index per facet.
    """

    def __init__(self, child: collectors.Collector, columns: ColumnCache) -> None:
        super().__init__(child)
        self._columns = columns
        self.counts: dict[str, Counter[str]] = {name: Counter() for name in FACET_FIELDS}
        self._segment: list[tuple[str, CodedColumn, list[int]]] = []

    def _flush(self) -> None:
        for name, column, counts in self._segment:
            for code, count in enumerate(counts):
                if count:
                    self.counts[name][column.names[code]] += count
        self._segment = []

    def set_subsearcher(self, subsearcher: Searcher, offset: int) -> None:
        super().set_subsearcher(subsearcher, offset)
        self._flush()
        reader = subsearcher.reader()
        for name in FACET_FIELDS:
            column = self._columns.coded(reader, name)
            self._segment.append((name, column, [0] * len(column.names)))

    def collect(self, sub_docnum: int) -> Any:
        for _, column, counts in self._segment:
            counts[column.codes[sub_docnum]] += 1
        return self.child.collect(sub_docnum)

    def finish(self) -> None:
        self._flush()
        super().finish()


def _collector(
    criteria: Criteria, ranked: bool, limit: int, columns: ColumnCache, facets: bool,
) -> tuple[collectors.Collector, _FacetCounts | None]:
    """Top-N by score or date, counting every match, with facets and the date filter around it.

    Whoosh's own ``search(groupedby=...)`` switches to a collector that keeps and sorts every
    match; a heap of the first page is enough. Block skipping and matcher replacement are off:
    both drop matches that cannot reach the first page, which would make the total and the
    facet counts wrong.
    """
    if ranked:
        collector: collectors.Collector = collectors.TopCollector(limit, usequality=False, replace=0)
    else:
        collector = collectors.SortingCollector(
            sorting.FieldFacet("date", reverse=criteria.sort != "date_asc"), limit=limit)
    counter = _FacetCounts(collector, columns) if facets else None
    if counter is not None:
        collector = counter
    if criteria.date_from or criteria.date_to:
        low = datetime_to_long(_day_start(criteria.date_from)) if criteria.date_from else None
        high = datetime_to_long(_day_end(criteria.date_to)) if criteria.date_to else None
        collector = _LifeOverlap(collector, columns, low, high)
    return collector, counter


def warm(index: ArchiveIndex) -> None:
    """Open the searcher and read every segment's facet and date columns, so that the first search
    after a start or a merge does not pay for them (seconds at 100,000 documents)."""
    searcher = index.searcher()
    for reader, _offset in searcher.reader().leaf_readers():
        for name in FACET_FIELDS:
            index.columns.coded(reader, name)
        for name in DATE_FIELDS:
            index.columns.numbers(reader, name)


def search(
    index: ArchiveIndex,
    criteria: Criteria,
    principals: Sequence[str],
    page: int = 1,
    page_size: int = 20,
    facets: bool = True,
) -> Page:
    """One page of what ``principals`` may see that matches ``criteria``.

    Raises :class:`search.query.QueryError` with a message for the clerk when the words or the
    page cannot be searched. Without principals nothing is visible, and the page is empty.
    """
    if page < 1:
        raise QueryError(f"页码须为正整数，而不是 {page}")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise QueryError(f"每页条数须在 1 到 {MAX_PAGE_SIZE} 之间")
    query, words = build_query(criteria, principals)
    if not principals:
        return Page([], 0, page, page_size, 0, {name: [] for name in FACETS} if facets else {})
    searcher = index.searcher()
    ranked = criteria.sort == "relevance" and words is not None
    collector, counter = _collector(criteria, ranked, page * page_size, index.columns, facets)
    searcher.search_with_collector(query, collector)
    results = collector.results()
    facet_counts = _facets(index, searcher, counter.counts) if counter is not None else {}
    total = len(results)
    patterns = query_patterns(words, "body") if words is not None else []
    start = (page - 1) * page_size
    hits = [
        _hit(dict(results[i].fields()), results.score(i) if ranked else None, patterns)
        for i in range(start, min(start + page_size, results.scored_length()))
    ]
    return Page(hits, total, page, page_size, math.ceil(total / page_size), facet_counts)
