"""The Whoosh schema of the archive index: one Whoosh document per record, of three kinds.

- ``document``: a whole document, its header and every step's text, so one hit per document
  answers "which files mention 张三";
- ``step``: one step record (who did what, when, with which fields, comment and attachments);
- ``public``: what the definitions disclose of a document, masked, for the public portal.

Matching runs on ``body`` alone, which holds the title too: one phrase per query word instead of an
OR over several fields halves the work on common terms, which are Whoosh's slow case. Titles
still rank first through ``title_rank``, a jieba field that only scores (see
:func:`search.query.parse_query`).

Filters and facets use untokenized fields. The facet fields are ``sortable`` so Whoosh reads them
from columns instead of inverting postings per query. Multi-valued fields (places, items, persons,
permissions) are KEYWORD fields given Python lists, so a value with a space or a comma stays
one term.

The schema is pickled into the index; renaming this module or changing a field needs a
``cunwu reindex`` (:meth:`search.index.ArchiveIndex.open` refuses an index whose fields differ).
"""

from __future__ import annotations

from whoosh import fields

from search.analysis import bigram_field, ranking_field

__all__ = ["STORED_BODY_CHARS", "build_schema"]

# Snippets are cut from the stored body; a longer body is still indexed in full, and a hit whose
# match lies past this point shows the start of the record instead of a highlighted snippet.
STORED_BODY_CHARS = 20_000


def build_schema() -> fields.Schema:
    """A fresh schema object; Whoosh binds schemas to indexes, so each index gets its own."""
    return fields.Schema(
        uid=fields.ID(stored=True, unique=True),
        kind=fields.ID(stored=True),
        doc_id=fields.ID(stored=True, sortable=True),
        seq=fields.STORED(),
        version=fields.NUMERIC(stored=True, sortable=True),
        title=fields.STORED(),
        title_rank=ranking_field(),
        body=bigram_field(stored=True),
        place=fields.STORED(),
        places=fields.KEYWORD(),
        village=fields.ID(stored=True, sortable=True),
        workflow=fields.ID(stored=True, sortable=True),
        workflow_title=fields.STORED(),
        code=fields.ID(stored=True),
        items=fields.KEYWORD(stored=True),
        item_titles=fields.STORED(),
        categories=fields.KEYWORD(),
        state=fields.KEYWORD(),
        state_title=fields.ID(stored=True, sortable=True),
        step_title=fields.STORED(),
        actor_name=fields.STORED(),
        actors=fields.KEYWORD(),
        persons=fields.KEYWORD(),
        year=fields.ID(stored=True, sortable=True),
        date=fields.DATETIME(stored=True, sortable=True),
        date_end=fields.DATETIME(sortable=True),
        amount_cents=fields.NUMERIC(int, bits=64, stored=True),
        allowed=fields.KEYWORD(),
    )
