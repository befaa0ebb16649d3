"""The `cunwu` command: a thin shell over the service layer, with --json on every command."""
from __future__ import annotations

import json
import os
import sys
import traceback
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

import click
from sqlalchemy import select

from workflow import app, diagram, directory, migrate, registry as registry_mod
from workflow.errors import CunwuError, DefinitionError, InputError
from workflow.keyring import Keyring
from workflow.service import Upload
from workflow.storage import Place, User


def emit(ctx_json: bool, data: Any, text: Callable[[Any], str]) -> None:
    if ctx_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(text(data))


class Group(click.Group):
    """Turns every CunwuError into one line on stderr and its exit code, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except DefinitionError as exc:
            click.echo(f"定义有 {len(exc.problems)} 处错误：", err=True)
            for p in exc.problems:
                click.echo(str(p), err=True)
            ctx.exit(exc.exit_code)
        except CunwuError as exc:
            click.echo(f"错误：{exc}", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception:
            log = write_crash_log(ctx)
            click.echo(f"内部错误，未作任何更改；详情已写入 {log}", err=True)
            ctx.exit(70)


def write_crash_log(ctx: click.Context) -> Path:
    """Keep the traceback for the administrator without showing it to the person at the terminal."""
    obj = ctx.find_root().obj or {}
    home = obj.get("home") or app.home_dir()
    home.mkdir(parents=True, exist_ok=True)
    log = home / "error.log"
    with log.open("a", encoding="utf-8") as handle:
        handle.write(f"--- {datetime.now(timezone.utc).isoformat()} {' '.join(sys.argv)}\n{traceback.format_exc()}\n")
    return log


@click.group(cls=Group)
@click.option("--home", envvar="CUNWU_HOME", default=None, help="数据目录（默认 ./cunwu-data，或环境变量 CUNWU_HOME）")
@click.option("--db", "db_url", envvar="CUNWU_DB", default=None, help="数据库 URL（默认数据目录中的 SQLite）")
@click.pass_context
def main(ctx: click.Context, home: str | None, db_url: str | None) -> None:
    """村务 cunwu：村级小微权力清单的流程、签名记录与检索。"""
    ctx.obj = {"home": app.home_dir(home), "db": db_url}


def context(ctx: click.Context) -> app.Context:
    obj = ctx.find_root().obj
    if "context" not in obj:
        obj["context"] = app.open_context(obj["home"], obj["db"])
        ctx.call_on_close(obj["context"].close)
    return obj["context"]


def password_for(username: str) -> str:
    """From CUNWU_PASSWORD in scripts, otherwise asked for without echo."""
    value = os.environ.get("CUNWU_PASSWORD")
    if value is None:
        if not sys.stdin.isatty():
            raise InputError("需要密码：请在终端中输入，或在脚本中设置环境变量 CUNWU_PASSWORD")
        value = click.prompt(f"{username} 的密码", hide_input=True, err=True)
    return value


def parse_pairs(pairs: tuple[str, ...], what: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InputError(f"{what}“{pair}”须写成 名称=值")
        if key.strip() in out:
            raise InputError(f"{what}“{key.strip()}”给了两次")
        out[key.strip()] = value
    return out


def read_uploads(items: tuple[str, ...]) -> list[Upload]:
    uploads = []
    for item in items:
        slot, sep, name = item.partition("=")
        path = Path(name if sep else item)
        if not path.is_file():
            raise InputError(f"附件文件不存在：{path}")
        uploads.append(Upload(slot=slot if sep else "", filename=path.name, data=path.read_bytes()))
    return uploads


JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="机器可读输出")


@main.command()
@click.option("--origin", default=None, help="签名日志的名称（首次初始化时设定，默认随机生成）")
@JSON_OPTION
@click.pass_context
def init(ctx: click.Context, origin: str | None, as_json: bool) -> None:
    """创建数据目录、签名密钥与创始记录，并建立（或升级）数据库结构。"""
    obj = ctx.obj
    db = app.init(obj["home"], obj["db"], origin)
    try:
        keyring = Keyring.load(obj["home"])
        info = {"home": str(obj["home"]), "db": db.engine.url.render_as_string(hide_password=True),
                "schema": migrate.current(db), "origin": keyring.log.origin, "log_key": keyring.log.vkey}
    finally:
        db.dispose()
    emit(as_json, info, lambda i: f"已初始化：{i['home']}（数据库 {i['db']}，结构版本 {i['schema']}）\n"
                                  f"签名日志 {i['origin']}，公钥 {i['log_key']}")


@main.group(cls=Group)
def place() -> None:
    """地点：县（市）、乡镇、村。"""


@place.command("add")
@click.argument("kind", type=click.Choice(["county", "township", "village"]))
@click.argument("name")
@click.option("--parent", default=None, help="上级地点名称（乡镇的县、村的乡镇）")
@JSON_OPTION
@click.pass_context
def place_add(ctx: click.Context, kind: str, name: str, parent: str | None, as_json: bool) -> None:
    """添加地点。"""
    with context(ctx).db.write() as s:
        p = directory.add_place(s, kind, name, parent)
        info = {"id": p.id, "kind": p.kind, "name": p.name, "path": p.path()}
    emit(as_json, info, lambda i: f"已添加{directory.KIND_TITLE[i['kind']]}：{i['path']}")


@place.command("list")
@JSON_OPTION
@click.pass_context
def place_list(ctx: click.Context, as_json: bool) -> None:
    """列出全部地点。"""
    with context(ctx).db.read() as s:
        rows = [{"id": p.id, "kind": p.kind, "name": p.name, "path": p.path()}
                for p in s.scalars(select(Place).order_by(Place.id))]
    emit(as_json, rows, lambda rs: "\n".join(f"{r['id']:>4}  {directory.KIND_TITLE[r['kind']]:<6}{r['path']}"
                                             for r in rs) or "（尚无地点）")


@main.group(cls=Group)
def user() -> None:
    """人员与角色。"""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True, help="角色 id（见 definitions/roles.yaml）")
@click.option("--place", "place_key", required=True, help="担任角色的地点")
@click.option("--name", "display_name", default="", help="显示名（中文姓名）")
@JSON_OPTION
@click.pass_context
def user_add(ctx: click.Context, username: str, role: str, place_key: str, display_name: str,
             as_json: bool) -> None:
    """添加人员并授予一个角色；密码从终端输入或取自 CUNWU_PASSWORD。"""
    c = context(ctx)
    password = password_for(username)
    with c.db.write() as s:
        u = directory.add_user(s, c.registry.support, username, display_name, password, role, place_key,
                               keyring=c.keyring)
        info = {"id": u.id, "username": u.username, "name": u.display_name,
                "roles": [{"role": a.role, "place": a.place.path()} for a in u.assignments]}
    emit(as_json, info, lambda i: f"已添加人员 {i['name']}（{i['username']}）：{i['roles'][0]['role']} @ "
                                  f"{i['roles'][0]['place']}")


@user.command("grant")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--place", "place_key", required=True)
@JSON_OPTION
@click.pass_context
def user_grant(ctx: click.Context, username: str, role: str, place_key: str, as_json: bool) -> None:
    """为已有人员增加一个角色。"""
    c = context(ctx)
    with c.db.write() as s:
        a = directory.grant(s, c.registry.support, directory.find_user(s, username), role, place_key)
        info = {"username": username, "role": a.role, "place": a.place.path()}
    emit(as_json, info, lambda i: f"已授予 {i['username']}：{i['role']} @ {i['place']}")


@user.command("list")
@JSON_OPTION
@click.pass_context
def user_list(ctx: click.Context, as_json: bool) -> None:
    """列出人员及其角色。"""
    c = context(ctx)
    with c.db.read() as s:
        rows = [{"username": u.username, "name": u.display_name, "active": u.active,
                 "roles": [{"role": a.role, "place": a.place.path()} for a in u.assignments]}
                for u in s.scalars(select(User).order_by(User.username))]
    roles = c.registry.support.roles.roles
    emit(as_json, rows, lambda rs: "\n".join(
        f"{r['username']:<16}{r['name']:<8}" + "；".join(f"{roles[a['role']].title}@{a['place']}" for a in r["roles"])
        for r in rs) or "（尚无人员）")


@main.command()
@JSON_OPTION
def catalogue(as_json: bool) -> None:
    """权力清单：三类事项及其执行主体、监督主体、政策依据和流程图。"""
    reg = registry_mod.load()
    cat = reg.support.catalogue
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
def definitions_list(as_json: bool) -> None:
    """列出全部流程图。"""
    reg = registry_mod.load()
    rows = [{"code": wf.chart.code, "id": wf.id, "version": wf.version, "title": wf.title,
             "items": list(wf.chart.items), "states": len(wf.states), "transitions": len(wf.transitions)}
            for wf in reg.charts()]
    emit(as_json, rows, lambda rs: "\n".join(
        f"{r['code']}  {r['id']:<34} v{r['version']}  {r['title']}（事项 {'、'.join(r['items'])}）" for r in rs))


@definitions.command("show")
@click.argument("workflow_id")
@JSON_OPTION
def definitions_show(workflow_id: str, as_json: bool) -> None:
    """查看一个流程图：状态、操作、角色和每个操作需要填写的内容。"""
    wf = registry_mod.load().find(workflow_id)
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
def definitions_diagram(workflow_id: str, out: Path, as_json: bool) -> None:
    """把流程图画成 SVG。"""
    wf = registry_mod.load().find(workflow_id)
    out.write_text(diagram.render_svg(wf), encoding="utf-8")
    emit(as_json, {"out": str(out), "workflow": wf.id}, lambda d: f"已写出 {d['out']}")


@definitions.command("check")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="机器可读输出")
def definitions_check(paths: tuple[Path, ...], as_json: bool) -> None:
    """校验定义文件（默认：全部内置定义）。有错误时逐条列出文件、行号与规则，并以非零状态退出。"""
    try:
        reg = registry_mod.load(paths)
    except DefinitionError as exc:
        if as_json:
            click.echo(json.dumps({"ok": False, "problems": [p.__dict__ for p in exc.problems]},
                                  ensure_ascii=False, indent=2))
            sys.exit(exc.exit_code)
        raise
    summary = {"ok": True, "flowcharts": len(reg.workflows),
               "items": len(reg.support.catalogue.items) if reg.support.catalogue else None}
    emit(as_json, summary, lambda s: f"定义校验通过：{s['flowcharts']} 个流程图"
         + (f"，{s['items']} 个权力事项" if s["items"] is not None else ""))


@main.group(cls=Group)
def doc() -> None:
    """文书：发起、办理、查看、列出。"""


def show_text(d: dict) -> str:
    lines = [f"文书 {d['id']}：{d['title']}", f"  流程：{d['code']} {d['workflow_title']}（v{d['workflow_version']}）",
             f"  地点：{d['place']}", f"  状态：{d['state_title']}（{d['state']}）"
             + (f"，时限至 {d['due_at'][:16]}" if d.get("due_at") else "")]
    if "history" in d:
        lines.append("  历史：")
        for h in d["history"]:
            lines.append(f"    {h['seq']:>2}. {h['at'][:16]}  {h['title']}  {h['actor_name']}（{h['role_title']}）"
                         + (f"  意见：{h['comment']}" if h["comment"] else ""))
    if "actions" in d:
        lines.append("  可办理：" if any(a["allowed"] for a in d["actions"]) else "  当前无可办理的操作")
        for a in d["actions"]:
            mark = "✓" if a["allowed"] else "✗"
            needs = "、".join(f"{f['name']}（{f['title']}）" for f in a["fields"] if f["required"])
            lines.append(f"    {mark} {a['id']}：{a['title']} → {a['to_title']}" + (f"；需填：{needs}" if needs else ""))
            for att in a["attachments"]:
                lines.append(f"        需附件：{att['name']}（{att['title']}）")
            for r in a["reasons"]:
                lines.append(f"        原因：{r}")
    return "\n".join(lines)


def assign_slots(wf_action, uploads: list[Upload]) -> list[Upload]:
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
    emit(as_json, c.service.show(doc_id, username), show_text)


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
    wf = c.registry.get(current["workflow"], current["workflow_version"])
    action = wf.transitions.get(transition)
    uploads = assign_slots(action, uploads) if action else uploads
    emit(as_json, c.service.step(username, doc_id, transition, values, uploads, comment, expect_version,
                                 password=password), show_text)


@doc.command("show")
@click.argument("doc_id", type=int)
@click.option("--as", "username", default=None, help="以该用户身份查看可办理的操作")
@JSON_OPTION
@click.pass_context
def doc_show(ctx: click.Context, doc_id: int, username: str | None, as_json: bool) -> None:
    """查看文书：状态、历史，以及该用户可办理的操作和所需内容。"""
    emit(as_json, context(ctx).service.show(doc_id, username), show_text)


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
    emit(as_json, rows, lambda rs: "\n".join(
        f"{r['id']:>6}  {r['code']}  {r['state_title']:<12} {r['place']}  {r['title']}" for r in rs) or "（无）")


@doc.command("diagram")
@click.argument("doc_id", type=int)
@click.option("--out", type=click.Path(path_type=Path), required=True, help="输出 SVG 文件")
@JSON_OPTION
@click.pass_context
def doc_diagram(ctx: click.Context, doc_id: int, out: Path, as_json: bool) -> None:
    """画出文书的流程图，高亮当前状态与已经过的状态。"""
    c = context(ctx)
    d = c.service.show(doc_id)
    wf = c.registry.get(d["workflow"], d["workflow_version"])
    out.write_text(diagram.render_svg(wf, d["state"], d["visited"]), encoding="utf-8")
    emit(as_json, {"out": str(out), "doc": doc_id, "state": d["state"]}, lambda r: f"已写出 {r['out']}")


from workflow import cli_audit  # noqa: E402  (registers verify, checkpoint, export, verify-bag and key)
from workflow import cli_search  # noqa: E402,F401  (registers search and reindex)
from workflow import cli_web  # noqa: E402,F401  (registers demo and serve)

if __name__ == "__main__":
    main()
