"""Every flowchart renders as SVG, with a document's current and visited states marked."""
from __future__ import annotations

import pytest

from workflow.engine import diagram
from workflow.engine import registry as registry_mod


@pytest.mark.parametrize("workflow_id", [wf.id for wf in registry_mod.load().charts()])
def test_every_flowchart_renders_with_every_state(registry: registry_mod.Registry, workflow_id: str) -> None:
    wf = registry.get(workflow_id)
    svg = diagram.render_svg(wf)
    assert svg.startswith("<?xml")
    assert all(f'id="state_{name}"' in svg for name in wf.states)


def test_current_and_visited_states_are_marked(registry: registry_mod.Registry) -> None:
    svg = diagram.render_svg(registry.get("major_decision_4y2g"), "d_reviewed", ["d_proposed", "d_consulted"])
    assert 'id="state_d_reviewed" class="node current"' in svg
    assert 'id="state_d_consulted" class="node visited"' in svg
    assert 'id="state_archived" class="node"' in svg
