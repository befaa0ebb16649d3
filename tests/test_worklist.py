"""The worklist shows what waits for a person's roles in their scope, coloured by time limit."""
from __future__ import annotations

from datetime import timedelta

from tests.conftest import PASSWORD, County
from tests.test_service import ADULTS, consulted_decision, review, start_decision
from workflow.documents import worklist
from workflow.documents.service import Upload


def tasks(county: County, username: str) -> list[worklist.Task]:
    return worklist.for_user(county.db, county.registry, username, county.clock())


def test_new_decision_waits_for_the_party_secretary(county: County) -> None:
    doc_id = start_decision(county)
    mine = tasks(county, "party_secretary")
    assert [(t.doc_id, t.state_title, t.roles) for t in mine] == [(doc_id, "村党组织提议", ("party_secretary",))]


def test_nothing_waits_for_a_role_without_a_step_there(county: County) -> None:
    start_decision(county)
    assert tasks(county, "vc_member") == []


def test_cadre_of_another_village_sees_nothing(county: County) -> None:
    start_decision(county)
    assert tasks(county, "outsider_village") == []


def test_withdrawal_alone_does_not_make_a_task(county: County) -> None:
    consulted_decision(county)
    assert [t.state_title for t in tasks(county, "party_secretary")] == ["村“两委”商议通过"]


def test_colour_follows_the_time_limit(county: County) -> None:
    start_decision(county)
    due = tasks(county, "party_secretary")[0].due_at
    assert worklist.colour(due, due - timedelta(days=3)) == "green"
    assert worklist.colour(due, due - timedelta(days=1)) == "yellow"
    assert worklist.colour(due, due + timedelta(minutes=1)) == "red"
    county.clock.now = due + timedelta(hours=1)
    assert worklist.counts(county.db, county.registry, "party_secretary", county.clock()) == {
        "red": 1, "yellow": 0, "green": 0, "total": 1}


def test_counts_cover_the_whole_list_not_only_the_page_shown(county: County) -> None:
    late = start_decision(county)
    county.clock.advance(days=3)
    soon = start_decision(county)
    county.clock.advance(days=13, hours=12)
    comfortable = start_decision(county)
    now = county.clock()
    first = worklist.for_user(county.db, county.registry, "party_secretary", now, page=1, per_page=2)
    second = worklist.for_user(county.db, county.registry, "party_secretary", now, page=2, per_page=2)
    assert [(t.doc_id, t.colour) for t in first + second] == [(late, "red"), (soon, "yellow"), (comfortable, "green")]
    assert worklist.counts(county.db, county.registry, "party_secretary", now) == {
        "red": 1, "yellow": 1, "green": 1, "total": 3}


def test_nothing_is_counted_for_a_person_with_no_waiting_role(county: County) -> None:
    start_decision(county)
    assert worklist.counts(county.db, county.registry, "vc_member", county.clock()) == {
        "red": 0, "yellow": 0, "green": 0, "total": 0}


def test_township_reviewer_sees_villages_of_their_township_only(county: County) -> None:
    doc_id = consulted_decision(county)
    review(county, doc_id, "30/30/30/0/0")
    county.service.step("vc_chair", doc_id, "d_resolve", {"decision_body": ADULTS, "resolution_tally": "45/40/35/5/0",
                                                          "resolution_summary": "同意"},
                        [Upload("resolution_minutes", "决议.txt", b"x")], password=PASSWORD)
    assert [t.doc_id for t in tasks(county, "township_reviewer")] == [doc_id]
    assert tasks(county, "outsider_township") == []
