"""Steps per second through the service layer, and the time to load all 32 definitions.

Baselines measured in the same process: parsing the YAML files alone (for the load), and firing the
bare `transitions` machine (for a step), so the figures read as ratios, not as absolute numbers tied to
this machine.

    python bench/bench_service.py [--docs 200] [--pg postgresql+psycopg://user:pw@host/postgres]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Iterator

import yaml
from sqlalchemy import create_engine, text

from workflow import context as app
from workflow.documents.service import Upload
from workflow.engine import registry as registry_mod
from workflow.engine.fields import valid_id_card
from workflow.ledger.keyring import Keyring
from workflow.ledger.keys import KdfParams
from workflow.people import directory

PATH = ["list_check", "verify", "approve", "stamp", "archive"]
STEP_FIELDS = {"verify": {"verification": "走访核实属实"}, "stamp": {"register_no": "2026-001", "blank_document": "否"}}
UPLOADS = {"stamp": "certificate_scan"}


def bench_load(repeat: int) -> None:
    files = sorted(registry_mod.default_dir().glob("**/*.yaml"))
    yaml_times, load_times = [], []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for f in files:
            yaml.load(f.read_text(encoding="utf-8"), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        yaml_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        reg = registry_mod.load()
        load_times.append(time.perf_counter() - t0)
    n = len(reg.charts())
    print(f"definitions: {n} flowcharts, {len(files)} files")
    print(f"  load + check + build machines: median {statistics.median(load_times) * 1000:.1f} ms "
          f"(min {min(load_times) * 1000:.1f} ms)")
    print(f"  baseline, YAML parse only:      median {statistics.median(yaml_times) * 1000:.1f} ms; "
          f"ratio {statistics.median(load_times) / statistics.median(yaml_times):.1f}x")


def bench_machine(reg: registry_mod.Registry, rounds: int) -> float:
    wf = reg.get("certificate_issuance")
    states = ["requested", "verifying", "approving", "stamping", "issued"]
    t0 = time.perf_counter()
    for _ in range(rounds):
        for state, tid in zip(states, PATH):
            reg.engine.fire(wf.id, wf.version, state, tid, lambda: ())
    rate = rounds * len(PATH) / (time.perf_counter() - t0)
    print(f"bare transitions machine: {rate:,.0f} transitions/s")
    return rate


def bench_steps(reg: registry_mod.Registry, docs: int, db_url: str | None, machine_rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        db = app.init(home, db_url)
        # Keys sealed at a trivial Argon2 cost, so this measures the service path; bench_signing.py
        # measures what the production cost of unlocking a key adds to each step.
        keyring = replace(Keyring.load(home), user_kdf=KdfParams(time_cost=1, memory_cost_kib=8, parallelism=1))
        with db.write() as s:
            directory.add_place(s, "county", "基准县", None)
            directory.add_place(s, "township", "基准镇", "基准县")
            directory.add_place(s, "village", "基准村", "基准镇")
            h = directory.hash_password("bench-password")
            for role in ("village_clerk", "vc_chair", "seal_keeper"):
                directory.add_user_with_hash(s, reg.support, role, role, h, role, "基准村",
                                             password="bench-password", keyring=keyring)
        db.dispose()
        ctx = app.open_context(home, db_url, registry=reg)
        service = ctx.service
        start_fields = {"applicant": "张三", "applicant_id": valid_id_card("43138119800101001"),
                        "certificate_type": "居住证明", "purpose": "子女入学"}
        latencies = []
        t0 = time.perf_counter()
        for i in range(docs):
            t = time.perf_counter()
            doc_id = service.start("village_clerk", "certificate_issuance", "基准村", f"证明 {i}", start_fields,
                                   password="bench-password")
            latencies.append(time.perf_counter() - t)
            for tid in PATH:
                user = "seal_keeper" if tid == "stamp" else "vc_chair"
                uploads = [Upload(UPLOADS[tid], "scan.txt", f"扫描件 {i}".encode())] if tid in UPLOADS else []
                t = time.perf_counter()
                service.step(user, doc_id, tid, STEP_FIELDS.get(tid, {}), uploads, password="bench-password")
                latencies.append(time.perf_counter() - t)
        elapsed = time.perf_counter() - t0
        ctx.close()
    steps = docs * (len(PATH) + 1)
    rate = steps / elapsed
    latencies.sort()
    print(f"service layer on {db_url or 'SQLite (WAL)'}: {steps} steps in {elapsed:.1f} s = {rate:,.0f} steps/s")
    print(f"  per step p50 {latencies[len(latencies) // 2] * 1000:.1f} ms, "
          f"p95 {latencies[int(len(latencies) * 0.95)] * 1000:.1f} ms")
    print(f"  ratio to the bare machine: {rate / machine_rate:.4f} "
          f"(each step is one transaction with its history row, so the database dominates)")


@contextmanager
def scratch_database(server_url: str | None) -> Iterator[str | None]:
    """A throwaway PostgreSQL database on the given server, so the benchmark never writes into real data."""
    if server_url is None:
        yield None
        return
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")
    name = f"cunwu_bench_{uuid.uuid4().hex[:8]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{server_url.rsplit('/', 1)[0]}/{name}"
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
        admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=200)
    parser.add_argument("--pg", default=None,
                        help="PostgreSQL server URL; a scratch database is created there and dropped after")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    bench_load(args.repeat)
    reg = registry_mod.load()
    rate = bench_machine(reg, 20000)
    with scratch_database(args.pg) as url:
        bench_steps(reg, args.docs, url, rate)


if __name__ == "__main__":
    sys.exit(main())
