"""Highlighted snippets that mark exactly what matched, as escaped HTML.

Whoosh's highlighter marks every token that equals a query term. With bigrams that is wrong in
both directions: for 危房改造 it would mark a lone 改造 elsewhere in the text, and its
strict-phrase mode splits the text on spaces, which Chinese does not have. Here a match is what
the query matched: the same run of consecutive bigram positions (a phrase), a single token, or
a token starting with a character (a trailing single character, see
:func:`search.analysis.substring_query`). Words the clerk excluded with ``-`` are never marked.

Only windows around candidate places are re-analyzed, found by a plain substring search of the
first token in the folded text, so a long attachment costs a string search, not a full
tokenization per hit. Whoosh's ``Fragment`` and ``HtmlFormatter`` render the result, and the
formatter escapes the record's text.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from whoosh.analysis import Token
from whoosh.highlight import BasicFragmentScorer, Fragment, HtmlFormatter

from search.analysis import BigramAnalyzer, fold
from search.query import Parsed

__all__ = ["Pattern", "highlight", "word_patterns"]

# One query leaf as a run of consecutive tokens: (is_prefix, token text) per position.
Pattern = tuple[tuple[bool, str], ...]

_CANDIDATES_PER_PATTERN = 8
_WINDOW_BEFORE = 80
_WINDOW_AFTER = 400


def word_patterns(parsed: Parsed) -> list[Pattern]:
    """The words a record was found by, as patterns; excluded words are never marked."""
    return list(dict.fromkeys(
        tuple((word.prefix and i == len(word.tokens) - 1, token) for i, token in enumerate(word.tokens))
        for word in parsed.positives()))


def _windows(text: str, patterns: Sequence[Pattern]) -> list[tuple[int, int]]:
    """Character ranges worth tokenizing: around the first places each pattern could start."""
    folded = fold(text)
    if len(folded) != len(text):
        return [(0, len(text))]
    spans = []
    for pattern in patterns:
        needle = pattern[0][1]
        at = folded.find(needle)
        found = 0
        while at >= 0 and found < _CANDIDATES_PER_PATTERN:
            spans.append((max(0, at - _WINDOW_BEFORE), min(len(text), at + _WINDOW_AFTER)))
            found += 1
            at = folded.find(needle, at + 1)
    spans.sort()
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _matched_ranges(text: str, patterns: Sequence[Pattern]) -> list[tuple[int, int]]:
    analyzer = BigramAnalyzer()
    ranges = []
    for start, end in _windows(text, patterns):
        tokens = [
            (token.text, token.startchar, token.endchar)
            for token in analyzer(text[start:end], chars=True, start_char=start)
        ]
        for i in range(len(tokens)):
            for pattern in patterns:
                window = tokens[i : i + len(pattern)]
                if len(window) == len(pattern) and all(
                    word.startswith(want) if is_prefix else word == want
                    for (is_prefix, want), (word, _, _) in zip(pattern, window)
                ):
                    is_prefix, want = pattern[-1]
                    _, last_start, end = window[-1]
                    if is_prefix:
                        end = min(end, last_start + len(want))
                    ranges.append((window[0][1], end))
    ranges.sort()
    merged: list[tuple[int, int]] = []
    for start, end in ranges:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def _fragments(text: str, ranges: Iterable[tuple[int, int]], maxchars: int, surround: int) -> list[Fragment]:
    fragments: list[Fragment] = []
    group: list[Token] = []
    for start, end in ranges:
        token = Token(text=fold(text[start:end]), startchar=start, endchar=end, boost=1.0)
        if group and end - max(0, group[0].startchar - surround) > maxchars:
            fragments.append(_fragment(text, group, surround))
            group = []
        group.append(token)
    if group:
        fragments.append(_fragment(text, group, surround))
    return fragments


def _fragment(text: str, matches: list[Token], surround: int) -> Fragment:
    start = max(0, matches[0].startchar - surround)
    end = min(len(text), matches[-1].endchar + surround)
    return Fragment(text, matches, startchar=start, endchar=end)


def highlight(
    text: str,
    patterns: Sequence[Pattern],
    top: int = 3,
    maxchars: int = 160,
    surround: int = 30,
) -> str | None:
    """Up to ``top`` passages of ``text`` with every match in ``<mark class="hit termN">``,
    best first by how many different words they show; None when nothing matched."""
    if not text or not patterns:
        return None
    ranges = _matched_ranges(text, patterns)
    if not ranges:
        return None
    fragments = _fragments(text, ranges, maxchars, surround)
    scorer = BasicFragmentScorer()
    best = sorted(sorted(fragments, key=scorer, reverse=True)[:top], key=lambda f: f.startchar)
    formatter = HtmlFormatter(tagname="mark", classname="hit", termclass="term", between=" … ")
    snippet = formatter.format(best)
    if best[0].startchar > 0:
        snippet = "…" + snippet
    if best[-1].endchar < len(text):
        snippet += "…"
    return snippet.replace("\n", " ")
