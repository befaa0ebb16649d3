"""A document as the index sees it: the field dicts of its Whoosh records, built by pure functions.

The input is what the service already shows (the ``DocumentView`` of ``Service.show``), the
document's ``Workflow`` and its place chain, so indexing reads nothing the service does not, and a
rebuild from the database produces exactly what following the change feed produces.

Dates are indexed on the archive's local calendar, China Standard Time (UTC+8, no daylight
saving): a clerk asking for 2024-01-01 means the day in the village, and a step taken at
00:30 there is 16:30 UTC the day before.

What the public record holds is deliberately narrow: the fields the definitions disclose at
any state the document has reached (a notice once posted stays public), masked as
``workflow.fields.mask`` masks them, the attachments only where a disclosing state says so,
and a title made from the flowchart and the village. The title a cadre typed is not a field
the definitions disclose, and titles like "李四无犯罪记录证明" name people.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from search.analysis import fold
from search.permissions import PUBLIC, PlaceRef, allowed_tokens, step_tokens
from search.schema import STORED_BODY_CHARS
from workflow.documents.views import AttachmentView, DocumentView, StepView
from workflow.engine.fields import TALLY_KEYS, TALLY_TITLES, mask
from workflow.engine.flowchart import Workflow
from workflow.engine.schema import FieldSpec

__all__ = [
    "ARCHIVE_TZ",
    "AttachmentText",
    "document_record",
    "is_person_field",
    "public_record",
    "records_for",
    "step_record",
]

ARCHIVE_TZ = timezone(timedelta(hours=8))
AttachmentText = Callable[[AttachmentView], str]
Record = dict[str, Any]

# A text field names a person or party when its title, without the parenthetical, ends like
# 申请人, 户主姓名, 救助对象, 调解员, 受让（承租、承包）方. Reading the title keeps new flowcharts
# covered without a list to maintain; it was checked against every field of F01-F32.
_PERSON_TITLE_ENDINGS = ("人", "姓名", "户主", "对象", "员", "者", "方")
_PARENTHETICAL = re.compile(r"（[^）]*）|\([^)]*\)")
_NAME_SEPARATORS = re.compile(r"[、，,;；/\s]+")


def is_person_field(spec: FieldSpec) -> bool:
    """Whether a field's values are names of people or parties (for the ``persons`` filter)."""
    if spec.type != "text":
        return False
    return _PARENTHETICAL.sub("", spec.title).strip().endswith(_PERSON_TITLE_ENDINGS)


def _local(moment: datetime) -> datetime:
    """A naive local datetime, which is what Whoosh's DATETIME field encodes."""
    return moment.astimezone(ARCHIVE_TZ).replace(tzinfo=None)


def _value_text(spec: FieldSpec | None, value: Any) -> str:
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, Mapping) and spec is not None and spec.type == "tally":
        return "，".join(f"{TALLY_TITLES[k]}{value[k]}" for k in TALLY_KEYS if k in value)
    if spec is not None and spec.type == "amount":
        return f"{value}元"
    return str(value)


def _field_lines(wf: Workflow, values: Mapping[str, Any], masked: bool = False) -> list[str]:
    lines = []
    for name, value in values.items():
        spec = wf.field_spec(name)
        shown = mask(spec.type, value) if masked and spec is not None else value
        lines.append(f"{spec.title if spec else name}：{_value_text(spec, shown)}")
    return lines


def _names(wf: Workflow, values: Mapping[str, Any]) -> list[str]:
    names = []
    for name, value in values.items():
        spec = wf.field_spec(name)
        if spec is not None and is_person_field(spec) and isinstance(value, str):
            names += [part for part in _NAME_SEPARATORS.split(value) if part]
    return names


def _max_cents(wf: Workflow, values: Mapping[str, Any]) -> int | None:
    cents = [
        int(Decimal(str(value)) * 100)
        for name, value in values.items()
        if (spec := wf.field_spec(name)) is not None and spec.type == "amount"
    ]
    return max(cents) if cents else None


def _attachment_lines(attachments: Iterable[AttachmentView], text_of: AttachmentText) -> list[str]:
    lines = []
    for attachment in attachments:
        lines.append(f"附件：{attachment.filename}")
        text = text_of(attachment)
        if text:
            lines.append(text)
    return lines


def _step_lines(wf: Workflow, step: StepView, text_of: AttachmentText) -> list[str]:
    day = _local(step.at).date().isoformat()
    lines = [f"{step.title}（{step.role_title} {step.actor_name}，{day}）"]
    lines += _field_lines(wf, step.fields)
    if step.comment:
        lines.append(f"意见：{step.comment}")
    lines += _attachment_lines(step.attachments, text_of)
    return lines


def _place_terms(chain: Sequence[PlaceRef]) -> list[str]:
    """Every place of the chain by bare name and by path, so a filter may use either."""
    names = [place.name for place in reversed(chain)]
    terms = []
    for depth in range(1, len(names) + 1):
        terms.append("/".join(names[:depth]))
        terms.append(names[depth - 1])
    return list(dict.fromkeys(terms))


def _common(view: DocumentView, wf: Workflow, chain: Sequence[PlaceRef]) -> Record:
    catalogue = wf.support.catalogue
    items = list(wf.chart.items)
    known = [catalogue.items[code] for code in items if catalogue and code in catalogue.items]
    village = next((place for place in chain if place.kind == "village"), chain[0])
    return {
        "doc_id": str(view.id),
        "version": view.version,
        "place": view.place,
        "places": _place_terms(chain),
        "village": "/".join(p.name for p in reversed(chain[chain.index(village):])),
        "workflow": wf.id,
        "workflow_title": wf.title,
        "code": wf.chart.code,
        "items": items,
        "item_titles": [item.title for item in known] if len(known) == len(items) else items,
        "categories": sorted(
            {item.category for item in known}
            | {catalogue.categories[item.category].title for item in known
               if catalogue is not None and item.category in catalogue.categories}
        ),
    }


def _finish(record: Record, body_lines: list[str]) -> Record:
    body = "\n".join(line for line in body_lines if line)
    record["body"] = body
    record["_stored_body"] = body[:STORED_BODY_CHARS]
    record["year"] = str(record["date"].year)
    return {key: value for key, value in record.items() if value is not None}


def _header(view: DocumentView, wf: Workflow, common: Record, title: str) -> list[str]:
    items = "、".join(f"{c} {t}" for c, t in zip(common["items"], common["item_titles"]))
    return [title, f"{wf.title}（{wf.chart.code}） 事项：{items}", view.place]


def document_record(
    view: DocumentView,
    wf: Workflow,
    chain: Sequence[PlaceRef],
    text_of: AttachmentText,
) -> Record:
    """The whole document as one record: header, then every step with fields, comment, attachments."""
    history = view.history
    record = _common(view, wf, chain)
    data = view.data
    lines = _header(view, wf, record, view.title) + [f"状态：{view.state_title}"]
    persons: list[str] = []
    for step in history:
        lines += _step_lines(wf, step, text_of)
        persons.append(step.actor_name)
        persons += _names(wf, step.fields)
    record.update(
        uid=f"d:{view.id}",
        kind="document",
        title=view.title,
        title_rank=view.title,
        state=[view.state, view.state_title],
        state_title=view.state_title,
        actors=sorted({step.actor for step in history}),
        persons=sorted({fold(name) for name in persons}),
        date=_local(view.created_at),
        date_end=_local(view.updated_at),
        amount_cents=_max_cents(wf, data),
        allowed=allowed_tokens(wf, view.state, chain),
    )
    return _finish(record, lines)


def step_record(
    view: DocumentView,
    wf: Workflow,
    chain: Sequence[PlaceRef],
    step: StepView,
    text_of: AttachmentText,
) -> Record:
    """One step as its own record; it carries the document's current permissions, as the
    service shows a step only to those who may view its document."""
    record = _common(view, wf, chain)
    to_state = wf.states[step.to_state].title
    at = _local(step.at)
    record.update(
        uid=f"s:{view.id}:{step.seq}",
        kind="step",
        seq=step.seq,
        title=view.title,
        title_rank=step.title,
        step_title=step.title,
        actor_name=step.actor_name,
        state=[step.to_state, to_state],
        state_title=to_state,
        actors=[step.actor],
        persons=sorted({fold(name) for name in [step.actor_name, *_names(wf, step.fields)]}),
        date=at,
        date_end=at,
        amount_cents=_max_cents(wf, step.fields),
        allowed=step_tokens(allowed_tokens(wf, view.state, chain)),
    )
    return _finish(record, _step_lines(wf, step, text_of))


def public_record(
    view: DocumentView,
    wf: Workflow,
    chain: Sequence[PlaceRef],
    text_of: AttachmentText,
) -> Record | None:
    """What the public may see of the document, or None while nothing is disclosed."""
    history = view.history
    disclosing = [
        (step, disclose) for step in history if (disclose := wf.states[step.to_state].disclose) is not None
    ]
    if not disclosing:
        return None
    names = {name for _, disclose in disclosing for name in disclose.fields}
    values = {name: value for name, value in view.data.items() if name in names}
    record = _common(view, wf, chain)
    village = record["village"].rsplit("/", 1)[-1]
    title = f"{wf.title}（{village}）"
    lines = _header(view, wf, record, title) + [f"状态：{view.state_title}"]
    lines += _field_lines(wf, values, masked=True)
    if any(disclose.attachments for _, disclose in disclosing):
        lines += _attachment_lines((a for step in history for a in step.attachments), text_of)
    record.update(
        uid=f"p:{view.id}",
        kind="public",
        title=title,
        title_rank=title,
        state=[view.state, view.state_title],
        state_title=view.state_title,
        persons=sorted({fold(name) for name in _names(wf, values)}),
        date=_local(disclosing[0][0].at),
        date_end=_local(view.updated_at),
        amount_cents=_max_cents(wf, values),
        allowed=[PUBLIC],
    )
    return _finish(record, lines)


def records_for(
    view: DocumentView,
    wf: Workflow,
    chain: Sequence[PlaceRef],
    text_of: AttachmentText,
) -> list[Record]:
    """Every record of one document: the document, its steps, and its public record if any."""
    records = [document_record(view, wf, chain, text_of)]
    records += [step_record(view, wf, chain, step, text_of) for step in view.history]
    public = public_record(view, wf, chain, text_of)
    if public is not None:
        records.append(public)
    return records
