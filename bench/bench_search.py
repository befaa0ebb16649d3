"""Archive search at scale: the Whoosh index against SQLite FTS5 (trigram), same corpus, same run.

    python bench/bench_search.py --records 100000 --records 1000000 --workdir /tmp/bench-search --json figures.json

For each size it generates the documents (seeded, so every run indexes the same text), builds
both engines from the same records, and times one result page per query class: the first 20
hits with snippets, the exact total, and facet counts for village, power-list item, state and
year, as the county archivist sees it (the permission filter is applied, and matches
everything). Both engines search the same folded text, so their totals must agree; the run
stops if they do not.

A record is the ``document`` record of :mod:`search.records` (title, header and every step's
fields and comments; about 260 characters). Step and public records are left out so that "N
records" means N documents; with them the index holds about four Whoosh records per document.

Whoosh is driven through cunwu's own code (``search.index.rebuild`` and
``search.searcher.search``). SQLite gets what a careful hand-written equivalent would do: an
external-content FTS5 table with ``tokenize='trigram'``, B-tree indexes for the filters, the
matches materialized once per query for the four GROUP BY facet counts (joined from the matches
outwards: left to itself, the planner walks a whole index to avoid sorting), and ``LIKE`` for
terms of fewer than three characters, which trigrams cannot index.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.analysis import JiebaAnalyzer, fold  # noqa: E402
from search.criteria import Criteria  # noqa: E402
from search.index import ArchiveIndex, rebuild  # noqa: E402
from search.records import document_record  # noqa: E402
from search.searcher import search  # noqa: E402
from tests.search_corpus import (  # noqa: E402
    RARE_NAMES,
    Geography,
    iter_documents,
    large_geography,
    load_registry,
)

PRINCIPALS = ["archivist@1", "*@1"]
PAGE_SIZE = 20


@dataclass(frozen=True)
class Probe:
    """One query of a class: the clerk's words and filters, for both engines."""

    words: str
    place: str | None = None
    definition: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def criteria(self) -> Criteria:
        return Criteria(query=self.words, place=self.place, definition=self.definition,
                        date_from=self.date_from, date_to=self.date_to)


def probes(villages: Sequence[str], townships: Sequence[str]) -> dict[str, list[Probe]]:
    terms = ["危房改造", "村务公开", "集体资产处置", "道路硬化"]
    return {
        "rare name": [Probe(name) for name in RARE_NAMES[::10]],
        "2-char name": [Probe("张三")],
        "village": [Probe(village) for village in villages[:: max(1, len(villages) // 10)][:10]],
        "common term": [Probe(term) for term in terms],
        "phrase": [Probe(f'"{phrase}"') for phrase in ("公示期内无异议", "村民代表会议表决通过", "集体资产处置方案")],
        "filter + facets": [
            Probe(terms[i % len(terms)], place=townships[i % len(townships)],
                  definition=["test_dibao", "test_works"][i % 2],
                  date_from=date(2020 + i % 4, 1, 1), date_to=date(2021 + i % 4, 12, 31))
            for i in range(8)
        ],
    }


def directory_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile: the value at or below which ``share`` of the runs fall.

    The rank is ``ceil(share * n)``; ``round(x + 0.5)`` rounded half to even, so it picked the
    next rank up whenever ``share * n`` was an even whole number (the maximum of 20 runs as p95).
    """
    ordered = sorted(values)
    rank = math.ceil(share * len(ordered) - 1e-9)
    return ordered[max(0, min(len(ordered) - 1, rank - 1))]


def load() -> list[float]:
    """The 1- and 5-minute load averages: other jobs share the machine, and the figures say so."""
    return [round(x, 2) for x in os.getloadavg()[:2]]


def progress(documents: Iterable[Sequence[dict[str, Any]]], size: int, every: int) -> Iterator[Sequence[dict[str, Any]]]:
    """Pass the documents through, printing the build rate every ``every`` documents.

    The final commit (sorting and merging the postings) comes after the last line, so the
    rate shown is that of adding documents, not of the whole build.
    """
    start = time.perf_counter()
    for count, document in enumerate(documents, start=1):
        yield document
        if count % every == 0 or count == size:
            elapsed = time.perf_counter() - start
            print(f"  whoosh: {count:,} added in {elapsed:.0f} s ({count / elapsed:.0f} docs/s), "
                  f"load {load()}", flush=True)


class SqliteArchive:
    """The same records in SQLite FTS5 with trigrams, queried as the archive page needs."""

    def __init__(self, path: Path, fresh: bool) -> None:
        self.path = path
        if not fresh:
            self.db = sqlite3.connect(path)
            self.db.execute("CREATE TEMP TABLE hits(id INTEGER PRIMARY KEY)")
            return
        path.unlink(missing_ok=True)
        self.db = sqlite3.connect(path)
        self.db.executescript(
            """
            PRAGMA journal_mode=WAL;
            CREATE TABLE docs(id INTEGER PRIMARY KEY, title TEXT, body TEXT, village TEXT, township TEXT,
                              workflow TEXT, state_title TEXT, year TEXT, date TEXT, date_end TEXT);
            CREATE TABLE allowed(doc_id INTEGER, token TEXT, PRIMARY KEY (doc_id, token)) WITHOUT ROWID;
            CREATE VIRTUAL TABLE fts USING fts5(body, content='docs', content_rowid='id', tokenize='trigram');
            """
        )

    def build(self, records: Sequence[dict[str, Any]]) -> None:
        rows = []
        grants = []
        for record in records:
            doc_id = int(record["doc_id"])
            township = record["village"].split("/")[1]
            rows.append((doc_id, record["title"], fold(record["body"]), record["village"], township,
                         record["workflow"], record["state_title"], record["year"],
                         record["date"].isoformat(), record["date_end"].isoformat()))
            grants += [(doc_id, token) for token in record["allowed"]]
        with self.db:
            self.db.executemany("INSERT INTO docs VALUES (?,?,?,?,?,?,?,?,?,?)", rows)
            self.db.executemany("INSERT INTO allowed VALUES (?,?)", grants)
            self.db.execute("INSERT INTO fts(rowid, body) SELECT id, body FROM docs")
            for column in ("village", "township", "workflow", "date", "date_end"):
                self.db.execute(f"CREATE INDEX docs_{column} ON docs({column})")
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def page(self, probe: Probe, principals: Sequence[str]) -> tuple[int, list[int]]:
        """Total and the ids of the first page, with snippets and facet counts computed."""
        text = fold(probe.words.strip('"'))
        conditions = [f"EXISTS (SELECT 1 FROM allowed a WHERE a.doc_id = d.id AND a.token IN "
                      f"({','.join('?' * len(principals))}))"]
        params: list[Any] = list(principals)
        for column, value in (("township", probe.place), ("workflow", probe.definition)):
            if value:
                conditions.append(f"d.{column} = ?")
                params.append(value)
        if probe.date_to:
            conditions.append("d.date <= ?")
            params.append(f"{probe.date_to.isoformat()}T23:59:59.999999")
        if probe.date_from:
            conditions.append("d.date_end >= ?")
            params.append(probe.date_from.isoformat())
        where = " AND ".join(conditions)
        if len(text) >= 3:
            source = "fts JOIN docs d ON d.id = fts.rowid"
            match, match_params = "fts MATCH ?", ['"' + text.replace('"', '""') + '"']
            page_sql = (f"SELECT d.id, d.title, snippet(fts, 0, '<mark>', '</mark>', '…', 16) FROM {source} "
                        f"WHERE {match} AND {where} ORDER BY rank LIMIT {PAGE_SIZE}")
        else:
            source = "docs d"
            match, match_params = "d.body LIKE ?", [f"%{text}%"]
            page_sql = (f"SELECT d.id, d.title, substr(d.body, max(1, instr(d.body, ?) - 16), 48) FROM {source} "
                        f"WHERE {match} AND {where} ORDER BY d.date DESC LIMIT {PAGE_SIZE}")
            match_params = [text] + match_params
        hits = self.db.execute(page_sql, match_params + params).fetchall()
        self.db.execute("DELETE FROM hits")
        self.db.execute(f"INSERT INTO hits SELECT d.id FROM {source} WHERE {match} AND {where}",
                        match_params[-1:] + params)
        total = 0
        for column in ("village", "workflow", "state_title", "year"):
            counts = self.db.execute(
                f"SELECT {column}, count(*) FROM hits CROSS JOIN docs ON docs.id = hits.id GROUP BY {column}"
            ).fetchall()
            if column == "year":
                total = sum(count for _, count in counts)
        return total, [row[0] for row in hits]

    def close(self) -> None:
        self.db.close()


@dataclass
class Timings:
    """Milliseconds per page: wall clock, and CPU time of this process.

    The machine is shared; CPU time is what a page costs when nothing else is running, wall
    time what it cost in this run.
    """

    wall: list[float]
    cpu: list[float]

    def summary(self) -> dict[str, float]:
        return {"wall_p50": round(statistics.median(self.wall), 1), "wall_p95": round(percentile(self.wall, 0.95), 1),
                "cpu_p50": round(statistics.median(self.cpu), 1), "cpu_p95": round(percentile(self.cpu, 0.95), 1)}


def time_class(run: Callable[[Probe], int], variants: list[Probe], passes: int) -> tuple[Timings, list[int]]:
    """Each page timed over ``passes`` rounds of every variant, after one warm-up each."""
    totals = [run(probe) for probe in variants]
    timings = Timings([], [])
    for _ in range(passes):
        for probe in variants:
            wall, cpu = time.perf_counter(), time.process_time()
            run(probe)
            timings.cpu.append((time.process_time() - cpu) * 1000)
            timings.wall.append((time.perf_counter() - wall) * 1000)
    return timings, totals


def timed(action: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    action()
    return time.perf_counter() - wall, time.process_time() - cpu


def build(size: int, workdir: Path, seed: int, geo: Geography) -> dict[str, Any]:
    """Generate ``size`` documents and build both engines from them; the build figures."""
    registry = load_registry(workdir / "definitions")
    start = time.perf_counter()
    records = [document_record(*doc.loaded, lambda attachment: "") for doc in
               iter_documents(registry, size, seed, geo)]
    chars = sum(len(r["body"]) for r in records)
    print(f"generated in {time.perf_counter() - start:.0f} s; {chars / size:.0f} characters per record", flush=True)

    whoosh_path = workdir / f"whoosh-{size}"
    whoosh_load = load()
    print(f"whoosh build starts, load {whoosh_load}", flush=True)
    whoosh_build = timed(lambda: rebuild(whoosh_path, progress(([record] for record in records), size,
                                                               max(1000, size // 20))))
    whoosh_load_end = load()
    print(f"whoosh built in {whoosh_build[0]:.0f} s ({whoosh_build[1]:.0f} s CPU), load {whoosh_load_end}", flush=True)

    sqlite_path = workdir / f"sqlite-{size}.db"
    sqlite = SqliteArchive(sqlite_path, fresh=True)
    sqlite_load = load()
    sqlite_build = timed(lambda: sqlite.build(records))
    print(f"sqlite built in {sqlite_build[0]:.0f} s ({sqlite_build[1]:.0f} s CPU), load {load()}", flush=True)
    sqlite.close()
    return {
        "characters_per_record": round(chars / size),
        "build": {
            "whoosh": {"seconds": round(whoosh_build[0], 1), "cpu_seconds": round(whoosh_build[1], 1),
                       "docs_per_s": round(size / whoosh_build[0]), "docs_per_cpu_s": round(size / whoosh_build[1]),
                       "mb": round(directory_size(whoosh_path) / 1e6, 1),
                       "load_start": whoosh_load, "load_end": whoosh_load_end},
            "sqlite_fts5_trigram": {"seconds": round(sqlite_build[0], 1), "cpu_seconds": round(sqlite_build[1], 1),
                                    "docs_per_s": round(size / sqlite_build[0]),
                                    "docs_per_cpu_s": round(size / sqlite_build[1]),
                                    "mb": round(sqlite_path.stat().st_size / 1e6, 1),
                                    "load_start": sqlite_load, "load_end": load()},
        },
    }


def bench(size: int, workdir: Path, seed: int, passes: int, built: dict[str, Any] | None) -> dict[str, Any]:
    """Build (unless ``built`` holds the figures of indexes already in ``workdir``), then time the pages."""
    geo = large_geography()
    print(f"\n== {size:,} records ==", flush=True)
    results: dict[str, Any] = {"records": size}
    if built is None:
        results.update(build(size, workdir, seed, geo))
    else:
        print("reusing the indexes built by an earlier run, and its build figures", flush=True)
        results.update({key: built[key] for key in ("characters_per_record", "build")})
    results["queries"] = {}

    JiebaAnalyzer()("预热")  # jieba's dictionary loads on first use; a server has it loaded already
    wall, cpu = time.perf_counter(), time.process_time()
    index = ArchiveIndex.open(workdir / f"whoosh-{size}")
    first = search(index, Criteria(query="张三"), PRINCIPALS, page_size=PAGE_SIZE).total
    results["whoosh_cold_first_page_ms"] = {"wall": round((time.perf_counter() - wall) * 1000),
                                            "cpu": round((time.process_time() - cpu) * 1000), "hits": first}
    print(f"whoosh opened, first page (column cache built): {results['whoosh_cold_first_page_ms']}", flush=True)
    sqlite = SqliteArchive(workdir / f"sqlite-{size}.db", fresh=False)
    results["load_queries_start"] = load()
    townships = list(geo.townships)
    for name, variants in probes(list(geo.villages), townships).items():
        whoosh_times, whoosh_totals = time_class(
            lambda probe: search(index, probe.criteria(), PRINCIPALS, page_size=PAGE_SIZE).total, variants, passes)
        sqlite_times, sqlite_totals = time_class(lambda probe: sqlite.page(probe, PRINCIPALS)[0], variants, passes)
        if whoosh_totals != sqlite_totals:
            raise SystemExit(f"{name}: totals differ, whoosh {whoosh_totals} vs sqlite {sqlite_totals}")
        results["queries"][name] = {
            "hits": whoosh_totals,
            "whoosh_ms": whoosh_times.summary(),
            "sqlite_ms": sqlite_times.summary(),
            "runs": len(whoosh_times.wall),
        }
        print(f"  {name}: done, whoosh p95 {results['queries'][name]['whoosh_ms']['wall_p95']} ms, "
              f"load {load()}", flush=True)
    index.close()
    sqlite.close()
    results["load_average"] = load()
    return results


def report(results: list[dict[str, Any]]) -> str:
    lines = []
    for result in results:
        build = result["build"]
        lines.append(f"\n{result['records']:,} records ({result['characters_per_record']} characters each), "
                     f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
                     f"load average (1 / 5 min) {result['load_queries_start']} when the queries started, "
                     f"{result['load_average']} at the end")
        lines.append("| engine | build s (CPU s) | docs/s (per CPU s) | index MB | load at start / end |")
        lines.append("|---|---|---|---|---|")
        for engine, f in build.items():
            lines.append(f"| {engine} | {f['seconds']} ({f['cpu_seconds']}) | {f['docs_per_s']} ({f['docs_per_cpu_s']}) "
                         f"| {f['mb']} | {f.get('load_start')} / {f.get('load_end')} |")
        cold = result["whoosh_cold_first_page_ms"]
        lines.append(f"\nwhoosh: open and first page (张三, {cold['hits']} hits, facet columns read into memory): "
                     f"{cold['wall']} ms ({cold['cpu']} ms CPU)")
        lines.append("")
        lines.append("| query class (first page + facets) | hits per query | whoosh p50 / p95 ms: wall (CPU) "
                     "| sqlite p50 / p95 ms: wall (CPU) |")
        lines.append("|---|---|---|---|")
        for name, figures in result["queries"].items():
            hits = figures["hits"]
            shown = f"{min(hits)}–{max(hits)}" if len(set(hits)) > 1 else str(hits[0])
            w, q = figures["whoosh_ms"], figures["sqlite_ms"]
            lines.append(f"| {name} | {shown} | {w['wall_p50']} / {w['wall_p95']} ({w['cpu_p50']} / {w['cpu_p95']}) "
                         f"| {q['wall_p50']} / {q['wall_p95']} ({q['cpu_p50']} / {q['cpu_p95']}) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, action="append", help="corpus size; repeat for several")
    parser.add_argument("--workdir", type=Path, default=None, help="where the indexes are built (kept)")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--passes", type=int, default=3, help="timed rounds over each class's queries")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--reuse", type=Path, default=None, metavar="JSON",
                        help="time the queries again on the indexes an earlier run left in --workdir, "
                             "taking the build figures from that run's --json file")
    args = parser.parse_args()
    if args.reuse and not args.workdir:
        parser.error("--reuse needs the --workdir of the earlier run")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="cunwu-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    earlier = {}
    if args.reuse:
        earlier = {result["records"]: result for result in json.loads(args.reuse.read_text(encoding="utf-8"))}
    results = []
    for size in args.records or [100_000]:
        if args.reuse and size not in earlier:
            parser.error(f"{args.reuse} has no figures for {size} records")
        results.append(bench(size, workdir, args.seed, args.passes, earlier.get(size)))
        print(report(results[-1:]), flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
