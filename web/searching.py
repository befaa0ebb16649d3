"""The one place the web layer meets the archive search: the application's indexer, and the
thread that keeps its index up to date.

The index is opened once per application and its searchers reused (opening one per request costs
an order of magnitude more, search anchors §3.1). Searches take no lock: they run side by side, and
beside the indexer, whatever the engine.

Keeping up: every start and step is a change in the database's change feed, and this server's
index follows the feed with its own cursor (search.feed), so several servers on one PostgreSQL each
keep their own index. A step taken through the web is applied at once, so the cadre finds it in
the archive on the next page; `cunwu serve` runs a thread that first catches up with whatever the
index lacks (a new demo county, a lost index) and then follows the feed every few seconds, which
picks up steps taken from the command line or on another server. After each round it warms the
searcher, so that no clerk's search pays for reading a new segment.
"""
from __future__ import annotations

import threading

from flask import Flask, current_app

from search.criteria import Criteria
from search.indexer import Indexer
from search.page import Page
from web.runtime import Runtime

PAGE_SIZE = 20
_opening = threading.Lock()


def indexer(rt: Runtime) -> Indexer:
    with _opening:
        opened = rt.opened.get("indexer")
        if opened is None:
            opened = rt.opened["indexer"] = Indexer(rt.context, new_engine=rt.settings.search_engine)
        return opened


def run(rt: Runtime, username: str, criteria: Criteria, page: int) -> Page:
    """One page of what this person may see; raises search.query.QueryError for a query to correct."""
    return indexer(rt).search(criteria, username, page=page, page_size=PAGE_SIZE)


def catch_up(rt: Runtime) -> int:
    """Bring the index level with the database; returns how many documents it lacked or held stale."""
    return indexer(rt).catch_up()


def keep_up(rt: Runtime) -> None:
    """Index what a step through the web just committed. The step is already safe in the database
    and the cursor stays before it until indexed, so a failure here is logged, not shown to the cadre."""
    try:
        indexer(rt).apply_pending(timeout=5.0)
    except Exception:  # noqa: BLE001 - see docstring
        current_app.logger.exception("indexing after a step failed; the change feed keeps it for the next run")


def start_catching_up(app: Flask) -> threading.Thread:
    """Catch the index up in the background, so the server answers while it works; then, when
    CUNWU_INDEX_POLL is a number of seconds, keep following the change feed at that interval until
    the runtime is closed (which wakes the thread from its wait)."""
    rt: Runtime = app.extensions["cunwu"]
    poll = app.config["CUNWU_INDEX_POLL"]

    def work() -> None:
        try:
            catch_up(rt)
            indexer(rt).warm()
        except Exception:  # noqa: BLE001 - a background thread has nobody else to tell
            app.logger.exception("catching up the archive index failed")
        while poll and not rt.stopping.wait(poll):
            try:
                indexer(rt).update()
                indexer(rt).warm()
            except Exception:  # noqa: BLE001 - as above; the cursor stays for the next round
                app.logger.exception("following the change feed into the index failed")

    thread = threading.Thread(target=work, name="cunwu-index", daemon=True)
    rt.threads.append(thread)
    thread.start()
    return thread
