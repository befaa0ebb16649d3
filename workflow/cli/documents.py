"""`cunwu doc`: start, step, show, list and draw documents through the service."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from workflow.cli.base import (
    JSON_OPTION,
    Group,
    context,
    emit,
    main,
    parse_pairs,
    password_for,
    read_uploads,
)
from workflow.documents.service import Upload
from workflow.documents.views import DocumentView
from workflow.engine import deadlines, diagram
from workflow.engine.calendar import Calendar
from workflow.engine.flowchart import Action


@main.group(cls=Group)
def doc() -> None:
    """文书：发起、办理、查看、列出。"""


def _minute(moment: datetime) -> str:
    return moment.isoformat()[:16]


def show_text(calendar: Calendar, d: DocumentView) -> str:
    due = deadlines.end_text(d.due_at, calendar) if d.due_at else None
    lines = [f"文书 {d.id}：{d.title}", f"  流程：{d.code} {d.workflow_title}（v{d.workflow_version}）",
             f"  地点：{d.place}", f"  状态：{d.state_title}（{d.state}）"
             + (f"，时限至 {due}（{calendar.zone.key}）" if due else "")]
    lines.append("  历史：")
    for h in d.history:
        lines.append(f"    {h.seq:>2}. {_minute(h.at)}  {h.title}  {h.actor_name}（{h.role_title}）"
                     + ("  逾期办理" if h.late else "")
                     + (f"  意见：{h.comment}" if h.comment else ""))
    if d.actions is not None:
        lines.append("  可办理：" if any(a.allowed for a in d.actions) else "  当前无可办理的操作")
        for a in d.actions:
            mark = "✓" if a.allowed else "✗"
            needs = "、".join(f"{f['name']}（{f['title']}）" for f in a.fields if f["required"])
            lines.append(f"    {mark} {a.id}：{a.title} → {a.to_title}" + (f"；需填：{needs}" if needs else ""))
            for att in a.attachments:
                lines.append(f"        需附件：{att.name}（{att.title}）")
            for r in a.reasons:
                lines.append(f"        原因：{r}")
    return "\n".join(lines)


def emit_view(as_json: bool, view: DocumentView, calendar: Calendar) -> None:
    emit(as_json, view.to_json(), lambda _: show_text(calendar, view))


def assign_slots(wf_action: Action, uploads: list[Upload]) -> list[Upload]:
    """Files given without a slot fill the action's attachment slots in order, then 'other'."""
    free = [a.name for a in wf_action.attachments if a.name not in {u.slot for u in uploads if u.slot}]
    out = []
    for u in uploads:
        if u.slot:
            out.append(u)
        else:
            out.append(Upload(free.pop(0) if free else "other", u.filename, u.data))
    return out


@doc.command("start")
@click.argument("workflow_id")
@click.option("--place", "place_key", required=True, help="村")
@click.option("--title", required=True, help="文书标题")
@click.option("--as", "username", required=True, help="发起人用户名")
@click.option("--field", "field_pairs", multiple=True, help="字段，写成 名称=值，可多次")
@click.option("--attach", "attach", multiple=True, help="附件文件，可写成 附件项=文件，可多次")
@click.option("--comment", default=None)
@JSON_OPTION
@click.pass_context
def doc_start(ctx: click.Context, workflow_id: str, place_key: str, title: str, username: str,
              field_pairs: tuple[str, ...], attach: tuple[str, ...], comment: str | None, as_json: bool) -> None:
    """发起一件文书。"""
    c = context(ctx)
    values = parse_pairs(field_pairs, "字段")
    uploads = read_uploads(attach)
    password = password_for(username)
    wf = c.registry.find(workflow_id)
    doc_id = c.service.start(username, wf.id, place_key, title, values, assign_slots(wf.start, uploads), comment,
                             password=password)
    emit_view(as_json, c.service.show(doc_id, username), c.registry.support.calendar)


@doc.command("step")
@click.argument("doc_id", type=int)
@click.argument("transition")
@click.option("--as", "username", required=True, help="办理人用户名")
@click.option("--field", "field_pairs", multiple=True, help="字段，写成 名称=值，可多次")
@click.option("--attach", "attach", multiple=True, help="附件文件，可写成 附件项=文件，可多次")
@click.option("--comment", default=None, help="办理意见")
@click.option("--expect-version", type=int, default=None, help="仅当文书仍是该版本时办理（防止并发覆盖）")
@JSON_OPTION
@click.pass_context
def doc_step(ctx: click.Context, doc_id: int, transition: str, username: str, field_pairs: tuple[str, ...],
             attach: tuple[str, ...], comment: str | None, expect_version: int | None, as_json: bool) -> None:
    """办理一步。"""
    c = context(ctx)
    values = parse_pairs(field_pairs, "字段")
    uploads = read_uploads(attach)
    password = password_for(username)
    current = c.service.show(doc_id)
    wf = c.registry.get(current.workflow, current.workflow_version)
    action = wf.transitions.get(transition)
    uploads = assign_slots(action, uploads) if action else uploads
    emit_view(as_json, c.service.step(username, doc_id, transition, values, uploads, comment, expect_version,
                                      password=password), c.registry.support.calendar)


@doc.command("show")
@click.argument("doc_id", type=int)
@click.option("--as", "username", default=None, help="以该用户身份查看可办理的操作")
@JSON_OPTION
@click.pass_context
def doc_show(ctx: click.Context, doc_id: int, username: str | None, as_json: bool) -> None:
    """查看文书：状态、历史，以及该用户可办理的操作和所需内容。"""
    c = context(ctx)
    emit_view(as_json, c.service.show(doc_id, username), c.registry.support.calendar)


@doc.command("list")
@click.option("--place", "place_key", default=None)
@click.option("--state", default=None)
@click.option("--definition", "workflow_id", default=None)
@click.option("--limit", default=200, show_default=True)
@JSON_OPTION
@click.pass_context
def doc_list(ctx: click.Context, place_key: str | None, state: str | None, workflow_id: str | None, limit: int,
             as_json: bool) -> None:
    """列出文书。"""
    rows = context(ctx).service.list(place_key, state, workflow_id, limit=limit)
    emit(as_json, [r.to_json() for r in rows], lambda _: "\n".join(
        f"{r.id:>6}  {r.code}  {r.state_title:<12} {r.place}  {r.title}" for r in rows) or "（无）")


@doc.command("diagram")
@click.argument("doc_id", type=int)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="输出 SVG 文件")
@JSON_OPTION
@click.pass_context
def doc_diagram(ctx: click.Context, doc_id: int, out: Path, as_json: bool) -> None:
    """画出文书的流程图，高亮当前状态与已经过的状态。"""
    c = context(ctx)
    d = c.service.show(doc_id)
    wf = c.registry.get(d.workflow, d.workflow_version)
    out.write_text(diagram.render_svg(wf, d.state, d.visited), encoding="utf-8")
    emit(as_json, {"out": str(out), "doc": doc_id, "state": d.state}, lambda r: f"已写出 {r['out']}")
