"""What the demo county's documents say and which ways they go, one YAML file per flowchart, shared with
the tests (tests/test_flowchart_paths.py walks every path of every file end to end).

Each file holds a realistic first document (`start`: its title and starting fields), field values the
steps need to pass their rules (`fields`: thresholds, quorums, the negative list), and the `paths`
through the flowchart, each with its `steps` and the state it is expected to end in: the main path
(first) and its returns, withdrawals, objections and rejections. A step is a transition id, or
`{t: id, fields: {...}}` when it needs values of its own; a path's own `fields` say what its document is
about where that decides the way (land contracted to an outsider, a matter for the collective). The demo walks a prefix of one path for each
document it makes, filling every other field from its type.
"""
from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

DIRECTORY = Path(__file__).parent


@cache
def scenario(workflow_id: str) -> dict[str, Any]:
    """The scenario of one flowchart; KeyError if it has none."""
    path = DIRECTORY / f"{workflow_id}.yaml"
    if not path.is_file():
        raise KeyError(workflow_id)
    loaded: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8"))
    return loaded


def names() -> list[str]:
    """The flowchart ids that have a scenario."""
    return sorted(p.stem for p in DIRECTORY.glob("*.yaml"))
