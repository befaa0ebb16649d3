"""What signing costs per step: end to end through the service, and each part of it in the same run.

Every step unlocks the person's key (Argon2id at the production cost, keys.INTERACTIVE_KDF), builds and
canonicalises the record, signs it, re-checks it with the auditor's parser, appends it to the log and
signs a checkpoint. The same steps are also run with keys sealed at a trivial Argon2 cost, which
isolates what the password derivation adds; the remainder is the database plus the signing proper.

    python bench/bench_signing.py [--docs 15] [--db URL]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Callable

from workflow import context as app
from workflow.documents.service import Upload
from workflow.engine import registry as registry_mod
from workflow.engine.fields import valid_id_card
from workflow.ledger import keys, records
from workflow.ledger.keyring import Keyring
from workflow.ledger.keys import KdfParams
from workflow.people import directory

PATH = ["list_check", "verify", "approve", "stamp", "archive"]
FIELDS = {"verify": {"verification": "走访核实属实"}, "stamp": {"register_no": "2026-001", "blank_document": "否"}}
ACTOR = {"list_check": "vc_chair", "verify": "vc_chair", "approve": "vc_chair", "stamp": "seal_keeper",
         "archive": "vc_chair"}
PASSWORD = "bench-password"
CHEAP = KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1)


def run_steps(kdf: KdfParams, docs: int, db_url: str | None, reg: registry_mod.Registry) -> list[float]:
    """Per-step latencies (seconds) of `docs` certificates walked start to archive."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        app.init(home, db_url, "cunwu.bench/signing").dispose()
        ctx = app.open_context(home, db_url, registry=reg)
        keyring = replace(ctx.keyring, user_kdf=kdf)
        with ctx.db.write() as s:
            directory.add_place(s, "county", "基准县", None)
            directory.add_place(s, "township", "基准镇", "基准县")
            directory.add_place(s, "village", "基准村", "基准镇")
            login = directory.hash_password(PASSWORD)
            for role in ("village_clerk", "vc_chair", "seal_keeper"):
                directory.add_user_with_hash(s, reg.support, role, role, login, role, "基准村", password=PASSWORD,
                                             keyring=keyring)
        service = ctx.service
        start = {"applicant": "张三", "applicant_id": valid_id_card("43138119800101001"),
                 "certificate_type": "居住证明", "purpose": "子女入学"}
        latencies = []
        for i in range(docs):
            t = time.perf_counter()
            doc_id = service.start("village_clerk", "certificate_issuance", "基准村", f"证明 {i}", start,
                                   password=PASSWORD)
            latencies.append(time.perf_counter() - t)
            for tid in PATH:
                uploads = [Upload("certificate_scan", "scan.txt", f"扫描件 {i}".encode())] if tid == "stamp" else []
                t = time.perf_counter()
                service.step(ACTOR[tid], doc_id, tid, FIELDS.get(tid, {}), uploads, password=PASSWORD)
                latencies.append(time.perf_counter() - t)
        ctx.close()
    return latencies


def median_time(action: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        action()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=15)
    parser.add_argument("--db", default=None, help="database URL (default: SQLite in a temporary directory)")
    args = parser.parse_args()
    reg = registry_mod.load()

    interactive = run_steps(keys.INTERACTIVE_KDF, args.docs, args.db, reg)
    cheap = run_steps(CHEAP, args.docs, args.db, reg)

    key = keys.generate_private_key()
    sealed = keys.encrypt_private_key(key, PASSWORD)
    unlock = median_time(lambda: keys.decrypt_private_key(sealed, PASSWORD), 15)
    record = records.StepRecord(
        log_origin="cunwu.bench/signing", doc_id=1, definition_id="certificate_issuance", definition_version=1,
        title="证明 1", place="基准县/基准镇/基准村", step_seq=4, transition="stamp", kind="forward",
        from_state="stamping", to_state="issued", actor="seal_keeper", role="seal_keeper",
        at="2026-03-02T09:00:00.000000Z", fields={"register_no": "2026-001", "blank_document": "否"}, tallies={},
        comment=None, attachments=(records.Attachment("certificate_scan", "scan.txt", "text/plain", 12, "ab" * 32),),
        prev_step_hash="cd" * 32, key_id=keys.key_id(keys.public_key_bytes(key)),
        observed=records.Observed(100, bytes(32)))
    sign = median_time(lambda: records.sign(record, [key]).encode(), 300)
    leaf = records.sign(record, [key]).encode()

    def self_check() -> None:
        envelope = records.open_envelope(leaf)
        envelope.decode()
        envelope.verify(envelope.signatures[0])

    check = median_time(self_check, 300)
    with tempfile.TemporaryDirectory() as tmp:
        log_key = Keyring.create(Path(tmp), "cunwu.bench/signing").log
    checkpoint = median_time(lambda: log_key.sign(100, bytes(32)), 300)

    p50, p50_cheap = statistics.median(interactive), statistics.median(cheap)
    print(f"{len(interactive)} steps through the service on {args.db or 'SQLite (WAL)'}:")
    print(f"  per step, production Argon2id (t=3, 64 MiB): p50 {p50 * 1000:.1f} ms, "
          f"p95 {sorted(interactive)[int(len(interactive) * 0.95)] * 1000:.1f} ms")
    print(f"  per step, trivial Argon2id:                  p50 {p50_cheap * 1000:.1f} ms")
    print("signing work per step, measured alone:")
    print(f"  unlock the key (Argon2id + AES-GCM):   {unlock * 1000:8.2f} ms")
    print(f"  canonical record + Ed25519 signature:  {sign * 1000:8.3f} ms")
    print(f"  self-check with the auditor's parser:  {check * 1000:8.3f} ms")
    print(f"  checkpoint signature:                  {checkpoint * 1000:8.3f} ms")
    crypto = sign + check + checkpoint
    print(f"  signing without the unlock: {crypto * 1000:.2f} ms = {crypto / p50_cheap:.0%} "
          "of a step with a trivial KDF")
    print(f"  signing with the unlock:    {(crypto + unlock) * 1000:.1f} ms = {(crypto + unlock) / p50:.0%} of a step")


if __name__ == "__main__":
    sys.exit(main())
