"""BagIt export of one document and its offline verification: the bag alone (no database) proves the
record, and every kind of tampering with its files is named."""
from __future__ import annotations

import base64
import json
import shutil
from pathlib import Path

import bagit
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.conftest import PASSWORD, VILLAGE, County, build_county, make_database
from workflow.documents.service import Upload
from workflow.engine.registry import Registry
from workflow.errors import InputError, NotFound
from workflow.ledger import canonical, records
from workflow.ledger.bag import ProofFileError, export_document, parse_proof, verify_bag
from workflow.ledger.keyring import Keyring
from workflow.ledger.verify import Report
from workflow.store.tables import DefinitionEntry, User, UserKey

CERTIFICATE = {"applicant": "张三", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
               "purpose": "子女入学"}


def make_document(county: County) -> tuple[int, list[int]]:
    """A certificate taken to `issued`, with a scan attached; other documents' steps interleave with it."""
    service = county.service
    doc_id = service.start("village_clerk", "certificate_issuance", VILLAGE, "张三申请居住证明", CERTIFICATE,
                           password=PASSWORD)
    road = {"matter": "修路", "amount": "1", "item": "村级工程项目建设", "counterparty": "不涉及", "involves_land": False}
    other = service.start("party_secretary", "major_decision_4y2g", VILLAGE, "修路", road,
                          [Upload("proposal", "方案.txt", b"plan")], password=PASSWORD)
    service.step("vc_chair", doc_id, "list_check", {}, password=PASSWORD)
    service.step("party_secretary", other, "d_consult", {"consult_tally": "7/7/6/1/0", "consult_minutes": "同意"},
                 [Upload("consult_record", "记录.txt", b"minutes")], password=PASSWORD)
    service.step("vc_chair", doc_id, "verify", {"verification": "属实"}, password=PASSWORD)
    service.step("party_secretary", doc_id, "approve", {}, password=PASSWORD)
    service.step("seal_keeper", doc_id, "stamp", {"register_no": "2026-017", "blank_document": "否"},
                 [Upload("certificate_scan", "证明.pdf", "兹证明张三居住在石门坎村".encode())], password=PASSWORD)
    return doc_id, [h.log_index for h in service.show(doc_id).history]


@pytest.fixture
def bag(county: County, tmp_path: Path) -> tuple[Path, int, list[int]]:
    doc_id, indices = make_document(county)
    out = export_document(county.db, county.service.blobs, county.service.keyring, doc_id, tmp_path / "bag")
    return out, doc_id, indices


def failing(report: Report) -> dict:
    out: dict = {}
    for f in report.failures:
        out.setdefault(f.index, []).append(f.code)
    return out


def resave(path: Path) -> None:
    """Recompute every manifest, as someone who edits a bag and wants BagIt to stay quiet would."""
    bagit.Bag(str(path)).save(manifests=True)


def test_exported_bag_verifies_without_the_database(county: County, bag: tuple[Path, int, list[int]]) -> None:
    path, doc_id, indices = bag
    county.db.dispose()
    report = verify_bag(path)
    assert (report.ok, report.failures, report.checked) == (True, [], 5)
    assert [(r.index, r.step_seq, r.valid) for r in report.records] == [(i, n, True) for n, i in enumerate(indices)]


def test_bag_holds_entries_proofs_keys_attachments_checkpoint_and_seal(county: County,
                                                                      bag: tuple[Path, int, list[int]]) -> None:
    path, doc_id, indices = bag
    names = sorted(p.relative_to(path).as_posix() for p in path.rglob("*") if p.is_file())
    with county.db.read() as s:
        signers = {"village_clerk", "vc_chair", "party_secretary", "seal_keeper"}
        key_indices = sorted(s.scalars(select(UserKey.registered_index).join(User, User.id == UserKey.user_id)
                                       .where(User.username.in_(signers))))
        definition = s.scalar(select(DefinitionEntry.log_index).where(
            DefinitionEntry.workflow_id == "certificate_issuance",
            DefinitionEntry.version == county.registry.get("certificate_issuance").version))
    logged = sorted([0, *key_indices, definition, *indices])
    scan = records.open_envelope((path / "data" / "log" / f"{indices[-1]:012d}.leaf").read_bytes()).decode()
    assert names == sorted([
        "bag-info.txt", "bagit.txt", "manifest-sha256.txt", "seal.json", "tagmanifest-sha256.txt",
        "data/checkpoint.note",
        f"data/attachments/{scan.attachments[0].sha256}",
        *(f"data/log/{i:012d}.leaf" for i in logged), *(f"data/log/{i:012d}.proof.json" for i in logged)])
    info = bagit.Bag(str(path)).info
    assert (info["External-Identifier"], info["Log-Key"]) == (str(doc_id), county.service.keyring.log.vkey)


def test_bag_verifies_against_the_pinned_log_key(county: County, bag: tuple[Path, int, list[int]]) -> None:
    assert verify_bag(bag[0], log_key=county.service.keyring.log.vkey).ok


def test_bag_fails_against_another_pinned_log_key(county: County, bag: tuple[Path, int, list[int]],
                                                  tmp_path: Path) -> None:
    other = Keyring.create(tmp_path / "other", "cunwu.test/other")
    assert failing(verify_bag(bag[0], log_key=other.log.vkey)) == {None: ["checkpoint-signature"]}


def test_changed_attachment_byte_fails_bagit_and_the_signed_hash(bag: tuple[Path, int, list[int]]) -> None:
    path, _, indices = bag
    (scan,) = (path / "data" / "attachments").iterdir()
    scan.write_bytes(scan.read_bytes()[:-1] + b"X")
    assert failing(verify_bag(path)) == {None: ["bag-manifest"], indices[-1]: ["attachment-mismatch"]}


def test_replaced_attachment_with_recomputed_manifests_is_still_caught(bag: tuple[Path, int, list[int]]) -> None:
    path, _, indices = bag
    (scan,) = (path / "data" / "attachments").iterdir()
    scan.write_bytes("兹证明李四居住在石门坎村".encode())
    resave(path)
    assert failing(verify_bag(path)) == {None: ["seal-mismatch"], indices[-1]: ["attachment-mismatch"]}


def test_edited_step_with_recomputed_manifests_fails_signature_and_proof(bag: tuple[Path, int, list[int]]) -> None:
    path, _, indices = bag
    file = path / "data" / "log" / f"{indices[1]:012d}.leaf"
    envelope = records.open_envelope(file.read_bytes())
    payload = json.loads(envelope.payload)
    payload["comment"] = "补充"
    file.write_bytes(records.Envelope(envelope.payload_type, canonical.encode(payload), envelope.signatures).encode())
    resave(path)
    assert failing(verify_bag(path)) == {None: ["seal-mismatch"], indices[1]: ["inclusion", "bad-signature"]}


def test_removed_step_with_recomputed_manifests_leaves_a_gap(bag: tuple[Path, int, list[int]]) -> None:
    path, doc_id, indices = bag
    for suffix in ("leaf", "proof.json"):
        (path / "data" / "log" / f"{indices[2]:012d}.{suffix}").unlink()
    resave(path)
    report = verify_bag(path)
    assert failing(report) == {None: ["seal-mismatch"], indices[3]: ["seq-gap"]}
    assert report.at(indices[3])[0].message == f"文书 {doc_id} 缺少第 2 步的记录"


def test_altered_proof_is_refused(bag: tuple[Path, int, list[int]]) -> None:
    path, _, indices = bag
    file = path / "data" / "log" / f"{indices[0]:012d}.proof.json"
    proof = json.loads(file.read_bytes())
    proof["inclusion"][0] = "00" * 32
    file.write_bytes(canonical.encode(proof))
    resave(path)
    assert failing(verify_bag(path)) == {None: ["seal-mismatch"], indices[0]: ["inclusion"]}


def test_broken_seal_is_refused(bag: tuple[Path, int, list[int]]) -> None:
    path = bag[0]
    seal = json.loads((path / "seal.json").read_bytes())
    sig = bytearray(base64.b64decode(seal["signatures"][0]["sig"]))
    sig[0] ^= 1
    seal["signatures"][0]["sig"] = base64.b64encode(bytes(sig)).decode()
    (path / "seal.json").write_bytes(canonical.encode(seal))
    assert failing(verify_bag(path)) == {None: ["seal-signature"]}


def test_missing_seal_is_reported(bag: tuple[Path, int, list[int]]) -> None:
    (bag[0] / "seal.json").unlink()
    assert failing(verify_bag(bag[0])) == {None: ["seal-missing"]}


def test_edited_tag_manifest_is_caught_by_the_seal(bag: tuple[Path, int, list[int]]) -> None:
    path = bag[0]
    info = path / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace("External-Identifier", "Note: x\nExternal-Identifier"),
                    encoding="utf-8")
    resave(path)
    assert failing(verify_bag(path)) == {None: ["seal-mismatch"]}


def test_replaced_checkpoint_is_refused(bag: tuple[Path, int, list[int]]) -> None:
    path = bag[0]
    note = path / "data" / "checkpoint.note"
    origin, size, rest = note.read_text(encoding="utf-8").split("\n", 2)
    note.write_text(f"{origin}\n{int(size) + 1}\n{rest}", encoding="utf-8")
    resave(path)
    assert failing(verify_bag(path)) == {None: ["checkpoint-signature"]}


def test_extra_file_in_the_payload_is_reported(bag: tuple[Path, int, list[int]]) -> None:
    path = bag[0]
    (path / "data" / "notes.txt").write_text("后加的说明", encoding="utf-8")
    resave(path)
    assert failing(verify_bag(path)) == {None: ["unexpected-file", "seal-mismatch"]}


def test_export_of_an_unknown_document_is_refused(county: County, tmp_path: Path) -> None:
    with pytest.raises(NotFound) as refused:
        export_document(county.db, county.service.blobs, county.service.keyring, 999, tmp_path / "bag")
    assert str(refused.value) == "签名日志中没有文书 999 的记录"


def test_export_into_a_non_empty_directory_is_refused(county: County, tmp_path: Path) -> None:
    (tmp_path / "bag").mkdir()
    (tmp_path / "bag" / "keep.txt").write_text("x")
    with pytest.raises(InputError):
        export_document(county.db, county.service.blobs, county.service.keyring, 1, tmp_path / "bag")


@pytest.mark.parametrize("data,message", [
    (b"{}", "a proof file holds exactly consistency, inclusion, index and size"),
    (b'{"consistency":[],"inclusion":["AA"],"index":0,"size":1}', "inclusion hashes must be 64 lower-case hex digits"),
    (b'{"consistency":[],"inclusion":[],"index":-1,"size":1}', "index must be a non-negative integer"),
    (b'{"size":1,"index":0,"inclusion":[],"consistency":[]}', "not canonical JSON"),
])
def test_proof_parser_refuses(data: bytes, message: str) -> None:
    with pytest.raises(ProofFileError, match=message):
        parse_proof(data)


@settings(max_examples=300)
@given(data=st.binary(max_size=200))
def test_proof_parser_raises_only_proof_file_error(data: bytes) -> None:
    try:
        parse_proof(data)
    except ProofFileError:
        return
    assert canonical.decode_canonical(data)


@pytest.fixture(scope="module")
def pristine_bag(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    home = tmp_path_factory.mktemp("fuzz-county")
    db = make_database("sqlite", home)
    try:
        county = build_county(db, registry, home)
        doc_id, _ = make_document(county)
        return export_document(db, county.service.blobs, county.service.keyring, doc_id, home / "bag")
    finally:
        db.dispose()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(choice=st.integers(min_value=0), position=st.integers(min_value=0), flip=st.integers(1, 255),
       recompute=st.booleans())
def test_any_changed_byte_in_a_bag_is_reported_never_crashes(pristine_bag: Path, tmp_path_factory, choice: int,
                                                            position: int, flip: int, recompute: bool) -> None:
    work = tmp_path_factory.mktemp("fuzzed") / "bag"
    shutil.copytree(pristine_bag, work)
    files = sorted(p for p in work.rglob("*") if p.is_file() and p.name not in ("bagit.txt",))
    target = files[choice % len(files)]
    data = bytearray(target.read_bytes())
    data[position % len(data)] ^= flip
    target.write_bytes(bytes(data))
    if recompute and target.name not in ("manifest-sha256.txt", "tagmanifest-sha256.txt", "bag-info.txt"):
        resave(work)
    report = verify_bag(work)
    assert not report.ok, f"a changed byte in {target.relative_to(work)} went unnoticed"
