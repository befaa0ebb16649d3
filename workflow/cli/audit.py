"""The auditor's and the key administrator's commands: verify, checkpoint, export, verify-bag, key.

`verify` and `checkpoint` open only the database (never the signing keys), so an auditor can run them
on a copy; `verify-bag` needs nothing but the bag. They are registered on the main `cunwu` group.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import click

from workflow import context as app
from workflow.cli.base import JSON_OPTION, Group, context, emit, main, password_for, registry, settings
from workflow.errors import NotFound, VerificationFailed
from workflow.ledger import bag as export
from workflow.ledger import log, notes, records
from workflow.ledger.verify import Attachments, Failure, Report, Scope, verify_database
from workflow.people import directory


def report_text(report: dict[str, Any], bag: bool = False) -> str:
    """A human summary: the verdict first, then every failure on its own line."""
    head = (f"日志 {report['origin'] or '（未知）'}，检查点 {report['checkpoint_size']} 条，"
            f"核验步骤记录 {report['checked']} 条")
    if not bag:
        head += (f"，锚定检查点 {len(report['anchors'])} 个" if report["anchors"]
                 else "，未提供锚定检查点（无法发现截断或回滚）")
    notes = [f"  说明：{note}" for note in report["notes"]]
    if report["ok"]:
        return "\n".join([f"核验通过：{head}。", *notes])
    lines = [f"核验未通过（{len(report['failures'])} 处问题）：{head}。"]
    lines += [f"  {Failure(**f)}" for f in report["failures"]]
    return "\n".join([*lines, *notes])


def finish(report: Report, as_json: bool, bag: bool = False) -> None:
    emit(as_json, report.to_dict(), lambda r: report_text(r, bag))
    if not report.ok:
        raise VerificationFailed(f"核验未通过：{len(report.failures)} 处问题")


@main.command("verify")
@click.option("--doc", "doc_id", type=int, default=None, help="只核验这一件文书的记录")
@click.option("--place", default=None, help="只核验该地点（村、乡镇或县）的文书记录")
@click.option("--anchor", "anchors", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="此前取得的检查点文件（公开栏、乡镇、上次审计），可多次")
@click.option("--log-key", default=None, help="审计员掌握的日志公钥（name+keyid+key），不用创始记录中的")
@click.option("--processes", type=int, default=None, help="并行核验的进程数（默认：日志较长时用全部核心）")
@JSON_OPTION
@click.pass_context
def verify_command(ctx: click.Context, doc_id: Optional[int], place: Optional[str], anchors: tuple[Path, ...],
                   log_key: Optional[str], processes: Optional[int], as_json: bool) -> None:
    """重放签名日志，核验每条记录的签名、链接、密钥状态、附件、规范编码与锚定检查点；全部成立才以 0 退出。"""
    chosen = settings(ctx)
    db = app.open_database(chosen.home, chosen.db_url)
    try:
        report = verify_database(db, Attachments(chosen.blobs_dir), registry=registry(ctx),
                                 anchors=[(str(p), p.read_bytes()) for p in anchors],
                                 scope=Scope(doc_id=doc_id, place=place), log_key=log_key, processes=processes)
    finally:
        db.dispose()
    finish(report, as_json)


@main.command("checkpoint")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="写入文件（用于村务公开栏或交乡镇保存）；默认输出到终端")
@JSON_OPTION
@click.pass_context
def checkpoint_command(ctx: click.Context, out: Optional[Path], as_json: bool) -> None:
    """输出最新的已签名检查点；日后作为 verify --anchor 交回，即可发现截断或回滚。"""
    chosen = settings(ctx)
    db = app.open_database(chosen.home, chosen.db_url)
    try:
        with db.read() as s:
            latest = log.latest_parsed(s)
    except notes.CheckpointError as exc:
        raise VerificationFailed(f"数据库中的最新检查点无效（{exc}），请运行 cunwu verify") from None
    finally:
        db.dispose()
    if latest is None:
        raise NotFound("签名日志还没有检查点（请先运行 cunwu init）")
    note, head = latest.note, latest.checkpoint
    if out is not None:
        out.write_text(note, encoding="utf-8")
    info = {"origin": head.origin, "size": head.size, "root": head.root.hex(), "note": note,
            "out": str(out) if out else None}
    emit(as_json, info, lambda i: f"已写出检查点 {i['out']}：{i['origin']} 共 {i['size']} 条" if i["out"]
         else i["note"].rstrip("\n"))


@main.command("export")
@click.argument("doc_id", type=int)
@click.argument("out_dir", type=click.Path(file_okay=False, path_type=Path))
@JSON_OPTION
@click.pass_context
def export_command(ctx: click.Context, doc_id: int, out_dir: Path, as_json: bool) -> None:
    """把一件文书的全部签名记录导出为 BagIt 包：记录、签名、附件、证明、检查点、公钥与封签。"""
    c = context(ctx)
    bag = export.export_document(c.db, c.service.blobs, c.keyring, doc_id, out_dir)
    info = {"doc": doc_id, "out": str(bag), "files": sum(1 for p in (bag / "data").rglob("*") if p.is_file())}
    emit(as_json, info, lambda i: f"已导出文书 {i['doc']} 到 {i['out']}（{i['files']} 个文件）")


@main.command("verify-bag")
@click.argument("bag_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--log-key", default=None, help="审计员掌握的日志公钥（name+keyid+key）")
@JSON_OPTION
def verify_bag_command(bag_dir: Path, log_key: Optional[str], as_json: bool) -> None:
    """离线核验 cunwu export 导出的 BagIt 包，不需要数据库。"""
    finish(export.verify_bag(bag_dir, log_key=log_key), as_json, bag=True)


@main.group("key", cls=Group)
def key_group() -> None:
    """签名密钥：更换与吊销（每次都作为登记机关签名的条目记入日志）。"""


@key_group.command("rotate")
@click.argument("username")
@JSON_OPTION
@click.pass_context
def key_rotate(ctx: click.Context, username: str, as_json: bool) -> None:
    """为人员发放新的签名密钥并设定新密码（忘记密码、设备丢失时），旧密钥即告作废；密码从终端输入或取自 CUNWU_PASSWORD。"""
    c = context(ctx)
    password = password_for(username)
    with c.db.write() as s:
        row = directory.reissue_key(s, c.keyring, directory.find_user(s, username), password)
        info = {"username": username, "key_id": row.key_id}
    emit(as_json, info, lambda i: f"已为 {i['username']} 发放新密钥 {i['key_id']}")


@key_group.command("revoke")
@click.argument("username")
@click.option("--reason", required=True, type=click.Choice(records.REVOKE_REASONS),
              help="superseded 已更换、lost 丢失、left_office 离任、compromised 泄露")
@JSON_OPTION
@click.pass_context
def key_revoke(ctx: click.Context, username: str, reason: str, as_json: bool) -> None:
    """吊销人员的签名密钥；此后用它签的记录一律核验失败。"""
    c = context(ctx)
    with c.db.write() as s:
        row = c.keyring.revoke(s, directory.find_user(s, username), reason)
        info = {"username": username, "key_id": row.key_id, "reason": reason, "index": row.revoked_index}
    emit(as_json, info, lambda i: f"已吊销 {i['username']} 的密钥 {i['key_id']}（{i['reason']}，日志第 {i['index']} 条）")
