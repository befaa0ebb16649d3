"""An indexer process for the crash test: it drains the real database's outbox and stops forever
while loading the second document, that is with the index's write lock held and half a batch
added, so the test can SIGKILL it there.

    python -m tests.search_indexer_child HOME DB_URL MARKER
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from search.indexer import Indexer
from workflow import context as app


class StoppingIndexer(Indexer):
    loads = 0

    def load(self, doc_id: int):
        self.loads += 1
        if self.loads == 2:
            Path(sys.argv[3]).write_text("arrived")
            time.sleep(600)
        return super().load(doc_id)


if __name__ == "__main__":
    StoppingIndexer(app.open_context(Path(sys.argv[1]), sys.argv[2])).apply_pending()
