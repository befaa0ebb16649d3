"""`cunwu catalogue` and `definitions`: the power list and its flowcharts, listed, shown, drawn and checked."""
from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path

import click

from workflow.cli.base import (
    JSON_OPTION,
    Group,
    emit,
    main,
    registry,
    settings,
)
from workflow.engine import diagram, sources
from workflow.engine import registry as registry_mod
from workflow.errors import DefinitionError, NotFound
from workflow.store.database import utcnow

CALENDAR_WARNING_DAYS = 60


@main.command()
@JSON_OPTION
@click.pass_context
def catalogue(ctx: click.Context, as_json: bool) -> None:
    """权力清单：三类事项及其执行主体、监督主体、政策依据和流程图。"""
    reg = registry(ctx)
    cat = reg.support.catalogue
    if cat is None:
        raise NotFound("这套定义没有权力清单（catalogue.yaml）")
    data = {
        "categories": [
            {"id": cid, "title": c.title,
             "items": [{"id": iid, **item.model_dump(), "flowchart_codes": [reg.get(f).chart.code for f in item.flowcharts]}
                       for iid, item in cat.items.items() if item.category == cid]}
            for cid, c in cat.categories.items()
        ],
        "total": len(cat.items),
    }

    def text(d: dict) -> str:
        lines = []
        for c in d["categories"]:
            lines.append(f"【{c['title']}】{len(c['items'])} 项")
            for i in c["items"]:
                lines.append(f"  {i['id']} {i['title']}  流程图：{'、'.join(i['flowchart_codes'])}")
                lines.append(f"      执行主体：{i['executor']}；监督主体：{i['supervisor']}")
        lines.append(f"合计 {d['total']} 项")
        return "\n".join(lines)
    emit(as_json, data, text)


@main.group(cls=Group)
def definitions() -> None:
    """流程定义：列出、查看、校验。"""


@definitions.command("list")
@JSON_OPTION
@click.pass_context
def definitions_list(ctx: click.Context, as_json: bool) -> None:
    """列出全部流程图。"""
    reg = registry(ctx)
    rows = [{"code": wf.chart.code, "id": wf.id, "version": wf.version, "title": wf.title,
             "items": list(wf.chart.items), "states": len(wf.states), "transitions": len(wf.transitions)}
            for wf in reg.charts()]
    emit(as_json, rows, lambda rs: "\n".join(
        f"{r['code']}  {r['id']:<34} v{r['version']}  {r['title']}"
        f"（{'事项 ' + '、'.join(r['items']) if r['items'] else '群众诉求'}）" for r in rs))


@definitions.command("show")
@click.argument("workflow_id")
@JSON_OPTION
@click.pass_context
def definitions_show(ctx: click.Context, workflow_id: str, as_json: bool) -> None:
    """查看一个流程图：状态、操作、角色和每个操作需要填写的内容。"""
    wf = registry(ctx).find(workflow_id)
    data = wf.describe()

    def text(d: dict) -> str:
        lines = [f"{d['code']} {d['title']}（{d['id']} v{d['version']}）", "状态："]
        lines += [f"  {s['id']:<28}{s['title']}{'（终态）' if s['final'] else ''}" for s in d["states"]]
        lines.append("操作：")
        for t in [d["start"], *d["transitions"]]:
            who = "、".join(r["title"] for r in t["roles"])
            lines.append(f"  {t['id']:<26}{t['title']}：{'/'.join(t['from']) or '（发起）'} → {t['to']}  [{who}]")
            for f in t["fields"]:
                lines.append(f"      字段 {f['name']}（{f['title']}，{f['type']}{'' if f['required'] else '，选填'}）")
            for a in t["attachments"]:
                lines.append(f"      附件 {a['name']}（{a['title']}）")
        return "\n".join(lines)
    emit(as_json, data, text)


@definitions.command("diagram")
@click.argument("workflow_id")
@click.option("--out", type=click.Path(path_type=Path), required=True, help="输出 SVG 文件")
@JSON_OPTION
@click.pass_context
def definitions_diagram(ctx: click.Context, workflow_id: str, out: Path, as_json: bool) -> None:
    """把流程图画成 SVG。"""
    wf = registry(ctx).find(workflow_id)
    out.write_text(diagram.render_svg(wf), encoding="utf-8")
    emit(as_json, {"out": str(out), "workflow": wf.id}, lambda d: f"已写出 {d['out']}")


@definitions.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="机器可读输出")
@click.pass_context
def definitions_check(ctx: click.Context, paths: tuple[Path, ...], as_json: bool) -> None:
    """校验定义文件（默认：设置中的定义，或全部内置定义）。有错误时逐条列出文件、行号与规则，并以非零状态退出。"""
    try:
        reg = registry_mod.load(paths or settings(ctx).definition_paths())
    except DefinitionError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [p.__dict__ for p in exc.problems]},
                                  ensure_ascii=False, indent=2))
            sys.exit(exc.exit_code)
        raise
    summary = {"ok": True, "flowcharts": len(reg.workflows),
               "items": len(reg.support.catalogue.items) if reg.support.catalogue else None,
               "calendar_until": reg.support.calendar.last.isoformat()}
    emit(as_json, summary, lambda s: f"定义校验通过：{s['flowcharts']} 个流程图"
         + (f"，{s['items']} 个权力事项" if s["items"] is not None else "")
         + f"；节假日安排收录至 {s['calendar_until']}")


@definitions.command("calendar")
@JSON_OPTION
def definitions_calendar(as_json: bool) -> None:
    """节假日安排：时区、收录的年份及其依据。期间算到收录范围以外时会被拒绝，须先补充下一年。"""
    calendar = registry_mod.load().support.calendar
    data = calendar.describe()
    today = utcnow().astimezone(calendar.zone).date()
    data["days_left"] = (calendar.last - today).days

    def text(d: dict) -> str:
        lines = [f"时区：{d['timezone']}；节假日安排收录 {d['first']} 至 {d['last']}（{d['file']}）"]
        lines += [f"  {year} 年：{source}" for year, source in d["years"].items()]
        if d["days_left"] < CALENDAR_WARNING_DAYS:
            lines.append(f"注意：距收录范围结束只有 {max(d['days_left'], 0)} 天，跨过 {d['last']} 的期间将无法计算；"
                         "请补充下一年的节假日安排（见 definitions/README.md「节假日安排」）")
        return "\n".join(lines)
    emit(as_json, data, text)


@definitions.command("law")
@JSON_OPTION
def definitions_law(as_json: bool) -> None:
    """每条规则的依据（法律条款或县规则）及适用的流程图和步骤。"""
    reg = registry_mod.load()
    emit(as_json, [dataclasses.asdict(r) for r in sources.rows(reg)], lambda _: sources.markdown(reg))
