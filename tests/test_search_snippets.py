"""Snippets mark exactly what the query matched, as escaped HTML."""

from __future__ import annotations

from search.query import parse
from search.snippets import highlight, word_patterns

TEXT = "石门坎村危房改造补助已发放。另：改造资金由乡镇拨付。"


def _snippet(query: str, text: str = TEXT, **kwargs) -> str | None:
    return highlight(text, word_patterns(parse(query)), **kwargs)


def test_phrase_is_marked_as_one_piece() -> None:
    assert _snippet("危房改造") == ('石门坎村<mark class="hit term0">危房改造</mark>补助已发放。另：改造资金由乡镇拨付。')


def test_part_of_a_phrase_elsewhere_is_not_marked() -> None:
    assert "<mark" not in _snippet("危房改造").split("另")[1]


def test_each_word_gets_its_own_class() -> None:
    assert _snippet("危房改造 乡镇") == ('石门坎村<mark class="hit term0">危房改造</mark>补助已发放。'
                                      '另：改造资金由<mark class="hit term1">乡镇</mark>拨付。')


def test_single_character_marks_only_that_character() -> None:
    assert _snippet("村", "新塘村民的村务") == ('新塘<mark class="hit term0">村</mark>民的'
                                              '<mark class="hit term0">村</mark>务')


def test_traditional_text_is_marked_where_the_folded_query_matched() -> None:
    assert _snippet("危房改造", "石門坎村危房改造") == '石門坎村<mark class="hit term0">危房改造</mark>'


def test_excluded_word_is_not_marked() -> None:
    assert _snippet("补助 -乡镇") == '石门坎村危房改造<mark class="hit term0">补助</mark>已发放。另：改造资金由乡镇拨付。'


def test_text_is_html_escaped() -> None:
    assert _snippet("张三", "<b>张三</b> & 李四") == '&lt;b&gt;<mark class="hit term0">张三</mark>&lt;/b&gt; &amp; 李四'


def test_long_text_is_cut_around_the_match() -> None:
    text = "甲" * 500 + "危房改造" + "乙" * 500
    assert _snippet("危房改造", text, surround=3) == '…甲甲甲<mark class="hit term0">危房改造</mark>乙乙乙…'


def test_no_match_gives_none() -> None:
    assert _snippet("张三") is None
