"""A cadre's pages: the worklist by colour, the document page, steps through generated forms, refusals
with their reasons, and the signature status beside each record."""
from __future__ import annotations

import re

from markupsafe import escape

from tests.conftest import VILLAGE
from tests.web_support import F01, Site, form_data, page_token, site, tamper_log_entry  # noqa: F401
from web.display import field_rows
from workflow.documents import worklist
from workflow.documents.service import Upload

CONSULT = {"consult_minutes": "同意提交党员大会审议"}
RECORD = {"consult_record": ("两委会议记录.txt", "两委会议记录".encode())}


def post_step(client, doc_id: int, transition: str, **form) -> object:
    csrf = page_token(client, f"/documents/{doc_id}")
    return client.post(f"/documents/{doc_id}/steps/{transition}", data=form_data(transition, csrf, **form),
                       content_type="multipart/form-data")


def test_worklist_colours_and_counts_documents_by_time_limit(site: Site) -> None:
    early = site.start_decision(title="早发起的决策")
    site.county.clock.advance(days=14)
    late = site.start_decision(title="晚发起的决策")
    site.county.clock.advance(days=2)
    html = site.client("party_secretary").get("/").get_data(as_text=True)
    assert f'<li class="red" data-doc="{early}">' in html
    assert f'<li class="green" data-doc="{late}">' in html
    counts = re.findall(r'<div class="count (\w+)"><b>(\d+)</b>', html)
    assert counts == [("red", "1"), ("yellow", "0"), ("green", "1")]


def test_a_long_worklist_is_paged_and_counted_whole(site: Site) -> None:
    docs = [site.start_decision(title=f"第{i}件决策") for i in range(worklist.PER_PAGE + 1)]
    client = site.client("party_secretary")
    first = client.get("/").get_data(as_text=True)
    second = client.get("/?page=2").get_data(as_text=True)
    assert re.findall(r'data-doc="(\d+)"', second) == [str(docs[-1])]
    assert len(re.findall(r'data-doc="', first)) == worklist.PER_PAGE
    assert re.findall(r'<div class="count"><b>(\d+)</b>', first) == [str(len(docs))]
    assert '<span class="small muted">2 / 2</span>' in second


def test_due_within_two_days_is_yellow(site: Site) -> None:
    doc_id = site.start_decision()
    site.county.clock.advance(days=14)
    html = site.client("party_secretary").get("/").get_data(as_text=True)
    assert f'<li class="yellow" data-doc="{doc_id}">' in html


def test_a_step_through_the_form_records_tally_comment_and_attachment(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    response = post_step(client, doc_id, "d_consult", fields=CONSULT, tallies={"consult_tally": (7, 7, 6, 1, 0)},
                         files=RECORD, comment="按时召开")
    assert response.status_code == 302
    step = site.county.service.show(doc_id).history[1]
    assert (step.transition, step.actor, step.comment) == ("d_consult", "party_secretary", "按时召开")
    assert step.fields == {"consult_tally": {"expected": 7, "present": 7, "yes": 6, "no": 1, "abstain": 0},
                              "consult_minutes": "同意提交党员大会审议"}
    assert [(a.slot, a.filename, a.media_type) for a in step.attachments] == [
        ("consult_record", "两委会议记录.txt", "text/plain")]


def test_a_tally_below_the_county_rule_is_refused_with_its_text(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    post_step(client, doc_id, "d_consult", fields=CONSULT, tallies={"consult_tally": (7, 7, 6, 1, 0)}, files=RECORD)
    response = post_step(client, doc_id, "d_review", tallies={"review_tally": (30, 19, 16, 3, 0)},
                         files={"review_minutes": ("党员大会记录.txt", "记录".encode())})
    assert response.status_code == 422
    assert "党员大会表决不符合县规则：党员大会须有应到会党员三分之二以上到会，赞成票须超过应到会党员的半数" \
        in response.get_data(as_text=True)
    assert site.county.service.show(doc_id).state == "d_consulted"


def test_a_blank_required_field_is_named(site: Site) -> None:
    doc_id = site.start_decision()
    response = post_step(site.client("party_secretary"), doc_id, "d_consult",
                         tallies={"consult_tally": (7, 7, 6, 1, 0)}, files=RECORD)
    assert response.status_code == 422
    assert "缺少必填项“商议意见”" in response.get_data(as_text=True)


def test_a_malformed_number_is_refused_by_the_service_field_rules(site: Site) -> None:
    doc_id = site.start_decision()
    response = post_step(site.client("party_secretary"), doc_id, "d_consult", fields=CONSULT,
                         tallies={"consult_tally": ("七", 7, 6, 1, 0)}, files=RECORD)
    assert response.status_code == 400
    assert "字段“两委会议表决”（consult_tally）：“应到”须为整数" in response.get_data(as_text=True)


def test_a_stale_form_is_refused_as_a_conflict(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    csrf = page_token(client, f"/documents/{doc_id}")
    data = form_data("d_consult", csrf, CONSULT, {"consult_tally": (7, 7, 6, 1, 0)}, RECORD)
    data["d_consult-expected_version"] = "0"
    site.step("party_secretary", doc_id, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "先办"},
              (Upload("consult_record", "a.txt", b"a"),))
    site.step("party_secretary", doc_id, "d_withdraw_consult", {"withdraw_reason": "重议"})
    response = client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")
    assert response.status_code == 409
    assert "已被他人办理" in response.get_data(as_text=True)


def test_an_unavailable_step_says_why(site: Site) -> None:
    doc_id = site.start_decision()
    html = site.client("vc_chair").get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "村“两委”联席会议商议 → 村“两委”商议通过（不可办理）" in html
    assert "需要在石门坎村/石马山镇/涟源市担任以下角色之一：村党组织书记" in html
    assert 'id="form-d_consult"' not in html


def test_step_form_is_generated_from_the_definition(site: Site) -> None:
    doc_id = site.start_decision()
    html = site.client("party_secretary").get(f"/documents/{doc_id}").get_data(as_text=True)
    form = html[html.index('id="form-d_consult"'):]
    form = form[:form.index("</form>")]
    names = re.findall(r'name="(d_consult-[\w-]+)"', form)
    assert names == ["d_consult-csrf_token", "d_consult-expected_version",
                     "d_consult-v__consult_tally__expected", "d_consult-v__consult_tally__present",
                     "d_consult-v__consult_tally__yes", "d_consult-v__consult_tally__no",
                     "d_consult-v__consult_tally__abstain", "d_consult-v__consult_minutes",
                     "d_consult-file__consult_record", "d_consult-file__other", "d_consult-comment",
                     "d_consult-password"]


def test_starting_a_document_through_the_form(site: Site) -> None:
    client = site.client("party_secretary")
    csrf = page_token(client, "/documents/new/F01")
    data = form_data("start", csrf, {"matter": "修建文化广场", "amount": "120000", "item": "村级工程项目建设",
                                     "counterparty": "不涉及"},
                     files={"proposal": ("方案.pdf", b"%PDF-1.4\n%%EOF\n")})
    data.update({"start-title": "修建文化广场", "start-place": f"涟源市/石马山镇/{VILLAGE}"})
    response = client.post("/documents/new/F01", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    doc_id = int(response.headers["Location"].rsplit("/", 1)[1])
    view = site.county.service.show(doc_id)
    assert (view.title, view.state, view.data) == ("修建文化广场", "d_proposed",
                                                   {"matter": "修建文化广场", "amount": "120000.00",
                                                    "item": "村级工程项目建设", "counterparty": "不涉及",
                                                    "involves_land": False})


def test_start_page_is_refused_to_a_role_that_cannot_start_it(site: Site) -> None:
    assert site.client("vc_member").get("/documents/new/F01").status_code == 403


def test_every_record_shows_a_valid_signature(site: Site) -> None:
    doc_id = site.start_decision()
    site.step("party_secretary", doc_id, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
              (Upload("consult_record", "a.txt", b"a"),))
    html = site.client("party_secretary").get(f"/documents/{doc_id}").get_data(as_text=True)
    assert len(re.findall(r'<span class="sig valid">签名有效 · 日志第 \d+ 条</span>', html)) == 2


def test_a_tampered_record_is_shown_failed(site: Site) -> None:
    doc_id = site.start_decision()
    view = site.step("party_secretary", doc_id, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
                     (Upload("consult_record", "a.txt", b"a"),))
    tamper_log_entry(site.county.db, view.history[1].log_index, "同意", "反对")
    html = site.client("party_secretary").get(f"/documents/{doc_id}").get_data(as_text=True)
    record = html[html.index('id="record-1"'):]
    assert record.startswith('id="record-1" class="failed">')
    assert "签名无效" in record[:record.index("</li>")]


def test_the_flowchart_highlights_current_and_visited_states(site: Site) -> None:
    doc_id = site.start_decision()
    site.step("party_secretary", doc_id, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
              (Upload("consult_record", "a.txt", b"a"),))
    svg = site.client("party_secretary").get(f"/documents/{doc_id}/diagram.svg").get_data(as_text=True)
    assert re.search(r'<g id="state_d_consulted" class="node current">', svg)
    assert re.search(r'<g id="state_d_proposed" class="node visited">', svg)


def test_the_diagram_address_changes_with_each_step_so_a_cached_image_is_never_stale(site: Site) -> None:
    """The diagram may be cached for minutes; a step must give the page a new address for it."""
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    before = re.search(r'<img id="diagram" src="([^"]+)"', client.get(f"/documents/{doc_id}").get_data(as_text=True))
    post_step(client, doc_id, "d_consult", fields=CONSULT, tallies={"consult_tally": (7, 7, 6, 1, 0)}, files=RECORD)
    after = re.search(r'<img id="diagram" src="([^"]+)"', client.get(f"/documents/{doc_id}").get_data(as_text=True))
    assert (before.group(1), after.group(1)) == (f"/documents/{doc_id}/diagram.svg?v=0",
                                                 f"/documents/{doc_id}/diagram.svg?v=1")
    svg = client.get(after.group(1)).get_data(as_text=True)
    assert '<g id="state_d_consulted" class="node current">' in svg


def test_power_list_shows_every_item_with_its_flowcharts(site: Site) -> None:
    html = site.client("party_secretary").get("/powers/").get_data(as_text=True)
    assert len(re.findall(r'<li class="item" id="item-[ABC]\d\d">', html)) == 28
    assert '<a href="/powers/F01">F01 村级重大事项决策（“四议两公开”通用流程）</a>' in html


def test_power_list_names_each_items_executor_supervisor_and_legal_basis(site: Site) -> None:
    html = site.client("party_secretary").get("/powers/").get_data(as_text=True)
    items = site.county.registry.support.catalogue.items
    for code, item in items.items():
        entry = html[html.index(f'<li class="item" id="item-{code}">'):]
        entry = entry[:entry.index("</li>")]
        assert f"<b>执行主体</b>：{escape(item.executor)}</div>" in entry
        assert f"<b>监督主体</b>：{escape(item.supervisor)}</div>" in entry
        assert f"<b>政策依据</b>：{escape('；'.join(item.legal_basis))}</div>" in entry
    assert len(items) == 28


def test_the_summary_reads_in_the_order_the_fields_were_recorded(registry) -> None:
    """F01 includes the shared consultation steps after its own result steps; a summary in definition
    order would put the result before the meetings that led to it."""
    wf = registry.get(F01)
    values = {"result_summary": "道路已建成", "consult_tally": {"expected": 7, "present": 7, "yes": 6, "no": 1,
                                                                "abstain": 0},
              "matter": "修建二组道路", "consult_minutes": "同意"}
    steps = [["matter"], ["consult_minutes", "consult_tally"], ["result_summary"]]
    assert [r.title for r in field_rows(wf, values, steps=steps)] == [
        "决策事项", "两委会议表决", "商议意见", "实施结果（含资金使用情况）"]
    assert [r.title for r in field_rows(wf, values)] == [
        "决策事项", "实施结果（含资金使用情况）", "两委会议表决", "商议意见"]
