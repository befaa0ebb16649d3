"""Audit through the web: verification by document, place or everything, each record valid or failed
with its reason; the checkpoint to keep as an anchor; a document's BagIt export."""
from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

from tests.web_support import Site, page_token, site, tamper_log_entry  # noqa: F401
from workflow.documents.service import Upload
from workflow.ledger.bag import verify_bag


def verify(site: Site, username: str = "auditor", **data: str):
    client = site.client(username)
    return client.post("/audit/verify", data={"csrf_token": page_token(client, "/audit/"), **data})


def verdict(response) -> str:
    return re.search(r'id="verdict">([^<]+)</p>', response.get_data(as_text=True)).group(1)


def test_an_untouched_document_verifies(site: Site) -> None:
    doc_id = site.start_decision()
    response = verify(site, what="doc", doc=str(doc_id))
    assert verdict(response) == "核验通过：核验步骤记录 1 条，没有发现问题。"
    assert re.findall(r'<li id="log-\d+" class="([\w -]+)">', response.get_data(as_text=True)) == ["green status-valid"]


def test_a_tampered_record_is_reported_failed_with_its_reason(site: Site) -> None:
    doc_id = site.start_decision()
    index = site.county.service.show(doc_id).history[0].log_index
    tamper_log_entry(site.county.db, index, "修建二组道路", "修建三组道路")
    html = verify(site, what="doc", doc=str(doc_id)).get_data(as_text=True)
    row = re.search(rf'<li id="log-{index}" class="([\w -]+)">(.*?)</li>', html, re.S)
    assert row.group(1) == "red status-failed"
    assert "签名无效" in row.group(2) and "内容在签名后被改动" in row.group(2)


def test_a_failed_record_reads_in_english_with_its_code(site: Site) -> None:
    doc_id = site.start_decision()
    index = site.county.service.show(doc_id).history[0].log_index
    tamper_log_entry(site.county.db, index, "修建二组道路", "修建三组道路")
    client = site.client("auditor")
    client.get("/audit/?lang=en")
    html = client.post("/audit/verify", data={"csrf_token": page_token(client, "/audit/"), "what": "doc",
                                              "doc": str(doc_id)}).get_data(as_text=True)
    assert "Invalid signature: verification with key" in html and "[bad-signature]" in html


def test_each_record_names_its_step_by_the_signed_flowcharts_title(site: Site) -> None:
    doc_id = site.start_decision()
    site.step("party_secretary", doc_id, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
              (Upload("consult_record", "a.txt", b"a"),))
    html = verify(site, what="doc", doc=str(doc_id)).get_data(as_text=True)
    assert re.findall(r'<span class="step">(.*?)</span>', html) == ["操作 村党组织提议", "操作 村“两委”联席会议商议"]


def test_a_village_can_be_verified(site: Site) -> None:
    site.start_decision()
    site.start_decision()
    response = verify(site, what="place", place="涟源市/石马山镇/石门坎村")
    assert verdict(response) == "核验通过：核验步骤记录 2 条，没有发现问题。"


def test_everything_can_be_verified_from_the_county(site: Site) -> None:
    site.start_decision()
    assert verdict(verify(site, what="all")) == "核验通过：核验步骤记录 1 条，没有发现问题。"


def test_township_inspector_may_not_verify_everything(site: Site) -> None:
    assert verify(site, "township_discipline", what="all").status_code == 403


def test_township_inspector_may_not_verify_another_township(site: Site) -> None:
    response = verify(site, "township_discipline", what="place", place="涟源市/桥头河镇/新塘村")
    assert response.status_code == 403


def test_audit_is_refused_to_a_village_cadre(site: Site) -> None:
    assert site.client("party_secretary").get("/audit/").status_code == 403


def test_checkpoint_download_is_the_latest_signed_note(site: Site) -> None:
    site.start_decision()
    response = site.client("auditor").get("/audit/checkpoint.txt")
    lines = response.get_data(as_text=True).split("\n")
    assert lines[0] == "cunwu.test/lianyuan"
    assert response.headers["Content-Disposition"] == f'attachment; filename="checkpoint-{lines[1]}.txt"'


def test_exported_bag_verifies_offline(site: Site, tmp_path: Path) -> None:
    doc_id = site.start_decision()
    response = site.client("auditor").get(f"/documents/{doc_id}/export.zip")
    zipfile.ZipFile(io.BytesIO(response.data)).extractall(tmp_path)
    assert verify_bag(tmp_path / f"cunwu-doc-{doc_id}").ok


def test_export_is_refused_to_a_cadre_of_another_village(site: Site) -> None:
    doc_id = site.start_decision()
    assert site.client("outsider_village").get(f"/documents/{doc_id}/export.zip").status_code == 403


def test_the_report_downloads_as_the_command_lines_json(site: Site) -> None:
    doc_id = site.start_decision()
    response = verify(site, what="doc", doc=str(doc_id), download="json")
    report = json.loads(response.get_data(as_text=True))
    size = report["size"]
    assert response.headers["Content-Disposition"] == f'attachment; filename="cunwu-verify-doc-{doc_id}-{size}.json"'
    assert (report["ok"], report["checked"], report["failures"]) == (True, 1, [])
    assert [(r["doc_id"], r["transition"], r["valid"]) for r in report["records"]] == [(doc_id, "start", True)]
