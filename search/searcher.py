"""Whoosh runs a :class:`search.request.Request`: one page of hits, facet counts, exact total.

The filters, including the permission filter, are put into one ``And`` with the words rather
than passed as Whoosh's ``filter=``: the selective part then drives the intersection, which was
about twice as fast in the benchmark (search anchors §3.1). Filter terms carry boost 0 so they
do not move the ranking. Dates are the exception, checked from columns as each match is
collected (see :class:`_LifeOverlap`).

Whoosh can only count multi-valued fields by inverting postings on every query, so the item
counts are derived from the flowchart counts (a column read), see :mod:`search.page`.

Every match is visited once, to count it and its facets exactly; that visit, in pure Python,
is what a page costs on a common term (see bench/bench_search.py).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from whoosh import collectors, sorting
from whoosh.query import And, NumericRange, Or, Query, Term
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long

from search.columns import CodedColumn, ColumnCache
from search.criteria import Criteria
from search.index import ArchiveIndex
from search.page import FacetCounts, Page, empty_page, make_page
from search.query import whoosh_query
from search.request import Request, plan
from search.snippets import word_patterns

__all__ = ["DATE_FIELDS", "FACET_FIELDS", "build_query", "run", "search", "warm"]

FACET_FIELDS = ("village", "workflow", "state_title", "year")
DATE_FIELDS = ("date", "date_end")


def _term(fieldname: str, text: str) -> Term:
    """A filter term: boost 0, so terms that nearly every record has do not move the ranking."""
    return Term(fieldname, text, boost=0.0)


def build_query(request: Request) -> tuple[Query, Query | None]:
    """The whole Whoosh query, and its word part (None when the clerk typed no words).

    Filters are not wrapped in ``ConstantScoreQuery``, although they only filter: Whoosh
    builds that matcher by listing every document the filter matches, on every query, which
    for the permission filter is the whole archive (185 ms for a nine-hit name in 100,000
    records).
    """
    words = whoosh_query(request.words, ["body"], rank_field="title_rank") if request.words else None
    clauses: list[Query] = [words] if words is not None else []
    for clause in request.filters:
        terms = [_term(fieldname, value) for fieldname, value in clause]
        clauses.append(terms[0] if len(terms) == 1 else Or(terms))
    if request.amount is not None:
        clauses.append(NumericRange("amount_cents", *request.amount))
    clauses.append(Or([_term("allowed", token) for token in request.allowed]))
    return And(clauses), words


def _item_counts(index: ArchiveIndex, searcher: Searcher, workflows: Counter[str]) -> Counter[tuple[str, str]]:
    counts: Counter[tuple[str, str]] = Counter()
    for workflow, count in workflows.items():
        for item in index.workflow_items(searcher, workflow):
            counts[item] += count
    return counts


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


def _collector(request: Request, limit: int, columns: ColumnCache) -> tuple[collectors.Collector, _FacetCounts | None]:
    """Top-N by score or date, counting every match, with facets and the date filter around it.

    Whoosh's own ``search(groupedby=...)`` switches to a collector that keeps and sorts every
    match; a heap of the first page is enough. Block skipping and matcher replacement are off:
    both drop matches that cannot reach the first page, which would make the total and the
    facet counts wrong.
    """
    if request.ranked:
        collector: collectors.Collector = collectors.TopCollector(limit, usequality=False, replace=0)
    else:
        collector = collectors.SortingCollector(
            sorting.FieldFacet("date", reverse=request.sort != "date_asc"), limit=limit)
    counter = _FacetCounts(collector, columns) if request.facets else None
    if counter is not None:
        collector = counter
    if request.life is not None:
        low, high = (None if day is None else datetime_to_long(day) for day in request.life)
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


def run(index: ArchiveIndex, request: Request) -> Page:
    """One page of ``request``; without permission tokens nothing is visible."""
    if not request.allowed:
        return empty_page(request.page, request.page_size, request.facets)
    query, _words = build_query(request)
    searcher = index.searcher()
    collector, counter = _collector(request, request.page * request.page_size, index.columns)
    searcher.search_with_collector(query, collector)
    results = collector.results()
    counts = None
    if counter is not None:
        counts = FacetCounts(counter.counts["village"], _item_counts(index, searcher, counter.counts["workflow"]),
                             counter.counts["state_title"], counter.counts["year"])
    stored: list[tuple[dict[str, Any], float | None]] = [
        (dict(results[i].fields()), results.score(i) if request.ranked else None)
        for i in range(request.offset, min(request.offset + request.page_size, results.scored_length()))
    ]
    patterns = word_patterns(request.words) if request.words else []
    return make_page(stored, len(results), counts, patterns, request.page, request.page_size)


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
    return run(index, plan(criteria, principals, page, page_size, facets))
