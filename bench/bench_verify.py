"""Verification throughput of the signed log, as a ratio to raw Ed25519 verification in the same run.

Builds a realistic log in a real database (genesis, registered keys, many documents whose steps
interleave, every third step with an attachment file), then times `verify_database` using every core
and compares it with bare `Ed25519PublicKey.verify` over the same signed messages, measured single-core
and across all cores, in alternating rounds so that load from elsewhere hits both alike. Goal: at least
0.7 of the raw rate per core, using every core.

    python bench/bench_verify.py [--steps 30000] [--rounds 3] [--db URL]
"""
from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from multiprocessing import get_context
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from workflow import context as app
from workflow.ledger import log, records
from workflow.ledger.keyring import Keyring
from workflow.ledger.keys import key_id
from workflow.ledger.verify import Attachments, Scope, verify_database
from workflow.store.blobs import BlobStore
from workflow.store.database import Database

ORIGIN = "cunwu.bench/county"
PLACE = "基准县/基准镇/基准村"
ACTORS = ("party_secretary", "vc_chair", "village_clerk", "seal_keeper", "township_reviewer")
PATH = [("start", None, "requested", "village_clerk"), ("list_check", "requested", "verifying", "vc_chair"),
        ("verify", "verifying", "approving", "vc_chair"), ("approve", "approving", "stamping", "party_secretary"),
        ("stamp", "stamping", "issued", "seal_keeper"), ("archive", "issued", "archived", "village_clerk")]


def build_log(db: Database, home: Path, steps: int, batch: int = 500) -> list[tuple[bytes, bytes, bytes]]:
    """Write a log of `steps` step records; returns (public key, message, signature) of each for the baseline."""
    keyring = Keyring.load(home)
    blobs = BlobStore(home / "blobs")
    people = {name: Ed25519PrivateKey.generate() for name in ACTORS}
    rng = random.Random(7)
    with db.write() as s:
        for name, key in people.items():
            head = log.head(s, lock=True)
            public = key.public_key().public_bytes_raw()
            event = records.KeyEvent(log_origin=ORIGIN, event="register", username=name, key_id=key_id(public),
                                     at="2026-03-02T09:00:00.000000Z", observed=head.observed, name=name,
                                     public_key=public)
            log.append(s, keyring.log, records.sign(event, [keyring.registrar]).encode(), head)
    open_docs: dict[int, tuple[int, str]] = {}
    next_doc, made, baseline = 1, 0, []
    while made < steps:
        with db.write() as s:
            for _ in range(min(batch, steps - made)):
                if len(open_docs) < 40 or rng.random() < 0.2:
                    open_docs[next_doc] = (0, "")
                    next_doc += 1
                doc_id = rng.choice(list(open_docs))
                seq, prev = open_docs[doc_id]
                transition, source, target, actor = PATH[seq]
                attachments = ()
                if made % 3 == 0:
                    data = f"扫描件 {doc_id}-{seq}：兹证明张三居住在基准村".encode()
                    attachments = (records.Attachment("certificate_scan", f"扫描件{seq}.pdf", "application/pdf",
                                                      len(data), blobs.put(data)),)
                head = log.head(s, lock=True)
                key = people[actor]
                record = records.StepRecord(
                    log_origin=ORIGIN, doc_id=doc_id, definition_id="certificate_issuance", definition_version=1,
                    title=f"张三申请居住证明（{doc_id}）", place=PLACE, step_seq=seq, transition=transition,
                    kind="forward", from_state=source, to_state=target, actor=actor, role=actor,
                    at="2026-03-02T09:00:00.000000Z",
                    fields={"applicant": "张三", "purpose": "子女入学", "verification": "走访核实属实"} if seq == 0
                    else {"register_no": f"2026-{doc_id:04d}"},
                    tallies={}, comment="同意" if seq else None, attachments=attachments,
                    prev_step_hash=prev or None, key_id=key_id(key.public_key().public_bytes_raw()),
                    observed=head.observed)
                envelope = records.sign(record, [key])
                leaf = envelope.encode()
                log.append(s, keyring.log, leaf, head)
                baseline.append((envelope.signatures[0].public_key, records.pae(envelope.payload_type,
                                                                                envelope.payload),
                                 envelope.signatures[0].sig))
                if seq + 1 == len(PATH):
                    del open_docs[doc_id]
                else:
                    open_docs[doc_id] = (seq + 1, records.leaf_hash_hex(leaf))
                made += 1
    return baseline


def raw_verify(items: list[tuple[bytes, bytes, bytes]]) -> int:
    """The physical limit: OpenSSL's Ed25519 check alone, each public key loaded once."""
    loaded: dict[bytes, Ed25519PublicKey] = {}
    for public, message, signature in items:
        key = loaded.get(public) or loaded.setdefault(public, Ed25519PublicKey.from_public_bytes(public))
        key.verify(signature, message)
    return len(items)


def raw_rate_parallel(items: list[tuple[bytes, bytes, bytes]], processes: int) -> float:
    chunks = [items[i::processes] for i in range(processes)]
    with get_context("forkserver").Pool(processes) as pool:
        pool.map(raw_verify, [c[:10] for c in chunks])
        t0 = time.perf_counter()
        done = sum(pool.map(raw_verify, chunks))
        return done / (time.perf_counter() - t0)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=30000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temporary directory)")
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = app.init(home, args.db, ORIGIN)
        t0 = time.perf_counter()
        baseline = build_log(db, home, args.steps)
        print(f"built {args.steps} signed steps in {time.perf_counter() - t0:.1f} s "
              f"({args.db or 'SQLite (WAL)'}, {cores} cores)")
        files = Attachments(home / "blobs")
        t0 = time.perf_counter()
        verify_database(db, files, scope=Scope(doc_id=1), processes=cores)
        print(f"first parallel run (starts the worker server, then checks one document): "
              f"{time.perf_counter() - t0:.2f} s")
        rows = []
        for _ in range(args.rounds):
            t0 = time.perf_counter()
            raw_verify(baseline)
            raw_single = len(baseline) / (time.perf_counter() - t0)
            raw_all = raw_rate_parallel(baseline, cores)
            t0 = time.perf_counter()
            report = verify_database(db, files, processes=cores)
            rate = report.checked / (time.perf_counter() - t0)
            assert report.ok, report.failures[:3]
            t0 = time.perf_counter()
            single = verify_database(db, files, processes=1)
            single_rate = single.checked / (time.perf_counter() - t0)
            rows.append((raw_single, raw_all, rate, single_rate))
            print(f"  round: raw {raw_single:,.0f}/s (1 core) {raw_all:,.0f}/s ({cores} cores); "
                  f"cunwu verify {rate:,.0f}/s ({cores} cores) {single_rate:,.0f}/s (1 process)")
        db.dispose()
    raw_single, raw_all, rate, single_rate = (statistics.median(r[i] for r in rows) for i in range(4))
    print(f"medians over {args.rounds} rounds, {report.checked:,} steps + {report.size - report.checked} other "
          "entries each:")
    print(f"  raw Ed25519 verify:          {raw_single:,.0f}/s on one core, {raw_all:,.0f}/s on {cores} cores")
    print(f"  cunwu verify, every check:   {rate:,.0f}/s on {cores} cores, {single_rate:,.0f}/s in one process")
    print(f"  ratio, {cores} cores vs raw {cores} cores:   {statistics.median(r[2] / r[1] for r in rows):.2f} "
          "(goal >= 0.70)")
    print(f"  ratio per core vs raw 1 core: {statistics.median(r[2] / cores / r[0] for r in rows):.2f}")
    print(f"  ratio, 1 process vs raw 1 core: {statistics.median(r[3] / r[0] for r in rows):.2f}")


if __name__ == "__main__":
    sys.exit(main())
