"""The archive index in tantivy (Rust, through the ``tantivy`` package): the engine for a county.

cunwu's analysis is kept exactly. tantivy cannot run a tokenizer written in Python, and its own
n-gram tokenizer stores no positions (every token at 0, so phrases degrade to AND), so the body
is folded and cut into bigrams here (:func:`search.analysis.index_text`) and handed over as text
that tantivy's ``whitespace`` tokenizer splits and numbers in order: the same tokens at the same
positions as Whoosh's :class:`search.analysis.BigramAnalyzer`. A query is the same
:class:`search.query.Parsed` made into tantivy queries: a phrase of bigrams per word, and a
trailing single character as a regular expression over the tokens that start with it.

Ranking: the words score on the body (BM25), and a record whose title contains a word scores
that phrase on a bigram title field too, so title matches come first. Filters and the permission
filter score nothing (constant score 0).

A page is two passes over the matches, run side by side in two threads (tantivy releases the
GIL): the top hits, and one aggregation that counts the facets exactly (every bucket asked for,
so no count is an estimate); the total is the sum of the year buckets, since every record has
exactly one year. ``Searcher`` objects are safe to share between threads; a search takes the
index's current one, so it never waits for a writer.

Writes go through a short-lived ``IndexWriter`` per batch, which holds tantivy's own lock file
(another process trying to write meanwhile waits up to a timeout and gets :class:`IndexBusy`).
"""

from __future__ import annotations

import base64
import functools
import itertools
import json
import multiprocessing
import os
import re
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

import tantivy
from tantivy import Occur, Query

from search.analysis import index_text
from search.engine import IndexBusy, IndexDamaged, Record, restore_interrupted_swap
from search.page import FacetCounts, Page, empty_page, make_page
from search.query import Contains, Parsed
from search.request import Request
from search.snippets import word_patterns

__all__ = ["TantivyIndex", "build", "hold_writes", "open_index", "prepare"]

LAYOUT_VERSION = 1
"""Raised whenever the fields or what goes into them change; an index of another layout asks for a
``cunwu reindex`` instead of answering wrongly."""
_LAYOUT = "LAYOUT"
_FILTER_FIELDS = ("kind", "places", "workflow", "code", "items", "categories", "state", "persons", "actors",
                  "allowed")
_FACETS = {"village": "village", "item": "wf_items", "state": "state_title", "year": "year"}
_BUCKETS = 1_000_000
_EPOCH = datetime(1970, 1, 1)
_BUILD_HEAP = 400_000_000
PARALLEL_ABOVE = 2000
"""Records (or documents read from the database) beyond which a build starts worker processes; below
it their start-up (importing cunwu, opening the database) costs more than they save."""
_pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="cunwu-facets")


def _schema() -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_integer_field("doc_id", indexed=True, fast=True)
    builder.add_integer_field("version", fast=True)
    builder.add_text_field("body", tokenizer_name="whitespace", index_option="position")
    builder.add_text_field("title", tokenizer_name="whitespace", index_option="position")
    for name in _FILTER_FIELDS:
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic")
    for name in _FACETS.values():
        builder.add_text_field(name, tokenizer_name="raw", index_option="basic", fast=True)
    for name in ("date", "date_end", "amount_cents"):
        builder.add_integer_field(name, fast=True, indexed=False)
    builder.add_bytes_field("stored", stored=True)
    return builder.build()


SCHEMA = _schema()


def _seconds(moment: datetime) -> int:
    """A naive local datetime as whole seconds, which orders and compares like the datetime."""
    return int((moment - _EPOCH).total_seconds())


def _item_key(record: Record) -> str:
    """The flowchart's items with their titles in one facet value, so counting by it counts items."""
    return "\x1f".join(f"{code}\x1e{title}" for code, title in zip(record["items"], record["item_titles"], strict=True))


def prepare(record: Record) -> dict[str, Any]:
    """A record as tantivy's fields, as plain JSON values."""
    stored = {key: record.get(key) for key in ("uid", "kind", "doc_id", "seq", "title", "place", "workflow",
                                               "workflow_title", "code", "state_title", "step_title",
                                               "actor_name")}
    stored["date"] = record["date"].isoformat()
    stored["body"] = record.get("_stored_body", record["body"])
    fields: dict[str, Any] = {
        "doc_id": int(record["doc_id"]),
        "version": record["version"],
        "body": index_text(record["body"]),
        "title": index_text(record["title"]),
        "village": record["village"],
        "wf_items": _item_key(record),
        "state_title": record["state_title"],
        "year": record["year"],
        "date": _seconds(record["date"]),
        "date_end": _seconds(record.get("date_end", record["date"])),
        "stored": base64.b64encode(json.dumps(stored, ensure_ascii=False).encode()).decode(),
    }
    if record.get("amount_cents") is not None:
        fields["amount_cents"] = record["amount_cents"]
    for name in _FILTER_FIELDS:
        value = record.get(name)
        if value:
            fields[name] = list(value) if isinstance(value, (list, tuple)) else [value]
    return fields


def prepared_json(record: Record) -> str:
    """A record as the JSON document ``IndexWriter.add_json`` takes (bytes in base64): one string, so
    records prepared in worker processes cross to the writer's process cheaply and are parsed in Rust."""
    return json.dumps(prepare(record), ensure_ascii=False)


def _escape(token: str) -> str:
    return re.escape(token)


def _contains(word: Contains, fieldname: str = "body") -> Query:
    tokens = list(word.tokens)
    if word.prefix:
        if len(tokens) == 1:
            return Query.regex_query(SCHEMA, fieldname, _escape(tokens[0]) + ".*")
        patterns: list[str | tuple[int, str]] = [_escape(t) for t in tokens[:-1]]
        return Query.regex_phrase_query(SCHEMA, fieldname, [*patterns, _escape(tokens[-1]) + ".*"])
    if len(tokens) == 1:
        return Query.term_query(SCHEMA, fieldname, tokens[0])
    words: list[str | tuple[int, str]] = list(tokens)
    return Query.phrase_query(SCHEMA, fieldname, words)


def _any(queries: list[Query]) -> Query:
    return queries[0] if len(queries) == 1 else Query.boolean_query([(Occur.Should, q) for q in queries])


def _words(parsed: Parsed) -> Query:
    clauses: list[tuple[Occur, Query]] = [(Occur.Must, _any([_contains(word) for word in group]))
                                          for group in parsed.groups]
    clauses += [(Occur.MustNot, _contains(word)) for word in parsed.excluded]
    clauses += [(Occur.Should, _contains(word, "title")) for word in parsed.positives()]
    return Query.boolean_query(clauses)


def _filter(query: Query) -> tuple[Occur, Query]:
    return Occur.Must, Query.const_score_query(query, 0.0)


def build_query(request: Request) -> Query:
    """The whole tantivy query: the words (or every record), the filters and the permission filter."""
    clauses: list[tuple[Occur, Query]] = [(Occur.Must, _words(request.words) if request.words else Query.all_query())]
    for clause in request.filters:
        clauses.append(_filter(_any([Query.term_query(SCHEMA, name, value) for name, value in clause])))
    if request.amount is not None:
        low, high = request.amount
        clauses.append(_filter(Query.range_query(SCHEMA, "amount_cents", tantivy.FieldType.Integer, low, high)))
    if request.life is not None:
        since, until = request.life
        if until is not None:
            clauses.append(_filter(Query.range_query(SCHEMA, "date", tantivy.FieldType.Integer, None,
                                                     _seconds(until))))
        if since is not None:
            clauses.append(_filter(Query.range_query(SCHEMA, "date_end", tantivy.FieldType.Integer,
                                                     _seconds(since), None)))
    clauses.append(_filter(Query.term_set_query(SCHEMA, "allowed", list(request.allowed))))
    return Query.boolean_query(clauses)


_AGGREGATION = {name: {"terms": {"field": field, "size": _BUCKETS, "segment_size": _BUCKETS}}
                for name, field in _FACETS.items()}


def _facet_counts(searcher: tantivy.Searcher, query: Query) -> FacetCounts:
    result = searcher.aggregate(query, _AGGREGATION)
    counts = {name: Counter({bucket["key"]: bucket["doc_count"] for bucket in result[name]["buckets"]})
              for name in _FACETS}
    items: Counter[tuple[str, str]] = Counter()
    for key, count in counts["item"].items():
        for pair in key.split("\x1f") if key else ():
            code, _, title = pair.partition("\x1e")
            items[(code, title)] += count
    return FacetCounts(counts["village"], items, counts["state"], counts["year"])


class TantivyIndex:
    """One open tantivy index; searches from any number of threads at once."""

    name = "tantivy"

    def __init__(self, index: tantivy.Index, path: Path) -> None:
        self._index = index
        self.path = path
        self._write_lock = threading.Lock()

    @classmethod
    def open(cls, path: Path) -> TantivyIndex:
        restore_interrupted_swap(path)
        path.mkdir(parents=True, exist_ok=True)
        if not tantivy.Index.exists(str(path)):
            return cls(_create(path), path)
        layout = path / _LAYOUT
        if not layout.exists() or layout.read_text(encoding="utf-8").strip() != str(LAYOUT_VERSION):
            raise IndexDamaged("检索索引的结构与本版本不符，请运行 cunwu reindex 重建")
        try:
            index = tantivy.Index.open(str(path))
        except Exception as exc:  # noqa: BLE001 - any failure to read meta.json means "rebuild"
            raise IndexDamaged(f"检索索引无法打开（{type(exc).__name__}: {exc}），请运行 cunwu reindex 重建") from exc
        return cls(index, path)

    def _writer(self, timeout: float, heap: int = 64_000_000, threads: int = 1) -> tantivy.IndexWriter:
        deadline = time.monotonic() + timeout
        while True:
            try:
                return self._index.writer(heap_size=heap, num_threads=threads)
            except ValueError as exc:
                if "LockBusy" not in str(exc) and "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise IndexBusy(f"检索索引正被另一个进程写入（等待 {timeout:g} 秒后放弃）") from None
                time.sleep(0.2)

    def write(self, changes: Iterable[tuple[int, Sequence[Record] | None]], timeout: float = 30.0) -> int:
        """Replace each document's records (None: remove them) in one commit; returns how many."""
        with self._write_lock:
            writer = self._writer(timeout)
            count = 0
            try:
                for doc_id, records in changes:
                    writer.delete_documents_by_term("doc_id", int(doc_id))
                    for record in records or ():
                        writer.add_json(prepared_json(record))
                    count += 1
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()
            self._index.reload()
            return count

    def search(self, request: Request) -> Page:
        if not request.allowed:
            return empty_page(request.page, request.page_size, request.facets)
        query = build_query(request)
        searcher = self._index.searcher()
        counted = _pool.submit(_facet_counts, searcher, query) if request.facets else None
        if request.ranked:
            result = searcher.search(query, limit=request.page_size, offset=request.offset, count=not counted)
        else:
            order = tantivy.Order.Asc if request.sort == "date_asc" else tantivy.Order.Desc
            result = searcher.search(query, limit=request.page_size, offset=request.offset, count=not counted,
                                     order_by_field="date", order=order)
        stored = []
        for score, address in result.hits:
            fields = json.loads(searcher.doc(address)["stored"][0])
            fields["date"] = datetime.fromisoformat(fields["date"])
            stored.append((fields, float(score) if request.ranked else None))
        counts = counted.result() if counted is not None else None
        total = sum(counts.year.values()) if counts is not None else result.count  # type: ignore[attr-defined]  # in tantivy's SearchResult, not in its stub
        patterns = word_patterns(request.words) if request.words else []
        return make_page(stored, total, counts, patterns, request.page, request.page_size)

    def versions(self) -> dict[int, int]:
        searcher = self._index.searcher()
        if searcher.num_docs == 0:
            return {}
        query = Query.term_query(SCHEMA, "kind", "document")
        hits = searcher.search(query, limit=searcher.num_docs, count=False).hits
        addresses = [address for _score, address in hits]
        ids = searcher.fast_field_values("doc_id", addresses)
        versions = searcher.fast_field_values("version", addresses)
        return {int(doc_id): int(version) for doc_id, version in zip(ids, versions, strict=True)
                if doc_id is not None and version is not None}

    def doc_count(self) -> int:
        return self._index.searcher().num_docs

    def warm(self) -> None:
        searcher = self._index.searcher()
        if searcher.num_docs:
            searcher.aggregate(Query.all_query(), _AGGREGATION)

    def reload(self) -> None:
        self._index.reload()

    def close(self) -> None:
        """Nothing to release: tantivy closes its files when the last searcher goes."""


def _create(path: Path) -> tantivy.Index:
    index = tantivy.Index(SCHEMA, str(path))
    (path / _LAYOUT).write_text(f"{LAYOUT_VERSION}\n", encoding="utf-8")
    return index


def open_index(path: Path) -> TantivyIndex:
    return TantivyIndex.open(path)


@contextmanager
def hold_writes(path: Path, timeout: float) -> Iterator[None]:
    """Hold the live index's writer lock during a rebuild (see :func:`search.engine.rebuild`)."""
    writer = TantivyIndex.open(path)._writer(timeout, heap=15_000_000)
    try:
        yield
    finally:
        del writer  # releases the lock; a rollback would read the directory, which the swap replaced


worker_cpu_seconds = 0.0
"""CPU seconds the worker processes of builds spent preparing records (they are the forkserver's
children, not this process's, so the benchmark cannot count them otherwise)."""


def _prepare_chunk(chunk: list[Record]) -> tuple[list[str], float]:
    started = time.process_time()
    return [prepared_json(record) for record in chunk], time.process_time() - started


def _prepare_sourced(recipe: Any, doc_ids: list[int]) -> tuple[list[str], float]:
    from search.feed import records_in_worker

    started = time.process_time()
    prepared = [prepared_json(record) for record in records_in_worker(recipe, doc_ids)]
    return prepared, time.process_time() - started


def _chunks(documents: Iterable[Sequence[Record]], size: int) -> Iterator[list[Record]]:
    chunk: list[Record] = []
    for records in documents:
        chunk.extend(records)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def build(fresh: Path, documents: Iterable[Sequence[Record]], live: Path, workers: int | None = None) -> int:
    """Write every document's records into a new index at ``fresh``; returns the records written.

    Preparing a record (folding, bigrams, the stored JSON) is Python and costs about twice what
    tantivy then spends on it, so it runs in one worker process per core; this process only hands
    the JSON to the writer, whose indexing threads run outside the GIL. Documents read from the
    database with a recipe (:class:`search.feed.SourcedDocuments`) are read by the workers too.
    """
    global worker_cpu_seconds
    index = _create(fresh)
    processes = os.cpu_count() or 1 if workers is None else workers
    writer = index.writer(heap_size=_BUILD_HEAP, num_threads=max(1, min(processes, 4)))
    count = 0
    try:
        from search.feed import SourcedDocuments

        if isinstance(documents, SourcedDocuments):
            small = len(documents.doc_ids) <= PARALLEL_ABOVE or documents.recipe is None
            work: Iterator[list[Record]] | None = None
            pool_work: tuple[Any, Iterator[Any]] = (functools.partial(_prepare_sourced, documents.recipe),
                                                    documents.batches())
            if small:
                work = _chunks(documents, 200)
        else:
            remaining = iter(documents)
            head = list(itertools.islice(remaining, PARALLEL_ABOVE))
            rest = itertools.chain(head, remaining)
            small = len(head) < PARALLEL_ABOVE
            work = _chunks(rest, 200)
            pool_work = (_prepare_chunk, work)
        if processes > 1 and not small:
            context = multiprocessing.get_context("forkserver")
            with context.Pool(processes) as pool:
                for prepared, cpu in pool.imap(*pool_work):
                    for text in prepared:
                        writer.add_json(text)
                    count += len(prepared)
                    worker_cpu_seconds += cpu
        else:
            for chunk in work if work is not None else _chunks(documents, 200):
                for text in _prepare_chunk(chunk)[0]:
                    writer.add_json(text)
                    count += 1
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    writer.wait_merging_threads()
    return count
