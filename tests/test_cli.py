"""The `cunwu` command as a script uses it: real processes, a real data directory, --json output,
and one-line errors with distinct exit codes."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

PASSWORD = "cli-test-password"
ID_CARD = "431381198001010019"


def run(home: Path, *args: str, password: str = PASSWORD) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUNWU_HOME": str(home), "CUNWU_PASSWORD": password}
    env.pop("CUNWU_DB", None)
    return subprocess.run(["cunwu", *args], capture_output=True, text=True, env=env, stdin=subprocess.DEVNULL)


def ok(home: Path, *args: str) -> dict | list:
    result = run(home, *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("cli-home")
    ok(home, "init")
    ok(home, "place", "add", "county", "涟源市")
    ok(home, "place", "add", "township", "石马山镇", "--parent", "涟源市")
    ok(home, "place", "add", "village", "石门坎村", "--parent", "石马山镇")
    ok(home, "place", "add", "village", "新塘村", "--parent", "石马山镇")
    ok(home, "user", "add", "clerk", "--role", "village_clerk", "--place", "石门坎村", "--name", "赵文书")
    ok(home, "user", "add", "chair", "--role", "vc_chair", "--place", "石门坎村", "--name", "李华")
    ok(home, "user", "add", "other", "--role", "vc_chair", "--place", "新塘村", "--name", "外村主任")
    return home


def start_certificate(home: Path, certificate_type: str = "居住证明") -> dict:
    return ok(home, "doc", "start", "F31", "--place", "石门坎村", "--title", "张三申请居住证明", "--as", "clerk",
              "--field", "applicant=张三", "--field", f"applicant_id={ID_CARD}",
              "--field", f"certificate_type={certificate_type}", "--field", "purpose=子女入学")


def test_catalogue_lists_28_items_in_three_categories(home: Path) -> None:
    cat = ok(home, "catalogue")
    assert cat["total"] == 28
    assert [(c["title"], len(c["items"])) for c in cat["categories"]] == [
        ("重大决策类", 10), ("日常管理类", 3), ("便民服务类", 15)]


def test_definitions_list_shows_32_flowcharts_each_serving_an_item_and_the_voice_charts(home: Path) -> None:
    charts = ok(home, "definitions", "list")
    items = {i["id"] for c in ok(home, "catalogue")["categories"] for i in c["items"]}
    assert [c["code"] for c in charts] == [f"F{n:02d}" for n in range(1, 33)] + ["V01", "V02", "V03"]
    assert all(c["items"] and set(c["items"]) <= items for c in charts[:32])
    assert [c["items"] for c in charts[32:]] == [[], [], []]


def test_definitions_show_gives_each_field_with_type_and_options(home: Path) -> None:
    f31 = ok(home, "definitions", "show", "certificate_issuance")
    fields = {f["name"]: f for f in f31["start"]["fields"]}
    assert fields["applicant_id"]["type"] == "id_card"
    assert "居住证明" in fields["certificate_type"]["options"]
    assert {s["id"] for s in f31["states"]} >= {"requested", "issued", "archived"}


def test_start_and_step_record_history_and_offer_next_actions(home: Path) -> None:
    doc = start_certificate(home)
    stepped = ok(home, "doc", "step", str(doc["id"]), "list_check", "--as", "chair", "--comment", "在清单内")
    assert (stepped["state"], stepped["version"]) == ("verifying", 1)
    assert [h["transition"] for h in stepped["history"]] == ["start", "list_check"]
    assert stepped["history"][1]["comment"] == "在清单内"
    offers = {a["id"]: a for a in ok(home, "doc", "show", str(doc["id"]), "--as", "chair")["actions"]}
    assert offers["verify"]["allowed"] is True
    assert [f["name"] for f in offers["verify"]["fields"]] == ["verification"]


def test_attachment_is_taken_from_a_file(home: Path, tmp_path: Path) -> None:
    doc = start_certificate(home)
    for tid, field in (("list_check", None), ("verify", "verification=属实")):
        ok(home, "doc", "step", str(doc["id"]), tid, "--as", "chair", *(["--field", field] if field else []))
    ok(home, "user", "add", "secretary", "--role", "party_secretary", "--place", "石门坎村")
    ok(home, "user", "add", "keeper", "--role", "seal_keeper", "--place", "石门坎村")
    ok(home, "doc", "step", str(doc["id"]), "approve", "--as", "secretary")
    scan = tmp_path / "证明.txt"
    scan.write_text("兹证明张三居住在石门坎村", encoding="utf-8")
    done = ok(home, "doc", "step", str(doc["id"]), "stamp", "--as", "keeper", "--field", "register_no=2026-017",
              "--field", "blank_document=否", "--attach", str(scan))
    attachment = done["history"][-1]["attachments"][0]
    assert (done["state"], attachment["slot"], attachment["filename"]) == ("issued", "certificate_scan", "证明.txt")


def test_list_filters_by_state_and_place(home: Path) -> None:
    start_certificate(home)
    rows = ok(home, "doc", "list", "--place", "石门坎村", "--state", "requested")
    assert rows and {r["state"] for r in rows} == {"requested"}
    assert ok(home, "doc", "list", "--place", "新塘村") == []


def test_unknown_field_exits_2_with_one_line(home: Path) -> None:
    result = run(home, "doc", "start", "F31", "--place", "石门坎村", "--title", "t", "--as", "clerk",
                 "--field", "colour=red")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "colour" in result.stderr and "Traceback" not in result.stderr


def test_wrong_password_exits_3(home: Path) -> None:
    result = run(home, "doc", "start", "F31", "--place", "石门坎村", "--title", "t", "--as", "clerk",
                 password="not-the-password")
    assert (result.returncode, result.stderr.strip()) == (3, "错误：用户名或密码不正确")


def test_cadre_of_another_village_is_refused_with_exit_3(home: Path) -> None:
    doc = start_certificate(home)
    result = run(home, "doc", "step", str(doc["id"]), "list_check", "--as", "other")
    assert result.returncode == 3
    assert "无权查看" in result.stderr


def test_refused_step_exits_5_naming_the_reason(home: Path) -> None:
    doc = start_certificate(home, "无犯罪记录证明")
    result = run(home, "doc", "step", str(doc["id"]), "list_check", "--as", "chair")
    assert result.returncode == 5
    assert "负面清单N01" in result.stderr


def test_stale_version_exits_4(home: Path) -> None:
    doc = start_certificate(home)
    ok(home, "doc", "step", str(doc["id"]), "list_check", "--as", "chair")
    result = run(home, "doc", "step", str(doc["id"]), "verify", "--as", "chair", "--field", "verification=属实",
                 "--expect-version", "0")
    assert result.returncode == 4


def test_commands_before_init_say_to_run_init(tmp_path: Path) -> None:
    result = run(tmp_path / "fresh", "doc", "list")
    assert (result.returncode, result.stderr.strip()) == (1, "错误：数据库尚未初始化，请先运行 cunwu init")


def test_document_diagram_highlights_current_and_visited_states(home: Path, tmp_path: Path) -> None:
    doc = start_certificate(home)
    ok(home, "doc", "step", str(doc["id"]), "list_check", "--as", "chair")
    out = tmp_path / "doc.svg"
    result = run(home, "doc", "diagram", str(doc["id"]), "--out", str(out))
    assert result.returncode == 0, result.stderr
    svg = out.read_text(encoding="utf-8")
    assert 'id="state_verifying" class="node current"' in svg
    assert 'id="state_requested" class="node visited"' in svg
    assert "核实情况" in svg
