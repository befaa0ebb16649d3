"""The installation's settings, read once: command-line flags over the environment over an optional
TOML file over the defaults.

Every part takes what it needs from one `Settings` value instead of reading the environment itself, so
a setting has one name, one default and one place where a bad value is refused (naming the file or the
variable, and the key). The file is named by `--config` or CUNWU_CONFIG; its keys are the names below:

    home = "/srv/cunwu"                       # CUNWU_HOME        data directory (default ./cunwu-data)
    db = "postgresql+psycopg://…/cunwu"       # CUNWU_DB          default: SQLite in the data directory
    definitions = "/srv/cunwu/definitions"    # CUNWU_DEFINITIONS default: the shipped definitions
    search_engine = "whoosh"                  # CUNWU_SEARCH_ENGINE the engine of a new archive index (or tantivy)
    time_zone = "Asia/Shanghai"               # CUNWU_TIME_ZONE   how times read on pages
    secret_key_file = "/srv/cunwu/web-secret-key"  # CUNWU_SECRET_KEY_FILE  default: in the data directory
    index_poll = 5                            # CUNWU_INDEX_POLL  seconds between index rounds under serve
    log_level = "INFO"                        # CUNWU_LOG_LEVEL
    log_file = "/var/log/cunwu.log"           # CUNWU_LOG_FILE    default: cunwu.log in the data directory

Passwords are never read from the file: CUNWU_PASSWORD (for scripts) comes from the environment only
and is left out of the value's repr.
"""
from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from workflow.errors import InputError

CONFIG_VARIABLE = "CUNWU_CONFIG"
SEARCH_ENGINES = ("whoosh", "tantivy")  # search.engine.ENGINES (workflow imports no search; a test pins them equal)
_VARIABLES = {
    "home": "CUNWU_HOME", "db": "CUNWU_DB", "definitions": "CUNWU_DEFINITIONS",
    "search_engine": "CUNWU_SEARCH_ENGINE", "time_zone": "CUNWU_TIME_ZONE",
    "secret_key_file": "CUNWU_SECRET_KEY_FILE", "index_poll": "CUNWU_INDEX_POLL", "log_level": "CUNWU_LOG_LEVEL",
    "log_file": "CUNWU_LOG_FILE",
}
_DEFAULTS: dict[str, Any] = {
    "home": "cunwu-data", "db": None, "definitions": None, "search_engine": "whoosh", "time_zone": "Asia/Shanghai",
    "secret_key_file": None, "index_poll": 5.0, "log_level": "INFO", "log_file": None,
}


@dataclass(frozen=True)
class Settings:
    home: Path
    db_url: str | None
    definitions: Path | None
    search_engine: str
    time_zone: str
    secret_key_file: Path
    index_poll: float
    log_level: str
    log_file: Path
    password: str | None = field(default=None, repr=False)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    @property
    def blobs_dir(self) -> Path:
        return self.home / "blobs"

    def definition_paths(self) -> list[Path]:
        """What `registry.load` takes: the configured definitions, or none for the shipped ones."""
        return [self.definitions] if self.definitions is not None else []

    @classmethod
    def load(cls, environ: Mapping[str, str] | None = None, config: str | Path | None = None,
             **given: Any) -> Settings:
        """Flags given as keywords (None: not given) win over `environ` (default: os.environ), which
        wins over the TOML file named by `config` or CUNWU_CONFIG, which wins over the defaults."""
        env = os.environ if environ is None else environ
        unknown = set(given) - set(_VARIABLES)
        if unknown:
            raise TypeError(f"unknown settings: {', '.join(sorted(unknown))}")
        chosen: dict[str, tuple[Any, str]] = {k: (v, "默认值") for k, v in _DEFAULTS.items()}
        path = config or env.get(CONFIG_VARIABLE)
        if path:
            chosen.update({k: (v, f"配置文件 {path}") for k, v in _read_file(Path(path)).items()})
        chosen.update({k: (env[var], f"环境变量 {var}") for k, var in _VARIABLES.items() if env.get(var)})
        chosen.update({k: (v, "命令行参数") for k, v in given.items() if v is not None})
        return cls._checked(chosen, env.get("CUNWU_PASSWORD"))

    @classmethod
    def _checked(cls, chosen: dict[str, tuple[Any, str]], password: str | None) -> Settings:
        def text(key: str) -> str | None:
            value, source = chosen[key]
            if value is not None and not isinstance(value, str | Path):
                raise InputError(f"{source} 中的 {key} 须为文字，而不是 {value!r}")
            return None if value is None or str(value).strip() == "" else str(value)

        home = Path(text("home") or "cunwu-data").expanduser().resolve()
        engine = text("search_engine") or "whoosh"
        if engine not in SEARCH_ENGINES:
            raise InputError(f"{chosen['search_engine'][1]} 中的 search_engine 须为 {'、'.join(SEARCH_ENGINES)} "
                             f"之一，而不是“{engine}”")
        zone = text("time_zone") or "Asia/Shanghai"
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError(f"{chosen['time_zone'][1]} 中的 time_zone “{zone}”不是已知的时区（例如 Asia/Shanghai）") from None
        poll_value, poll_source = chosen["index_poll"]
        try:
            poll = float(poll_value)
        except (TypeError, ValueError):
            poll = -1.0
        if not 0 <= poll <= 86400 or isinstance(poll_value, bool):
            raise InputError(f"{poll_source} 中的 index_poll 须为 0 到 86400 之间的秒数，而不是 {poll_value!r}")
        level = (text("log_level") or "INFO").upper()
        if level not in logging.getLevelNamesMapping():
            raise InputError(f"{chosen['log_level'][1]} 中的 log_level 须为 DEBUG、INFO、WARNING、ERROR 之一，"
                             f"而不是“{level}”")
        definitions = text("definitions")
        secret = text("secret_key_file")
        log_file = text("log_file")
        return cls(home=home, db_url=text("db"), definitions=Path(definitions).expanduser() if definitions else None,
                   search_engine=engine, time_zone=zone,
                   secret_key_file=Path(secret).expanduser() if secret else home / "web-secret-key",
                   index_poll=poll, log_level=level, log_file=Path(log_file).expanduser() if log_file else
                   home / "cunwu.log", password=password)


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except OSError as exc:
        raise InputError(f"无法读取配置文件 {path}：{exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"配置文件 {path} 不是有效的 TOML：{exc}") from None
    if "password" in data:
        raise InputError(f"配置文件 {path} 中不能写密码；脚本请用环境变量 CUNWU_PASSWORD")
    unknown = sorted(set(data) - set(_VARIABLES))
    if unknown:
        raise InputError(f"配置文件 {path} 中有未知的设置：{'、'.join(unknown)}；可用的设置：{'、'.join(_VARIABLES)}")
    return data
