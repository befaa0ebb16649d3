"""How stored values read on a page: local time, money, tallies, yes/no.

Storage keeps UTC and canonical strings; people in the village read Beijing time (the settings' time
zone, Asia/Shanghai unless an installation says otherwise) and 85,000.00 元.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone, tzinfo
from decimal import Decimal
from typing import Any, Iterable, Mapping, Optional, Sequence, Union
from zoneinfo import ZoneInfo

from flask import current_app, has_app_context

from workflow.engine import deadlines
from workflow.engine.calendar import Calendar
from workflow.engine.fields import TALLY_KEYS, TALLY_TITLES, mask
from workflow.engine.flowchart import Workflow

CHINA = timezone(timedelta(hours=8))


def _zone() -> tzinfo:
    """The application's time zone (from the settings), China Standard Time outside a request."""
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"]) if has_app_context() else CHINA


def localtime(value: Union[datetime, str, None], with_time: bool = True) -> str:
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(_zone())
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


def deadline_text(value: Union[datetime, str], calendar: Calendar) -> str:
    """A time limit as the instant it ends, e.g. '2026-03-09 24:00', never rounded to a date."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return deadlines.end_text(moment, calendar)


def tally_text(value: dict) -> str:
    return "，".join(f"{TALLY_TITLES[k]} {value[k]}" for k in TALLY_KEYS if k in value)


def value_text(field_type: Optional[str], value: Any, masked: bool = False) -> str:
    """One field value as text; with `masked`, ID-card and phone numbers as the portal shows them."""
    if masked and field_type is not None:
        value = mask(field_type, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    if field_type == "tally" and isinstance(value, dict):
        return tally_text(value)
    if field_type == "amount":
        try:
            return f"{Decimal(str(value)):,.2f} 元"
        except ArithmeticError:
            return str(value)
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Row:
    title: str
    text: str
    type: str
    value: Any


def field_rows(wf: Workflow, values: Mapping[str, Any], masked: bool = False, steps: Sequence[Iterable[str]] = ()) -> list[Row]:
    """Each value with its title and text. With `steps` (the field names each step of a document's
    history recorded), fields recorded earlier come first, so a summary reads in the order things
    happened; within a step, and without steps, in the order the definition asks for them."""
    defined = [f.name for a in (wf.start, *wf.transitions.values()) for f in a.fields]
    rank = {name: i for i, name in reversed(list(enumerate(defined)))}
    step_of: dict[str, int] = {}
    for seq, names in enumerate(steps):
        for name in names:
            step_of.setdefault(name, seq)
    keys = sorted(values, key=lambda n: (step_of.get(n, len(steps)), rank.get(n, len(rank))))
    rows = []
    for name in keys:
        spec = wf.field_spec(name)
        ftype = spec.type if spec else None
        rows.append(Row(spec.title if spec else name, value_text(ftype, values[name], masked), ftype or "text",
                        values[name]))
    return rows


def size_text(size: int) -> str:
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / 1024 / 1024:.1f} MB"
