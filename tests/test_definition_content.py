"""What a definition pins in the log: everything its guards read, rebuilt by the registry's own compiler."""
from __future__ import annotations

import json

import pytest

from workflow.engine import content
from workflow.engine import registry as registry_mod
from workflow.errors import DefinitionError


@pytest.fixture(scope="module")
def registry() -> registry_mod.Registry:
    return registry_mod.load()


def test_every_version_rebuilds_from_its_content_to_the_same_content(registry: registry_mod.Registry) -> None:
    for wf in registry.workflows.values():
        pinned = json.loads(json.dumps(content.content(wf)))
        assert content.content(content.rebuild(pinned, "log", registry.support.calendar)) == pinned, wf.id


def test_content_holds_the_route_the_separations_and_the_county_rules_the_chart_reads(
        registry: registry_mod.Registry) -> None:
    f04 = content.content(registry.get("collective_asset_disposal"))
    assert set(f04["decisions"]["routes"]) == {registry.get("collective_asset_disposal").route}
    assert "land_outsider" in f04["decisions"]["matters"]
    assert "two_committees" in f04["county_rules"]["rules"] and "two_committees" not in f04["quorums"]
    f31 = content.content(registry.get("certificate_issuance"))
    assert f31["negative"]["items"].keys() >= {"N11"}
    f09 = content.content(registry.get("collective_project_initiation"))
    assert [s["negative"] for s in f09["separations"]] == ["N12"]
    assert content.content(registry.get("dispute_mediation"))["separations"] == []


def test_content_of_the_first_format_still_rebuilds(registry: registry_mod.Registry) -> None:
    """Logs written before deciding bodies, county rules and separations were pinned stay verifiable: the
    first format held every meeting rule among the quorums, without an article."""
    wf = registry.get("major_decision_4y2g", 1)
    pinned = content.content(wf)
    quorums = {q: {k: v for k, v in spec.items() if k != "article"} for q, spec in pinned["quorums"].items()}
    quorums.update({r: {"title": spec["title"], "rule": spec["rule"], "text": spec["text"], "basis": spec["source"]}
                    for r, spec in pinned["county_rules"]["rules"].items()})
    old = {"format": content.FORMAT_1, "flowchart": pinned["flowchart"], "roles": pinned["roles"],
           "quorums": quorums, "negative": pinned["negative"]}
    rebuilt = content.rebuild(old, "log", registry.support.calendar)
    assert (rebuilt.id, rebuilt.version, list(rebuilt.transitions)) == (wf.id, wf.version, list(wf.transitions))
    assert rebuilt.support.meeting("two_committees").rule.text == wf.support.meeting("two_committees").rule.text


def test_content_naming_a_county_rule_it_does_not_hold_is_refused(registry: registry_mod.Registry) -> None:
    pinned = content.content(registry.get("major_decision_4y2g"))
    pinned["county_rules"]["rules"].pop("two_committees")
    with pytest.raises(DefinitionError, match="two_committees"):
        content.rebuild(pinned, "日志第 7 条", registry.support.calendar)
