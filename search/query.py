"""Turn what a clerk types into the search box into a Whoosh query over the bigram fields.

The syntax is the one clerks know from web search engines:

- words separated by spaces must all occur (AND); the list punctuation clerks type
  between words with a Chinese input method (，、；) separates words like a space;
- "a quoted phrase" (also “…” and 「…」) must occur as written; spaces and punctuation
  inside it must be matched by some separator in the record, of any kind;
- ``-word`` or ``-"phrase"`` excludes records containing it;
- ``OR`` (capitals) between words accepts either; it binds tighter than AND, so
  ``张三 危房 OR 低保`` means 张三 AND (危房 OR 低保).

Each word or phrase means "contains this text" in any of the given fields, after the same
folding the index uses (Traditional to Simplified, full-width to half-width, lower case).

Whoosh's QueryParser is not used. It splits the text at its own syntax (spaces, ( ) : * ' ^)
before the analyzer sees it, so 危房改造(石门坎村) becomes two pieces AND-ed anywhere instead of
one phrase of bigrams, and positions restart in each piece. It turns a single character into
a Term, which misses the character inside every bigram. It never reports a mistake: an
unbalanced quote is dropped, a trailing OR is searched as the word "or", and -张三 is AND-ed,
the opposite of what the clerk meant. (Text inside ASCII quotes it does analyze as a whole.)
The query objects are built directly instead, one :func:`search.analysis.substring_query`
per word or phrase.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from whoosh.matching import AndMaybeMatcher, ReadTooFar
from whoosh.query import And, AndMaybe, Not, Or, Query, Term

from search.analysis import JiebaAnalyzer, query_words, whoosh_contains
from workflow.errors import InputError

__all__ = ["Contains", "Parsed", "QueryError", "parse", "parse_query", "whoosh_query"]

_OPEN_QUOTES = {'"': '"', "＂": "＂", "“": "”", "「": "」", "『": "』"}
_STRAY_CLOSE_QUOTES = frozenset("”」』")
_ANY_QUOTE = frozenset(_OPEN_QUOTES) | frozenset(_OPEN_QUOTES.values())
_MINUS = frozenset("-－﹣")
_LIST_SEPARATORS = frozenset(",，、;；")


class QueryError(InputError):
    """A query the clerk must correct; the message is Chinese and says what is wrong."""


@dataclass(frozen=True)
class _Item:
    text: str
    negated: bool = False
    is_or: bool = False


def _is_separator(ch: str) -> bool:
    return ch.isspace() or ch in _LIST_SEPARATORS


def _lex(text: str) -> list[_Item]:
    items: list[_Item] = []
    i, n = 0, len(text)
    while i < n:
        if _is_separator(text[i]):
            i += 1
            continue
        negated = text[i] in _MINUS
        if negated:
            i += 1
            if i == n or _is_separator(text[i]):
                raise QueryError("减号“-”后面缺少要排除的词（减号和词之间不能有空格）。")
        if text[i] in _STRAY_CLOSE_QUOTES:
            raise QueryError(f"引号不配对：第 {i + 1} 个字符 {text[i]} 是多余的右引号。")
        if text[i] in _OPEN_QUOTES:
            end = _closing_quote(text, i)
            items.append(_Item(text[i + 1 : end], negated))
            i = end + 1
            continue
        start = i
        while i < n and not _is_separator(text[i]) and text[i] not in _ANY_QUOTE:
            i += 1
        word = text[start:i]
        is_or = not negated and unicodedata.normalize("NFKC", word) == "OR"
        items.append(_Item(word, negated, is_or))
    return items


def _closing_quote(text: str, open_at: int) -> int:
    """Index of the quote closing the one at ``open_at``; any quote mark closes it, because
    input methods do not always pair “ with ” and clerks mix the kinds."""
    for i in range(open_at + 1, len(text)):
        if text[i] in _ANY_QUOTE:
            return i
    raise QueryError(f"引号不配对：第 {open_at + 1} 个字符 {text[open_at]} 没有对应的右引号。")


def _group(items: list[_Item]) -> list[list[_Item]]:
    """Split the items into AND-ed groups of OR-ed items, checking each OR has two sides."""
    if all(item.is_or for item in items):
        raise QueryError("查询中只有运算符（OR、-），缺少要查找的词。")
    groups: list[list[_Item]] = []
    pending_or = False
    for item in items:
        if item.is_or:
            if not groups or pending_or:
                raise QueryError("“OR”前面缺少查询词。")
            pending_or = True
        elif pending_or:
            groups[-1].append(item)
            pending_or = False
        else:
            groups.append([item])
    if pending_or:
        raise QueryError("“OR”后面缺少查询词。")
    for group in groups:
        negated = [item for item in group if item.negated]
        if negated and len(group) > 1:
            raise QueryError(f"排除词“-{negated[0].text}”不能与 OR 连用。")
    return groups


@dataclass(frozen=True)
class Contains:
    """One word or phrase as every engine matches it: the folded tokens at consecutive positions.

    ``prefix`` says the last token stands for every token starting with it (a trailing single Han
    character, see :func:`search.analysis.query_words`).
    """

    text: str
    tokens: tuple[str, ...]
    prefix: bool


@dataclass(frozen=True)
class Parsed:
    """A clerk's query as data for any engine: AND of ``groups`` (each an OR of words), none of
    ``excluded``, and the jieba words of what was asked for, which only add to the score."""

    groups: tuple[tuple[Contains, ...], ...]
    excluded: tuple[Contains, ...]
    ranking: tuple[str, ...]

    def positives(self) -> list[Contains]:
        return [word for group in self.groups for word in group]


def _word(item: _Item) -> Contains:
    found = query_words(item.text)
    if found is None:
        raise QueryError(f"“{item.text}”中没有可检索的文字（标点符号不参与检索）。")
    tokens, prefix = found
    return Contains(item.text, tuple(tokens), prefix)


MAX_QUERY_CHARS = 200
MAX_WORDS = 16
"""A query's cost grows with its words (each is a phrase matched over the whole archive); beyond these
bounds it is refused before any engine sees it, so no one search can hold the machine for long."""


def parse(text: str) -> Parsed:
    """The clerk's query as :class:`Parsed`; raise :class:`QueryError` if it must be rephrased.

    A query of exclusions alone is refused rather than run: it would list nearly the whole
    archive, which is never what "-张三" was meant to find.
    """
    if len(text) > MAX_QUERY_CHARS:
        raise QueryError(f"查询过长：最多 {MAX_QUERY_CHARS} 个字符，这次有 {len(text)} 个。")
    items = _lex(text)
    words = sum(not item.is_or for item in items)
    if words > MAX_WORDS:
        raise QueryError(f"查询词过多：最多 {MAX_WORDS} 个词或短语，这次有 {words} 个。")
    if not items:
        raise QueryError("查询为空：请输入要查找的词。")
    groups = _group(items)
    positives = tuple(tuple(_word(item) for item in group) for group in groups if not group[0].negated)
    excluded = tuple(_word(group[0]) for group in groups if group[0].negated)
    if not positives:
        raise QueryError("只有排除词，缺少要查找的词：请至少输入一个不带“-”的词。")
    analyzer = JiebaAnalyzer()
    ranking = tuple(dict.fromkeys(
        token.text for item in items if not item.negated and not item.is_or for token in analyzer(item.text)))
    return Parsed(positives, excluded, ranking)


def _whoosh_word(word: Contains, fieldnames: Sequence[str]) -> Query:
    subqueries = [whoosh_contains(fieldname, word.tokens, word.prefix) for fieldname in fieldnames]
    return subqueries[0] if len(subqueries) == 1 else Or(subqueries)


class _RankingMatcher(AndMaybeMatcher):
    """Whoosh's AndMaybeMatcher, except that a skip moves the optional side to where the required
    side landed rather than to the id asked for. Inside an And (the permission filter is always
    one) the required side often lands past that id; Whoosh's version then leaves the optional
    side behind and drops its score, which ranked title matches below records without the words
    in the title (measured on the 300,000-record benchmark index)."""

    def skip_to(self, id: int) -> bool:
        if not self.a.is_active():
            raise ReadTooFar
        moved = self.a.skip_to(id)
        if self.a.is_active() and self.b.is_active():
            moved = self.b.skip_to(self.a.id()) or moved
        return bool(moved)


class RankedAndMaybe(AndMaybe):
    """AndMaybe with :class:`_RankingMatcher`: the words decide, the ranking field adds score."""

    matcherclass = _RankingMatcher


def parse_query(
    text: str, fieldnames: Sequence[str], *, rank_field: str | None = None
) -> Query:
    """The Whoosh query of :func:`parse`; raise :class:`QueryError` if the clerk has to rephrase it.

    ``rank_field`` names a :func:`search.analysis.ranking_field`; its jieba words only add
    to the score of records that already match, so the hit set stays exact.
    """
    if not fieldnames:
        raise ValueError("parse_query needs at least one field name")
    return whoosh_query(parse(text), fieldnames, rank_field=rank_field)


def whoosh_query(parsed: Parsed, fieldnames: Sequence[str], *, rank_field: str | None = None) -> Query:
    """A parsed query as Whoosh query objects over ``fieldnames``."""
    positives: list[Query] = []
    for group in parsed.groups:
        alternatives = [_whoosh_word(word, fieldnames) for word in group]
        positives.append(alternatives[0] if len(alternatives) == 1 else Or(alternatives))
    clauses = positives + [Not(_whoosh_word(word, fieldnames)) for word in parsed.excluded]
    result = clauses[0] if len(clauses) == 1 else And(clauses)
    if rank_field is not None and parsed.ranking:
        result = RankedAndMaybe(result, Or([Term(rank_field, word) for word in parsed.ranking]))
    return result
