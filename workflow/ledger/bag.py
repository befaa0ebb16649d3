"""One document's full signed record as a BagIt package (RFC 8493), and its offline verifier.

A bag lets a township, an archive or a court check a document without the database: it holds the exact
log entries of every step, the key events of everyone who signed, the genesis entry (which names the log
and registrar keys), the logged definition versions of its flowchart (so its path is replayed against the
rules it pinned), each entry's inclusion proof against one signed checkpoint, a consistency proof from
the log head each signer saw to that checkpoint, the attachment files, and a seal. BagIt itself gives
fixity, not authenticity (anyone who edits a file can recompute the manifests), so every claim is checked
cryptographically as well; the seal, the exporting log's signature over the tag manifest, shows which
log packed the bag and that nothing was added to its tag files.

    <bag>/bagit.txt bag-info.txt manifest-sha256.txt tagmanifest-sha256.txt
    <bag>/seal.json                          (outside the tag manifest, which it signs)
    <bag>/data/checkpoint.note
    <bag>/data/log/<index:012d>.leaf         exact leaf bytes
    <bag>/data/log/<index:012d>.proof.json   {"consistency": [...], "inclusion": [...], "index", "size"}
    <bag>/data/attachments/<sha256>

The bag uses SHA-256 alone, so that the one tag manifest the seal signs covers every other file:
bagit-python skips manifest lines it cannot parse instead of failing, and a second, unsealed tag
manifest could be edited that way unnoticed.

What a bag cannot prove on its own: that the document has no later steps, and that no key event was left
out. Pin the log key (`--log-key`) or compare the bag's checkpoint with one held elsewhere to rule out a
bag fabricated wholesale with fresh keys.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, Optional

import bagit

from workflow.errors import CunwuError, InputError, NotFound
from workflow.ledger import log, merkle, notes, records
from workflow.ledger.canonical import encode
from workflow.ledger.keyring import Keyring
from workflow.ledger.verify import Attachments, Failure, Replay, Report, Scope, examine, pinned_log_key
from workflow.messages import Code, Message
from workflow.store.blobs import BlobStore
from workflow.store.database import Database, utcnow

SEAL_FILE = "seal.json"
CHECKPOINT_FILE = "checkpoint.note"
MAX_PROOF_HASHES = 64
_LEAF_NAME = re.compile(r"log/([0-9]{12})\.leaf")
_PROOF_NAME = re.compile(r"log/([0-9]{12})\.proof\.json")
_ATTACHMENT_NAME = re.compile(r"attachments/([0-9a-f]{64})")

MISPLACED_PROOF = Code("bag.misplaced", "签名时是日志第 %(size)s 条，证明却说它是第 %(index)s 条")
NOT_A_PREFIX = Code("bag.observed", "签名人所见的日志不是检查点所证明日志的前缀：%(error)s")
PROOF_WITHOUT_ENTRY = Code("bag.proof-without-entry", "有第 %(index)s 条的证明文件，却没有该条目")
FOREIGN_ATTACHMENT = Code("bag.foreign-attachment", "附件 %(digest)s 不属于包中任何一步")
MANIFEST = Code("bag.manifest", "BagIt 清单校验失败：%(details)s")
NOT_A_BAG = Code("bag.invalid", "不是有效的 BagIt 包：%(error)s")
NO_DATA = Code("bag.no-data", "包中没有 data 目录")
UNEXPECTED_FILE = Code("bag.unexpected-file", "包中有不应出现的文件 data/%(name)s")
SEAL_FORMAT = Code("bag.seal-format", "封签格式无效：%(error)s")
NOT_A_SEAL = Code("bag.not-a-seal", "封签不是 BagIt 封签记录")
SEAL_SIGNATURE = Code("bag.seal-signature", "封签不是本日志密钥签的：%(error)s")
TAGS_CHANGED = Code("bag.tags-changed", "标签清单在封签之后被改动")
SEAL_CHECKPOINT = Code("bag.seal-checkpoint", "封签记录的检查点与包中的检查点不同")
NO_GENESIS = Code("bag.no-genesis", "包中没有创始记录（第 0 条），无法确认日志与登记机关密钥")
NO_LOG_KEY = Code("bag.no-log-key", "不知道日志公钥，无法核验检查点")
CHECKPOINT_INVALID = Code("bag.checkpoint-invalid", "检查点无效或不是本日志密钥所签：%(error)s")
NO_PROOF = Code("bag.no-proof", "缺少包含证明文件")
NOT_INCLUDED = Code("bag.not-included", "不在检查点所证明的日志中：%(error)s")
FILE_MISSING = Code("bag.file-missing", "包中缺少%(what)s %(name)s")
CHECKPOINT_FILE_TITLE = Code("bag.checkpoint-file", "检查点文件")
SEAL_FILE_TITLE = Code("bag.seal-file", "封签文件")

class ProofFileError(ValueError):
    """A proof file is not exactly the canonical JSON this module writes."""


@dataclass(frozen=True)
class ProofFile:
    """Where one entry sits in the checkpointed tree, and how the head its signer saw leads there."""

    index: int
    size: int
    inclusion: tuple[bytes, ...]
    consistency: tuple[bytes, ...]

    def encode(self) -> bytes:
        return encode({"consistency": [h.hex() for h in self.consistency], "index": self.index,
                       "inclusion": [h.hex() for h in self.inclusion], "size": self.size})


def parse_proof(data: bytes) -> ProofFile:
    """Parse a proof file strictly: canonical JSON, exact members, 32-byte lower-case hex hashes."""
    try:
        obj = records.decode_canonical(data)
    except records.RecordError as exc:
        raise ProofFileError(str(exc)) from None
    if not isinstance(obj, dict) or obj.keys() != {"consistency", "inclusion", "index", "size"}:
        raise ProofFileError("a proof file holds exactly consistency, inclusion, index and size")
    for name in ("index", "size"):
        if type(obj[name]) is not int or obj[name] < 0:
            raise ProofFileError(f"{name} must be a non-negative integer")
    return ProofFile(obj["index"], obj["size"], _hashes(obj["inclusion"], "inclusion"),
                     _hashes(obj["consistency"], "consistency"))


def export_document(db: Database, blobs: BlobStore, keyring: Keyring, doc_id: int, out_dir: Path,
                    now: Optional[datetime] = None) -> Path:
    """Write the bag for `doc_id` into `out_dir` (which must not exist or be empty), proved against the
    latest checkpoint, and seal it with the log key."""
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise InputError(f"输出目录 {out_dir} 已存在且不为空")
    note, head, hashes, chosen = _collect(db, doc_id)
    tree = log.Tree(tuple(hashes))
    for directory in ("log", "attachments"):
        (out_dir / directory).mkdir(parents=True)
    (out_dir / CHECKPOINT_FILE).write_text(note, encoding="utf-8")
    for index, (leaf, payload) in sorted(chosen.items()):
        (out_dir / "log" / f"{index:012d}.leaf").write_bytes(leaf)
        proof = ProofFile(index, head.size, tuple(tree.inclusion(index)),
                          tuple(tree.consistency(index)) if index else ())
        (out_dir / "log" / f"{index:012d}.proof.json").write_bytes(proof.encode())
        for a in payload.attachments if isinstance(payload, records.StepRecord) else ():
            if blobs.path(a.sha256).is_file():
                (out_dir / "attachments" / a.sha256).write_bytes(blobs.get(a.sha256))
    moment = now or utcnow()
    bagit.make_bag(str(out_dir), {
        "Source-Organization": "cunwu 村务", "External-Identifier": str(doc_id),
        "External-Description": f"文书 {doc_id} 的全部签名记录", "Bagging-Date": moment.date().isoformat(),
        "Log-Origin": head.origin, "Log-Key": keyring.log.vkey, "Checkpoint-Size": str(head.size),
    }, checksums=["sha256"])
    seal = records.BagSeal(log_origin=keyring.log.origin, doc_id=doc_id,
                           checkpoint=records.Observed(head.size, head.root),
                           tagmanifest_sha256=_sha256_file(out_dir / "tagmanifest-sha256.txt"),
                           at=records.utc_timestamp(moment))
    (out_dir / SEAL_FILE).write_bytes(records.sign(seal, [keyring.log.private_key]).encode())
    return out_dir


def _collect(db: Database, doc_id: int) -> tuple[str, notes.Checkpoint, list[bytes],
                                                 dict[int, tuple[bytes, records.Payload]]]:
    """The latest checkpoint, every leaf hash it covers, and the entries the bag needs: the document's
    steps, the genesis, and every key event of the people who signed them.

    The document's entries are found in the log itself, not the steps table, so the bag shows what the
    log says; an entry that does not parse is left out, and the bag's verification shows the gap.
    """
    with db.read() as s:
        try:
            latest = log.latest_parsed(s)
        except notes.CheckpointError as exc:
            raise CunwuError(f"数据库中的最新检查点无效（{exc}），无法导出（请先运行 cunwu verify）") from None
        if latest is None:
            raise NotFound("签名日志为空，没有可导出的记录")
        note, head = latest.note, latest.checkpoint
        hashes: list[bytes] = []
        steps: dict[int, tuple[bytes, records.Payload]] = {}
        events: dict[int, tuple[bytes, records.Payload]] = {}
        for index, leaf in log.entries(s, 0, head.size):
            if index != len(hashes):
                break
            hashes.append(merkle.leaf_hash(leaf))
            try:
                payload = records.open_envelope(leaf).decode()
            except records.RecordError:
                continue
            if isinstance(payload, records.StepRecord) and payload.doc_id == doc_id:
                steps[index] = (leaf, payload)
            elif isinstance(payload, (records.KeyEvent, records.Genesis, records.DefinitionRecord)):
                events[index] = (leaf, payload)
    if len(hashes) != head.size:
        raise CunwuError(f"签名日志第 {len(hashes)} 条缺失，无法导出（请先运行 cunwu verify）")
    if not steps:
        raise NotFound(f"签名日志中没有文书 {doc_id} 的记录")
    chosen = [payload for _, payload in steps.values() if isinstance(payload, records.StepRecord)]
    signers = {payload.actor for payload in chosen}
    labels = {(payload.definition_id, payload.definition_version) for payload in chosen}
    steps.update({i: e for i, e in events.items() if _needed(e[1], signers, labels)})
    return note, head, hashes, steps


def _needed(payload: records.Payload, signers: set[str], labels: set[tuple[str, int]]) -> bool:
    """The entries a document's bag carries besides its steps: the genesis, its signers' key events, and
    the definition versions of its flowchart (the one it pinned, or for an older document the one it is
    checked against)."""
    if isinstance(payload, records.KeyEvent):
        return payload.username in signers
    if isinstance(payload, records.DefinitionRecord):
        return (payload.definition_id, payload.version) in labels
    return True


class _BagReplay(Replay):
    """Replay of the few entries a bag holds: a signer's observed head is confirmed by a consistency proof.

    Entries whose inclusion proof failed are already reported and have no place in the tree to check.
    """

    def __init__(self, report: Report, *, consistency: dict[int, tuple[bytes, ...]], head: notes.Checkpoint,
                 **kwargs: Any) -> None:
        super().__init__(report, **kwargs)
        self.consistency = consistency
        self.head = head

    def check_observed(self, index: int, size: int, root: bytes, step: Any) -> None:
        if index not in self.consistency:
            return
        if size != index:
            self.fail(index, "misplaced", MISPLACED_PROOF(size=size, index=index), step)
            return
        try:
            merkle.verify_consistency(index, self.head.size, list(self.consistency[index]), root, self.head.root)
        except merkle.ProofError as exc:
            self.fail(index, "observed", NOT_A_PREFIX(error=str(exc)), step)


def verify_bag(path: Path, *, log_key: Optional[str] = None) -> Report:
    """Check a bag with nothing but its files: manifests, seal, checkpoint, proofs, signatures, chain.

    Never raises on a malformed bag; every problem becomes a failure in the report.
    """
    report = Report(trust="pinned" if log_key else "genesis")
    _check_bagit(path, report)
    data = path / "data"
    leaves, proofs, attachments = _inventory(data, report)
    sealed = _open_seal(path, report)
    head_note = _read(data / CHECKPOINT_FILE, report, "checkpoint-missing", CHECKPOINT_FILE_TITLE())
    pinned = pinned_log_key(log_key, report)
    genesis = _genesis(leaves.get(0), report)
    verifier = pinned or (genesis.log_verifier if genesis else None)
    head = _open_checkpoint(head_note, verifier, report) if head_note is not None else None
    if head is None or sealed is None:
        return report
    envelope, seal = sealed
    scope = Scope(doc_id=seal.doc_id)
    report.scope, report.origin, report.log_key = scope.to_dict(), head.origin, genesis.log_key if genesis else log_key
    report.size, report.checkpoint_size, report.root = head.size, head.size, head.root.hex()
    _check_seal(envelope, seal, verifier, head, path, report)
    consistency = {}
    for index in sorted(leaves):
        proof = _proof_for(index, proofs.get(index), head, leaves[index], report)
        if proof is not None:
            consistency[index] = proof.consistency
    for index in sorted(set(proofs) - set(leaves)):
        report.failures.append(Failure(index, "unexpected-file", PROOF_WITHOUT_ENTRY(index=index)))
    replay = _BagReplay(report, consistency=consistency, head=head, scope=scope, registry=None,
                        pinned_log_key=pinned, details=True)
    files = Attachments(data / "attachments", flat=True)
    referenced: set[str] = set()
    for index in sorted(leaves):
        replay.feed(examine(index, leaves[index], scope, files))
        referenced |= _attachments_of(leaves[index])
    replay.finish()
    for sha256 in sorted(attachments - referenced):
        report.failures.append(_failure("unexpected-file", FOREIGN_ATTACHMENT(digest=sha256)))
    return report


def _check_bagit(path: Path, report: Report) -> None:
    try:
        bagit.Bag(str(path)).validate(processes=1, fast=False)
    except bagit.BagValidationError as exc:
        details = "；".join(str(d) for d in exc.details) if exc.details else str(exc)
        report.failures.append(_failure("bag-manifest", MANIFEST(details=details)))
    except (bagit.BagError, OSError, UnicodeError, ValueError) as exc:
        report.failures.append(_failure("bag-invalid", NOT_A_BAG(error=str(exc))))


def _inventory(data: Path, report: Report) -> tuple[dict[int, bytes], dict[int, bytes], set[str]]:
    leaves: dict[int, bytes] = {}
    proofs: dict[int, bytes] = {}
    attachments: set[str] = set()
    if not data.is_dir():
        report.failures.append(_failure("bag-invalid", NO_DATA()))
        return leaves, proofs, attachments
    for file in sorted(p for p in data.rglob("*") if not p.is_dir()):
        name = file.relative_to(data).as_posix()
        if match := _LEAF_NAME.fullmatch(name):
            leaves[int(match.group(1))] = file.read_bytes()
        elif match := _PROOF_NAME.fullmatch(name):
            proofs[int(match.group(1))] = file.read_bytes()
        elif match := _ATTACHMENT_NAME.fullmatch(name):
            attachments.add(match.group(1))
        elif name != CHECKPOINT_FILE:
            report.failures.append(_failure("unexpected-file", UNEXPECTED_FILE(name=name)))
    return leaves, proofs, attachments


def _open_seal(path: Path, report: Report) -> Optional[tuple[records.Envelope, records.BagSeal]]:
    """The seal names the document the bag is about, so it is read before anything is checked."""
    data = _read(path / SEAL_FILE, report, "seal-missing", SEAL_FILE_TITLE())
    if data is None:
        return None
    try:
        envelope = records.open_envelope(data)
        seal = envelope.decode()
    except records.RecordError as exc:
        report.failures.append(_failure("seal-invalid", SEAL_FORMAT(error=str(exc))))
        return None
    if not isinstance(seal, records.BagSeal):
        report.failures.append(_failure("seal-invalid", NOT_A_SEAL()))
        return None
    return envelope, seal


def _check_seal(envelope: records.Envelope, seal: records.BagSeal, verifier: Optional[notes.NoteVerifier],
                head: notes.Checkpoint, path: Path, report: Report) -> None:
    signed = [s for s in envelope.signatures if verifier is not None and s.public_key == verifier.public_key]
    try:
        if not signed:
            raise records.RecordError("the log key did not sign it")
        envelope.verify(signed[0])
    except records.RecordError as exc:
        report.failures.append(_failure("seal-signature", SEAL_SIGNATURE(error=str(exc))))
        return
    manifest = path / "tagmanifest-sha256.txt"
    if not manifest.is_file() or _sha256_file(manifest) != seal.tagmanifest_sha256:
        report.failures.append(_failure("seal-mismatch", TAGS_CHANGED()))
    if (seal.checkpoint.size, seal.checkpoint.root, seal.log_origin) != (head.size, head.root, head.origin):
        report.failures.append(_failure("seal-mismatch", SEAL_CHECKPOINT()))


def _genesis(leaf: Optional[bytes], report: Report) -> Optional[records.Genesis]:
    if leaf is None:
        report.failures.append(_failure("no-genesis", NO_GENESIS()))
        return None
    try:
        genesis = records.open_envelope(leaf).decode()
    except records.RecordError:
        return None
    return genesis if isinstance(genesis, records.Genesis) else None


def _open_checkpoint(note: bytes, verifier: Optional[notes.NoteVerifier], report: Report) -> Optional[notes.Checkpoint]:
    if verifier is None:
        report.failures.append(_failure("checkpoint-signature", NO_LOG_KEY()))
        return None
    try:
        return notes.open_checkpoint(note, verifier, origin=verifier.name)
    except notes.CheckpointError as exc:
        report.failures.append(_failure("checkpoint-signature", CHECKPOINT_INVALID(error=str(exc))))
        return None


def _proof_for(index: int, data: Optional[bytes], head: notes.Checkpoint, leaf: bytes,
               report: Report) -> Optional[ProofFile]:
    if data is None:
        report.failures.append(Failure(index, "inclusion", NO_PROOF()))
        return None
    try:
        proof = parse_proof(data)
        if (proof.index, proof.size) != (index, head.size):
            raise ProofFileError(f"证明针对第 {proof.index} 条、{proof.size} 条的日志，不是第 {index} 条、{head.size} 条")
        merkle.verify_inclusion(index, head.size, merkle.leaf_hash(leaf), list(proof.inclusion), head.root)
    except (ProofFileError, merkle.ProofError) as exc:
        report.failures.append(Failure(index, "inclusion", NOT_INCLUDED(error=str(exc))))
        return None
    return proof


def _failure(code: str, message: Message) -> Failure:
    return Failure(None, code, message)


def _attachments_of(leaf: bytes) -> set[str]:
    try:
        payload = records.open_envelope(leaf).decode()
    except records.RecordError:
        return set()
    return {a.sha256 for a in payload.attachments} if isinstance(payload, records.StepRecord) else set()


def _read(path: Path, report: Report, code: str, what: Message) -> Optional[bytes]:
    try:
        return path.read_bytes()
    except OSError:
        report.failures.append(_failure(code, FILE_MISSING(what=what, name=path.name)))
        return None


def _hashes(value: object, what: str) -> tuple[bytes, ...]:
    if not isinstance(value, list) or len(value) > MAX_PROOF_HASHES:
        raise ProofFileError(f"{what} must be a list of at most {MAX_PROOF_HASHES} hashes")
    out = []
    for item in value:
        if not isinstance(item, str) or not re.fullmatch(r"[0-9a-f]{64}", item):
            raise ProofFileError(f"{what} hashes must be 64 lower-case hex digits")
        out.append(bytes.fromhex(item))
    return tuple(out)


def _sha256_file(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
