"""Forms generated from a flowchart's definition: one input per field, one file input per attachment.

The browser checks nothing that matters: every value goes to the service as text, and the service's
field parsing and guards decide (the same code the command line uses), so a form cannot be more or
less permissive than the rules. A tally is five number inputs combined into one value.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional, Sequence

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from werkzeug.datastructures import FileStorage
from wtforms import BooleanField, HiddenField, PasswordField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length
from wtforms.validators import Optional as Blank
from wtforms.widgets import DateInput, NumberInput

from web import uploads as upload_check
from workflow.documents.service import OTHER_SLOT, Upload
from workflow.engine.fields import TALLY_KEYS, TALLY_TITLES
from workflow.engine.flowchart import Action, Workflow

SEP = "__"


def attr(name: str, part: str = "") -> str:
    """Form attribute of a definition field, prefixed so no field name can shadow WTForms' own."""
    return f"v{SEP}{name}" + (f"{SEP}{part}" if part else "")


def file_attr(slot: str) -> str:
    return f"file{SEP}{slot}"


@dataclass(frozen=True)
class Slot:
    """One thing the template draws: a field, a tally (with its five parts) or a file input."""

    kind: str
    name: str
    title: str
    required: bool
    note: str = ""
    parts: tuple[tuple[str, str], ...] = ()


class ActionForm(FlaskForm):
    comment = TextAreaField(_l("办理意见"), validators=[Blank(), Length(max=2000)])
    password = PasswordField(_l("签名密码"), validators=[InputRequired()],
                             render_kw={"autocomplete": "current-password"})
    expected_version = HiddenField()
    layout: list[Slot]


class StartForm(ActionForm):
    title = StringField(_l("文书标题"), validators=[InputRequired(), Length(max=300)])
    place = SelectField(_l("村"), validators=[InputRequired()], choices=[])


def _field(entry: dict) -> Any:
    label, kind = entry["title"], entry["type"]
    kw = {"render_kw": {"required": True} if entry["required"] and kind != "boolean" else {}}
    if kind == "text":
        return TextAreaField(label, **kw)
    if kind == "integer":
        return StringField(label, widget=NumberInput(step=1), **kw)
    if kind == "amount":
        kw["render_kw"].update(inputmode="decimal", placeholder="0.00")
        return StringField(label, **kw)
    if kind == "date":
        return StringField(label, widget=DateInput(), **kw)
    if kind == "choice":
        choices = [SelectChoice("", "—"), *entry.get("options", [])]
        return SelectField(label, choices=choices, validate_choice=False, **kw)
    if kind == "boolean":
        return BooleanField(label)
    if kind == "id_card":
        kw["render_kw"].update(maxlength=18, autocomplete="off")
        return StringField(label, **kw)
    if kind == "phone":
        kw["render_kw"].update(inputmode="tel")
        return StringField(label, **kw)
    raise ValueError(f"unknown field type {kind}")


def build(wf: Workflow, action: Action, prefix: str, start: bool = False, places: Sequence[str] = (),
          bind: bool = True) -> ActionForm:
    """An instance of a form class made for this action; `bind=False` for a fresh, empty form."""
    attrs: dict[str, Any] = {}
    layout: list[Slot] = []
    for entry in wf.describe_fields(action):
        name = entry["name"]
        if entry["type"] == "tally":
            parts = []
            for key in TALLY_KEYS:
                attrs[attr(name, key)] = StringField(TALLY_TITLES[key], widget=NumberInput(min=0, step=1),
                                                     render_kw={"required": True} if entry["required"] else {})
                parts.append((attr(name, key), TALLY_TITLES[key]))
            note = entry["quorum"]["text"] if "quorum" in entry else entry.get("route", {}).get("text", "")
            layout.append(Slot("tally", name, entry["title"], entry["required"], note, tuple(parts)))
        else:
            attrs[attr(name)] = _field(entry)
            layout.append(Slot("field", attr(name), entry["title"], entry["required"]))
    for a in action.attachments:
        attrs[file_attr(a.name)] = FileField(a.title)
        layout.append(Slot("file", file_attr(a.name), a.title, a.required))
    attrs[file_attr(OTHER_SLOT)] = MultipleFileField(_l("其他附件"))
    layout.append(Slot("files", file_attr(OTHER_SLOT), "", False))
    cls = type(f"{action.id.title()}Form", (StartForm if start else ActionForm,), attrs)
    form = cls(prefix=prefix) if bind else cls(formdata=None, prefix=prefix)
    if start:
        form.place.choices = list(places)
    form.layout = layout
    return form


def values(form: ActionForm, wf: Workflow, action: Action) -> dict[str, Any]:
    """The filled-in fields as the service takes them; blanks are left out, so the guards name them."""
    out: dict[str, Any] = {}
    for entry in wf.describe_fields(action):
        name = entry["name"]
        if entry["type"] == "tally":
            parts = {key: (form[attr(name, key)].data or "").strip() for key in TALLY_KEYS}
            if any(parts.values()):
                out[name] = parts
        elif entry["type"] == "boolean":
            out[name] = "true" if form[attr(name)].data else "false"
        else:
            raw = form[attr(name)].data or ""
            if raw.strip():
                out[name] = raw
    return out


def files(form: ActionForm, action: Action) -> list[Upload]:
    """Each chosen file checked against its claimed kind; raises UploadRejected naming the file."""
    limit = current_app.config["UPLOAD_MAX_BYTES"]
    chosen: list[tuple[str, FileStorage]] = []
    for a in action.attachments:
        storage = form[file_attr(a.name)].data
        if isinstance(storage, FileStorage) and storage.filename:
            chosen.append((a.name, storage))
    for storage in form[file_attr(OTHER_SLOT)].data or []:
        if isinstance(storage, FileStorage) and storage.filename:
            chosen.append((OTHER_SLOT, storage))
    out = []
    for slot, storage in chosen:
        data = storage.stream.read(limit + 1)
        checked = upload_check.check(storage.filename, data, limit)
        out.append(Upload(slot, checked.filename, data, checked.media_type))
    return out


def comment(form: ActionForm) -> Optional[str]:
    return (form.comment.data or "").strip() or None


def expected_version(form: ActionForm) -> Optional[int]:
    raw = (form.expected_version.data or "").strip()
    return int(raw) if raw.isdigit() else None
