"""One settings value, read once: flags over the environment over the config file over the defaults;
a bad value or an unknown key is refused naming where it came from; no password from a file."""
from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from search.engine import DEFAULT_ENGINE, ENGINES
from workflow.errors import InputError
from workflow.settings import SEARCH_ENGINES, Settings


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "cunwu.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_put_everything_in_the_data_directory(tmp_path: Path) -> None:
    settings = Settings.load(environ={}, home=str(tmp_path))
    assert (settings.home, settings.db_url, settings.definitions, settings.secret_key_file, settings.log_file) == (
        tmp_path.resolve(), None, None, tmp_path.resolve() / "web-secret-key", tmp_path.resolve() / "cunwu.log")
    assert (settings.search_engine, settings.time_zone, settings.index_poll, settings.log_level) == (
        "whoosh", "Asia/Shanghai", 5.0, "INFO")


def test_the_search_engines_are_those_search_offers_with_its_default() -> None:
    assert (SEARCH_ENGINES, Settings.load(environ={}).search_engine) == (ENGINES, DEFAULT_ENGINE)


def test_flags_win_over_the_environment_which_wins_over_the_file(tmp_path: Path) -> None:
    config = write(tmp_path, f'home = "{tmp_path / "from-file"}"\ndb = "sqlite:///file.db"\nindex_poll = 30\n'
                             'time_zone = "Asia/Urumqi"\n')
    env = {"CUNWU_CONFIG": str(config), "CUNWU_DB": "sqlite:///env.db", "CUNWU_INDEX_POLL": "2"}
    settings = Settings.load(environ=env, db="sqlite:///flag.db")
    assert (settings.home, settings.db_url, settings.index_poll, settings.time_zone) == (
        tmp_path / "from-file", "sqlite:///flag.db", 2.0, "Asia/Urumqi")


def test_an_unknown_key_in_the_file_is_refused_with_the_keys_allowed(tmp_path: Path) -> None:
    config = write(tmp_path, 'hom = "/srv/cunwu"\n')
    with pytest.raises(InputError, match=r"cunwu.toml 中有未知的设置：hom；可用的设置：home、db"):
        Settings.load(environ={}, config=config)


def test_a_password_in_the_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="不能写密码"):
        Settings.load(environ={}, config=write(tmp_path, 'password = "secret"\n'))


def test_a_file_that_is_not_toml_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"cunwu.toml 不是有效的 TOML"):
        Settings.load(environ={}, config=write(tmp_path, "home = \n"))


@pytest.mark.parametrize("variable,value,named", [
    ("CUNWU_TIME_ZONE", "Mars/Olympus", "time_zone"),
    ("CUNWU_INDEX_POLL", "soon", "index_poll"),
    ("CUNWU_INDEX_POLL", "-1", "index_poll"),
    ("CUNWU_SEARCH_ENGINE", "google", "search_engine"),
    ("CUNWU_LOG_LEVEL", "LOUD", "log_level"),
])
def test_a_bad_value_names_its_variable_and_setting(variable: str, value: str, named: str) -> None:
    with pytest.raises(InputError, match=rf"环境变量 {variable} 中的 {named}"):
        Settings.load(environ={variable: value})


def test_the_script_password_comes_from_the_environment_and_is_not_shown() -> None:
    settings = Settings.load(environ={"CUNWU_PASSWORD": "s3cret-pw"})
    assert settings.password == "s3cret-pw" and "s3cret-pw" not in repr(settings)


def test_the_command_line_reads_the_config_file(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = write(tmp_path, f'home = "{home}"\n')
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUNWU_")}
    made = subprocess.run(["cunwu", "--config", str(config), "init", "--json"], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL)
    assert made.returncode == 0, made.stderr
    assert (home / "cunwu.db").is_file()


def test_a_bad_config_file_is_one_line_and_exit_2(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CUNWU_")}
    result = subprocess.run(["cunwu", "--config", str(write(tmp_path, "colour = 1\n")), "catalogue"],
                            capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        f"错误：配置文件 {tmp_path / 'cunwu.toml'} 中有未知的设置：colour；可用的设置：home、db、definitions、"
        "search_engine、time_zone、secret_key_file、index_poll、log_level、log_file"]
