"""The per-state permission map: `view` limits who sees a document in a state, `step` who may act there."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD, VILLAGE, County
from workflow.documents.service import Service
from workflow.engine import guards
from workflow.engine import registry as registry_mod
from workflow.errors import PermissionDenied
from workflow.people.directory import Principal

CHART = """\
id: sensitive_case
version: 1
code: F99
title: 敏感事项
items: [C05]
start:
  title: 登记
  roles: [village_clerk]
initial: registered
states:
  registered:
    title: 已登记
    view: [village_clerk, vc_chair, township_civil]
    step: [vc_chair]
  closed: {title: 已办结, final: true}
transitions:
  - {id: close, title: 办结, from: registered, to: closed, roles: [vc_chair, vc_member, village_clerk]}
"""


@pytest.fixture
def service(county: County, tmp_path: Path) -> Service:
    shipped = registry_mod.default_dir()
    (tmp_path / "defs").mkdir()
    for name in ("roles.yaml", "quorums.yaml", "negative_list.yaml"):
        shutil.copy(shipped / name, tmp_path / "defs" / name)
    (tmp_path / "defs" / "f99_sensitive.yaml").write_text(CHART, encoding="utf-8")
    reg = registry_mod.load([tmp_path / "defs" / "f99_sensitive.yaml"])
    return Service(county.db, reg, county.service.blobs, county.clock, keyring=county.service.keyring)


def test_roles_outside_the_view_list_cannot_see_the_document(service: Service) -> None:
    doc_id = service.start("village_clerk", "sensitive_case", VILLAGE, "低保个案", {}, password=PASSWORD)
    assert service.show(doc_id, "township_civil").state == "registered"
    with pytest.raises(PermissionDenied):
        service.show(doc_id, "vc_member")


def test_step_map_limits_who_acts_in_the_state(service: Service) -> None:
    doc_id = service.start("village_clerk", "sensitive_case", VILLAGE, "低保个案", {}, password=PASSWORD)
    with pytest.raises(PermissionDenied) as denied:
        service.step("village_clerk", doc_id, "close", {}, password=PASSWORD)
    assert denied.value.reason_codes == ("guard.state-roles",)
    assert denied.value.reasons == ("“已登记”状态下仅村委会主任可以办理",)
    assert service.step("vc_chair", doc_id, "close", {}, password=PASSWORD).state == "closed"


def test_states_without_a_view_map_are_seen_by_every_role_in_scope(service: Service) -> None:
    wf = service.registry.get("sensitive_case")
    member = Principal(1, "member", "委员", (("vc_member", 7, "县/镇/村"),))
    assert guards.can_view(wf, "registered", member, frozenset({7})) is False
    assert guards.can_view(wf, "closed", member, frozenset({7})) is True
    assert guards.can_view(wf, "closed", member, frozenset({8})) is False
