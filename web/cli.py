"""`cunwu demo` and `cunwu serve`: build a demo county, and serve the web application with waitress.

Flask and the web package are imported inside `serve`, so the rest of the command line does not pay for
them at every start.
"""
from __future__ import annotations

import ipaddress
import logging
import signal
import sys
import unicodedata
from collections import defaultdict

import click

from workflow.cli.base import JSON_OPTION, emit, main, registry, settings
from workflow.demo import county as demo_mod

_log = logging.getLogger(__name__)


@main.command("demo")
@click.option("--villages", default=6, show_default=True, help=f"村的数量（1 到 {demo_mod.MAX_VILLAGES}）")
@click.option("--documents", default=400, show_default=True, help="文书数量（均匀分布在 32 个流程图上）")
@click.option("--seed", default=2017, show_default=True, help="随机种子：相同的选项与种子得到相同的演示数据")
@JSON_OPTION
@click.pass_context
def demo_command(ctx: click.Context, villages: int, documents: int, seed: int, as_json: bool) -> None:
    """建立演示县：涟源市的乡镇与村、每个岗位一名人员、分布在 32 个流程图上的一年文书（每步均已签名）。"""
    chosen = settings(ctx)
    with click.progressbar(length=documents, label="生成文书", file=sys.stderr,
                           hidden=as_json) as bar:
        result = demo_mod.build(chosen.home, chosen.db_url, villages, documents, seed,
                                progress=lambda done, total: bar.update(1), registry=registry(ctx))
    info = {"home": str(result.home), "documents": result.documents, "steps": result.steps,
            "password": demo_mod.DEMO_PASSWORD, "states": result.states,
            "logins": [login.__dict__ for login in result.logins]}
    emit(as_json, info, login_table)


def login_table(info: dict) -> str:
    by_place: dict[str, list[dict]] = defaultdict(list)
    for login in info["logins"]:
        by_place[login["place"]].append(login)
    lines = [f"演示县已建好：{info['home']}，文书 {info['documents']} 件、签名步骤 {info['steps']} 条。",
             f"所有人员的演示密码：{info['password']}", "", pad("用户名", 36) + pad("岗位", 32) + "地点（姓名）"]
    for place in sorted(by_place, key=lambda p: (p.count("/"), p)):
        for login in by_place[place]:
            lines.append(pad(login["username"], 36) + pad(login["role_title"], 32) + f"{place}（{login['name']}）")
    lines += ["", "启动网站：cunwu serve，然后用浏览器打开 http://127.0.0.1:8080/",
              "  村干部：shimenkan_party_secretary    档案员：lianyuan_archivist",
              "  审计员：lianyuan_auditor             管理员：lianyuan_admin",
              "  村民查看公开栏无需登录：http://127.0.0.1:8080/public/"]
    return "\n".join(lines)


def pad(text: str, width: int) -> str:
    """Left-justify in terminal columns: a Chinese character takes two."""
    used = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - used)


@main.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址")
@click.option("--port", default=8080, show_default=True, help="端口")
@click.option("--threads", default=8, show_default=True, help="处理请求的线程数")
@click.pass_context
def serve_command(ctx: click.Context, host: str, port: int, threads: int) -> None:
    """用 waitress 提供网页服务。非本机地址时会话 Cookie 只经 HTTPS 发送（请在前面放置 HTTPS 反向代理）。"""
    import waitress

    from web import create_app

    chosen = settings(ctx)
    application = create_app({"CUNWU_SETTINGS": chosen, "CUNWU_REGISTRY": registry(ctx),
                              "SESSION_COOKIE_SECURE": not loopback(host), "CUNWU_INDEX_ON_START": True,
                              "CUNWU_INDEX_POLL": chosen.index_poll})
    click.echo(f"村务网站：http://{host}:{port}/  （公开栏 /public/；按 Ctrl+C 停止）", err=True)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        waitress.serve(application, host=host, port=port, threads=threads, ident="cunwu")
    finally:
        signal.signal(signal.SIGTERM, previous)
        application.extensions["cunwu"].close()
        _log.info("cunwu serve stopped: index thread ended, archive index and database closed")
        click.echo("村务网站已停止。", err=True)


def _stop(_signum: int, _frame: object) -> None:
    """SIGTERM (a service manager's stop) ends waitress's loop the way Ctrl+C does, so `serve` closes
    the index and the database before it exits."""
    raise SystemExit(0)


def loopback(host: str) -> bool:
    """Plain HTTP is only acceptable on this machine; anywhere else the session cookie must be Secure."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
