"""The `cunwu` command's root group and the helpers every command module shares.

The command modules (workflow's own, and search's and web's) register themselves under the
`cunwu.commands` entry-point group, the way Flask's FlaskGroup loads `flask.commands`: workflow never
imports search or web, and the root group imports none of its commands until it is asked for one.
"""
from __future__ import annotations

import json
import logging
import sys
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

import click

from workflow import context as app
from workflow import logs
from workflow.documents.service import Upload
from workflow.engine import registry as registry_mod
from workflow.engine.registry import Registry
from workflow.errors import CunwuError, DefinitionError, InputError
from workflow.settings import Settings

_log = logging.getLogger(__name__)


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
            _log.exception("internal error, nothing changed: %s", " ".join(sys.argv))
            chosen = (ctx.find_root().obj or {}).get("settings")
            where = f"详情已写入 {chosen.log_file}" if chosen is not None else "详情见日志"
            click.echo(f"内部错误，未作任何更改；{where}", err=True)
            ctx.exit(70)


class RootGroup(Group):
    """Loads the registered command modules on first use, so `cunwu --help` lists all of them."""

    _loaded = False

    def _load(self) -> None:
        if not RootGroup._loaded:
            RootGroup._loaded = True
            for entry in sorted(metadata.entry_points(group="cunwu.commands"), key=lambda e: e.name):
                entry.load()

    def list_commands(self, ctx: click.Context) -> list[str]:
        self._load()
        return super().list_commands(ctx)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        self._load()
        return super().get_command(ctx, cmd_name)


@click.group(cls=RootGroup)
@click.option("--home", default=None, help="数据目录（默认 ./cunwu-data，或环境变量 CUNWU_HOME）")
@click.option("--db", "db_url", default=None, help="数据库 URL（默认数据目录中的 SQLite，或环境变量 CUNWU_DB）")
@click.option("--config", default=None, type=click.Path(dir_okay=False),
              help="配置文件（TOML，或环境变量 CUNWU_CONFIG；命令行参数与环境变量优先）")
@click.pass_context
def main(ctx: click.Context, home: str | None, db_url: str | None, config: str | None) -> None:
    """村务 cunwu：村级小微权力清单的流程、签名记录与检索。"""
    ctx.obj = {}
    ctx.obj["settings"] = Settings.load(config=config, home=home, db=db_url)
    logs.configure(ctx.obj["settings"])


def settings(ctx: click.Context) -> Settings:
    return ctx.find_root().obj["settings"]


def registry(ctx: click.Context) -> Registry:
    """The definitions the settings name (the shipped ones by default), loaded once per command."""
    obj = ctx.find_root().obj
    if "registry" not in obj:
        obj["registry"] = registry_mod.load(settings(ctx).definition_paths())
    return obj["registry"]


def context(ctx: click.Context) -> app.Context:
    obj = ctx.find_root().obj
    if "context" not in obj:
        chosen = settings(ctx)
        obj["context"] = app.open_context(chosen.home, chosen.db_url, registry=registry(ctx))
        ctx.call_on_close(obj["context"].close)
    return obj["context"]


def password_for(username: str) -> str:
    """From CUNWU_PASSWORD in scripts, otherwise asked for without echo."""
    value = settings(click.get_current_context()).password
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

