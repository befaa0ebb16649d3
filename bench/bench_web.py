"""The worklist, a document page, a public board and the archive search under concurrent load, on a
demo county of 100,000 documents served by `cunwu serve` (waitress, 8 threads) on loopback.

    python bench/bench_web.py [--home /tmp/cunwu-bench] [--documents 100000] [--users 8] [--seconds 20]

How the 100,000 documents are made. Through the service a signed step cost 15 ms on a 2-core machine
(3,000 documents, 18,551 steps in 284 s), so 100,000 documents would take over two and a half hours.
The bench therefore builds a demo county of `--base` documents (default 3,000, 24 villages) through the
service, each step signed, and then copies those documents with SQL, rows only (documents, steps,
attachments), under new numbers, until there are `--documents` (7 s). A copy's steps point at the
original's log entries, so its page checks real signatures at the same cost, and reports them as
belonging to another document: the signature status is red for copies. The archive index is then
rebuilt from the database as `cunwu reindex --engine tantivy` does (`--engine whoosh` for Whoosh),
about 780,000 index records. The data directory is reused by later runs, which start measuring at once.

The load is a closed loop: each of `--users` threads logs in as the busiest village's Party secretary
over its own keep-alive connection and requests the page again as soon as the previous answer arrives,
for `--seconds`, after one round of every page outside the load (the first search waits for the
server's start-up check of the index and its column reading; printed as "first ..."). Printed per
page: requests, requests per second, median and 95th percentile latency, and failures. The client runs
in the same machine's other threads, so on 2 cores the figures are a floor, not a ceiling. The document
page is the HTML only; its flowchart SVG is a separate, cached request.
"""
from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional

from sqlalchemy import func, select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.indexer import Indexer  # noqa: E402
from workflow import context as app  # noqa: E402
from workflow.demo import county as demo
from workflow.store.database import Database
from workflow.store.tables import Document, Place  # noqa: E402

USER = "shimenkan_party_secretary"
VILLAGE = "石门坎村"
COPY = "（副本）"
QUERIES = ["道路", "低保", "张", "危房改造", "居住证明", "2025", "合同"]
_TOKEN = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def build(home: Path, documents: int, base: int, engine: str) -> None:
    """A demo county of `base` signed documents, copied with SQL up to `documents`, and its archive index;
    whatever an earlier run made is reused."""
    if not (home / "cunwu.db").exists():
        started = time.perf_counter()
        made = demo.build(home, villages=demo.MAX_VILLAGES, documents=min(base, documents), seed=2017,
                          progress=lambda done, total: done % 500 == 0 and print(f"  {done}/{total}", flush=True))
        print(f"service: {made.documents} documents, {made.steps} signed steps in "
              f"{time.perf_counter() - started:.0f} s")
    db = app.open_database(home)
    try:
        started = time.perf_counter()
        copied = copy_documents(db, documents)
        if copied:
            print(f"sql: copied {copied} documents in {time.perf_counter() - started:.0f} s")
    finally:
        db.dispose()
    started = time.perf_counter()
    indexed = index_county(home, engine)
    if indexed:
        print(f"index: {indexed} documents indexed in {time.perf_counter() - started:.0f} s", flush=True)


def index_county(home: Path, engine: str) -> int:
    """Rebuild the archive index with `engine` as `cunwu reindex --engine` does, unless it already is
    that engine's index and level with the database; returns the documents indexed."""
    context = app.open_context(home)
    try:
        indexer = Indexer(context)
        try:
            if indexer.engine.name == engine and indexer.check().ok:
                return 0
            started, cpu = time.perf_counter(), time.process_time()
            records = indexer.reindex(engine)
            print(f"reindex ({engine}): {records:,} index records in {time.perf_counter() - started:.0f} s "
                  f"({time.process_time() - cpu:.0f} s CPU in this process), load {os.getloadavg()[:2]}", flush=True)
            return len(indexer.source.document_ids())
        finally:
            indexer.close()
    finally:
        context.close()


def copy_documents(db: Database, target: int) -> int:
    """Copy the service-made documents, their steps and attachments under fresh ids until `target`."""
    with db.engine.begin() as conn:
        count = conn.scalar(text("SELECT count(*) FROM documents"))
        originals = conn.scalar(text("SELECT max(id) FROM documents WHERE title NOT LIKE :copies"),
                                {"copies": f"%{COPY}"})
        first_step_id = conn.scalar(text("SELECT max(id) FROM steps"))
        first_attachment_id = conn.scalar(text("SELECT max(id) FROM step_attachments")) or 0
    copied = 0
    while count < target:
        take = min(originals, target - count)
        with db.engine.begin() as conn:
            doc_shift = conn.scalar(text("SELECT max(id) FROM documents"))
            step_shift = conn.scalar(text("SELECT max(id) FROM steps"))
            attachment_shift = conn.scalar(text("SELECT max(id) FROM step_attachments")) or 0
            conn.execute(text(
                "INSERT INTO documents (id, workflow_id, workflow_version, place_id, title, state, data, version, "
                "created_by, created_at, updated_at, state_entered_at, due_at, disclosed_at) "
                "SELECT id + :shift, workflow_id, workflow_version, place_id, title || :copy, state, data, version, "
                "created_by, created_at, updated_at, state_entered_at, due_at, disclosed_at FROM documents "
                "WHERE id <= :take"),
                {"shift": doc_shift, "take": take, "copy": COPY})
            conn.execute(text(
                "INSERT INTO steps (id, document_id, seq, transition, kind, from_state, to_state, actor_id, role, at, "
                "fields, comment, log_index) "
                "SELECT id + :step_shift, document_id + :doc_shift, seq, transition, kind, from_state, to_state, "
                "actor_id, role, at, fields, comment, log_index FROM steps "
                "WHERE document_id <= :take AND id <= :first_step"),
                {"step_shift": step_shift, "doc_shift": doc_shift, "take": take, "first_step": first_step_id})
            conn.execute(text(
                "INSERT INTO step_attachments (id, step_id, slot, filename, sha256, size, media_type) "
                "SELECT a.id + :attachment_shift, a.step_id + :step_shift, a.slot, a.filename, a.sha256, a.size, "
                "a.media_type FROM step_attachments a JOIN steps s ON s.id = a.step_id "
                "WHERE s.document_id <= :take AND a.id <= :first_attachment"),
                {"attachment_shift": attachment_shift, "step_shift": step_shift, "take": take,
                 "first_attachment": first_attachment_id})
        count += take
        copied += take
    return copied


def village_documents(home: Path) -> list[int]:
    db = app.open_database(home)
    try:
        with db.read() as s:
            place = s.scalar(select(Place.id).where(Place.name == VILLAGE))
            return list(s.scalars(select(Document.id).where(Document.place_id == place)))
    finally:
        db.dispose()


def document_count(home: Path) -> int:
    db = app.open_database(home)
    try:
        with db.read() as s:
            return s.scalar(select(func.count(Document.id))) or 0
    finally:
        db.dispose()


class Browser:
    """One logged-in person on one keep-alive connection."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        self.cookie = ""

    def request(self, method: str, path: str, body: Optional[str] = None) -> tuple[int, str, dict]:
        headers = {"Cookie": self.cookie}
        if body is not None:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        cookie = response.getheader("Set-Cookie")
        if cookie:
            self.cookie = cookie.split(";", 1)[0]
        return response.status, data, dict(response.getheaders())

    def login(self, username: str) -> None:
        _, page, _ = self.request("GET", "/login")
        body = urllib.parse.urlencode({"csrf_token": _TOKEN.search(page).group(1), "username": username,
                                       "password": demo.DEMO_PASSWORD})
        status, _, _ = self.request("POST", "/login", body)
        if status != 302:
            raise RuntimeError(f"login as {username} failed with {status}")


@dataclass
class Result:
    latencies: list[float] = field(default_factory=list)
    failures: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def load(port: int, users: int, seconds: float, path_of: Callable[[random.Random], str]) -> tuple[Result, float]:
    result = Result()
    browsers = []
    for _ in range(users):
        b = Browser(port)
        b.login(USER)
        browsers.append(b)
    deadline = time.perf_counter() + seconds

    def run(b: Browser, seed: int) -> None:
        rng = random.Random(seed)
        while time.perf_counter() < deadline:
            started = time.perf_counter()
            status, _, _ = b.request("GET", path_of(rng))
            elapsed = time.perf_counter() - started
            with result.lock:
                result.latencies.append(elapsed)
                result.failures += status != 200

    threads = [threading.Thread(target=run, args=(b, i)) for i, b in enumerate(browsers)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return result, time.perf_counter() - started


def report(name: str, result: Result, elapsed: float) -> None:
    lat = sorted(result.latencies)
    p95 = lat[max(0, int(len(lat) * 0.95) - 1)] if lat else float("nan")
    print(f"{name:<22}{len(lat):>8}{len(lat) / elapsed:>10.1f}{statistics.median(lat) * 1000:>10.0f}"
          f"{p95 * 1000:>10.0f}{result.failures:>9}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--home", type=Path, default=Path("/tmp/cunwu-bench"))
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--base", type=int, default=3000, help="documents made through the service")
    parser.add_argument("--users", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--port", type=int, default=8093)
    parser.add_argument("--engine", choices=["whoosh", "tantivy"], default="tantivy",
                        help="archive search engine; the index is rebuilt when it is another one")
    args = parser.parse_args()
    build(args.home, args.documents, args.base, args.engine)
    docs = village_documents(args.home)
    print(f"county: {document_count(args.home)} documents; {VILLAGE}: {len(docs)}; user {USER}; "
          f"{args.users} concurrent users, {args.seconds:g} s per page")
    server = subprocess.Popen([sys.executable, "-c", "from workflow.cli.base import main; main()", "--home",
                               str(args.home), "serve", "--port", str(args.port)], stderr=subprocess.DEVNULL)
    try:
        started = time.perf_counter()
        wait_ready(args.port)
        print(f"server answering {time.perf_counter() - started:.1f} s after launch")
        pages = {
            "worklist /": lambda rng: "/",
            "document /documents/N": lambda rng: f"/documents/{rng.choice(docs)}",
            "portal /public/results": lambda rng: f"/public/results?page={rng.randint(1, 50)}",
        }
        pages["search /archive/?q="] = lambda rng: "/archive/?" + urllib.parse.urlencode({"q": rng.choice(QUERIES)})
        warm_up(args.port, pages)
        print(f"{'page':<22}{'requests':>8}{'req/s':>10}{'p50 ms':>10}{'p95 ms':>10}{'failed':>9}")
        for name, path_of in pages.items():
            report(name, *load(args.port, args.users, args.seconds, path_of))
    finally:
        server.terminate()
        server.wait(timeout=30)


def warm_up(port: int, pages: dict[str, Callable[[random.Random], str]]) -> None:
    """One request of every page, outside the load: fills the diagram and template caches, and waits out
    the index check and column reading `cunwu serve` does as it starts. Prints how long each took."""
    b = Browser(port)
    b.login(USER)
    rng = random.Random(0)
    for name, path_of in pages.items():
        started = time.perf_counter()
        b.request("GET", path_of(rng))
        print(f"first {name}: {(time.perf_counter() - started) * 1000:.0f} ms")


def wait_ready(port: int) -> None:
    for _ in range(600):
        try:
            http.client.HTTPConnection("127.0.0.1", port, timeout=2).request("GET", "/public/")
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


if __name__ == "__main__":
    main()
