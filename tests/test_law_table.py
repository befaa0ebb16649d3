"""definitions/README.md's table of rules (rule → source → flowcharts and steps → test) is the one the
definitions make: every rule with its source and where it applies, none missing or stale, and every test
it names exists."""
from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

from workflow.engine import registry as registry_mod
from workflow.engine import sources

ROOT = Path(__file__).parent.parent
README = ROOT / "definitions" / "README.md"


def table_rows() -> list[list[str]]:
    text = README.read_text(encoding="utf-8").split("## Rules, sources and tests", 1)[1]
    rows = [line for line in text.splitlines() if line.startswith("| ")][2:]
    return [[cell.strip() for cell in row.strip("|").split(" | ")] for row in rows]


def test_readme_table_is_what_the_definitions_apply(registry: registry_mod.Registry) -> None:
    assert [row[:3] for row in table_rows()] == [[r.rule, r.source, r.applied] for r in sources.rows(registry)]


def test_every_rule_names_a_test_that_exists() -> None:
    for row in table_rows():
        assert row[3], row[0]
        for ref in row[3].split("；"):
            file, name = ref.split("::")
            assert re.search(rf"^def {re.escape(name)}\(", (ROOT / file).read_text(encoding="utf-8"), re.M), ref


def test_every_statutory_rule_cites_an_article_and_every_other_is_a_county_rule(registry) -> None:
    for meeting in registry.support.meetings[""].values():
        if meeting.statutory:
            assert re.search(r"《.+》第.+条", meeting.citation) and "：“" in meeting.citation, meeting.id
        else:
            assert meeting.citation.startswith("县规则："), meeting.id


def test_law_command_prints_the_table_as_json() -> None:
    result = subprocess.run(["cunwu", "definitions", "law", "--json"], capture_output=True, text=True, check=True)
    rows = json.loads(result.stdout)
    assert rows[0] == {"rule": table_rows()[0][0], "source": table_rows()[0][1], "applied": table_rows()[0][2]}
