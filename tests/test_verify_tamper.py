"""The auditor's verifier against a database administrator who also reads the server's files.

Each test builds one honest history through the service (two documents whose steps interleave in the
log, with attachments), then attacks it the way signing_anchors.md §5.8 lists: raw SQL on the real
database (dropping the append-only triggers first, as a DBA can), edits to the real attachment files,
and checkpoints re-signed with the log key stolen from <home>/keys. The verifier must name the entry
that was changed, with the right reason, and nothing else.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import time
import unicodedata
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Optional

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import text

from tests.conftest import PASSWORD, VILLAGE, County
from workflow.documents.service import Upload
from workflow.ledger import canonical, log, merkle, records
from workflow.ledger.keyring import Keyring
from workflow.ledger.keys import key_id
from workflow.ledger.verify import Attachments, Report, verify_database
from workflow.people.directory import find_user

F01 = "major_decision_4y2g"
ROAD = {"item": "村级工程项目建设", "counterparty": "不涉及", "involves_land": False}
F31 = "certificate_issuance"
CERTIFICATE = {"applicant": "张三", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
               "purpose": "子女入学"}


@dataclass
class History:
    """Where each honest step landed in the log: a[i] is step i of document A, b[i] of document B."""

    doc_a: int
    doc_b: int
    a: list[int]
    b: list[int]


def build_history(county: County) -> History:
    service = county.service
    doc_a = service.start("party_secretary", F01, VILLAGE, "修建村组道路", {"matter": "修建二组道路", "amount": "85000", **ROAD},
                          [Upload("proposal", "方案.txt", "修路方案".encode())], password=PASSWORD)
    doc_b = service.start("village_clerk", F31, VILLAGE, "张三申请居住证明", CERTIFICATE, password=PASSWORD)
    service.step("party_secretary", doc_a, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
                 [Upload("consult_record", "两委会议记录.txt", "会议记录".encode())], password=PASSWORD)
    service.step("vc_chair", doc_b, "list_check", {}, password=PASSWORD)
    service.step("party_secretary", doc_a, "d_review", {"review_tally": "30/30/30/0/0"},
                 [Upload("review_minutes", "党员大会记录.txt", "党员大会记录".encode())], password=PASSWORD)
    service.step("vc_chair", doc_b, "verify", {"verification": "属实"}, password=PASSWORD)
    indices = {d: [h.log_index for h in service.show(d).history] for d in (doc_a, doc_b)}
    return History(doc_a, doc_b, indices[doc_a], indices[doc_b])


def audit(county: County, anchors: tuple[str, ...] = ()) -> Report:
    return verify_database(county.db, Attachments(county.home / "blobs"), registry=county.registry,
                           anchors=[(f"anchor{i}.note", a) for i, a in enumerate(anchors)])


def latest_checkpoint(county: County) -> str:
    with county.db.read() as s:
        note = log.latest_checkpoint(s)
    assert note is not None
    return note


def failing(report: Report) -> dict[Optional[int], list[str]]:
    out: dict[Optional[int], list[str]] = {}
    for f in report.failures:
        out.setdefault(f.index, []).append(f.code)
    return out


class Dba:
    """The attacker: any SQL on the database, and read access to the server's files (the log key too)."""

    def __init__(self, county: County) -> None:
        self.county = county
        self.log_key = Keyring.load(county.home).log
        with county.db.write() as s:
            if county.db.is_sqlite:
                for table in ("log_entries", "checkpoints", "steps", "step_attachments"):
                    s.execute(text(f"DROP TRIGGER {table}_no_update"))
                    s.execute(text(f"DROP TRIGGER {table}_no_delete"))
            else:
                for table in ("log_entries", "checkpoints", "steps", "step_attachments"):
                    s.execute(text(f"DROP TRIGGER {table}_no_change ON {table}"))

    def leaves(self) -> list[bytes]:
        with self.county.db.read() as s:
            return [leaf for _, leaf in log.entries(s)]

    def rewrite(self, leaves: list[bytes], *, resign: bool = True) -> None:
        """Replace the whole log, renumbered from 0, fix the head and re-sign a checkpoint over it."""
        frontier = merkle.frontier_from_leaves([merkle.leaf_hash(leaf) for leaf in leaves])
        with self.county.db.write() as s:
            s.execute(text("DELETE FROM log_entries"))
            s.execute(text("DELETE FROM checkpoints"))
            for index, leaf in enumerate(leaves):
                s.execute(text("INSERT INTO log_entries (idx, leaf_input) VALUES (:i, :l)"), {"i": index, "l": leaf})
            s.execute(text("UPDATE log_head SET size = :n, frontier = :f"),
                      {"n": len(leaves), "f": b"".join(frontier.hashes)})
            if resign:
                s.execute(text("INSERT INTO checkpoints (size, note) VALUES (:n, :note)"),
                          {"n": len(leaves), "note": self.log_key.sign(len(leaves), merkle.frontier_root(frontier))})

    def append(self, leaf: bytes) -> int:
        leaves = self.leaves()
        self.rewrite(leaves + [leaf])
        return len(leaves)

    def observed(self) -> records.Observed:
        leaves = self.leaves()
        return records.Observed(len(leaves), merkle.root_hash([merkle.leaf_hash(leaf) for leaf in leaves]))


def private_key(county: County, username: str) -> Ed25519PrivateKey:
    """A person's key, opened with their password: what an insider (or a thief of the password) holds."""
    with county.db.read() as s:
        return county.service.keyring.unlock(s, find_user(s, username), PASSWORD).private_key


def record_at(leaf: bytes) -> records.StepRecord:
    record = records.open_envelope(leaf).decode()
    assert isinstance(record, records.StepRecord)
    return record


def edited(leaf: bytes, change: Callable[[dict], None], key: Optional[Ed25519PrivateKey] = None) -> bytes:
    """The entry with its payload changed; re-signed with `key`, or keeping the old (now wrong) signature."""
    envelope = records.open_envelope(leaf)
    payload = json.loads(envelope.payload)
    change(payload)
    body = canonical.encode(payload)
    if key is None:
        return replace(envelope, payload=body).encode()
    return sign_bytes(body, key)


def sign_bytes(payload: bytes, key: Ed25519PrivateKey, payload_type: str = records.STEP_TYPE) -> bytes:
    public = key.public_key().public_bytes_raw()
    signature = records.Signature(key_id(public), public, key.sign(records.pae(payload_type, payload)))
    return records.Envelope(payload_type, payload, (signature,)).encode()


def next_step_of_b(county: County, dba: Dba, history: History, *, actor: str, role: str,
                   signer: Ed25519PrivateKey, transition: str = "approve", to_state: str = "stamping") -> bytes:
    """A well-formed next step of document B, as a forger would build it."""
    last = dba.leaves()[history.b[-1]]
    return records.sign(replace(
        record_at(last), step_seq=len(history.b), transition=transition, from_state="approving", to_state=to_state,
        actor=actor, role=role, fields={}, tallies={}, comment=None, attachments=(),
        prev_step_hash=records.leaf_hash_hex(last), key_id=key_id(signer.public_key().public_bytes_raw()),
        observed=dba.observed()), [signer]).encode()


@pytest.fixture
def history(county: County) -> History:
    return build_history(county)


def test_honest_history_verifies(county: County, history: History) -> None:
    report = audit(county)
    assert (report.ok, report.failures, report.checked) == (True, [], 6)
    assert report.size == report.checkpoint_size == history.b[-1] + 1


def test_verifier_ignores_the_convenience_tables(county: County, history: History) -> None:
    Dba(county)
    with county.db.write() as s:
        s.execute(text("UPDATE documents SET state = 'd_passed', title = '篡改标题'"))
        s.execute(text("DELETE FROM step_attachments"))
        s.execute(text("DELETE FROM steps"))
    assert audit(county).ok


def test_edited_field_fails_that_steps_signature(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    leaves[history.a[0]] = edited(leaves[history.a[0]], lambda p: p["fields"].update(amount="8500.00"))
    dba.rewrite(leaves)
    assert failing(audit(county)) == {history.a[0]: ["bad-signature"]}


def test_edited_field_left_unsigned_also_breaks_the_checkpoint(county: County, history: History) -> None:
    dba = Dba(county)
    forged = edited(dba.leaves()[history.a[0]], lambda p: p["fields"].update(amount="8500.00"))
    with county.db.write() as s:
        s.execute(text("UPDATE log_entries SET leaf_input = :l WHERE idx = :i"), {"l": forged, "i": history.a[0]})
    assert failing(audit(county)) == {history.a[0]: ["bad-signature"], None: ["checkpoint-root"]}


def test_edit_re_signed_by_its_own_author_is_exposed_by_later_signers(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    leaves[history.a[0]] = edited(leaves[history.a[0]], lambda p: p["fields"].update(amount="8500.00"),
                                  key=private_key(county, "party_secretary"))
    dba.rewrite(leaves)
    report = audit(county)
    assert failing(report) == {history.a[0]: ["altered"]}
    assert f"第 {history.a[0] + 1} 条签名人所见" in report.at(history.a[0])[0].message


def test_deleted_step_is_reported_where_it_was_removed(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    del leaves[history.b[1]]
    dba.rewrite(leaves)
    report = audit(county)
    assert failing(report) == {history.b[1]: ["misplaced"], history.b[2] - 1: ["seq-gap"]}
    gap = report.at(history.b[2] - 1)[0]
    assert (gap.doc_id, gap.step_seq, gap.message) == (history.doc_b, 2, f"文书 {history.doc_b} 缺少第 1 步的记录")
    assert "此前有 1 条被删除" in report.at(history.b[1])[0].message


def test_row_missing_from_the_log_table_is_reported_by_number(county: County, history: History) -> None:
    Dba(county)
    with county.db.write() as s:
        s.execute(text("DELETE FROM log_entries WHERE idx = :i"), {"i": history.b[1]})
    report = audit(county)
    assert failing(report)[history.b[1]] == ["missing"]
    assert report.at(history.b[1])[0].message == f"日志第 {history.b[1]} 条不见了（条目编号不连续）"


def test_reordered_steps_are_each_reported_out_of_place(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    first, second = history.a[1], history.b[1]
    assert second == first + 1
    leaves[first], leaves[second] = leaves[second], leaves[first]
    dba.rewrite(leaves)
    assert failing(audit(county)) == {first: ["misplaced"], second: ["misplaced"]}


def test_replaced_attachment_file_is_named_against_its_step(county: County, history: History) -> None:
    attachment = county.service.show(history.doc_a).history[1].attachments[0]
    county.service.blobs.path(attachment.sha256).write_bytes("伪造的会议记录".encode())
    report = audit(county)
    assert failing(report) == {history.a[1]: ["attachment-mismatch"]}
    assert report.at(history.a[1])[0].message == "附件“两委会议记录.txt”的文件已被替换：哈希或大小与签名记录不符"


def test_deleted_attachment_file_is_named_against_its_step(county: County, history: History) -> None:
    attachment = county.service.show(history.doc_a).history[0].attachments[0]
    county.service.blobs.path(attachment.sha256).unlink()
    assert failing(audit(county)) == {history.a[0]: ["attachment-missing"]}


def test_step_signed_with_another_persons_key(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(next_step_of_b(county, dba, history, actor="party_secretary", role="party_secretary",
                                      signer=private_key(county, "village_clerk")))
    report = audit(county)
    assert failing(report) == {index: ["key-owner"]}
    assert report.at(index)[0].message == "签名密钥属于 village_clerk，记录却写明办理人是 party_secretary"


def test_step_signed_by_a_role_the_transition_does_not_allow(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(next_step_of_b(county, dba, history, actor="village_clerk", role="village_clerk",
                                      signer=private_key(county, "village_clerk")))
    assert failing(audit(county)) == {index: ["role-not-allowed"]}


def test_step_signed_with_an_unregistered_key(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(next_step_of_b(county, dba, history, actor="party_secretary", role="party_secretary",
                                      signer=Ed25519PrivateKey.generate()))
    assert failing(audit(county)) == {index: ["unknown-key"]}


def test_key_registered_without_the_registrar_does_not_count(county: County, history: History) -> None:
    dba = Dba(county)
    mallory = Ed25519PrivateKey.generate()
    public = mallory.public_key().public_bytes_raw()
    event = records.KeyEvent(log_origin=county.service.keyring.log.origin, event="register", username="admin",
                             key_id=key_id(public), at="2026-03-02T09:00:00.000000Z", observed=dba.observed(),
                             name="系统管理员", public_key=public)
    register = dba.append(records.sign(event, [mallory]).encode())
    step = dba.append(next_step_of_b(county, dba, history, actor="admin", role="party_secretary", signer=mallory))
    assert failing(audit(county)) == {register: ["not-registrar"], step: ["unknown-key"]}


def test_truncation_without_an_anchor_goes_unnoticed(county: County, history: History) -> None:
    dba = Dba(county)
    dba.rewrite(dba.leaves()[:-2])
    assert audit(county).ok


def test_truncation_below_an_anchor_is_reported(county: County, history: History) -> None:
    anchor = latest_checkpoint(county)
    dba = Dba(county)
    leaves = dba.leaves()
    dba.rewrite(leaves[:-2])
    report = audit(county, (anchor,))
    kept = len(leaves) - 2
    assert failing(report) == {kept: ["anchor-truncated"]}
    assert report.at(kept)[0].message == (f"锚定检查点 anchor0.note 证明日志曾有 {len(leaves)} 条，现在只有 {kept} 条："
                                          f"第 {kept} 至 {len(leaves) - 1} 条被截断或回滚")


def test_rollback_to_a_backup_is_a_fork_of_the_anchor(county: County, history: History) -> None:
    anchor = latest_checkpoint(county)
    dba = Dba(county)
    dba.rewrite(dba.leaves()[:-3])
    for n in range(4):
        county.service.start("village_clerk", F31, VILLAGE, f"回滚后的申请 {n}", CERTIFICATE, password=PASSWORD)
    assert audit(county).ok
    report = audit(county, (anchor,))
    assert failing(report) == {None: ["anchor-fork"]}
    assert [a["ok"] for a in report.anchors] == [False]


def test_earlier_honest_anchor_is_consistent(county: County, history: History) -> None:
    anchor = latest_checkpoint(county)
    county.service.step("party_secretary", history.doc_b, "approve", {}, password=PASSWORD)
    report = audit(county, (anchor,))
    assert (report.ok, [a["ok"] for a in report.anchors]) == (True, [True])


def test_step_signed_after_revocation_fails_even_when_backdated(county: County, history: History) -> None:
    stolen = private_key(county, "party_secretary")
    with county.db.write() as s:
        county.service.keyring.revoke(s, find_user(s, "party_secretary"), "lost")
    dba = Dba(county)
    forged = next_step_of_b(county, dba, history, actor="party_secretary", role="party_secretary", signer=stolen)
    record = record_at(forged)
    index = dba.append(records.sign(replace(record, at="2026-01-01T00:00:00.000000Z"), [stolen]).encode())
    report = audit(county)
    assert failing(report) == {index: ["revoked-key", "time-reversed"]}
    assert report.at(index)[0].message.startswith(f"party_secretary 的签名密钥已在第 {index - 1} 条吊销（lost）")


def test_replayed_step_is_reported_where_the_copy_sits(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(dba.leaves()[history.a[1]])
    report = audit(county)
    assert failing(report) == {index: ["misplaced", "replayed"]}
    assert report.at(index)[1].message == (f"文书 {history.doc_a} 第 1 步重复出现（已见于第 {history.a[1]} 条）")


def _spaced(payload: bytes) -> bytes:
    return json.dumps(json.loads(payload), ensure_ascii=False, indent=1).encode()


def _unsorted(payload: bytes) -> bytes:
    return json.dumps(dict(reversed(list(json.loads(payload).items()))), ensure_ascii=False,
                      separators=(",", ":")).encode()


def _nfd(payload: bytes) -> bytes:
    return payload.replace("张三".encode(), unicodedata.normalize("NFD", "Zhāng Sān").encode())


def _duplicate_key(payload: bytes) -> bytes:
    return payload.replace(b'{"actor":', b'{"actor":"village_clerk","actor":', 1)


@pytest.mark.parametrize("spoil", [_spaced, _unsorted, _nfd, _duplicate_key],
                         ids=["whitespace", "member-order", "nfd-text", "duplicate-key"])
def test_non_canonical_payload_signed_by_its_author(county: County, history: History,
                                                    spoil: Callable[[bytes], bytes]) -> None:
    dba = Dba(county)
    clerk = private_key(county, "vc_chair")
    honest = next_step_of_b(county, dba, history, actor="vc_chair", role="vc_chair", signer=clerk)
    payload = spoil(records.open_envelope(honest).payload)
    assert payload != records.open_envelope(honest).payload
    index = dba.append(sign_bytes(payload, clerk))
    assert failing(audit(county)) == {index: ["non-canonical"]}


def test_non_canonical_envelope_is_refused(county: County, history: History) -> None:
    dba = Dba(county)
    index = dba.append(_spaced(dba.leaves()[history.b[2]]))
    assert failing(audit(county)) == {index: ["non-canonical"]}


def test_checkpoint_with_a_bad_signature(county: County, history: History) -> None:
    Dba(county)
    note = latest_checkpoint(county)
    line = note.splitlines()[-1]
    name, encoded = line.rsplit(" ", 1)
    raw = bytearray(base64.b64decode(encoded))
    raw[-1] ^= 1
    broken = note.replace(line, f"{name} {base64.b64encode(bytes(raw)).decode()}")
    with county.db.write() as s:
        s.execute(text("UPDATE checkpoints SET note = :n WHERE note = :o"), {"n": broken, "o": note})
    report = audit(county)
    assert failing(report) == {None: ["checkpoint-signature"]}


def test_checkpoint_re_signed_over_a_wrong_root(county: County, history: History) -> None:
    dba = Dba(county)
    size = len(dba.leaves())
    with county.db.write() as s:
        s.execute(text("DELETE FROM checkpoints"))
        s.execute(text("INSERT INTO checkpoints (size, note) VALUES (:n, :note)"),
                  {"n": size, "note": dba.log_key.sign(size, bytes(32))})
    assert failing(audit(county)) == {None: ["checkpoint-root"]}


def test_anchor_signed_by_another_log_is_refused(county: County, history: History, tmp_path: Path) -> None:
    other = Keyring.create(tmp_path / "other", county.service.keyring.log.origin)
    with county.db.read() as s:
        head = log.head(s, lock=False)
    report = audit(county, (other.log.sign(head.size, head.root),))
    assert failing(report) == {None: ["anchor-signature"]}


def test_entries_appended_without_a_checkpoint_are_uncovered(county: County, history: History) -> None:
    leaf = Dba(county).leaves()[history.b[2]]
    with county.db.write() as s:
        size = log.head(s, lock=True).size
        s.execute(text("INSERT INTO log_entries (idx, leaf_input) VALUES (:i, :l)"),
                  {"i": size, "l": leaf[: len(leaf) // 2]})
    report = audit(county)
    assert failing(report) == {size: ["malformed", "uncovered"]}


def test_two_independent_tamperings_are_both_named(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    leaves[history.b[0]] = edited(leaves[history.b[0]], lambda p: p["fields"].update(purpose="出国"))
    dba.rewrite(leaves)
    attachment = county.service.show(history.doc_a).history[2].attachments[0]
    county.service.blobs.path(attachment.sha256).write_bytes(b"x")
    assert failing(audit(county)) == {history.b[0]: ["bad-signature"], history.a[2]: ["attachment-mismatch"]}


WRITER = """
import sys
from pathlib import Path
from workflow.engine import registry
from workflow.store.blobs import BlobStore
from workflow.ledger.keyring import Keyring
from workflow.documents.service import Service
from workflow.store.database import Database
home, url, password, village = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
fields = {"applicant": "李四", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
          "purpose": "入学"}
service = Service(Database(url), registry.load(), BlobStore(home / "blobs"), keyring=Keyring.load(home))
while True:
    doc = service.start("village_clerk", "certificate_issuance", village, "压力测试", fields, password=password)
    service.step("vc_chair", doc, "list_check", {}, password=password)
"""


def test_killed_writer_leaves_a_verifiable_log(county: County, history: History) -> None:
    with county.db.read() as s:
        before = log.head(s, lock=False).size
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(county.home), county.db.url, PASSWORD, VILLAGE],
                              env={**os.environ, "PYTHONPATH": str(Path(__file__).parent.parent)})
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and writer.poll() is None:
            with county.db.read() as s:
                if log.head(s, lock=False).size >= before + 12:
                    break
            time.sleep(0.02)
        assert writer.poll() is None, "the writer stopped by itself"
    finally:
        writer.send_signal(signal.SIGKILL)
        writer.wait()
    report = audit(county)
    assert (report.ok, report.size == report.checkpoint_size) == (True, True)
    assert report.size >= before + 12
    county.service.step("party_secretary", history.doc_b, "approve", {}, password=PASSWORD)
    assert audit(county).ok


def test_parallel_verification_reports_exactly_what_one_process_does(county: County, history: History) -> None:
    dba = Dba(county)
    leaves = dba.leaves()
    leaves[history.a[0]] = edited(leaves[history.a[0]], lambda p: p["fields"].update(amount="1.00"))
    del leaves[history.b[1]]
    dba.rewrite(leaves)
    files = Attachments(county.home / "blobs")
    one = verify_database(county.db, files, registry=county.registry, processes=1)
    two = verify_database(county.db, files, registry=county.registry, processes=2)
    assert two.failures == one.failures
    assert (two.size, two.root, two.checked) == (one.size, one.root, one.checked)


def test_whole_log_forged_with_fresh_keys_fails_against_the_pinned_log_key(county: County, history: History,
                                                                             tmp_path: Path) -> None:
    pinned = county.service.keyring.log.vkey
    forger = Keyring.create(tmp_path / "forger", county.service.keyring.log.origin)
    dba = Dba(county)
    dba.log_key = forger.log
    leaves = dba.leaves()
    genesis = records.sign(forger.genesis(county.clock()), [forger.registrar]).encode()
    dba.rewrite([genesis, *leaves[1:]])
    report = verify_database(county.db, Attachments(county.home / "blobs"), registry=county.registry,
                             log_key=pinned)
    assert failing(report)[0] == ["untrusted-log-key"]
    assert failing(report)[None] == ["checkpoint-signature"]
