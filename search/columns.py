"""Per-segment column values held in memory, so reading one for a match costs a list index.

Facet counts and the date filter read a column value for every match, which on a common term is
most of the archive. Whoosh's column readers decode on each access, and opening a reader for a
variable-length column (the village, flowchart, state and year facets) reads a table the size of
the segment, on every query. Measured on 20,000 records, Whoosh's ``FacetCollector`` added 3.6 ms
of CPU to a query with no hits and about 13 µs per hit; with these cached columns neither cost
is measurable. Segments never change once written (deletions are kept beside them), so their
columns are read once per process and kept until a merge retires the segment.

Facet columns are kept as small integer codes into a list of distinct values, since a county has
a few hundred villages and far fewer flowcharts, states and years.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable
from dataclasses import dataclass

from whoosh.reading import IndexReader

__all__ = ["CodedColumn", "ColumnCache"]


@dataclass(frozen=True)
class CodedColumn:
    """A column as ``names[codes[docnum]]``."""

    codes: array
    names: list[str]


class ColumnCache:
    """Columns by (segment id, field name) for the segments of the current searcher."""

    def __init__(self) -> None:
        self._coded: dict[tuple[str, str], CodedColumn] = {}
        self._numbers: dict[tuple[str, str], array] = {}

    def coded(self, reader: IndexReader, fieldname: str) -> CodedColumn:
        """The column of a segment reader as codes; built on first use."""
        if reader.segment() is None:
            return CodedColumn(array("I"), [])
        key = (reader.segment().segment_id(), fieldname)
        if key not in self._coded:
            index: dict[str, int] = {}
            codes = array("I", (index.setdefault(value, len(index)) for value in
                                reader.column_reader(fieldname, translate=True)))
            self._coded[key] = CodedColumn(codes, list(index))
        return self._coded[key]

    def numbers(self, reader: IndexReader, fieldname: str) -> array:
        """A numeric column of a segment reader as stored (dates as Whoosh's longs)."""
        if reader.segment() is None:
            return array("q")
        key = (reader.segment().segment_id(), fieldname)
        if key not in self._numbers:
            self._numbers[key] = array("q", reader.column_reader(fieldname, translate=False))
        return self._numbers[key]

    def held(self) -> set[tuple[str, str]]:
        """The (segment id, field name) pairs in memory."""
        return set(self._coded) | set(self._numbers)

    def retain(self, segment_ids: Iterable[str]) -> None:
        """Forget the columns of segments that are no longer part of the index."""
        keep = set(segment_ids)
        self._coded = {key: value for key, value in self._coded.items() if key[0] in keep}
        self._numbers = {key: value for key, value in self._numbers.items() if key[0] in keep}
