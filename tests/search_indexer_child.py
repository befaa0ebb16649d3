"""An indexer process for the crash test: it follows the real database's change feed and stops forever
while loading its first batch, that is with the index's write lock held, so the test can SIGKILL it.

    python -m tests.search_indexer_child HOME DB_URL MARKER
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from search.indexer import Indexer
from workflow import context as app

if __name__ == "__main__":
    indexer = Indexer(app.open_context(Path(sys.argv[1]), sys.argv[2]))
    load = indexer.source.load

    def stopping(doc_ids):
        Path(sys.argv[3]).write_text("arrived")
        time.sleep(600)
        return load(doc_ids)

    indexer.source.load = stopping  # type: ignore[method-assign]
    indexer.apply_pending()
