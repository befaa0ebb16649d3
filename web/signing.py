"""The one place the web layer meets record signing: the signing password on start and step, and each
record's signature status beside the document's history.

The person's password both proves who they are and unseals their signing key inside the service. It is
checked against the login hash first, so a wrong one counts towards the same lockout as a failed login
and the step form is no way around it.

The status shown beside each step checks that step's own log entry: canonical form, signature, the
attachment files, and that the history row shown is what was signed. Whether the key belonged to the
signer at that log position, the hash chain and the checkpoints need the whole log in order; that is the
auditor's full verification (web/audit.py), too slow to repeat on every page view.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional, Sequence

from flask_babel import gettext as _

from web.display import localtime
from web.i18n import say
from web.runtime import Runtime
from workflow.documents.service import Upload
from workflow.documents.views import DocumentView, StepView
from workflow.errors import CunwuError, PermissionDenied
from workflow.ledger import log, records
from workflow.ledger.verify import Attachments, Scope, examine
from workflow.people import directory


class SigningRefused(CunwuError):
    """The signing password was wrong, or the person is locked out after too many wrong ones."""

    exit_code = 3


@dataclass(frozen=True)
class RecordStatus:
    valid: Optional[bool]
    text: str


def _check_password(rt: Runtime, username: str, password: str) -> None:
    until = rt.lockout.locked_until(username)
    if until is not None:
        raise SigningRefused(_("密码错误次数过多，请于 %(time)s 后再试", time=localtime(until)))
    try:
        with rt.db.read() as s:
            directory.authenticate(s, username, password)
    except PermissionDenied:
        rt.lockout.failed(username)
        raise SigningRefused(_("签名密码不正确")) from None
    rt.lockout.succeeded(username)


def start(rt: Runtime, username: str, workflow: str, place: str, title: str, values: Mapping[str, Any],
          uploads: Sequence[Upload], comment: Optional[str], password: str) -> int:
    _check_password(rt, username, password)
    return rt.service.start(username, workflow, place, title, values, uploads, comment, password=password)


def step(rt: Runtime, username: str, doc_id: int, transition: str, values: Mapping[str, Any],
         uploads: Sequence[Upload], comment: Optional[str], password: str,
         expected_version: Optional[int]) -> DocumentView:
    _check_password(rt, username, password)
    return rt.service.step(username, doc_id, transition, values, uploads, comment, expected_version,
                           password=password)


def _differences(signed: records.StepRecord, shown: StepView) -> list[str]:
    """Where the history row (a cache an administrator could edit) differs from the signed record."""
    wanted = {"actor": signed.actor, "transition": signed.transition, "to": signed.to_state,
              "from": signed.from_state, "role": signed.role, "comment": signed.comment,
              "fields": {**signed.fields, **{k: dict(v) for k, v in signed.tallies.items()}},
              "attachments": sorted(a.sha256 for a in signed.attachments)}
    actual = {"actor": shown.actor, "transition": shown.transition, "to": shown.to_state, "from": shown.from_state,
              "role": shown.role, "comment": shown.comment, "fields": shown.fields,
              "attachments": sorted(a.sha256 for a in shown.attachments)}
    return [k for k in wanted if wanted[k] != actual[k]]


def statuses(rt: Runtime, doc_id: int, history: Sequence[StepView]) -> dict[int, RecordStatus]:
    files = Attachments(rt.blobs.root)
    out = {}
    with rt.db.read() as s:
        for h in history:
            if h.log_index is None:
                out[h.seq] = RecordStatus(False, _("没有签名记录"))
                continue
            try:
                leaf = log.leaf(s, h.log_index)
            except LookupError:
                out[h.seq] = RecordStatus(False, _("签名日志中缺少此记录"))
                continue
            found = examine(h.log_index, leaf, Scope(doc_id=doc_id), files)
            problems = [say(message) for _code, message in found.problems]
            if not problems:
                signed = records.open_envelope(leaf).decode()
                if not isinstance(signed, records.StepRecord) or (signed.doc_id, signed.step_seq) != (doc_id, h.seq):
                    problems.append(_("日志第 %(i)s 条不是本步的记录", i=h.log_index))
                else:
                    changed = _differences(signed, h)
                    if changed:
                        problems.append(_("显示的办理记录与签名内容不符（%(what)s）", what="、".join(changed)))
            out[h.seq] = (RecordStatus(False, "；".join(problems)) if problems
                          else RecordStatus(True, _("签名有效 · 日志第 %(i)s 条", i=h.log_index)))
    return out
