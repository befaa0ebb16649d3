"""How stored values read on a page: local (China Standard) time, money, tallies, yes/no.

Storage keeps UTC and canonical strings; people in the village read Beijing time and 85,000.00 元.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Optional, Union

from workflow.fields import TALLY_KEYS, TALLY_TITLES, mask
from workflow.workflows import Workflow

CHINA = timezone(timedelta(hours=8))


def localtime(value: Union[datetime, str, None], with_time: bool = True) -> str:
    if value is None or value == "":
        return ""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    local = moment.astimezone(CHINA)
    return local.strftime("%Y-%m-%d %H:%M" if with_time else "%Y-%m-%d")


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


def field_rows(wf: Workflow, values: dict, masked: bool = False) -> list[Row]:
    """Each value with its title and text, in the order the definition asks for them."""
    order = [f.name for a in (wf.start, *wf.transitions.values()) for f in a.fields]
    keys = [n for n in dict.fromkeys(order) if n in values]
    keys += [n for n in values if n not in keys]
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
