"""An indexer process for the crash tests: it drains the outbox and stops forever at a chosen point,
so the test can SIGKILL it there.

    python -m tests.search_crash_child DEFINITIONS INDEX OUTBOX MARKER {during-write|before-mark}

``during-write`` stops while loading the 10th document of the second batch, that is with the
index's write lock held and half a batch added; ``before-mark`` stops after the second batch is
committed to the index but before its outbox rows are marked done. The marker file tells the
test the child has arrived.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from search.extract import BlobText
from search.index import ArchiveIndex
from search.outbox import apply_pending
from tests.search_corpus import blob_reader, generate
from tests.test_search_outbox import BATCH, DOCUMENTS, SEED, Outbox
from workflow.engine import registry as registry_mod


def main(definitions: Path, index_path: Path, outbox_path: Path, marker: Path, mode: str) -> None:
    corpus = generate(registry_mod.load([definitions]), DOCUMENTS, seed=SEED)
    documents = corpus.by_id()
    outbox = Outbox(outbox_path)
    loads = 0
    marks = 0

    def stop_here() -> None:
        marker.write_text("arrived")
        time.sleep(600)

    def load(doc_id: int):
        nonlocal loads
        loads += 1
        if mode == "during-write" and loads == BATCH + 10:
            stop_here()
        return documents[doc_id].loaded

    def mark_done(ids):
        nonlocal marks
        marks += 1
        if mode == "before-mark" and marks == 2:
            stop_here()
        outbox.mark_done(ids)

    apply_pending(ArchiveIndex.open(index_path), outbox.fetch_pending, load, mark_done,
                  BlobText(blob_reader(corpus.blobs)), batch_size=BATCH)


if __name__ == "__main__":
    main(Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3]), Path(sys.argv[4]), sys.argv[5])
