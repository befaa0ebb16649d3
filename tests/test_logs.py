"""Logging configured once from the settings: an internal error in a command is one line at the
terminal (exit 70, nothing changed) and a redacted traceback in the log file, readable by its owner only."""
from __future__ import annotations

import logging
import stat
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from workflow import logs
from workflow.cli.base import main
from workflow.settings import Settings

SECRET_URL = "postgresql+psycopg://cunwu:hunter2-secret@db.example/cunwu"


@pytest.fixture
def failing_command() -> Iterator[None]:
    @click.command("explode-for-test")
    def explode() -> None:
        raise RuntimeError(f"could not reach {SECRET_URL} with password=hunter2-secret")

    main.add_command(explode)
    yield
    main.commands.pop("explode-for-test")
    for handler in logging.getLogger().handlers[:]:
        if handler.get_name() == "cunwu-file":
            logging.getLogger().removeHandler(handler)
            handler.close()


def test_an_internal_error_is_one_line_and_a_redacted_traceback_in_the_log(tmp_path: Path,
                                                                           failing_command: None) -> None:
    result = CliRunner().invoke(main, ["--home", str(tmp_path), "explode-for-test"], env={"CUNWU_LOG_FILE": None})
    log = tmp_path.resolve() / "cunwu.log"
    assert (result.exit_code, result.stderr) == (70, f"内部错误，未作任何更改；详情已写入 {log}\n")
    text = log.read_text(encoding="utf-8")
    assert "Traceback" in text and "RuntimeError: could not reach" in text
    assert "hunter2" not in text and "cunwu:***@db.example" in text and "password=***" in text
    assert stat.S_IMODE(log.stat().st_mode) == 0o600


def test_configuring_again_moves_the_log_and_a_silent_process_leaves_no_file(tmp_path: Path) -> None:
    first = logs.configure(Settings.load(environ={}, home=str(tmp_path / "a")))
    second = logs.configure(Settings.load(environ={}, home=str(tmp_path / "b")))
    logging.getLogger("cunwu.test").warning("written once")
    handlers = [h for h in logging.getLogger().handlers if h.get_name() == "cunwu-file"]
    assert len(handlers) == 1
    handlers[0].flush()
    assert (first.exists(), "written once" in second.read_text(encoding="utf-8")) == (False, True)
    logging.getLogger().removeHandler(handlers[0])
    handlers[0].close()
