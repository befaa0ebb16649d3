"""`cunwu init`, `place` and `user`: the data directory, places and people."""
from __future__ import annotations

import dataclasses
import sys

import click
from sqlalchemy import select

from workflow import context as app
from workflow.cli.base import (
    JSON_OPTION,
    Group,
    context,
    emit,
    main,
    password_for,
    registry,
    settings,
)
from workflow.ledger.keyring import Keyring
from workflow.people import directory, duties
from workflow.store import migrate
from workflow.store.tables import Place, User


@main.command()
@click.option("--origin", default=None, help="签名日志的名称（首次初始化时设定，默认随机生成）")
@JSON_OPTION
@click.pass_context
def init(ctx: click.Context, origin: str | None, as_json: bool) -> None:
    """创建数据目录、签名密钥与创始记录，并建立（或升级）数据库结构。"""
    chosen = settings(ctx)
    db = app.init(chosen.home, chosen.db_url, origin, registry=registry(ctx))
    try:
        keyring = Keyring.load(chosen.home)
        info = {"home": str(chosen.home), "db": db.engine.url.render_as_string(hide_password=True),
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


@user.command("check")
@JSON_OPTION
@click.pass_context
def user_check(ctx: click.Context, as_json: bool) -> None:
    """检查人员名录：列出同一村内兼任了法律不允许兼任的角色的人（如村委会成员兼任村务监督委员会成员，
    《村民委员会组织法》第三十二条）；有则以状态 1 退出。"""
    c = context(ctx)
    with c.db.read() as s:
        found = [dataclasses.asdict(p) for p in duties.pairs(s, c.registry.support)]

    def text(rows: list[dict]) -> str:
        if not rows:
            return "人员名录检查通过：没有违反职务分离规定的兼任"
        lines = [f"发现 {len(rows)} 处违反职务分离规定的兼任："]
        for r in rows:
            lines.append(f"  {r['name']}（{r['username']}）在“{r['place']}”同时担任{'、'.join(r['held'])}和"
                         f"{'、'.join(r['excluded'])}：负面清单{r['negative']}，{r['basis']}：“{r['article']}”")
        return "\n".join(lines)
    emit(as_json, found, text)
    if found:
        sys.exit(1)
