"""Archive search at scale: every cunwu engine (Whoosh, tantivy) beside SQLite FTS5 (trigram) and a
PostgreSQL-native index (bigram tsvector + GIN), same corpus, same run.

    python bench/bench_search.py --records 100000 --records 1000000 --workdir /tmp/bench-search --json figures.json

For each size it generates the documents (seeded, so every run indexes the same text), builds
every engine from the same records, and times one result page per query class: the first 20
hits with snippets, the exact total, and facet counts for village, power-list item, state and
year, as the county archivist sees it (the permission filter is applied, and matches
everything). Every engine searches the same folded text, so their totals must agree; the run
stops if they do not. Whoosh is left out above ``--whoosh-max`` records (default 300,000): it
builds at about 100 documents per CPU-second, so 1,000,000 would take about three hours.

A record is the ``document`` record of :mod:`search.records` (title, header and every step's
fields and comments; about 260 characters). Step and public records are left out so that "N
records" means N documents; with them the index holds about four Whoosh records per document.

Whoosh and tantivy are driven through cunwu's own code (``search.engine.rebuild`` and the engine's
``search``). PostgreSQL gets what the scale-out alternative to a per-server index would do: the
records in a table with the bigram tokens (cunwu's analysis, positions kept) as a ``tsvector``
under a GIN index, phrases as ``<->`` queries, facets by GROUP BY over the materialized matches,
snippets made by cunwu's highlighter. SQLite gets what a careful hand-written equivalent would do: an
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

from search.analysis import JiebaAnalyzer, fold, index_text, query_words  # noqa: E402
from search.criteria import Criteria  # noqa: E402
from search.engine import Engine, open_engine, rebuild  # noqa: E402
from search.records import document_record  # noqa: E402
from search.request import plan  # noqa: E402
from search.snippets import highlight  # noqa: E402
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


def progress(documents: Iterable[Sequence[dict[str, Any]]], size: int, every: int,
             engine: str) -> Iterator[Sequence[dict[str, Any]]]:
    """Pass the documents through, printing the build rate every ``every`` documents.

    The final commit (sorting and merging the postings) comes after the last line, so the
    rate shown is that of adding documents, not of the whole build.
    """
    start = time.perf_counter()
    for count, document in enumerate(documents, start=1):
        yield document
        if count % every == 0 or count == size:
            elapsed = time.perf_counter() - start
            print(f"  {engine}: {count:,} added in {elapsed:.0f} s ({count / elapsed:.0f} docs/s), "
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


def tsvector_literal(text: str) -> str:
    """cunwu's tokens of ``text`` as a tsvector literal with their positions (1-based; PostgreSQL keeps
    positions up to 16,383, which a 258-character record never reaches)."""
    positions: dict[str, list[str]] = {}
    for position, token in enumerate(index_text(text).split(), start=1):
        positions.setdefault(token, []).append(str(min(position, 16383)))
    return " ".join(f"'{token}':{','.join(at)}" for token, at in positions.items())


def tsquery_literal(words: str) -> str:
    """The clerk's words (one word or one quoted phrase in these probes) as a phrase tsquery."""
    found = query_words(words.strip('"'))
    assert found is not None
    tokens, prefix = found
    parts = [f"'{token}'" for token in tokens]
    if prefix:
        parts[-1] += ":*"
    return " <-> ".join(parts)


class PostgresArchive:
    """The same records in PostgreSQL: bigram tsvector with positions under GIN, B-tree filters."""

    def __init__(self, url: str, fresh: bool) -> None:
        import psycopg

        self.db = psycopg.connect(url, autocommit=True)
        if fresh:
            self.db.execute("DROP TABLE IF EXISTS docs, allowed")
            self.db.execute("CREATE UNLOGGED TABLE docs(id integer PRIMARY KEY, title text, body text, village text, "
                            "township text, workflow text, state_title text, year text, date timestamp, "
                            "date_end timestamp, tsv tsvector)")
            self.db.execute("CREATE UNLOGGED TABLE allowed(doc_id integer, token text, PRIMARY KEY (token, doc_id))")

    def build(self, records: Sequence[dict[str, Any]]) -> None:
        with self.db.cursor() as cur:
            with cur.copy("COPY docs FROM STDIN") as copy:
                for record in records:
                    copy.write_row((int(record["doc_id"]), record["title"], record["_stored_body"], record["village"],
                                    record["village"].split("/")[1], record["workflow"], record["state_title"],
                                    record["year"], record["date"], record["date_end"],
                                    tsvector_literal(record["body"])))
            with cur.copy("COPY allowed FROM STDIN") as copy:
                for record in records:
                    for token in record["allowed"]:
                        copy.write_row((int(record["doc_id"]), token))
        self.db.execute("CREATE INDEX docs_tsv ON docs USING gin(tsv)")
        for column in ("township", "workflow", "date", "date_end"):
            self.db.execute(f"CREATE INDEX docs_{column} ON docs({column})")
        self.db.execute("ANALYZE docs")
        self.db.execute("ANALYZE allowed")

    def size_mb(self) -> float:
        return round(self.db.execute("SELECT pg_total_relation_size('docs') + pg_total_relation_size('allowed')")
                     .fetchone()[0] / 1e6, 1)

    def page(self, probe: Probe, principals: Sequence[str]) -> tuple[int, list[int]]:
        """Total and the ids of the first page, with snippets and facet counts computed."""
        conditions = ["d.tsv @@ %(q)s::tsquery",
                      "EXISTS (SELECT 1 FROM allowed a WHERE a.doc_id = d.id AND a.token = ANY(%(tokens)s))"]
        params: dict[str, Any] = {"q": tsquery_literal(probe.words), "tokens": list(principals)}
        for column, value in (("township", probe.place), ("workflow", probe.definition)):
            if value:
                conditions.append(f"d.{column} = %({column})s")
                params[column] = value
        if probe.date_to:
            conditions.append("d.date <= %(high)s")
            params["high"] = f"{probe.date_to.isoformat()}T23:59:59.999999"
        if probe.date_from:
            conditions.append("d.date_end >= %(low)s")
            params["low"] = probe.date_from.isoformat()
        where = " AND ".join(conditions)
        with self.db.transaction():
            self.db.execute(f"CREATE TEMP TABLE hits ON COMMIT DROP AS SELECT d.id, ts_rank(d.tsv, %(q)s::tsquery) "
                            f"AS rank FROM docs d WHERE {where}", params)
            rows = self.db.execute("SELECT d.id, d.title, d.body FROM hits h JOIN docs d ON d.id = h.id "
                                   f"ORDER BY h.rank DESC, h.id LIMIT {PAGE_SIZE}").fetchall()
            patterns = [tuple((False, token) for token in query_words(probe.words.strip('"'))[0])]
            for _id, title, body in rows:
                highlight(title, patterns, top=1)
                highlight(body, patterns, top=2)
            total = 0
            for column in ("village", "workflow", "state_title", "year"):
                counts = self.db.execute(f"SELECT d.{column}, count(*) FROM hits h JOIN docs d ON d.id = h.id "
                                         f"GROUP BY d.{column}").fetchall()
                if column == "year":
                    total = sum(count for _, count in counts)
        return total, [row[0] for row in rows]

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


def children_cpu() -> float:
    """CPU seconds of this process (all its threads), its finished children, and tantivy's build
    workers (children of the forkserver, which report their own)."""
    from search import tantivy_index

    usage = os.times()
    return (usage.user + usage.system + usage.children_user + usage.children_system
            + tantivy_index.worker_cpu_seconds)


def timed(action: Callable[[], Any]) -> tuple[float, float]:
    """Wall and CPU seconds of one call, counting every thread and worker process it ran."""
    wall, cpu = time.perf_counter(), children_cpu()
    action()
    return time.perf_counter() - wall, children_cpu() - cpu


def build_figures(size: int, seconds: tuple[float, float], mb: float, load_start: list[float]) -> dict[str, Any]:
    return {"seconds": round(seconds[0], 1), "cpu_seconds": round(seconds[1], 1),
            "docs_per_s": round(size / seconds[0]), "docs_per_cpu_s": round(size / seconds[1]),
            "mb": mb, "load_start": load_start, "load_end": load()}


def build(size: int, workdir: Path, seed: int, geo: Geography, engines: Sequence[str], pg_url: str) -> dict[str, Any]:
    """Generate ``size`` documents and build every engine from them; the build figures."""
    registry = load_registry(workdir / "definitions")
    start = time.perf_counter()
    records = [document_record(*doc.loaded, lambda attachment: "") for doc in
               iter_documents(registry, size, seed, geo)]
    chars = sum(len(r["body"]) for r in records)
    print(f"generated in {time.perf_counter() - start:.0f} s; {chars / size:.0f} characters per record", flush=True)
    figures: dict[str, Any] = {}
    for engine in engines:
        started = load()
        print(f"{engine} build starts, load {started}", flush=True)
        if engine in ("whoosh", "tantivy"):
            path = workdir / f"{engine}-{size}"
            every = max(1000, size // 20)
            documents = progress(([r] for r in records), size, every, engine)
            took = timed(lambda: rebuild(path, documents, engine))  # noqa: B023 - called at once
            mb = round(directory_size(path) / 1e6, 1)
        elif engine == "postgres":
            archive = PostgresArchive(pg_url, fresh=True)
            took = timed(lambda: archive.build(records))  # noqa: B023 - called at once
            mb = archive.size_mb()
            archive.close()
        else:
            sqlite_path = workdir / f"sqlite-{size}.db"
            sqlite = SqliteArchive(sqlite_path, fresh=True)
            took = timed(lambda: sqlite.build(records))  # noqa: B023 - called at once
            sqlite.close()
            mb = round(sqlite_path.stat().st_size / 1e6, 1)
        figures[engine] = build_figures(size, took, mb, started)
        print(f"{engine} built in {took[0]:.0f} s ({took[1]:.0f} s CPU), load {load()}", flush=True)
    return {"characters_per_record": round(chars / size), "build": figures}


def engine_page(index: Engine) -> Callable[[Probe], int]:
    return lambda probe: index.search(plan(probe.criteria(), PRINCIPALS, page_size=PAGE_SIZE)).total


def bench(size: int, workdir: Path, seed: int, passes: int, built: dict[str, Any] | None,
          engines: Sequence[str], pg_url: str) -> dict[str, Any]:
    """Build (unless ``built`` holds the figures of indexes already in ``workdir``), then time the pages."""
    geo = large_geography()
    print(f"\n== {size:,} records: {', '.join(engines)} ==", flush=True)
    results: dict[str, Any] = {"records": size, "engines": list(engines)}
    if built is None:
        results.update(build(size, workdir, seed, geo, engines, pg_url))
    else:
        print("reusing the indexes built by an earlier run, and its build figures", flush=True)
        results.update({key: built[key] for key in ("characters_per_record", "build")})
    results["queries"] = {}

    JiebaAnalyzer()("预热")  # jieba's dictionary loads on first use; a server has it loaded already
    pages: dict[str, Callable[[Probe], int]] = {}
    closers: list[Callable[[], None]] = []
    results["cold_first_page_ms"] = {}
    for engine in engines:
        wall, cpu = time.perf_counter(), time.process_time()
        if engine in ("whoosh", "tantivy"):
            index = open_engine(workdir / f"{engine}-{size}")
            pages[engine] = engine_page(index)
            closers.append(index.close)
        elif engine == "postgres":
            archive = PostgresArchive(pg_url, fresh=False)
            pages[engine] = lambda probe, archive=archive: archive.page(probe, PRINCIPALS)[0]
            closers.append(archive.close)
        else:
            sqlite = SqliteArchive(workdir / f"sqlite-{size}.db", fresh=False)
            pages[engine] = lambda probe, sqlite=sqlite: sqlite.page(probe, PRINCIPALS)[0]
            closers.append(sqlite.close)
        hits = pages[engine](Probe("张三"))
        results["cold_first_page_ms"][engine] = {"wall": round((time.perf_counter() - wall) * 1000),
                                                 "cpu": round((time.process_time() - cpu) * 1000), "hits": hits}
    print(f"opened, first page each: {results['cold_first_page_ms']}", flush=True)
    results["load_queries_start"] = load()
    for name, variants in probes(list(geo.villages), list(geo.townships)).items():
        figures: dict[str, Any] = {}
        totals: dict[str, list[int]] = {}
        for engine in engines:
            timings, totals[engine] = time_class(pages[engine], variants, passes)
            figures[engine] = timings.summary()
            figures["runs"] = len(timings.wall)
        first = engines[0]
        for engine in engines[1:]:
            if totals[engine] != totals[first]:
                raise SystemExit(f"{name}: totals differ, {first} {totals[first]} vs {engine} {totals[engine]}")
        figures["hits"] = totals[first]
        results["queries"][name] = figures
        print(f"  {name}: " + ", ".join(f"{e} p95 {figures[e]['wall_p95']} ms" for e in engines)
              + f", load {load()}", flush=True)
    for close in closers:
        close()
    results["load_average"] = load()
    return results


def report(results: list[dict[str, Any]]) -> str:
    lines = []
    for result in results:
        engines = result["engines"]
        build = result["build"]
        lines.append(f"\n{result['records']:,} records ({result['characters_per_record']} characters each), "
                     f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, "
                     f"load average (1 / 5 min) {result['load_queries_start']} when the queries started, "
                     f"{result['load_average']} at the end")
        lines.append("| engine | build s (CPU s) | docs/s (per CPU s) | index MB | load at start / end |")
        lines.append("|---|---|---|---|---|")
        for engine in engines:
            f = build[engine]
            lines.append(f"| {engine} | {f['seconds']} ({f['cpu_seconds']}) | {f['docs_per_s']} "
                         f"({f['docs_per_cpu_s']}) | {f['mb']} | {f.get('load_start')} / {f.get('load_end')} |")
        cold = result["cold_first_page_ms"]
        lines.append("\nopen and first page (张三): " + ", ".join(
            f"{e} {cold[e]['wall']} ms ({cold[e]['cpu']} ms CPU)" for e in engines))
        lines.append("")
        lines.append("| query class (first page + facets) | hits per query | "
                     + " | ".join(f"{e} p50 / p95 ms: wall (CPU)" for e in engines) + " |")
        lines.append("|---|---|" + "---|" * len(engines))
        for name, figures in result["queries"].items():
            hits = figures["hits"]
            shown = f"{min(hits)}–{max(hits)}" if len(set(hits)) > 1 else str(hits[0])
            cells = [f"{figures[e]['wall_p50']} / {figures[e]['wall_p95']} ({figures[e]['cpu_p50']} / "
                     f"{figures[e]['cpu_p95']})" for e in engines]
            lines.append(f"| {name} | {shown} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def scratch_database(admin_url: str, size: int) -> str:
    """A database for the PostgreSQL archive of this size, made if missing and kept for --reuse."""
    import psycopg

    name = f"cunwu_bench_search_{size}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    return admin_url.rsplit("/", 1)[0] + "/" + name


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, action="append", help="corpus size; repeat for several")
    parser.add_argument("--workdir", type=Path, default=None, help="where the indexes are built (kept)")
    parser.add_argument("--seed", type=int, default=20261121)
    parser.add_argument("--passes", type=int, default=3, help="timed rounds over each class's queries")
    parser.add_argument("--json", type=Path, default=None, help="also write the figures here")
    parser.add_argument("--engines", default="tantivy,postgres,sqlite,whoosh",
                        help="comma-separated, from whoosh, tantivy, postgres, sqlite; the first is the reference")
    parser.add_argument("--whoosh-max", type=int, default=300_000, help="leave Whoosh out above this size")
    parser.add_argument("--pg", default="postgresql://cunwu:cunwu@127.0.0.1:5432/postgres",
                        help="PostgreSQL server; a scratch database cunwu_bench_search is made there and kept")
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
        engines = [e for e in args.engines.split(",") if e and (e != "whoosh" or size <= args.whoosh_max)]
        pg_url = scratch_database(args.pg, size) if "postgres" in engines else ""
        results.append(bench(size, workdir, args.seed, args.passes, earlier.get(size), engines, pg_url))
        print(report(results[-1:]), flush=True)
        if args.json:
            args.json.write_text(json.dumps(results, ensure_ascii=False, indent=1), encoding="utf-8")


if __name__ == "__main__":
    main()
