"""Whoosh analyzers for the archive: folded character bigrams, plus jieba words for ranking.

The archive promises clerks "contains" semantics: a query of two or more Chinese characters
finds exactly the records whose text contains that string. Word segmentation cannot keep
that promise (jieba loses about half the records for a person's name, and its overlapping
sub-words break phrase positions; see the search anchors report, §2), so the
primary fields are indexed as overlapping character bigrams, one position per Han character,
and jieba is only offered for a secondary field that adds ranking.

Both analyzers fold the text first (NFKC, Traditional to Simplified, lower case), on the
index side and on the query side alike, so 張三 finds 张三 and ＧＰＳ finds gps.

Both analyzers are module-level classes holding no state: Whoosh pickles the schema, and
with it every analyzer, into the index TOC, and an OpenCC converter cannot be pickled.
Renaming this module or these classes breaks ``open_dir`` on existing indexes.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import Any, NamedTuple

import opencc
from whoosh import fields
from whoosh.analysis import Token, Tokenizer
from whoosh.query import Phrase, Prefix, Query, Sequence, Term

__all__ = [
    "BigramAnalyzer",
    "JiebaAnalyzer",
    "bigram_field",
    "fold",
    "index_text",
    "query_words",
    "ranking_field",
    "substring_query",
    "whoosh_contains",
]

# Han ideographs (URO, Extension A, compatibility block, Extensions B-H) and 〇, the zero
# written in Chinese dates (二〇二三年).
_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U000323af"
_UNIT_RE = re.compile(rf"(?P<cjk>[{_HAN}]+)|(?P<word>[^\W_{_HAN}]+)")


@functools.cache
def _t2s() -> opencc.OpenCC:
    """The one OpenCC converter of the process, built on first use.

    Building it loads dictionaries (milliseconds, not microseconds), and it cannot be
    pickled, so it lives here rather than on an analyzer instance.
    """
    return opencc.OpenCC("t2s")


def _fold_char(ch: str) -> str:
    """Fold one character: NFKC, then Traditional to Simplified, then lower case.

    OpenCC is applied until nothing changes because its table is not idempotent
    (薴 -> 苧 -> 苎); a fold that is not idempotent would make a query typed from folded text
    fold once more and miss. The result is never empty, so offsets can always be mapped back.
    """
    converter = _t2s()
    pieces = []
    for c in unicodedata.normalize("NFKC", ch):
        for _ in range(3):
            converted = converter.convert(c)
            if converted == c or not converted:
                break
            c = converted
        pieces.append(c)
    return "".join(pieces).lower() or ch


class _FoldTable(dict):
    """``str.translate`` table filled lazily, so each distinct character meets OpenCC once."""

    def __missing__(self, codepoint: int) -> str:
        folded = _fold_char(chr(codepoint))
        self[codepoint] = folded
        return folded


_FOLD_TABLE = _FoldTable()


def fold(text: str) -> str:
    """Fold text the way both analyzers see it; the ground truth for "contains".

    Folding is character by character on purpose, although OpenCC converts whole phrases
    better (瞭解 -> 了解): a search fold must commute with taking substrings. OpenCC's phrase
    table keeps 乾 in 乾隆 but folds a lone 乾 to 干, so a query folded on its own could differ
    from the same characters folded inside a record, and recall would drop silently.
    Measured on jieba's 200,000 dictionary words written in Traditional script, the
    character fold loses 679 of them against 616 for the phrase fold.
    """
    return text.translate(_FOLD_TABLE)


def _fold_with_offsets(text: str) -> tuple[str, list[int] | None]:
    """Fold, and map each folded character back to its character in ``text``.

    NFKC can expand one character into several (㎡ -> m2); the offsets keep highlights on
    the original text correct. ``None`` means the fold kept every character's length.
    """
    folded = fold(text)
    if len(folded) == len(text):
        return folded, None
    offsets: list[int] = []
    for index, ch in enumerate(text):
        offsets.extend([index] * len(_FOLD_TABLE[ord(ch)]))
    return folded, offsets


class _Word(NamedTuple):
    text: str
    start: int
    end: int


def _units(folded: str) -> list[re.Match[str]]:
    return list(_UNIT_RE.finditer(folded))


def _words(folded: str, units: list[re.Match[str]], query: bool) -> Iterator[_Word]:
    """The token sequence, one position per Han character and one per Latin/digit run.

    A Han run of n characters gives its n-1 bigrams and then its last character alone.
    That trailing unigram is what makes single characters searchable: every occurrence of a
    character is either the first half of a bigram or the last character of a run, so
    ``Prefix(c)`` finds all of them. Emitting it only for runs of length one would miss 村
    at the end of 石门坎村; emitting a unigram for every character would double the postings
    (the benchmark built 1-2-grams at 116 docs/s against 295 for bigrams). It also keeps
    positions adjacent across run boundaries, so a phrase like "改造，张三" matches text with
    a separator at that place and not text without one.

    In query mode the last unit's trailing unigram is dropped when the run has two or more
    characters: the text may continue after the query (张三 inside 张三丰), where the index
    holds the bigram 三丰 instead.
    """
    last = len(units) - 1
    for number, unit in enumerate(units):
        start, end = unit.span()
        if unit.lastgroup == "word":
            yield _Word(unit.group(), start, end)
            continue
        for i in range(start, end - 1):
            yield _Word(folded[i : i + 2], i, i + 2)
        if not (query and number == last and end - start > 1):
            yield _Word(folded[end - 1], end - 1, end)


def _emit(
    words: Iterator[tuple[str, int, int]],
    value: str,
    offsets: list[int] | None,
    positions: bool,
    chars: bool,
    keeporiginal: bool,
    removestops: bool,
    start_pos: int,
    start_char: int,
    mode: str,
    kwargs: dict[str, Any],
) -> Iterator[Token]:
    """Yield one reused Token per word, as Whoosh's filters expect."""
    token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
    for pos, (text, start, end) in enumerate(words):
        if offsets is not None:
            start, end = offsets[start], offsets[end - 1] + 1
        token.text = text
        token.boost = 1.0
        token.stopped = False
        if keeporiginal:
            token.original = value[start:end]
        if positions:
            token.pos = start_pos + pos
        if chars:
            token.startchar = start_char + start
            token.endchar = start_char + end
        yield token


class BigramAnalyzer(Tokenizer):
    """The primary analyzer: folded Han bigrams with positions, Latin/digit runs whole.

    Use it on a TEXT field with ``phrase=True`` (see :func:`bigram_field`); without
    positions, a bigram AND admits records where the bigrams occur apart (precision 0.94
    on 村务公开 in the benchmark).
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        folded, offsets = _fold_with_offsets(value)
        if not tokenize:
            words: Iterator[tuple[str, int, int]] = iter([(folded, 0, len(folded))])
        else:
            words = _words(folded, _units(folded), query=mode == "query")
        return _emit(
            words, value, offsets, positions, chars, keeporiginal, removestops,
            start_pos, start_char, mode, kwargs,
        )


@functools.cache
def _jieba() -> Any:
    """jieba, imported on first use and told not to announce loading its dictionary on stderr."""
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    return jieba


class JiebaAnalyzer(Tokenizer):
    """Jieba search-mode words of the folded text, for a secondary field that only ranks.

    Word-level BM25 ranks 危房改造 above a record that merely has 危房 and 改造 apart, which
    bigrams cannot tell. It must never decide which records match: jieba mis-segments names
    (桃园村张三 -> 村张/三). jieba is imported on first use, so the primary analyzer does not
    pay for its dictionary load or its SyntaxWarnings.
    """

    def __call__(
        self,
        value: str,
        positions: bool = False,
        chars: bool = False,
        keeporiginal: bool = False,
        removestops: bool = True,
        start_pos: int = 0,
        start_char: int = 0,
        tokenize: bool = True,
        mode: str = "",
        **kwargs: Any,
    ) -> Iterator[Token]:
        folded, offsets = _fold_with_offsets(value)
        if not tokenize:
            words: Iterator[tuple[str, int, int]] = iter([(folded, 0, len(folded))])
        else:
            words = (
                (word, start, end)
                for word, start, end in _jieba().tokenize(folded, mode="search")
                if _UNIT_RE.search(word)
            )
        return _emit(
            words, value, offsets, positions, chars, keeporiginal, removestops,
            start_pos, start_char, mode, kwargs,
        )


def bigram_field(**kwargs: Any) -> fields.TEXT:
    """A TEXT field for "contains" search; extra arguments go to ``fields.TEXT``.

    ``multitoken_query="phrase"`` makes Whoosh's own QueryParser turn a CJK word into a
    phrase of its bigrams rather than an AND of them; :func:`substring_query` is still the
    way to query it, because the parser turns a single character into a bare Term.
    """
    return fields.TEXT(
        analyzer=BigramAnalyzer(), phrase=True, multitoken_query="phrase", **kwargs
    )


def ranking_field(**kwargs: Any) -> fields.TEXT:
    """A TEXT field of jieba words; positions are left out because it only scores."""
    return fields.TEXT(analyzer=JiebaAnalyzer(), phrase=False, **kwargs)


def query_words(text: str) -> tuple[list[str], bool] | None:
    """The tokens a record must hold at consecutive positions to contain ``text``, and whether
    the last one is a prefix; None when ``text`` has nothing searchable.

    Two or more Han characters become their bigrams, so recall and precision are exact. A
    trailing single character (the whole query 村, or 第3组) is a prefix over the tokens starting
    with it, which covers both its bigrams and its trailing unigram (see ``_words``). Latin and
    digit runs match whole tokens only. Punctuation and spaces inside ``text`` require some
    separator at that place in the record. Every engine matches these same tokens.
    """
    folded = fold(text)
    units = _units(folded)
    if not units:
        return None
    words = [word.text for word in _words(folded, units, query=True)]
    last = units[-1]
    return words, last.lastgroup == "cjk" and len(last.group()) == 1


_RUNS_RE = re.compile(rf"([{_HAN}]+)|([^\W_{_HAN}]+)")


def index_text(text: str) -> str:
    """The folded tokens of ``text`` joined by single spaces, in position order.

    An engine that splits on whitespace and numbers tokens in order (tantivy's ``whitespace``
    tokenizer) then indexes exactly what :class:`BigramAnalyzer` gives Whoosh: no token holds a
    space, since Han bigrams and Latin/digit runs never do. This is the hot loop of a build, so it
    uses ``findall`` (a quarter of the cost of match objects) and builds bigrams with ``map``.
    """
    out: list[str] = []
    for cjk, word in _RUNS_RE.findall(fold(text)):
        if word or len(cjk) == 1:
            out.append(word or cjk)
        else:
            out.extend(map(str.__add__, cjk, cjk[1:]))
            out.append(cjk[-1])
    return " ".join(out)


def substring_query(fieldname: str, text: str) -> Query | None:
    """Records whose ``fieldname`` contains ``text`` once both are folded (see :func:`query_words`)."""
    found = query_words(text)
    return None if found is None else whoosh_contains(fieldname, *found)


def whoosh_contains(fieldname: str, words: list[str] | tuple[str, ...], prefix: bool) -> Query:
    """The Whoosh query for tokens at consecutive positions, the last a prefix if ``prefix``."""
    if prefix:
        tail = Prefix(fieldname, words[-1])
        if len(words) == 1:
            return tail
        return Sequence([Term(fieldname, word) for word in words[:-1]] + [tail])
    if len(words) == 1:
        return Term(fieldname, words[0])
    return Phrase(fieldname, list(words))
