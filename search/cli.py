"""`cunwu search` and `cunwu reindex`: the archive search from the command line, and its upkeep.

The search modules (Whoosh, tantivy, jieba, OpenCC) are imported inside the commands, so the rest of
the command line does not pay for them at every start. A search first applies the changes the index
has not yet seen, so it sees every committed step; if another process (the web server's indexer)
holds the index at that moment, it searches what is there and says how many changes may be missing.
"""
from __future__ import annotations

import html
import re
from typing import Any, Optional

import click

from workflow.cli.base import JSON_OPTION, context, emit, main, settings
from workflow.errors import CunwuError, InputError

_MARK = re.compile(r"</?mark[^>]*>")
SORT_TITLES = {"relevance": "按相关度", "date_desc": "按日期，新的在前", "date_asc": "按日期，旧的在前"}
FACET_TITLES = {"village": "村", "item": "事项", "state": "状态", "year": "年份"}


def plain(marked_html: str) -> str:
    """A snippet for the terminal: the matches in 【】, entities decoded."""
    return html.unescape(_MARK.sub(lambda m: "】" if m.group().startswith("</") else "【", marked_html))


def page_text(result: dict[str, Any]) -> str:
    if not result["total"]:
        return "没有找到符合条件的记录。"
    lines = [f"共 {result['total']} 条，第 {result['page']}/{result['pages']} 页（{SORT_TITLES[result['sort']]}）"]
    first = (result["page"] - 1) * result["page_size"]
    for number, hit in enumerate(result["hits"], first + 1):
        step = f" · 第 {hit['seq']} 步 {hit['step_title']}" if hit["kind"] == "step" else ""
        lines.append(f"{number:>4}. 文书 {hit['doc_id']} [{hit['code']} {hit['place']}] {plain(hit['title_html'])}"
                     f"{step} — {hit['state_title']}  {hit['date']}")
        if hit["snippet_html"]:
            lines.append(f"      {plain(hit['snippet_html'])}")
    for name, values in result["facets"].items():
        if values:
            shown = " · ".join(f"{v['label']} {v['count']}" for v in values[:8])
            lines.append(f"  {FACET_TITLES.get(name, name)}：{shown}")
    return "\n".join(lines)


def state_text(state: dict[str, Any]) -> str:
    if state["ok"]:
        return "检索索引与数据库一致。"
    lines = ["检索索引与数据库不一致："]
    if state["pending"]:
        lines.append(f"  尚未编入索引的办理记录 {state['pending']} 条")
    if state["missing"]:
        lines.append(f"  索引中缺少的文书：{', '.join(map(str, state['missing']))}")
    for stale in state["stale"]:
        lines.append(f"  文书 {stale['doc_id']} 在索引中是第 {stale['index_version']} 版，数据库中是第 {stale['db_version']} 版")
    if state["orphaned"]:
        lines.append(f"  索引中有、数据库中已没有的文书：{', '.join(map(str, state['orphaned']))}")
    lines.append("运行 cunwu search（应用待索引记录）或 cunwu reindex（从数据库重建）即可修复。")
    return "\n".join(lines)


@main.command("search")
@click.argument("words", nargs=-1)
@click.option("--as", "username", default=None, help="以此人的权限检索（不给则只检索公开内容）")
@click.option("--place", default=None, help="地点：县、乡镇或村（含其下所有村）")
@click.option("--definition", default=None, help="流程图 id 或编号（如 F21）")
@click.option("--state", default=None, help="状态 id 或名称")
@click.option("--item", default=None, help="权力清单事项（如 C14）")
@click.option("--person", default=None, help="文书中的人名")
@click.option("--from", "date_from", default=None, help="起始日期 YYYY-MM-DD（含）")
@click.option("--to", "date_to", default=None, help="截止日期 YYYY-MM-DD（含）")
@click.option("--steps", is_flag=True, help="检索办理步骤而不是文书")
@click.option("--sort", type=click.Choice(list(SORT_TITLES)), default=None,
              help="排序（默认：有检索词时按相关度，否则按日期新的在前）")
@click.option("--page", default=1, show_default=True, help="页码")
@click.option("--page-size", default=20, show_default=True, help="每页条数（1 到 100）")
@click.option("--save", "save_as", default=None, help="把这次检索的条件保存为此名称（需 --as）")
@click.option("--saved", "saved_name", default=None, help="运行以此名称保存的检索（需 --as）")
@click.option("--check", "check_only", is_flag=True, help="不检索，只报告索引中缺少或过时的记录")
@JSON_OPTION
@click.pass_context
def search_command(ctx: click.Context, words: tuple[str, ...], username: Optional[str], place: Optional[str],
                   definition: Optional[str], state: Optional[str], item: Optional[str], person: Optional[str],
                   date_from: Optional[str], date_to: Optional[str], steps: bool, sort: Optional[str], page: int,
                   page_size: int, save_as: Optional[str], saved_name: Optional[str], check_only: bool,
                   as_json: bool) -> None:
    """检索全部记录（标题、字段、办理意见、会议记录、附件文字），带高亮摘要和分面统计。

    检索词中两个字以上的任意字串都能找到；用引号检索整句；繁体字按简体检索。
    """
    from search import saved
    from search.criteria import Criteria
    from search.indexer import Indexer

    c = context(ctx)
    indexer = Indexer(c, new_engine=settings(ctx).search_engine)
    ctx.call_on_close(indexer.close)
    if check_only:
        checked = indexer.check()
        emit(as_json, checked.to_dict(), state_text)
        if not checked.ok:
            raise CunwuError("检索索引与数据库不一致")
        return
    to_save = (_user_id(c, username), save_as) if save_as is not None else None
    if saved_name is not None:
        found = [s for s in saved.of(c.db, _user_id(c, username)) if s.name == saved_name.strip()]
        if not found:
            raise InputError(f"{username} 没有名为“{saved_name}”的保存检索")
        criteria = found[0].criteria
    else:
        query = " ".join(words)
        criteria = Criteria.build(query=query, place=place, definition=definition, state=state, item=item,
                                  person=person, date_from=date_from, date_to=date_to,
                                  kind="step" if steps else "document",
                                  sort=sort or ("relevance" if query.strip() else "date_desc"))
    _bring_up_to_date(indexer)
    result = indexer.search(criteria, username, page=page, page_size=page_size).to_dict()
    result["sort"] = criteria.sort
    if to_save is not None:
        result["saved_id"] = saved.save(c.db, *to_save, criteria)
    emit(as_json, result, page_text)


def _user_id(c: Any, username: Optional[str]) -> int:
    from workflow.people.directory import find_user

    if username is None:
        raise InputError("保存检索属于个人：请用 --as 指明是谁的检索")
    with c.db.read() as s:
        return find_user(s, username).id


def _bring_up_to_date(indexer: Any) -> None:
    from search.engine import IndexBusy

    try:
        report = indexer.update(timeout=5.0)
    except IndexBusy:
        click.echo(f"提示：检索索引正由另一进程更新，结果可能不含最新的 {indexer.pending()} 条办理记录", err=True)
        return
    for doc_id, reason in report.failed.items():
        click.echo(f"提示：文书 {doc_id} 无法编入索引（{reason}），其余结果不受影响", err=True)


@main.command("reindex")
@click.option("--engine", type=click.Choice(["whoosh", "tantivy"]), default=None,
              help="用此检索引擎重建（默认：沿用当前引擎）；whoosh 适合小规模，tantivy 适合全县")
@JSON_OPTION
@click.pass_context
def reindex_command(ctx: click.Context, engine: Optional[str], as_json: bool) -> None:
    """从数据库重建检索索引（建好后替换旧索引，期间检索照常）。"""
    from search.indexer import Indexer

    indexer = Indexer(context(ctx), new_engine=settings(ctx).search_engine)
    ctx.call_on_close(indexer.close)
    written = indexer.reindex(engine)
    state = indexer.check()
    emit(as_json, {"records": written, "engine": indexer.engine.name, **state.to_dict()},
         lambda r: f"已用 {r['engine']} 重建检索索引：{r['records']} 条索引记录。"
         + ("" if r["ok"] else "\n" + state_text(r)))
