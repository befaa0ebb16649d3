"""The public portal shows a document only once it reached a disclosing state, only the fields the
definitions disclose, ID-card numbers masked; every other address answers 404 like a missing one."""
from __future__ import annotations

import re
import shutil
from typing import Iterator

import pytest

from tests.conftest import PASSWORD, VILLAGE
from tests.web_support import Site, make_site
from workflow.documents.service import Upload
from workflow.engine import registry as registry_mod
from workflow.engine.registry import Registry

ADULTS = "村民会议（按本村十八周岁以上村民计算到会）"
APPLICANT_ID = "431381198001010019"
APPLICANT_PHONE = "13807381234"


@pytest.fixture(scope="module")
def disclosing_id(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    """The shipped definitions, except that a certificate application also asks for a phone number and an
    issued certificate discloses it and the applicant's ID card, so that masking is exercised (no shipped
    flowchart discloses either)."""
    copy = tmp_path_factory.mktemp("definitions") / "definitions"
    shutil.copytree(registry_mod.default_dir(), copy, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    chart = copy / "f31_certificate.yaml"
    text = chart.read_text(encoding="utf-8")
    text = text.replace("disclose: {fields: [certificate_type]}",
                        "disclose: {fields: [certificate_type, applicant_id, applicant_phone]}")
    text = text.replace("    - {name: applicant_id, title: 申请人身份证号, type: id_card}\n",
                        "    - {name: applicant_id, title: 申请人身份证号, type: id_card}\n"
                        "    - {name: applicant_phone, title: 联系电话, type: phone}\n")
    chart.write_text(text, encoding="utf-8")
    return registry_mod.load([copy])


@pytest.fixture(scope="module")
def portal(tmp_path_factory: pytest.TempPathFactory, disclosing_id: Registry) -> Iterator[tuple[Site, dict]]:
    """One county with a certificate issued (public), one in progress, a decision under publicity
    (public, with attachments) and one just proposed."""
    site = make_site(tmp_path_factory.mktemp("portal"), disclosing_id)
    service = site.county.service

    def certificate(title: str) -> int:
        return service.start("village_clerk", "certificate_issuance", VILLAGE, title,
                             {"applicant": "张三", "applicant_id": APPLICANT_ID, "applicant_phone": APPLICANT_PHONE,
                              "certificate_type": "居住证明",
                              "purpose": "办理子女入学"}, password=PASSWORD)

    issued = certificate("张三申请居住证明")
    for user, tid, values, uploads in [
            ("village_clerk", "list_check", {}, []), ("village_clerk", "verify", {"verification": "走访属实"}, []),
            ("party_secretary", "approve", {}, []),
            ("seal_keeper", "stamp", {"register_no": "2026-001", "blank_document": "否"},
             [Upload("certificate_scan", "证明.txt", "证明扫描件".encode())])]:
        service.step(user, issued, tid, values, uploads, password=PASSWORD)
    pending = certificate("李四申请居住证明")
    publicized = site.start_decision(title="修建村组道路")
    for user, tid, values, upload in [
            ("party_secretary", "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"}, "consult_record"),
            ("party_secretary", "d_review", {"review_tally": "30/30/30/0/0"}, "review_minutes"),
            ("vc_chair", "d_resolve", {"decision_body": ADULTS, "resolution_tally": "45/40/35/5/0",
                                       "resolution_summary": "同意修路"}, "resolution_minutes"),
            ("township_reviewer", "d_township_approve", {"township_opinion": "程序合规"}, None)]:
        uploads = [Upload(upload, "记录.txt", "会议记录".encode())] if upload else []
        service.step(user, publicized, tid, values, uploads, password=PASSWORD)
    proposed = site.start_decision(title="村部维修（内部讨论稿）")
    yield site, {"issued": issued, "pending": pending, "publicized": publicized, "proposed": proposed}
    site.close()


def test_issued_certificate_shows_disclosed_fields_with_id_card_and_phone_masked(portal) -> None:
    site, docs = portal
    html = site.client().get(f"/public/d/{docs['issued']}").get_data(as_text=True)
    disclosed = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", html)
    assert disclosed == [("申请人身份证号", "4313**********0019"), ("联系电话", "138****1234"),
                         ("证明类型", "居住证明")]
    assert APPLICANT_ID not in html and APPLICANT_PHONE not in html


def test_public_page_leaves_out_the_title_and_undisclosed_fields(portal) -> None:
    site, docs = portal
    html = site.client().get(f"/public/d/{docs['issued']}").get_data(as_text=True)
    assert "村级证明出具（石门坎村）" in html
    for secret in ("张三申请居住证明", "办理子女入学", "走访属实", "2026-001", "张三"):
        assert secret not in html


def test_document_not_yet_public_answers_exactly_like_a_missing_one(portal) -> None:
    site, docs = portal
    client = site.client()
    hidden = client.get(f"/public/d/{docs['pending']}")
    missing = client.get("/public/d/999999")
    assert (hidden.status_code, missing.status_code) == (404, 404)
    own_path = f"/public/d/{docs['pending']}".encode()
    assert hidden.data.replace(own_path, b"") == missing.data.replace(b"/public/d/999999", b"")


def test_no_guessed_document_address_leaks_a_non_public_record(portal) -> None:
    site, docs = portal
    client = site.client()
    public = {docs["issued"], docs["publicized"]}
    answers = {doc_id: client.get(f"/public/d/{doc_id}").status_code for doc_id in range(0, max(docs.values()) + 3)}
    assert {doc_id for doc_id, status in answers.items() if status == 200} == public
    assert set(answers.values()) == {200, 404}


def test_no_guessed_attachment_address_leaks_a_file(portal) -> None:
    site, docs = portal
    client = site.client()
    served = {(doc_id, seq, index)
              for doc_id in range(1, max(docs.values()) + 2) for seq in range(6) for index in range(2)
              if client.get(f"/public/d/{doc_id}/files/{seq}/{index}").status_code == 200}
    assert served == {(docs["publicized"], seq, 0) for seq in range(4)}


def test_public_attachment_is_a_download(portal) -> None:
    site, docs = portal
    response = site.client().get(f"/public/d/{docs['publicized']}/files/1/0")
    assert (response.status_code, response.data) == (200, "会议记录".encode())
    assert response.headers["Content-Disposition"].startswith("attachment;")


def test_results_board_lists_only_public_documents(portal) -> None:
    site, docs = portal
    html = site.client().get("/public/results").get_data(as_text=True)
    listed = {doc_id for doc_id in docs.values() if f'href="/public/d/{doc_id}"' in html}
    assert listed == {docs["issued"], docs["publicized"]}
    assert "共 2 条" in html


def test_power_list_board_needs_no_login(portal) -> None:
    site, _docs = portal
    response = site.client().get("/public/powers")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A01 村级工程项目建设" in html and "政策依据" in html


def test_flowchart_diagram_is_public(portal) -> None:
    site, _docs = portal
    response = site.client().get("/public/diagrams/F31.svg")
    assert response.status_code == 200
    assert response.mimetype == "image/svg+xml" and "已出具" in response.get_data(as_text=True)


def test_unknown_flowchart_is_404(portal) -> None:
    site, _docs = portal
    assert site.client().get("/public/diagrams/F99.svg").status_code == 404
