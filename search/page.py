"""What a search returns, whatever engine ran it: a page of hits with snippets, exact total, facets.

Every engine hands back the same raw material (the stored fields of the page's records, their
scores, the exact number of matches and the counts per village, flowchart, state and year); the
page is made from it here, so snippets, labels and the order of facet values are one rule.

Power-list items are counted through the flowcharts: every record of a flowchart counts once under
each item that flowchart serves, which is how the power list itself reads (F01 serves all ten
重大决策类 items).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from html import escape
from typing import Any

from search.snippets import Pattern, highlight

__all__ = ["FACETS", "FacetCounts", "FacetValue", "Hit", "Page", "empty_page", "make_page"]

FACETS = ("village", "item", "state", "year")
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


@dataclass
class FacetCounts:
    """Exact counts of the matching records: by village path, by (item code, title), by state
    title and by year."""

    village: Counter[str] = field(default_factory=Counter)
    item: Counter[tuple[str, str]] = field(default_factory=Counter)
    state: Counter[str] = field(default_factory=Counter)
    year: Counter[str] = field(default_factory=Counter)


def _ordered(counts: Counter[str], labels: dict[str, str]) -> list[FacetValue]:
    return [
        FacetValue(key, labels.get(key, key), count)
        for key, count in sorted(counts.items(), key=lambda pair: (-pair[1], pair[0]))
    ]


def _facets(counts: FacetCounts) -> dict[str, list[FacetValue]]:
    items: Counter[str] = Counter()
    titles: dict[str, str] = {}
    for (code, title), count in counts.item.items():
        items[code] += count
        titles[code] = title
    return {
        "village": _ordered(counts.village, {k: k.rsplit("/", 1)[-1] for k in counts.village}),
        "item": _ordered(items, titles),
        "state": _ordered(counts.state, {}),
        "year": sorted(_ordered(counts.year, {}), key=lambda value: value.key, reverse=True),
    }


def _hit(stored: dict[str, Any], score: float | None, patterns: Sequence[Pattern]) -> Hit:
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


def make_page(
    stored: Sequence[tuple[dict[str, Any], float | None]],
    total: int,
    counts: FacetCounts | None,
    patterns: Sequence[Pattern],
    page: int,
    page_size: int,
) -> Page:
    """The page from an engine's answer: the stored fields and score of each hit on it, the exact
    total and the facet counts (None when not asked for)."""
    hits = [_hit(fields, score, patterns) for fields, score in stored]
    return Page(hits, total, page, page_size, math.ceil(total / page_size), _facets(counts) if counts else {})


def empty_page(page: int, page_size: int, facets: bool) -> Page:
    return Page([], 0, page, page_size, 0, {name: [] for name in FACETS} if facets else {})
