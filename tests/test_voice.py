"""Villagers' voice through the portal's intake: 诉求, 举报 and 异议 signed by the portal's desk, followed and
rated by 查询码; contacts off the signed log; the 举报's recusal; an open 异议 holding its 公示 open;
duplicates merged; the 回音壁's figures from a known set. SQLite and PostgreSQL alike."""
from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import COUNTY, OTHER_VILLAGE, PASSWORD, TOWNSHIP, VILLAGE, County
from tests.test_flowchart_paths import scenario, walk
from workflow.documents import objections
from workflow.documents.service import Upload
from workflow.documents.worklist import for_user
from workflow.errors import InputError, NotFound, PermissionDenied, StepRefused
from workflow.ledger import records
from workflow.people import directory
from workflow.store.tables import LogEntry, VoiceTicket
from workflow.voice import figures, queries
from workflow.voice.intake import Submission

CODE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$")


def village_id(county: County, name: str = VILLAGE) -> int:
    with county.db.read() as s:
        return directory.find_place(s, name).id


def petition(county: County, text: str = "二组路灯坏了三个月没人修", **extra) -> Submission:
    return Submission(kind="petition", village_id=village_id(county), content=text,
                      category=extra.pop("category", "投诉"), **extra)


def posted_notice(county: County) -> int:
    """An F13 村务公开 on the notice board (a 公示 in progress)."""
    wf = county.registry.get("village_affairs_disclosure")
    view = walk(county, wf, scenario(wf.id), ["submit_plan", "vsc_pass", "joint_approve"])
    assert view.state == "posted"
    return view.id


def answer_village(county: County, doc_id: int, answer: str = "已安排电工本周修复") -> None:
    county.service.step("township_reviewer", doc_id, "accept", {}, password=PASSWORD)
    county.service.step("township_reviewer", doc_id, "assign_village", {}, password=PASSWORD)
    county.service.step("vc_chair", doc_id, "answer_village", {"answer": answer}, password=PASSWORD)


def test_an_anonymous_petition_is_a_document_signed_by_the_portal(county: County) -> None:
    receipt = county.intake.submit(petition(county))
    assert CODE.match(receipt.code) and not receipt.merged
    view = county.service.show(receipt.document_id)
    assert (view.workflow, view.state) == ("petition", "registered")
    assert view.place == f"{COUNTY}/{TOWNSHIP}/{VILLAGE}"
    start = view.history[0]
    assert (start.actor, start.role) == (directory.PORTAL_USERNAME, "villager")
    assert view.data == {"category": "投诉", "content": "二组路灯坏了三个月没人修", "named": False}


def test_a_named_submitters_contact_stays_off_the_signed_log(county: County) -> None:
    receipt = county.intake.submit(petition(county, "村口垃圾堆放点无人清运", name="王秀英", phone="13912345678"))
    assert [(c.name, c.phone) for c in county.intake.contacts(receipt.document_id)] == [("王秀英", "13912345678")]
    assert county.service.show(receipt.document_id).data["named"] is True
    with county.db.read() as s:
        leaves = [records.open_envelope(e.leaf_input).payload for e in s.scalars(select(LogEntry))]
    assert not [p for p in leaves if "王秀英".encode() in p or b"13912345678" in p]
    assert any("村口垃圾堆放点无人清运".encode() in p for p in leaves)


def test_only_the_code_hash_is_stored(county: County) -> None:
    receipt = county.intake.submit(petition(county))
    with county.db.read() as s:
        stored = s.scalar(select(VoiceTicket.code_hash))
    assert stored != receipt.code and receipt.code.replace("-", "") not in stored
    assert county.intake.track(receipt.code.lower().replace("-", " ")).document_id == receipt.document_id


@pytest.mark.parametrize("given,code", [
    ({"content": "  "}, "voice.content-empty"),
    ({"content": "长" * 2001}, "voice.content-too-long"),
    ({"name": "王秀英"}, "voice.named-needs-both"),
    ({"name": "王秀英", "phone": "12345"}, "voice.bad-phone"),
    ({"category": "闲聊"}, "voice.bad-category"),
    ({"content": "路灯\x07坏了"}, "voice.control-characters"),
])
def test_bad_submissions_are_refused_by_code_and_write_nothing(shared_county: County, given: dict,
                                                                code: str) -> None:
    before = shared_county.service.count()
    given = dict(given)
    sub = petition(shared_county, given.pop("content", "路灯坏了"), **given)
    with pytest.raises(InputError) as refused:
        shared_county.intake.submit(sub)
    assert refused.value.message.code == code
    assert shared_county.service.count() == before


def test_a_wrong_code_is_refused(shared_county: County) -> None:
    with pytest.raises(NotFound) as refused:
        shared_county.intake.track("0000-0000-0000")
    assert refused.value.message.code == "voice.no-such-code"


def test_a_repeated_petition_is_merged_and_only_the_first_code_rates(county: County) -> None:
    first = county.intake.submit(petition(county, "二组路灯坏了三个月没人修！"))
    second = county.intake.submit(petition(county, "二组 路灯坏了，三个月没人修", name="李四", phone="13800138000"))
    assert (second.merged, second.document_id) == (True, first.document_id)
    assert second.code != first.code and county.service.count() == 1
    assert county.intake.duplicates(first.document_id) == 1
    answer_village(county, first.document_id)
    assert county.intake.track(second.code).can_rate is False
    with pytest.raises(InputError) as refused:
        county.intake.rate(second.code, satisfied=True)
    assert refused.value.message.code == "voice.merged-cannot-rate"
    assert county.intake.rate(first.code, satisfied=True).state_title == "已办结"


def test_the_villager_follows_and_rates_the_answer_with_the_code(county: County) -> None:
    receipt = county.intake.submit(petition(county))
    assert county.intake.track(receipt.code).can_rate is False
    with pytest.raises(InputError) as early:
        county.intake.rate(receipt.code, satisfied=True)
    assert early.value.message.code == "voice.cannot-rate"
    answer_village(county, receipt.document_id)
    tracked = county.intake.track(receipt.code)
    assert tracked.can_rate and ("答复意见", "已安排电工本周修复") in tracked.answers
    with pytest.raises(InputError) as reasonless:
        county.intake.rate(receipt.code, satisfied=False)
    assert reasonless.value.message.code == "voice.reason-required"
    rated = county.intake.rate(receipt.code, satisfied=False, note="一周过去了还没修")
    assert rated.state_title == "村民不满意，乡镇复查"
    assert county.service.show(receipt.document_id).history[-1].actor == directory.PORTAL_USERNAME


def test_a_report_reaches_the_township_discipline_and_never_the_cadre_it_names(county: County) -> None:
    receipt = county.intake.submit(Submission(kind="report", village_id=village_id(county), accused="vc_chair",
                                              content="村主任在低保评议中优亲厚友"))
    doc = receipt.document_id
    assert [t.doc_id for t in for_user(county.db, county.registry, "township_discipline", county.clock())] == [doc]
    with county.db.write() as s:  # even holding the 纪委 role, the named cadre is recused
        directory.grant(s, county.registry.support, directory.find_user(s, "vc_chair"), "township_discipline",
                        TOWNSHIP)
    with pytest.raises(PermissionDenied):
        county.service.show(doc, "vc_chair")
    with pytest.raises(PermissionDenied):
        county.service.step("vc_chair", doc, "accept", {}, password=PASSWORD)
    assert doc not in [t.doc_id for t in for_user(county.db, county.registry, "vc_chair", county.clock())]
    assert doc not in [d.id for d in county.service.list(username="vc_chair")]
    with pytest.raises(PermissionDenied):
        county.service.show(doc, "party_secretary")
    assert county.service.step("township_discipline", doc, "accept", {}, password=PASSWORD).state == "investigating"


def test_a_report_may_only_name_a_cadre_of_the_village(shared_county: County) -> None:
    with pytest.raises(InputError) as refused:
        shared_county.intake.submit(Submission(kind="report", village_id=village_id(shared_county),
                                               accused="township_reviewer", content="乡镇审核员收受礼金"))
    assert refused.value.message.code == "voice.not-a-cadre"
    names = {c.username for c in shared_county.intake.cadres(village_id(shared_county))}
    assert {"party_secretary", "vc_chair", "vsc_chair"} <= names and "township_reviewer" not in names


def test_an_open_objection_keeps_the_notice_from_closing(county: County) -> None:
    notice = posted_notice(county)
    receipt = county.intake.submit(Submission(kind="objection", village_id=0, subject_id=notice,
                                              content="公开的支出明细缺少三月份的票据"))
    objection = county.service.show(receipt.document_id)
    assert objection.data["subject_doc"] == notice and objection.place.endswith(VILLAGE)
    assert objections.open_objections(county.db, county.registry, notice) == [receipt.document_id]
    county.clock.pass_deadline(county.service.show(notice).due_at)
    offers = {o.id: o for o in county.service.show(notice, "vc_chair").actions}
    assert not offers["close_posting"].allowed
    assert offers["close_posting"].reasons[0].code == "objection.open"
    with pytest.raises(StepRefused) as refused:
        county.service.step("vc_chair", notice, "close_posting", {}, password=PASSWORD)
    assert refused.value.message.code == "objection.open"
    assert county.service.step("vc_chair", notice, "repost", {"repost_reason": "补贴三月票据"},
                               password=PASSWORD).state == "posted"
    county.service.step("vc_chair", receipt.document_id, "answer",
                        {"finding": "异议成立", "answer": "已补充三月份票据并重新张贴"}, password=PASSWORD)
    assert objections.open_objections(county.db, county.registry, notice) == [receipt.document_id]
    county.intake.rate(receipt.code, satisfied=True)
    assert objections.open_objections(county.db, county.registry, notice) == []
    assert objections.objections_of(county.db, notice) == [receipt.document_id]
    county.clock.pass_deadline(county.service.show(notice).due_at)
    assert county.service.step("vc_chair", notice, "close_posting", {}, password=PASSWORD).state == "archived"


def test_an_objection_needs_a_notice_in_progress(shared_county: County) -> None:
    road = {"matter": "修路", "amount": "1000", "item": "村级工程项目建设", "counterparty": "不涉及", "involves_land": False}
    doc = shared_county.service.start("party_secretary", "F01", VILLAGE, "修路", road,
                                      [Upload("proposal", "方案.txt", "初步方案".encode())], password=PASSWORD)
    for subject in (doc, 999999, None):
        with pytest.raises(InputError) as refused:
            shared_county.intake.submit(Submission(kind="objection", village_id=0, subject_id=subject,
                                                   content="不同意"))
        assert refused.value.message.code == "voice.not-publicizing"


def test_open_voices_of_a_village_are_those_not_final(county: County) -> None:
    first = county.intake.submit(petition(county, "路灯坏了"))
    second = county.intake.submit(petition(county, "水渠堵了"))
    county.service.step("township_reviewer", second.document_id, "refuse", {"refuse_reason": "重复反映"},
                        password=PASSWORD)
    report = county.intake.submit(Submission(kind="report", village_id=village_id(county), content="违规发包"))
    assert queries.open_voices(county.db, county.registry, village_id(county)) == [first.document_id,
                                                                                  report.document_id]
    assert queries.open_voices(county.db, county.registry, village_id(county), ["petition"]) == [first.document_id]
    assert queries.open_voices(county.db, county.registry, village_id(county, OTHER_VILLAGE)) == []


def test_figures_from_a_known_set(county: County) -> None:
    """Village A: four 诉求 — one answered in 2 days and rated 满意, one answered in 4 days and rated 不满意
    then upheld, one refused, one still waiting; village B: nothing; a 举报 is never counted."""
    a = village_id(county)
    one = county.intake.submit(petition(county, "一"))
    county.clock.advance(days=2)
    answer_village(county, one.document_id)
    county.intake.rate(one.code, satisfied=True)
    two = county.intake.submit(petition(county, "二"))
    county.clock.advance(days=4)
    answer_village(county, two.document_id)
    county.intake.rate(two.code, satisfied=False, note="没解决")
    county.service.step("township_reviewer", two.document_id, "uphold", {"review_opinion": "答复合理"},
                        password=PASSWORD)
    three = county.intake.submit(petition(county, "三"))
    county.service.step("township_reviewer", three.document_id, "refuse", {"refuse_reason": "不属于村务"},
                        password=PASSWORD)
    county.intake.submit(petition(county, "四"))
    county.intake.submit(Submission(kind="report", village_id=a, content="五"))
    by_name = {f.place: f for f in figures.figures(county.db, county.registry)}
    village = by_name[VILLAGE]
    assert (village.received, village.closed, village.answered, village.rated, village.satisfied) == (4, 3, 2, 2, 1)
    assert village.closure_rate == 0.75 and village.average_days == 3.0 and village.satisfaction == 0.5
    assert by_name[TOWNSHIP].received == 4 and by_name[COUNTY].closure_rate == 0.75
    assert by_name[OTHER_VILLAGE].received == 0 and by_name[OTHER_VILLAGE].closure_rate is None
    later = figures.figures(county.db, county.registry, since=county.clock() - timedelta(hours=1))
    assert {f.place: f.received for f in later}[VILLAGE] == 2
