"""Separation of duties: members of the 村民委员会 may not sit on the 村务监督委员会 (组织法 Art. 32), refused
at the grant with the article's words and reported by `cunwu user check` where the directory already holds
such a pair; a supervisor may not sign off a matter they proposed or a work they did; whoever approved a
use of the seal may not also stamp it (N11), in F31 as in F15."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import PASSWORD, VILLAGE, County
from tests.test_flowchart_paths import form, scenario, walk
from workflow.errors import InputError, PermissionDenied
from workflow.people import directory
from workflow.store.tables import RoleAssignment

ART_32 = "《村民委员会组织法》第三十二条：“村民委员会成员及其近亲属不得担任村务监督机构成员。”"


def grant(county: County, username: str, role: str, place: str = VILLAGE) -> None:
    with county.db.write() as s:
        directory.grant(s, county.registry.support, directory.find_user(s, username), role, place)


def roles_of(county: County, username: str) -> list[tuple[str, str]]:
    with county.db.read() as s:
        return sorted((a.role, a.place.name) for a in directory.find_user(s, username).assignments)


def pair_without_the_grant_check(county: County, username: str, role: str) -> None:
    """What a directory written before the rule (or by hand) may hold."""
    with county.db.write() as s:
        user = directory.find_user(s, username)
        s.add(RoleAssignment(user=user, role=role, place=directory.find_place(s, VILLAGE)))


def test_granting_the_supervision_chair_to_the_committee_chair_is_refused_with_article_32(county: County) -> None:
    with pytest.raises(InputError) as refused:
        grant(county, "vc_chair", "vsc_chair")
    assert str(refused.value) == (f"不能授予vc_chair“村务监督委员会主任”：{ART_32}"
                                  f"（vc_chair 已在“涟源市/石马山镇/石门坎村”担任村委会主任）")
    assert roles_of(county, "vc_chair") == [("vc_chair", VILLAGE)]


def test_a_supervisor_cannot_be_made_a_committee_member_either(county: County) -> None:
    with pytest.raises(InputError) as refused:
        grant(county, "vsc_member", "vc_member")
    assert ART_32 in str(refused.value)


def test_roles_in_different_villages_or_outside_article_32_are_granted(county: County) -> None:
    grant(county, "vc_chair", "vsc_chair", "新塘村")
    grant(county, "party_secretary", "vsc_chair")
    assert roles_of(county, "party_secretary") == [("party_secretary", VILLAGE), ("vsc_chair", VILLAGE)]


def run(home: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "CUNWU_HOME": str(home), "CUNWU_PASSWORD": PASSWORD}
    env.pop("CUNWU_DB", None)
    return subprocess.run(["cunwu", *args, "--json"], capture_output=True, text=True, env=env,
                          stdin=subprocess.DEVNULL)


def test_user_check_reports_a_pair_the_directory_already_holds(tmp_path: Path) -> None:
    for args in (("init",), ("place", "add", "county", "涟源市"),
                 ("place", "add", "township", "石马山镇", "--parent", "涟源市"),
                 ("place", "add", "village", "石门坎村", "--parent", "石马山镇"),
                 ("user", "add", "lihua", "--role", "vc_chair", "--place", "石门坎村", "--name", "李华")):
        assert run(tmp_path, *args).returncode == 0
    clean = run(tmp_path, "user", "check")
    assert (clean.returncode, json.loads(clean.stdout)) == (0, [])
    refused = run(tmp_path, "user", "grant", "lihua", "--role", "vsc_chair", "--place", "石门坎村")
    assert refused.returncode == 2 and ART_32 in refused.stderr
    engine = create_engine(f"sqlite:///{tmp_path / 'cunwu.db'}")
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO role_assignments (user_id, role, place_id) SELECT u.id, 'vsc_chair', p.id "
                          "FROM users u, places p WHERE u.username = 'lihua' AND p.name = '石门坎村'"))
    engine.dispose()
    found = run(tmp_path, "user", "check")
    assert found.returncode == 1
    assert json.loads(found.stdout) == [{
        "username": "lihua", "name": "李华", "place": "涟源市/石马山镇/石门坎村", "held": ["村委会主任"],
        "excluded": ["村务监督委员会主任"], "negative": "N12", "basis": "《村民委员会组织法》第三十二条",
        "article": "村民委员会成员及其近亲属不得担任村务监督机构成员。"}]


def to_result_review(county: County) -> int:
    wf = county.registry.get("major_decision_4y2g")
    view = walk(county, wf, scenario(wf.id), ["d_consult", "d_review", "d_resolve", "d_township_approve",
                                              "d_close_publicity", "complete"])
    assert view.state == "result_review"
    return view.id


def vsc_approve(county: County, username: str, doc_id: int) -> dict:
    return county.service.step(username, doc_id, "vsc_approve", {"vsc_opinion": "属实"}, password=PASSWORD)


def test_a_committee_member_holding_a_supervision_role_cannot_sign_off_as_supervisor(county: County) -> None:
    pair_without_the_grant_check(county, "vc_chair", "vsc_chair")
    doc_id = to_result_review(county)
    with pytest.raises(PermissionDenied) as denied:
        vsc_approve(county, "vc_chair", doc_id)
    assert denied.value.reasons == (
        f"负面清单N12：村委会成员及其近亲属不得担任村务监督委员会成员（{ART_32}）",
        "负面清单N19：村务监督委员会成员不得审核本人提议或经办的事项（本人已办理“实施完成”）")
    assert vsc_approve(county, "vsc_chair", doc_id).state == "result_published"


def test_a_supervisor_cannot_sign_off_a_matter_they_proposed(county: County) -> None:
    grant(county, "party_secretary", "vsc_chair")
    doc_id = to_result_review(county)
    with pytest.raises(PermissionDenied) as denied:
        vsc_approve(county, "party_secretary", doc_id)
    assert denied.value.reasons == (
        "负面清单N19：村务监督委员会成员不得审核本人提议或经办的事项（本人已办理“村党组织提议”）",)
    offers = {a.id: a for a in county.service.show(doc_id, "party_secretary").actions}
    assert offers["vsc_approve"].allowed is False


@pytest.mark.parametrize("workflow,before", [
    ("certificate_issuance", ["list_check", "verify", "approve"]),
    ("seal_management", ["approve"]),
])
def test_whoever_approved_the_seal_cannot_also_stamp(county: County, workflow: str, before: list) -> None:
    grant(county, "vc_chair", "seal_keeper")
    wf = county.registry.get(workflow)
    spec = scenario(workflow)
    county.user_for = lambda roles: "vc_chair" if "vc_chair" in roles else roles[0]  # type: ignore[method-assign]
    view = walk(county, wf, spec, before)
    values, uploads = form(wf, wf.transitions["stamp"], spec.get("fields", {}), county.clock().date().isoformat())
    with pytest.raises(PermissionDenied) as denied:
        county.service.step("vc_chair", view.id, "stamp", values, uploads, password=PASSWORD)
    assert denied.value.reasons == ("负面清单N11：审批人与印章保管人不得为同一人（本人已办理“"
                                    f"{wf.transitions['approve'].title}”）",)
    assert county.service.step("seal_keeper", view.id, "stamp", values, uploads,
                               password=PASSWORD).state == wf.transitions["stamp"].to
