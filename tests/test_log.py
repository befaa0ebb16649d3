"""The Merkle log in the database: one leaf per signed entry, a log-signed checkpoint after every append,
proofs that verify against those checkpoints, and appends that are all-or-nothing with their step."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import select, text

from tests.conftest import PASSWORD, VILLAGE, County
from workflow.documents.service import Upload
from workflow.errors import Conflict, InputError, StepRefused
from workflow.ledger import log, merkle, notes, records
from workflow.ledger.verify import Attachments, verify_database
from workflow.store.tables import CheckpointNote

CERTIFICATE = {"applicant": "张三", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
               "purpose": "子女入学"}


def start_certificate(county: County, title: str = "居住证明") -> int:
    return county.service.start("village_clerk", "certificate_issuance", VILLAGE, title, CERTIFICATE,
                                password=PASSWORD)


def leaves(county: County) -> list[bytes]:
    with county.db.read() as s:
        return [leaf for _, leaf in log.entries(s)]


def checkpoints(county: County) -> list[str]:
    with county.db.read() as s:
        return list(s.scalars(select(CheckpointNote.note).order_by(CheckpointNote.size)))


def test_genesis_is_entry_zero_naming_the_log_and_registrar_keys(county: County) -> None:
    genesis = records.open_envelope(leaves(county)[0]).decode()
    keyring = county.service.keyring
    assert isinstance(genesis, records.Genesis)
    assert (genesis.log_origin, genesis.log_key, genesis.registrar_public_key) == (
        keyring.log.origin, keyring.log.vkey, keyring.registrar_public_key)


def test_every_append_leaves_a_checkpoint_of_the_tree_so_far(county: County) -> None:
    start_certificate(county)
    hashes = [merkle.leaf_hash(leaf) for leaf in leaves(county)]
    notes_by_size = checkpoints(county)
    assert len(notes_by_size) == len(hashes)
    verifier = county.service.keyring.log.verifier
    for size, note in enumerate(notes_by_size, start=1):
        cp = notes.open_checkpoint(note, verifier, origin=county.service.keyring.log.origin)
        assert (cp.size, cp.root) == (size, merkle.root_hash(hashes[:size]))


def test_head_root_equals_the_root_recomputed_from_the_leaves(county: County) -> None:
    start_certificate(county)
    with county.db.read() as s:
        head = log.head(s, lock=False)
    assert head.root == merkle.root_hash([merkle.leaf_hash(leaf) for leaf in leaves(county)])


def test_inclusion_proof_of_every_entry_verifies_against_the_latest_checkpoint(county: County) -> None:
    start_certificate(county)
    with county.db.read() as s:
        cp = notes.parse_checkpoint(notes.parse_note(log.latest_checkpoint(s)).text)
        tree = log.Tree.load(s, cp.size)
    for index, leaf in enumerate(leaves(county)):
        merkle.verify_inclusion(index, cp.size, merkle.leaf_hash(leaf), tree.inclusion(index), cp.root)


def test_consistency_proofs_link_every_earlier_checkpoint_to_the_latest(county: County) -> None:
    start_certificate(county)
    history = [notes.parse_checkpoint(notes.parse_note(n).text) for n in checkpoints(county)]
    latest = history[-1]
    with county.db.read() as s:
        tree = log.Tree.load(s, latest.size)
    for old in history[:-1]:
        merkle.verify_consistency(old.size, latest.size, tree.consistency(old.size), old.root, latest.root)


def test_append_on_a_head_that_moved_is_refused(county: County) -> None:
    with pytest.raises(Conflict), county.db.write() as s:
        head = log.head(s, lock=True)
        log.append(s, county.service.keyring.log, b"first", head)
        log.append(s, county.service.keyring.log, b"second", head)
    assert len(leaves(county)) == head.size


def test_refused_step_appends_nothing(county: County) -> None:
    doc_id = start_certificate(county)
    before = (leaves(county), checkpoints(county))
    with pytest.raises(StepRefused):
        county.service.step("vc_chair", doc_id, "verify", {"verification": "属实"}, password=PASSWORD)
    assert (leaves(county), checkpoints(county)) == before


def test_each_step_row_points_at_its_signed_entry(county: County) -> None:
    doc_id = start_certificate(county)
    county.service.step("vc_chair", doc_id, "list_check", {}, password=PASSWORD)
    all_leaves = leaves(county)
    history = county.service.show(doc_id).history
    for step in history:
        record = records.open_envelope(all_leaves[step.log_index]).decode()
        assert (record.doc_id, record.step_seq, record.transition) == (doc_id, step.seq, step.transition)


def test_log_rows_cannot_be_updated_or_deleted(county: County) -> None:
    for statement in ("UPDATE log_entries SET leaf_input = leaf_input", "DELETE FROM log_entries",
                      "UPDATE checkpoints SET note = note", "DELETE FROM checkpoints"):
        with pytest.raises(Exception) as refused:
            with county.db.write() as s:
                s.execute(text(statement))
        assert "append-only" in str(refused.value)


def test_concurrent_steps_on_different_documents_keep_one_consistent_log(county: County) -> None:
    docs = [start_certificate(county, f"居住证明 {n}") for n in range(4)]
    size = len(leaves(county))
    barrier = threading.Barrier(len(docs))
    errors: list[BaseException] = []

    def step(doc_id: int) -> None:
        barrier.wait()
        try:
            county.service.step("vc_chair", doc_id, "list_check", {}, password=PASSWORD)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=step, args=(d,)) for d in docs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert len(leaves(county)) == size + len(docs)
    assert verify_database(county.db, Attachments(county.home / "blobs"), registry=county.registry).ok


def test_attachment_bytes_are_stored_under_their_sha256(county: County) -> None:
    doc_id = county.service.start("party_secretary", "major_decision_4y2g", VILLAGE, "修路",
                                  {"matter": "修路", "amount": "1000", "item": "村级工程项目建设", "counterparty": "不涉及",
                                   "involves_land": False}, [Upload("proposal", "方案.txt", b"plan")],
                                  password=PASSWORD)
    record = records.open_envelope(leaves(county)[-1]).decode()
    (attachment,) = record.attachments
    assert county.service.blobs.path(attachment.sha256).read_bytes() == b"plan"
    assert (attachment.size, record.doc_id) == (4, doc_id)


def test_comment_too_long_for_a_signed_record_is_refused_before_anything_is_written(county: County) -> None:
    doc_id = start_certificate(county)
    before = leaves(county)
    with pytest.raises(InputError) as refused:
        county.service.step("vc_chair", doc_id, "list_check", {}, comment="长" * (records.MAX_TEXT + 1),
                            password=PASSWORD)
    assert str(refused.value) == f"办理意见不能超过 {records.MAX_TEXT} 字"
    assert leaves(county) == before
