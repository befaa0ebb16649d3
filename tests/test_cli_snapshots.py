"""Every command's `--json` output on a fixed small county, compared with the snapshot committed in
tests/snapshots/cli/: the contract scripts rely on, pinned so that a change inside (typed views, settings,
message codes) can be shown not to alter it.

Only what must vary between runs is normalised: times and dates (documents are stamped with the clock),
key ids, public keys, Merkle roots and checkpoint notes (keys are random), and the data directory's path.
Everything else, key order included, must be identical. After a deliberate change of output (a new field,
a changed definition), rewrite the snapshots with `CUNWU_SNAPSHOT_UPDATE=1 pytest tests/test_cli_snapshots.py`
and review the diff as part of the change.
"""
from __future__ import annotations

import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from workflow.cli.base import main
from workflow.demo import county
from workflow.engine import registry as registry_mod

SNAPSHOTS = Path(__file__).parent / "snapshots" / "cli"
UPDATE = os.environ.get("CUNWU_SNAPSHOT_UPDATE") == "1"
PASSWORD = "snapshot-password"
ID_CARD = "431381198001010019"
DEMO_NOW = datetime(2026, 6, 1, 8, 0, tzinfo=UTC)
_TIME = re.compile(r"\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?([+-]\d{2}:\d{2}|Z)?)?")
_VARYING = {"key_id": "<KEY_ID>", "log_key": "<LOG_KEY>", "root": "<ROOT>", "note": "<NOTE>"}


def normalise(value: Any, home: str, times: bool = True, key: str | None = None) -> Any:
    """`times`: replace times and dates (off for the demo county, whose clock the test sets)."""
    if isinstance(value, dict):
        return {k: normalise(v, home, times, k) for k, v in value.items()}
    if isinstance(value, list):
        if key == "year" and times:
            return [{**v, "key": "<YEAR>", "label": "<YEAR>"} for v in value]
        return [normalise(v, home, times) for v in value]
    if isinstance(value, str):
        if key in _VARYING:
            return _VARYING[key]
        value = value.replace(home, "<HOME>")
        return _TIME.sub("<TIME>", value) if times else value
    return value


class Script:
    """Runs commands in order on one data directory and keeps each `--json` answer under a name."""

    def __init__(self, home: Path, times: bool = True) -> None:
        self.home = home
        self.times = times
        self.runner = CliRunner()
        self.outputs: dict[str, Any] = {}

    def __call__(self, name: str | None, *args: str, exit_code: int = 0) -> Any:
        env = {"CUNWU_HOME": str(self.home), "CUNWU_PASSWORD": PASSWORD, "CUNWU_DB": None}
        result = self.runner.invoke(main, [*args, "--json"], env=env, catch_exceptions=False)
        assert result.exit_code == exit_code, (args, result.output)
        data = json.loads(result.stdout)
        if name is not None:
            self.outputs[name] = normalise(data, str(self.home), self.times)
        return data


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    tmp = tmp_path_factory.mktemp("snapshots")
    run = Script(tmp / "home")
    run("init", "init", "--origin", "cunwu.test/snapshots")
    run(None, "place", "add", "county", "涟源市")
    run(None, "place", "add", "township", "石马山镇", "--parent", "涟源市")
    run("place_add", "place", "add", "village", "石门坎村", "--parent", "石马山镇")
    run(None, "place", "add", "village", "新塘村", "--parent", "石马山镇")
    run("place_list", "place", "list")
    run("user_add", "user", "add", "clerk", "--role", "village_clerk", "--place", "石门坎村", "--name", "赵文书")
    run(None, "user", "add", "chair", "--role", "vc_chair", "--place", "石门坎村", "--name", "李华")
    run(None, "user", "add", "other", "--role", "vc_chair", "--place", "新塘村", "--name", "外村主任")
    run(None, "user", "add", "keeper", "--role", "seal_keeper", "--place", "石门坎村", "--name", "王保管")
    run("user_grant", "user", "grant", "chair", "--role", "seal_keeper", "--place", "石门坎村")
    run("user_list", "user", "list")

    run("catalogue", "catalogue")
    run("definitions_list", "definitions", "list")
    run("definitions_show", "definitions", "show", "certificate_issuance")
    run("definitions_diagram", "definitions", "diagram", "F31", "--out", str(run.home / "f31.svg"))
    run("definitions_check", "definitions", "check")
    broken = tmp / "definitions"
    shutil.copytree(registry_mod.default_dir(), broken)
    f31 = broken / "f31_certificate.yaml"
    f31.write_text(f31.read_text(encoding="utf-8").replace("initial: requested", "initial: nowhere"),
                   encoding="utf-8")
    checked = run(None, "definitions", "check", str(broken), exit_code=2)
    run.outputs["definitions_check_broken"] = normalise(checked, str(tmp))

    doc = run("doc_start", "doc", "start", "F31", "--place", "石门坎村", "--title", "张三申请居住证明",
              "--as", "clerk", "--field", "applicant=张三", "--field", f"applicant_id={ID_CARD}",
              "--field", "certificate_type=居住证明", "--field", "purpose=子女入学")
    doc_id = str(doc["id"])
    run("doc_step", "doc", "step", doc_id, "list_check", "--as", "chair", "--comment", "在清单内")
    run(None, "doc", "step", doc_id, "verify", "--as", "clerk", "--field", "verification=查档属实",
        "--expect-version", "1")
    run(None, "doc", "step", doc_id, "approve", "--as", "chair")
    scan = run.home / "scan.txt"
    scan.write_text("证明存档扫描件", encoding="utf-8")
    run("doc_step_attachment", "doc", "step", doc_id, "stamp", "--as", "keeper", "--field", "register_no=2026-001",
        "--field", "blank_document=否", "--attach", str(scan))
    run("doc_show", "doc", "show", doc_id)
    run("doc_show_as", "doc", "show", doc_id, "--as", "clerk")
    run(None, "doc", "start", "F31", "--place", "新塘村", "--title", "李四申请居住证明", "--as", "other",
        "--field", "applicant=李四", "--field", f"applicant_id={ID_CARD}", "--field", "certificate_type=居住证明",
        "--field", "purpose=就业")
    run("doc_list", "doc", "list")
    run("doc_list_filtered", "doc", "list", "--place", "石门坎村", "--state", "issued", "--definition", "F31")
    run("doc_diagram", "doc", "diagram", doc_id, "--out", str(run.home / "doc.svg"))

    run("search", "search", "张三", "--as", "clerk")
    run("search_steps", "search", "--steps", "--as", "chair", "--place", "石马山镇", "--sort", "date_asc")
    run("search_saved", "search", "居住证明", "--as", "clerk", "--save", "证明")
    run("search_check", "search", "--check")
    run("reindex", "reindex")

    run("checkpoint", "checkpoint")
    run("checkpoint_out", "checkpoint", "--out", str(run.home / "anchor.txt"))
    run("verify", "verify", "--processes", "1", "--anchor", str(run.home / "anchor.txt"))
    run("verify_doc", "verify", "--doc", doc_id, "--processes", "1")
    run("export", "export", doc_id, str(run.home / "bag"))
    run("verify_bag", "verify-bag", str(run.home / "bag"))
    run("key_rotate", "key", "rotate", "clerk")
    run("key_revoke", "key", "revoke", "other", "--reason", "left_office")

    blob = next(p for p in (run.home / "blobs").rglob("*") if p.is_file())
    blob.write_bytes(b"altered")
    run("verify_failed", "verify", "--processes", "1", exit_code=6)

    demo = Script(tmp / "demo", times=False)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(county, "utcnow", lambda: DEMO_NOW)
        demo("demo", "demo", "--villages", "1", "--documents", "40", "--seed", "11")
    demo("demo_doc_list", "doc", "list", "--limit", "1000")
    demo("demo_verify", "verify", "--processes", "1")
    return run.outputs | demo.outputs


NAMES = [
    "init", "place_add", "place_list", "user_add", "user_grant", "user_list", "catalogue", "definitions_list",
    "definitions_show", "definitions_diagram", "definitions_check", "definitions_check_broken", "doc_start",
    "doc_step", "doc_step_attachment", "doc_show", "doc_show_as", "doc_list", "doc_list_filtered", "doc_diagram",
    "search", "search_steps", "search_saved", "search_check", "reindex", "checkpoint", "checkpoint_out", "verify",
    "verify_doc", "export", "verify_bag", "key_rotate", "key_revoke", "verify_failed", "demo", "demo_doc_list",
    "demo_verify",
]


@pytest.mark.parametrize("name", NAMES)
def test_json_output_matches_its_snapshot(outputs: dict[str, Any], name: str) -> None:
    text = json.dumps(outputs[name], ensure_ascii=False, indent=2) + "\n"
    path = SNAPSHOTS / f"{name}.json"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8")


def test_every_snapshot_is_produced(outputs: dict[str, Any]) -> None:
    assert sorted(outputs) == sorted(NAMES) == sorted(p.stem for p in SNAPSHOTS.glob("*.json"))
