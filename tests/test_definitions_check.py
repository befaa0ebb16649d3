"""The checker refuses every kind of bad definition, naming the file, the line and the rule broken,
and the shipped definitions pass it whole."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from workflow.engine import registry as registry_mod
from workflow.errors import DefinitionError

SHIPPED = registry_mod.default_dir()

GOOD = """\
id: sample_flow
version: 1
code: F99
title: 样例流程
items: [Z01]
start:
  title: 申请
  roles: [village_clerk]
  fields:
    - {name: amount, title: 金额, type: amount}
initial: applied
states:
  applied: {title: 已申请}
  reviewed: {title: 已审核}
  done: {title: 已办结, final: true}
transitions:
  - id: review
    title: 审核
    from: applied
    to: reviewed
    roles: [vc_chair]
    fields:
      - {name: tally, title: 表决, type: tally, quorum: rep_assembly}
    conditions:
      - {rule: "amount < 100000", text: 金额须低于十万元}
  - id: finish
    title: 办结
    from: reviewed
    to: done
    roles: [vc_chair]
"""

CATALOGUE = """\
categories:
  service: {title: 便民服务类}
items:
  Z01:
    title: 样例事项
    category: service
    executor: 村委会
    supervisor: 村务监督委员会
    legal_basis: [样例依据]
    flowcharts: [sample_flow]
"""


@pytest.fixture
def defs(tmp_path: Path) -> Path:
    for name in ("roles.yaml", "quorums.yaml", "negative_list.yaml"):
        shutil.copy(SHIPPED / name, tmp_path / name)
    shutil.copytree(SHIPPED / "procedures", tmp_path / "procedures")
    (tmp_path / "catalogue.yaml").write_text(CATALOGUE, encoding="utf-8")
    return tmp_path


def problems_for(defs: Path, text: str) -> list[tuple[str, int, str]]:
    path = defs / "f99_sample.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(DefinitionError) as caught:
        registry_mod.load([defs])
    return [(Path(p.file).name, p.line, p.rule) for p in caught.value.problems]


def test_shipped_definitions_pass_the_checker() -> None:
    reg = registry_mod.load()
    assert len(reg.power_charts()) == 32
    assert [wf.chart.code for wf in reg.voice_charts()] == ["V01", "V02", "V03"]
    assert len(reg.support.catalogue.items) == 28


def test_a_voice_flowchart_may_not_serve_a_power_item(defs: Path) -> None:
    (defs / "v99_sample.yaml").write_text(GOOD.replace("code: F99", "code: V99"), encoding="utf-8")
    assert ("v99_sample.yaml", 1, "voice-with-item") in problems_for(defs, "")


def test_a_recusal_field_must_be_a_text_field_of_the_flowchart(defs: Path) -> None:
    assert ("f99_sample.yaml", 1, "unknown-field") in problems_for(defs, GOOD.replace(
        "initial:", "recuse: [nobody]\ninitial:", 1))


def test_good_sample_passes(defs: Path) -> None:
    (defs / "f99_sample.yaml").write_text(GOOD, encoding="utf-8")
    assert [wf.id for wf in registry_mod.load([defs]).charts()] == ["sample_flow"]


def test_unknown_target_state_is_named_with_its_line(defs: Path) -> None:
    bad = GOOD.replace("    to: done\n", "    to: dne\n")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 26, "unknown-state")]


def test_unreachable_state_is_refused(defs: Path) -> None:
    bad = GOOD.replace("  done: {title: 已办结, final: true}\n",
                       "  done: {title: 已办结, final: true}\n  orphan: {title: 孤立状态, final: true}\n")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 16, "unreachable-state")]


def test_non_final_state_without_exit_is_refused(defs: Path) -> None:
    bad = GOOD.replace("  done: {title: 已办结, final: true}\n",
                       "  done: {title: 已办结, final: true}\n  parked: {title: 搁置}\n")
    bad += "  - {id: park, title: 搁置, from: applied, to: parked, roles: [vc_chair]}\n"
    assert problems_for(defs, bad) == [("f99_sample.yaml", 16, "dead-end-state")]


def test_final_state_with_exit_is_refused(defs: Path) -> None:
    bad = GOOD.replace("  reviewed: {title: 已审核}\n", "  reviewed: {title: 已审核, final: true}\n")
    assert ("f99_sample.yaml", 14, "final-state-exit") in problems_for(defs, bad)


def test_unknown_role_is_refused(defs: Path) -> None:
    bad = GOOD.replace("    roles: [vc_chair]\n    fields:", "    roles: [village_boss]\n    fields:")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 17, "unknown-role")]


def test_duplicate_transition_id_is_refused(defs: Path) -> None:
    bad = GOOD.replace("  - id: finish\n", "  - id: review\n")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 26, "duplicate-id")]


def test_duplicate_yaml_key_is_refused(defs: Path) -> None:
    bad = GOOD.replace("  reviewed: {title: 已审核}\n", "  reviewed: {title: 已审核}\n  applied: {title: 又一个}\n")
    assert ("f99_sample.yaml", 15, "duplicate-key") in problems_for(defs, bad)


def test_duplicate_flowchart_id_across_files_is_refused(defs: Path) -> None:
    (defs / "f98_copy.yaml").write_text(GOOD, encoding="utf-8")
    assert problems_for(defs, GOOD) == [("f99_sample.yaml", 1, "duplicate-id")]


def test_missing_chinese_title_is_refused(defs: Path) -> None:
    bad = GOOD.replace("  reviewed: {title: 已审核}\n", "  reviewed: {title: Reviewed}\n")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 14, "missing-chinese-title")]


def test_condition_that_does_not_parse_is_refused(defs: Path) -> None:
    bad = GOOD.replace('"amount < 100000"', '"amount <<< 100000"')
    assert problems_for(defs, bad) == [("f99_sample.yaml", 17, "bad-rule")]


def test_condition_with_unknown_name_is_refused(defs: Path) -> None:
    bad = GOOD.replace('"amount < 100000"', '"amuont < 100000"')
    assert problems_for(defs, bad) == [("f99_sample.yaml", 17, "unknown-name")]


def test_condition_calling_code_is_refused(defs: Path) -> None:
    bad = GOOD.replace('"amount < 100000"', '"__import__(\'os\').system(\'true\')"')
    assert problems_for(defs, bad) == [("f99_sample.yaml", 17, "bad-rule")]


def test_unknown_quorum_rule_is_refused(defs: Path) -> None:
    bad = GOOD.replace("quorum: rep_assembly", "quorum: rep_asembly")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 17, "unknown-quorum")]


def test_quorum_rule_that_does_not_parse_is_refused(defs: Path) -> None:
    quorums = (defs / "quorums.yaml").read_text(encoding="utf-8")
    (defs / "quorums.yaml").write_text(quorums.replace('"present >= 2/3 * expected and yes > present / 2"',
                                                       '"present >= 2/3 * * expected"', 1), encoding="utf-8")
    found = problems_for(defs, GOOD)
    assert [rule for _, _, rule in found] == ["bad-rule"]
    assert found[0][0] == "quorums.yaml"
    broken = (defs / "quorums.yaml").read_text(encoding="utf-8").splitlines()
    assert found[0][1] == next(i for i, line in enumerate(broken, 1) if "2/3 * * expected" in line)


def test_catalogue_item_without_flowchart_is_refused(defs: Path) -> None:
    (defs / "catalogue.yaml").write_text(CATALOGUE + """\
  Z02:
    title: 无流程事项
    category: service
    executor: 村委会
    supervisor: 村务监督委员会
    legal_basis: [样例依据]
    flowcharts: []
""", encoding="utf-8")
    assert problems_for(defs, GOOD) == [("catalogue.yaml", 11, "item-without-flowchart")]


def test_flowchart_serving_unknown_item_is_refused(defs: Path) -> None:
    bad = GOOD.replace("items: [Z01]", "items: [Z01, Z09]")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 1, "unknown-item")]


def test_unknown_key_is_refused_with_its_line(defs: Path) -> None:
    bad = GOOD.replace("    to: reviewed\n", "    to: reviewed\n    gaurd: x\n")
    assert problems_for(defs, bad) == [("f99_sample.yaml", 21, "schema")]


def test_yaml_syntax_error_is_refused_with_its_line(defs: Path) -> None:
    bad = GOOD.replace("  applied: {title: 已申请}\n", "  applied: {title: 已申请\n")
    found = problems_for(defs, bad)
    assert [rule for _, _, rule in found] == ["yaml-syntax"]


def test_include_with_unmapped_exit_is_refused(defs: Path) -> None:
    bad = GOOD.replace("initial: applied\n", "initial: applied\ninclude:\n"
                       "  - {procedure: four_deliberations, prefix: d, exits: {passed: reviewed}}\n")
    assert ("f99_sample.yaml", 13, "unknown-exit") in problems_for(defs, bad)


def test_cli_check_exits_non_zero_and_names_file_line_rule(defs: Path) -> None:
    (defs / "f99_sample.yaml").write_text(GOOD.replace("    to: done\n", "    to: dne\n"), encoding="utf-8")
    result = subprocess.run(["cunwu", "definitions", "check", str(defs)], capture_output=True, text=True)
    assert result.returncode == 2
    assert f"{defs / 'f99_sample.yaml'}:26: [unknown-state]" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_check_json_lists_problems(defs: Path) -> None:
    (defs / "f99_sample.yaml").write_text(GOOD.replace("    to: done\n", "    to: dne\n"), encoding="utf-8")
    result = subprocess.run(["cunwu", "definitions", "check", "--json", str(defs)], capture_output=True, text=True)
    assert result.returncode == 2
    report = json.loads(result.stdout)
    assert report["ok"] is False
    assert [(p["line"], p["rule"]) for p in report["problems"]] == [(26, "unknown-state")]


def test_start_up_refuses_bad_definitions(defs: Path, tmp_path: Path) -> None:
    (defs / "f99_sample.yaml").write_text(GOOD.replace("    to: done\n", "    to: dne\n"), encoding="utf-8")
    env = {**os.environ, "CUNWU_DEFINITIONS": str(defs), "CUNWU_HOME": str(tmp_path / "home")}
    result = subprocess.run(["cunwu", "doc", "list"], capture_output=True, text=True, env=env)
    assert result.returncode == 2
    assert "[unknown-state]" in result.stderr
