"""The auditor's commands as scripts run them: real processes, a real data directory, exit 0 only when
everything verifies, and every failing record named on stdout."""
from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from workflow.engine import registry as registry_mod

PASSWORD = "cli-audit-password"
ID_CARD = "431381198001010019"


def run(home: Path, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUNWU_HOME": str(home), "CUNWU_PASSWORD": password}
    env.pop("CUNWU_DB", None)
    return subprocess.run(["cunwu", *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


def ok(home: Path, *args: str, password: str = PASSWORD) -> dict:
    result = run(home, *args, "--json", password=password)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


INIT = 1 + len(registry_mod.load().workflows)
"""What `cunwu init` writes to a new log: the genesis and every shipped definition version."""


@pytest.fixture(scope="module")
def pristine(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A village with a clerk and a committee chair, and one certificate taken two steps: log entries
    0 genesis, then the INIT - 1 definition versions, then the two key registrations, then the steps."""
    home = tmp_path_factory.mktemp("cli-audit") / "home"
    ok(home, "init", "--origin", "cunwu.test/cli")
    ok(home, "place", "add", "county", "涟源市")
    ok(home, "place", "add", "township", "石马山镇", "--parent", "涟源市")
    ok(home, "place", "add", "village", "石门坎村", "--parent", "石马山镇")
    ok(home, "user", "add", "clerk", "--role", "village_clerk", "--place", "石门坎村", "--name", "赵文书")
    ok(home, "user", "add", "chair", "--role", "vc_chair", "--place", "石门坎村", "--name", "李华")
    ok(home, "doc", "start", "F31", "--place", "石门坎村", "--title", "张三申请居住证明", "--as", "clerk",
       "--field", "applicant=张三", "--field", f"applicant_id={ID_CARD}", "--field", "certificate_type=居住证明",
       "--field", "purpose=子女入学")
    ok(home, "doc", "step", "1", "list_check", "--as", "chair")
    return home


@pytest.fixture
def home(pristine: Path, tmp_path: Path) -> Path:
    """A private copy, since most tests here tamper with it (no process has the database open)."""
    return Path(shutil.copytree(pristine, tmp_path / "home"))


def test_verify_passes_on_an_honest_log(home: Path) -> None:
    result = run(home, "verify")
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout.startswith(f"核验通过：日志 cunwu.test/cli，检查点 {INIT + 4} 条，核验步骤记录 2 条")


def test_checkpoint_handed_back_as_an_anchor_exposes_truncation(home: Path) -> None:
    anchor = home / "公开栏.note"
    written = ok(home, "checkpoint", "--out", str(anchor))
    assert (written["size"], anchor.read_text(encoding="utf-8")) == (INIT + 4, written["note"])
    assert run(home, "verify", "--anchor", str(anchor)).returncode == 0
    with sqlite3.connect(home / "cunwu.db") as conn:
        conn.execute("DROP TRIGGER log_entries_no_delete")
        conn.execute("DROP TRIGGER checkpoints_no_delete")
        conn.execute("DELETE FROM log_entries WHERE idx = ?", (INIT + 3,))
        conn.execute("DELETE FROM checkpoints WHERE size = ?", (INIT + 4,))
    result = run(home, "verify", "--anchor", str(anchor), "--json")
    report = json.loads(result.stdout)
    assert (result.returncode, result.stderr) == (6, "错误：核验未通过：1 处问题\n")
    assert [(f["index"], f["code"]) for f in report["failures"]] == [(INIT + 3, "anchor-truncated")]


def test_replaced_attachment_is_named_with_exit_6(home: Path, tmp_path: Path) -> None:
    scan = tmp_path / "核实记录.txt"
    scan.write_text("走访核实属实", encoding="utf-8")
    ok(home, "doc", "step", "1", "verify", "--as", "chair", "--field", "verification=属实",
       "--attach", f"other={scan}")
    (stored,) = [p for p in (home / "blobs").rglob("*") if p.is_file()]
    stored.write_text("篡改", encoding="utf-8")
    result = run(home, "verify")
    assert result.returncode == 6
    assert result.stdout.splitlines()[1:] == [
        f"  第 {INIT + 4} 条（文书 1 第 2 步）：附件“核实记录.txt”的文件已被替换：哈希或大小与签名记录不符 [attachment-mismatch]"]


def test_verify_one_document_lists_each_step_with_its_status(home: Path) -> None:
    report = ok(home, "verify", "--doc", "1")
    assert [(r["step_seq"], r["transition"], r["actor"], r["valid"]) for r in report["records"]] == [
        (0, "start", "clerk", True), (1, "list_check", "chair", True)]


def test_verify_of_a_document_missing_from_the_log_fails(home: Path) -> None:
    result = run(home, "verify", "--doc", "99")
    assert result.returncode == 6
    assert "日志中没有文书 99 的记录" in result.stdout


def test_exported_bag_verifies_offline_and_a_tampered_one_does_not(home: Path, tmp_path: Path) -> None:
    bag = tmp_path / "文书1"
    assert ok(home, "export", "1", str(bag))["out"] == str(bag)
    assert run(tmp_path / "no-such-home", "verify-bag", str(bag)).returncode == 0
    leaf = sorted((bag / "data" / "log").glob("*.leaf"))[-1]
    leaf.write_bytes(leaf.read_bytes().replace(b'"payload":"', b'"payload":"e', 1))
    result = run(tmp_path / "no-such-home", "verify-bag", str(bag))
    assert result.returncode == 6
    assert "bag-manifest" in result.stdout


def test_revoked_key_refuses_steps_until_rotated(home: Path) -> None:
    revoked = ok(home, "key", "revoke", "chair", "--reason", "lost")
    assert (revoked["index"], revoked["reason"]) == (INIT + 4, "lost")
    result = run(home, "doc", "step", "1", "verify", "--as", "chair", "--field", "verification=属实")
    assert (result.returncode, result.stderr) == (
        3, "错误：李华（chair）没有有效的签名密钥，请管理员用 cunwu key rotate 重新发放\n")
    ok(home, "key", "rotate", "chair", password="chair-new-password")
    stepped = ok(home, "doc", "step", "1", "verify", "--as", "chair", "--field", "verification=属实",
                 password="chair-new-password")
    assert stepped["state"] == "approving"
    assert run(home, "verify").returncode == 0
