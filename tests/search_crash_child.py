"""An indexer process for the crash tests: it follows the feed and stops forever at a chosen point, so
the test can SIGKILL it there.

    python -m tests.search_crash_child DEFINITIONS INDEX FEED MARKER {during-write|before-cursor}

``during-write`` stops while loading the second batch, that is with the index's write lock held;
``before-cursor`` stops after the second batch is committed to the index but before the cursor moves
past it. The marker file tells the test the child has arrived. The engine is CUNWU_SEARCH_ENGINE's.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from search import feed as feed_mod
from search.engine import open_engine
from search.extract import BlobText
from tests.search_corpus import blob_reader, generate
from tests.test_search_feed import BATCH, DOCUMENTS, SEED, Feed
from workflow.engine import registry as registry_mod


def main(definitions: Path, index_path: Path, feed_path: Path, marker: Path, mode: str) -> None:
    corpus = generate(registry_mod.load([definitions]), DOCUMENTS, seed=SEED)
    feed = Feed(feed_path, corpus)
    loads = 0
    cursors = 0

    def stop_here() -> None:
        marker.write_text("arrived")
        time.sleep(600)

    load = feed.load

    def stopping_load(doc_ids):
        nonlocal loads
        loads += 1
        if mode == "during-write" and loads == 2:
            stop_here()
        return load(doc_ids)

    write_cursor = feed_mod.write_cursor

    def stopping_cursor(path, position):
        nonlocal cursors
        cursors += 1
        if mode == "before-cursor" and cursors == 2:
            stop_here()
        write_cursor(path, position)

    feed.load = stopping_load  # type: ignore[method-assign]
    feed_mod.write_cursor = stopping_cursor
    feed_mod.catch_up_feed(open_engine(index_path), feed, BlobText(blob_reader(corpus.blobs)), batch=BATCH)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5])
