"""The portal's voice pages: a villager raises 诉求, 举报 and 异议 without an account, follows and rates them
by 查询码, reads the 回音壁 and prints 码上监督 codes; the abuse controls (question, rate limit, upload and
size checks, escaping) and anonymity on every public page, snippet and record."""
from __future__ import annotations

import re
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
import segno
import zxingcpp

from search.permissions import PlaceRef
from search.records import records_for
from tests.conftest import PASSWORD, VILLAGE
from tests.test_voice import posted_notice
from tests.voice_support import receipt_code, solve, submit
from tests.web_support import Site, index_county, make_site, page_token
from web.voice import qr_svg
from workflow.engine.registry import Registry
from workflow.people import directory

NAME, PHONE = "王秀英", "13912345678"
HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.fixture(scope="module")
def voiced(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Iterator[Site]:
    made = make_site(tmp_path_factory.mktemp("voice"), registry, VOICE_SUBMIT_LIMIT="1000 per hour")
    yield made
    made.close()


def village(site: Site, name: str = VILLAGE) -> int:
    with site.county.db.read() as s:
        return directory.find_place(s, name).id


def track(client, code: str):
    return client.post("/public/voice/track", data={"csrf_token": page_token(client, "/public/voice/track"),
                                                     "code": code})


def test_a_villages_qr_code_opens_its_page(voiced: Site) -> None:
    client = voiced.client()
    vid = village(voiced)
    svg = client.get(f"/public/qr/v/{vid}.svg")
    assert svg.status_code == 200 and svg.mimetype == "image/svg+xml"
    title = re.search(r"<title>([^<]+)</title>", svg.get_data(as_text=True)).group(1)
    assert title == f"http://localhost/public/v/{vid}"
    qr = segno.make(title, error="m")
    assert svg.get_data() == qr_svg(title) and b'xmlns="http://www.w3.org/2000/svg"' in svg.get_data()
    pixels = np.array([[0 if d else 255 for d in row] for row in qr.matrix_iter(scale=4, border=4)], dtype=np.uint8)
    assert zxingcpp.read_barcodes(pixels)[0].text == title
    page = client.get(title.removeprefix("http://localhost")).get_data(as_text=True)
    assert VILLAGE in page and 'id="raise-petition"' in page and 'id="raise-report"' in page


def test_qr_codes_use_the_configured_public_address(tmp_path: Path, registry: Registry) -> None:
    site = make_site(tmp_path, registry, PUBLIC_BASE_URL="https://cunwu.example.cn/")
    try:
        svg = site.client().get(f"/public/qr/v/{village(site)}.svg").get_data(as_text=True)
        assert f"<title>https://cunwu.example.cn/public/v/{village(site)}</title>" in svg
    finally:
        site.close()


def test_a_document_qr_code_only_for_a_public_document(voiced: Site) -> None:
    client = voiced.client()
    notice = posted_notice(voiced.county)
    assert f"/public/d/{notice}</title>" in client.get(f"/public/qr/d/{notice}.svg").get_data(as_text=True)
    hidden = voiced.start_decision()
    assert client.get(f"/public/qr/d/{hidden}.svg").status_code == 404
    assert client.get("/public/qr/v/999999.svg").status_code == 404


def test_the_print_page_holds_the_village_code_and_each_notice_in_progress(voiced: Site) -> None:
    notice = posted_notice(voiced.county)
    page = voiced.client().get(f"/public/print/v/{village(voiced)}").get_data(as_text=True)
    assert f'src="/public/qr/v/{village(voiced)}.svg"' in page
    assert f'src="/public/qr/d/{notice}.svg"' in page and "print-card" in page


def test_a_petition_gets_a_code_that_follows_it(voiced: Site) -> None:
    client = voiced.client()
    response = submit(client, f"kind=petition&village={village(voiced)}",
                      {"category": "建议", "content": "建议在村口设置减速带", "identity": "anonymous"})
    assert response.status_code == 200
    code = receipt_code(response.get_data(as_text=True))
    tracked = track(client, code).get_data(as_text=True)
    assert "建议在村口设置减速带" in tracked and "已登记，待乡镇受理" in tracked and 'id="rate-form"' not in tracked


def test_a_wrong_answer_to_the_question_is_refused_and_nothing_is_written(voiced: Site) -> None:
    before = voiced.county.service.count()
    response = submit(voiced.client(), f"kind=petition&village={village(voiced)}",
                      {"category": "建议", "content": "路灯", "identity": "anonymous"}, wrong=True)
    assert response.status_code == 400 and "验证题答案不正确" in response.get_data(as_text=True)
    assert voiced.county.service.count() == before


def test_a_solved_question_cannot_be_used_twice(voiced: Site) -> None:
    client = voiced.client()
    html = client.get(f"/public/voice/new?kind=petition&village={village(voiced)}").get_data(as_text=True)
    value, challenge = solve(html)
    data = {"csrf_token": page_token(client, "/public/voice/track"), "challenge": value,
            "challenge_token": challenge, "category": "建议", "identity": "anonymous"}
    url = f"/public/voice/new?kind=petition&village={village(voiced)}"
    assert client.post(url, data={**data, "content": "第一次"}).status_code == 200
    again = client.post(url, data={**data, "content": "第二次"})
    assert again.status_code == 400 and "验证题已过期或已使用" in again.get_data(as_text=True)


def test_the_rate_limit_refuses_a_client_past_its_allowance(tmp_path: Path, registry: Registry) -> None:
    site = make_site(tmp_path, registry, VOICE_SUBMIT_LIMIT="2 per hour")
    try:
        client = site.client()
        query = f"kind=petition&village={village(site)}"
        statuses = [submit(client, query, {"category": "求助", "content": f"第{n}件事", "identity": "anonymous"})
                    .status_code for n in range(3)]
        assert statuses == [200, 200, 429]
        assert site.county.service.count() == 2
        other = site.app.test_client()
        other.environ_base["REMOTE_ADDR"] = "10.0.0.9"
        other_villager = {"category": "求助", "content": "另一位村民", "identity": "anonymous"}
        assert submit(other, query, other_villager).status_code == 200
    finally:
        site.close()


def test_evidence_must_be_a_photo_or_pdf_that_is_what_it_says(voiced: Site) -> None:
    query = f"kind=petition&village={village(voiced)}"
    base = {"category": "投诉", "identity": "anonymous"}
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    assert submit(voiced.client(), query, {**base, "content": "附照片"},
                  {"evidence": (BytesIO(png), "路灯.png")}).status_code == 200
    fake = submit(voiced.client(), query, {**base, "content": "假照片"},
                  {"evidence": (BytesIO(b"MZ\x90\x00 not a png"), "路灯.png")})
    assert fake.status_code == 400 and "内容与扩展名不符" in fake.get_data(as_text=True)
    word = submit(voiced.client(), query, {**base, "content": "文本"},
                  {"evidence": (BytesIO(b"plain text"), "说明.txt")})
    assert word.status_code == 400 and "须为照片（JPG、PNG）或 PDF 文件" in word.get_data(as_text=True)


def test_too_long_a_text_is_refused_with_its_length(voiced: Site) -> None:
    response = submit(voiced.client(), f"kind=petition&village={village(voiced)}",
                      {"category": "投诉", "content": "字" * 2001, "identity": "anonymous"})
    assert response.status_code == 400 and "不能超过 2000 字（现为 2001 字）" in response.get_data(as_text=True)


def test_an_objection_on_a_notice_holds_it_open_and_its_answer_is_shown_with_it(voiced: Site) -> None:
    county = voiced.county
    notice = posted_notice(county)
    client = voiced.client()
    public = client.get(f"/public/d/{notice}").get_data(as_text=True)
    assert f'href="/public/voice/new?kind=objection&amp;doc={notice}"' in public
    response = submit(client, f"kind=objection&doc={notice}",
                      {"content": "公开的支出少了三月份", "identity": "anonymous"})
    code = receipt_code(response.get_data(as_text=True))
    objection = county.intake.track(code).document_id
    county.clock.pass_deadline(county.service.show(notice).due_at)
    cadre = voiced.client("vc_chair")
    page = cadre.get(f"/documents/{notice}").get_data(as_text=True)
    assert "公示期间有村民异议尚未办结" in page
    county.service.step("vc_chair", objection, "answer", {"finding": "异议成立", "answer": "已补充三月份明细"},
                        password=PASSWORD)
    shown = client.get(f"/public/d/{notice}").get_data(as_text=True)
    assert "已补充三月份明细" in shown and "公开的支出少了三月份" in shown
    rated = client.post("/public/voice/rate", data={"csrf_token": page_token(client, "/public/voice/track"),
                                                      "code": code, "rating": "satisfied", "note": ""})
    assert rated.status_code == 200 and "评价已记录" in rated.get_data(as_text=True)
    assert "已补充三月份明细" in client.get("/public/voice").get_data(as_text=True)


def test_a_report_goes_to_the_discipline_commission_and_not_to_the_cadre(voiced: Site) -> None:
    response = submit(voiced.client(), f"kind=report&village={village(voiced)}",
                      {"accused": "vc_chair", "content": "村主任挪用修路款", "identity": "named", "name": NAME,
                       "phone": PHONE})
    doc = voiced.county.intake.track(receipt_code(response.get_data(as_text=True))).document_id
    discipline = voiced.client("township_discipline")
    assert f'/documents/{doc}"' in discipline.get("/").get_data(as_text=True)
    page = discipline.get(f"/documents/{doc}").get_data(as_text=True)
    assert NAME in page and PHONE in page and "村主任挪用修路款" in page
    accused = voiced.client("vc_chair")
    assert accused.get(f"/documents/{doc}").status_code in (403, 404)
    assert f'/documents/{doc}"' not in accused.get("/").get_data(as_text=True)
    assert "村主任挪用修路款" not in voiced.client().get("/public/voice").get_data(as_text=True)


def test_what_a_submitter_sends_reaches_a_cadres_page_escaped(voiced: Site) -> None:
    response = submit(voiced.client(), f"kind=petition&village={village(voiced)}",
                      {"category": "投诉", "content": HOSTILE, "identity": "named", "name": "<b>王</b>",
                       "phone": PHONE})
    doc = voiced.county.intake.track(receipt_code(response.get_data(as_text=True))).document_id
    page = voiced.client("township_reviewer").get(f"/documents/{doc}").get_data(as_text=True)
    assert "&lt;script&gt;alert(" in page and "&lt;b&gt;王&lt;/b&gt;" in page
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>王</b>" not in page


def test_no_public_page_record_or_snippet_names_the_submitter(voiced: Site) -> None:
    county = voiced.county
    client = voiced.client()
    response = submit(client, f"kind=petition&village={village(voiced)}",
                      {"category": "投诉", "content": "三组水井被污染", "identity": "named", "name": NAME,
                       "phone": PHONE})
    code = receipt_code(response.get_data(as_text=True))
    doc = county.intake.track(code).document_id
    for who, step, values in [("township_reviewer", "accept", {}), ("township_reviewer", "assign_village", {}),
                              ("vc_chair", "answer_village", {"answer": "已联系水务站检测消毒"})]:
        county.service.step(who, doc, step, values, password=PASSWORD)
    index_county(voiced)
    pages = ["/public/", "/public/voice", f"/public/voice?village={village(voiced)}", f"/public/v/{village(voiced)}",
             f"/public/d/{doc}", "/public/results", f"/public/print/v/{village(voiced)}"]
    for url in pages:
        html = client.get(url).get_data(as_text=True)
        assert NAME not in html and PHONE not in html, url
    assert "已联系水务站检测消毒" in client.get("/public/voice").get_data(as_text=True)
    tracked = track(client, code).get_data(as_text=True)
    assert "已联系水务站检测消毒" in tracked and NAME not in tracked and PHONE not in tracked
    view = county.service.show(doc)
    with county.db.read() as s:
        chain = [PlaceRef(p.id, p.name, p.kind) for p in directory.find_place(s, VILLAGE).chain()]
    wf = county.registry.get("petition")
    for record in records_for(view, wf, chain, lambda attachment: ""):
        assert NAME not in str(record) and PHONE not in str(record)
    archive = voiced.client("township_reviewer").get("/archive?q=水井").get_data(as_text=True)
    assert "水井" in archive and NAME not in archive and PHONE not in archive
