"""What a clerk asked for, as plain data: the form of a search and of a saved search.

A saved search stores these criteria as JSON, never Whoosh query syntax, so it survives a
change of engine (search anchors §4: Plone's Collections store criteria the same way). The
query text is the clerk's own words in the syntax of :mod:`search.query`, which belongs to
cunwu and not to Whoosh. ``format`` numbers the JSON layout, so a later layout can still read
searches saved under an earlier one.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Literal

from search.query import QueryError

__all__ = ["Criteria", "KINDS", "SORTS"]

FORMAT = 1
SORTS = ("relevance", "date_desc", "date_asc")
KINDS = ("document", "step")
Sort = Literal["relevance", "date_desc", "date_asc"]
Kind = Literal["document", "step"]


@dataclass(frozen=True)
class Criteria:
    """A search: words, filters and order. Empty filters are ``None``.

    ``place`` is a place name or a path (county/township/village) and covers everything under
    it; ``definition`` a flowchart id or code (F21); ``state`` a state id or its title;
    ``item`` a power-list item (C14); ``person`` a name (Traditional script matches
    Simplified); ``date_from``/``date_to`` are inclusive local days, and a document matches when
    its life (first to last step) overlaps them; amounts are yuan.
    """

    query: str = ""
    place: str | None = None
    definition: str | None = None
    state: str | None = None
    item: str | None = None
    category: str | None = None
    person: str | None = None
    actor: str | None = None
    date_from: date | None = None
    date_to: date | None = None
    amount_min: Decimal | None = None
    amount_max: Decimal | None = None
    kind: Kind = "document"
    sort: Sort = "relevance"

    def __post_init__(self) -> None:
        if self.sort not in SORTS:
            raise QueryError(f"排序方式须为 {'、'.join(SORTS)} 之一，而不是“{self.sort}”")
        if self.kind not in KINDS:
            raise QueryError(f"检索对象须为 {'、'.join(KINDS)} 之一，而不是“{self.kind}”")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QueryError(f"起始日期 {self.date_from} 晚于截止日期 {self.date_to}")
        if self.amount_min is not None and self.amount_max is not None and self.amount_min > self.amount_max:
            raise QueryError(f"最低金额 {self.amount_min} 高于最高金额 {self.amount_max}")

    def to_json(self) -> str:
        """The saved form: JSON with ISO dates and amounts as strings, keys sorted."""
        data: dict[str, Any] = {"format": FORMAT}
        for key, value in asdict(self).items():
            if isinstance(value, (date, Decimal)):
                value = str(value)
            data[key] = value
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Criteria:
        """Read a saved search; raise :class:`QueryError` naming what is wrong with it."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise QueryError(f"保存的检索条件不是有效的 JSON（{exc.msg}）") from None
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise QueryError(f"保存的检索条件格式不受支持（format={data.get('format') if isinstance(data, dict) else None}）")
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known - {"format"}
        if unknown:
            raise QueryError(f"保存的检索条件含未知项：{'、'.join(sorted(unknown))}")
        return cls.build(**{key: value for key, value in data.items() if key != "format"})

    @classmethod
    def build(cls, **values: Any) -> Criteria:
        """Criteria from strings as a form or the command line gives them; blanks mean "any"."""
        parsed: dict[str, Any] = {}
        for key, value in values.items():
            if isinstance(value, str):
                value = value.strip() or None
            if value is None:
                continue
            if key in ("date_from", "date_to") and not isinstance(value, date):
                value = _date(key, value)
            elif key in ("amount_min", "amount_max") and not isinstance(value, Decimal):
                value = _amount(key, value)
            parsed[key] = value
        return cls(**parsed)


_LABELS = {"date_from": "起始日期", "date_to": "截止日期", "amount_min": "最低金额", "amount_max": "最高金额"}


def _date(key: str, value: Any) -> date:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise QueryError(f"{_LABELS[key]}“{value}”不是日期，格式为 YYYY-MM-DD") from None


def _amount(key: str, value: Any) -> Decimal:
    try:
        amount = Decimal(str(value).replace(",", "").removesuffix("元"))
    except InvalidOperation:
        raise QueryError(f"{_LABELS[key]}“{value}”不是金额（元）") from None
    if not amount.is_finite() or amount < 0:
        raise QueryError(f"{_LABELS[key]}须为非负数")
    return amount
