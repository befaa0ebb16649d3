"""`cunwu search` and `cunwu reindex` as a clerk uses them: real processes on a real data directory,
results limited to what the person may see, one-line errors, the index check, saved searches."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from search.engine import engine_of
from tests.test_cli import ID_CARD, home, ok, run  # noqa: F401  (home: a data directory of this module's own)


def certificate(home: Path, applicant: str, village: str = "石门坎村", user: str = "clerk") -> int:
    return ok(home, "doc", "start", "F31", "--place", village, "--title", f"{applicant}申请居住证明", "--as", user,
              "--field", f"applicant={applicant}", "--field", f"applicant_id={ID_CARD}",
              "--field", "certificate_type=居住证明", "--field", "purpose=子女入学")["id"]


def hits(home: Path, *args: str) -> list[int]:
    return [hit["doc_id"] for hit in ok(home, "search", *args)["hits"]]


def test_a_name_is_found_with_the_match_highlighted(home: Path) -> None:
    doc_id = certificate(home, "欧阳春")
    result = ok(home, "search", "欧阳春", "--as", "clerk")
    assert [hit["doc_id"] for hit in result["hits"]] == [doc_id]
    assert result["hits"][0]["title_html"] == '<mark class="hit term0">欧阳春</mark>申请居住证明'
    assert result["facets"]["village"] == [{"key": "涟源市/石马山镇/石门坎村", "label": "石门坎村", "count": 1}]


def test_the_text_output_marks_matches_with_brackets(home: Path) -> None:
    certificate(home, "司马秋")
    result = run(home, "search", "司马秋", "--as", "clerk")
    assert result.returncode == 0, result.stderr
    assert "【司马秋】申请居住证明" in result.stdout


def test_a_cadre_of_another_village_does_not_find_this_villages_records(home: Path) -> None:
    theirs = certificate(home, "上官冬", village="新塘村", user="other")
    assert (hits(home, "上官冬", "--as", "clerk"), hits(home, "上官冬", "--as", "other")) == ([], [theirs])


def test_without_a_person_only_disclosed_records_are_searched(home: Path) -> None:
    certificate(home, "诸葛夏")
    assert hits(home, "诸葛夏") == []


def test_filters_narrow_by_place_flowchart_and_state(home: Path) -> None:
    doc_id = certificate(home, "皇甫秋")
    assert hits(home, "皇甫秋", "--as", "clerk", "--place", "石门坎村", "--definition", "F31",
                "--state", "requested") == [doc_id]
    assert hits(home, "皇甫秋", "--as", "clerk", "--state", "issued") == []


def test_an_unbalanced_quote_is_one_line_error_exit_2(home: Path) -> None:
    result = run(home, "search", '"张三', "--as", "clerk")
    assert (result.returncode, result.stderr.strip().splitlines()) == (
        2, ["错误：引号不配对：第 1 个字符 \" 没有对应的右引号。"])


def test_an_impossible_date_is_refused_naming_the_option(home: Path) -> None:
    result = run(home, "search", "张三", "--from", "2026-02-30")
    assert (result.returncode, result.stderr.strip()) == (2, "错误：起始日期“2026-02-30”不是日期，格式为 YYYY-MM-DD")


def test_check_reports_a_pending_step_until_a_search_applies_it(home: Path) -> None:
    ok(home, "search", "--as", "clerk")
    doc_id = certificate(home, "东方晓")
    before = run(home, "search", "--check", "--json")
    assert (before.returncode, json.loads(before.stdout)["pending"], json.loads(before.stdout)["missing"]) == (
        1, 1, [doc_id])
    ok(home, "search", "--as", "clerk")
    assert ok(home, "search", "--check") == {"ok": True, "pending": 0, "missing": [], "stale": [], "orphaned": []}


def test_reindex_rebuilds_a_deleted_index(home: Path) -> None:
    doc_id = certificate(home, "慕容雪")
    ok(home, "search", "--as", "clerk")
    shutil.rmtree(home / "index")
    assert run(home, "search", "--check").returncode == 1
    assert ok(home, "reindex")["ok"] is True
    assert hits(home, "慕容雪", "--as", "clerk") == [doc_id]


def test_a_saved_search_is_kept_as_criteria_and_runs_again(home: Path) -> None:
    doc_id = certificate(home, "令狐风")
    saved = ok(home, "search", "令狐风", "--as", "clerk", "--definition", "F31", "--save", "令狐风的证明")
    with sqlite3.connect(home / "cunwu.db") as db:
        stored = db.execute("SELECT criteria FROM saved_searches WHERE id = ?", (saved["saved_id"],)).fetchone()[0]
    assert json.loads(stored) == {
        "format": 1, "query": "令狐风", "definition": "F31", "place": None, "state": None, "item": None,
        "category": None, "person": None, "actor": None, "date_from": None, "date_to": None, "amount_min": None,
        "amount_max": None, "kind": "document", "sort": "relevance"}
    assert hits(home, "--as", "clerk", "--saved", "令狐风的证明") == [doc_id]


def test_a_saved_search_of_someone_else_is_not_found(home: Path) -> None:
    ok(home, "search", "张三", "--as", "clerk", "--save", "文书的检索")
    result = run(home, "search", "--as", "other", "--saved", "文书的检索")
    assert (result.returncode, result.stderr.strip()) == (2, "错误：other 没有名为“文书的检索”的保存检索")


def test_reindex_with_an_engine_moves_the_installation_and_searches_go_on(home: Path) -> None:
    doc_id = certificate(home, "西门雨")
    for engine in ("tantivy", "whoosh"):
        result = ok(home, "reindex", "--engine", engine)
        assert (result["engine"], result["ok"]) == (engine, True)
        assert (home / "index" / "ENGINE").read_text().strip() == engine
        assert hits(home, "西门雨", "--as", "clerk") == [doc_id]


def test_reindex_with_an_unknown_engine_is_refused_and_changes_nothing(home: Path) -> None:
    before = (home / "index" / "ENGINE").read_text() if (home / "index" / "ENGINE").exists() else None
    result = run(home, "reindex", "--engine", "lucene")
    assert result.returncode == 2
    assert "lucene" in result.stderr and "Traceback" not in result.stderr
    assert ((home / "index" / "ENGINE").read_text() if (home / "index" / "ENGINE").exists() else None) == before


def test_a_new_installation_gets_the_engine_its_settings_file_names(tmp_path: Path) -> None:
    fresh = tmp_path / "fresh"
    config = tmp_path / "cunwu.toml"
    config.write_text('search_engine = "tantivy"\n', encoding="utf-8")
    ok(fresh, "--config", str(config), "init")
    assert ok(fresh, "--config", str(config), "search")["total"] == 0
    assert (engine_of(fresh / "index"), ok(fresh, "--config", str(config), "reindex")["engine"]) == (
        "tantivy", "tantivy")
