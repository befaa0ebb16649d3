"""A clerk's query string becomes a Whoosh query with exact "contains" semantics, and a
malformed one becomes a QueryError with a Chinese message, never a traceback."""

from __future__ import annotations

import random
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from opencc import OpenCC
from whoosh import fields, index
from whoosh.matching import ListMatcher
from whoosh.query import And, Or, Phrase, Term

from search.analysis import bigram_field, fold, ranking_field
from search.query import QueryError, RankedAndMaybe, parse_query
from workflow.errors import InputError

FIELDS = ["title", "body"]
NAMES = ["张三", "张三丰", "张小三", "李四", "李四海", "王五", "赵六"]
VILLAGES = ["石门坎村", "石门村", "桃园村", "新建村"]
TERMS = ["危房改造", "农村危房改造", "危房", "低保申请", "宅基地审批", "村务公开"]
TITLES = ["关于{village}{name}{term}的报告", "{village}{term}公示", "{name}（{village}）{term}申请"]
SENTENCES = [
    "{village}{name}户：{term}补助已发放。",
    "经村民代表会议表决，同意{name}、{name2}的{term}事项；",
    "{term} {village} {name}",
    "GPS坐标已核实，{name}危房改造完成。",
    "{name}{term}材料齐全（{village}）。",
    "报乡镇审核：{term}，{name2}签字。",
]
HANDWRITTEN = {
    "trad": ("關於石門坎村張三農村危房改造的報告", "區政府：經審核，張三戶符合條件，特此證明。"),
    "spaced": ("危房 改造 公示", "张三 李四 危房 改造"),
    "joined": ("危房改造公示", "张三李四危房改造"),
    "simp": ("农村危房改造汇总", "石门坎村张三完成农村危房改造。"),
}


def build_corpus(count: int = 250, seed: int = 7) -> dict[str, tuple[str, str]]:
    rng = random.Random(seed)
    to_traditional = OpenCC("s2t")

    def fill(template: str) -> str:
        return template.format(
            name=rng.choice(NAMES),
            name2=rng.choice(NAMES),
            village=rng.choice(VILLAGES),
            term=rng.choice(TERMS),
        )

    corpus = dict(HANDWRITTEN)
    for number in range(count):
        title = fill(rng.choice(TITLES))
        body = "".join(fill(rng.choice(SENTENCES)) for _ in range(rng.randint(2, 4)))
        if rng.random() < 0.2:
            title, body = to_traditional.convert(title), to_traditional.convert(body)
        corpus[f"r{number:03d}"] = (title, body)
    return corpus


CORPUS = build_corpus()


def squash(text: str) -> str:
    """Folded text with every run of separators made one space, as the index sees it."""
    return re.sub(r"[\W_]+", " ", fold(text))


SQUASHED = {uid: (squash(title), squash(body)) for uid, (title, body) in CORPUS.items()}
ALL = set(CORPUS)


def containing(needle: str) -> set[str]:
    """Records containing the needle; needles here start and end with a Han character."""
    squashed = squash(needle)
    return {uid for uid, (title, body) in SQUASHED.items() if squashed in title or squashed in body}


@pytest.fixture(scope="module")
def searcher(tmp_path_factory: pytest.TempPathFactory):
    path: Path = tmp_path_factory.mktemp("query_index")
    schema = fields.Schema(
        uid=fields.ID(stored=True, unique=True),
        title=bigram_field(stored=True),
        body=bigram_field(stored=True),
        words=ranking_field(),
    )
    ix = index.create_in(str(path), schema)
    with ix.writer() as writer:
        for uid, (title, body) in CORPUS.items():
            writer.add_document(uid=uid, title=title, body=body, words=f"{title} {body}")
    with ix.searcher() as s:
        yield s


def search(searcher, text: str, **kwargs) -> set[str]:
    return {hit["uid"] for hit in searcher.search(parse_query(text, FIELDS, **kwargs), limit=None)}


# Words, AND and separators


def test_plain_word_finds_exactly_the_records_containing_it(searcher) -> None:
    assert search(searcher, "张三") == containing("张三")


def test_space_separated_words_must_all_occur(searcher) -> None:
    assert search(searcher, "张三 危房改造") == containing("张三") & containing("危房改造")


@pytest.mark.parametrize("separator", ["，", "、", "；", ",", "\u3000"])
def test_list_punctuation_separates_words_like_a_space(searcher, separator: str) -> None:
    assert search(searcher, f"张三{separator}危房改造") == search(searcher, "张三 危房改造")


def test_single_character_word_finds_every_record_containing_it(searcher) -> None:
    assert search(searcher, "坎") == containing("坎")


def test_traditional_query_finds_simplified_records(searcher) -> None:
    found = search(searcher, "農村危房改造")
    assert found == containing("农村危房改造")
    assert {"trad", "simp"} <= found


def test_simplified_query_finds_traditional_records(searcher) -> None:
    assert "trad" in search(searcher, "石门坎村 张三")


def test_latin_word_matches_whole_tokens_in_any_case(searcher) -> None:
    with_gps = {uid for uid, (_, body) in CORPUS.items() if "GPS" in body}
    assert search(searcher, "ｇｐｓ") == with_gps
    assert search(searcher, "GP") == set()


# Quoted phrases


def test_quoted_phrase_finds_exactly_the_records_containing_it(searcher) -> None:
    assert search(searcher, '"会议表决，同意张三"') == containing("会议表决，同意张三")


def test_punctuation_in_a_quoted_phrase_matches_any_separator(searcher) -> None:
    assert search(searcher, '"危房 改造"') == search(searcher, '"危房。改造"')


def test_quoted_phrase_with_a_space_needs_a_separator_in_the_record(searcher) -> None:
    found = search(searcher, '"危房 改造"')
    assert found == containing("危房 改造")
    assert "spaced" in found
    assert "joined" not in found


@pytest.mark.parametrize("quoted", ["“张三丰”", "「张三丰」", "＂张三丰＂", "“张三丰“"])
def test_chinese_and_fullwidth_quotes_work_like_ascii_quotes(searcher, quoted: str) -> None:
    assert search(searcher, quoted) == search(searcher, '"张三丰"')


def test_or_and_minus_inside_quotes_are_text() -> None:
    words = ["张三", "三", "or", "李四"]
    assert parse_query('"张三 OR -李四"', FIELDS) == Or(
        [Phrase("title", words), Phrase("body", words)]
    )


# Exclusion and OR


def test_minus_excludes_records_containing_the_word(searcher) -> None:
    assert search(searcher, "危房 -张三") == containing("危房") - containing("张三")


def test_minus_excludes_records_containing_a_quoted_phrase(searcher) -> None:
    assert search(searcher, '张三 -"危房 改造"') == containing("张三") - containing("危房 改造")


def test_or_accepts_either_word(searcher) -> None:
    assert search(searcher, "低保申请 OR 宅基地审批") == containing("低保申请") | containing("宅基地审批")


def test_or_binds_tighter_than_and(searcher) -> None:
    assert search(searcher, "张三丰 低保申请 OR 宅基地审批") == containing("张三丰") & (
        containing("低保申请") | containing("宅基地审批")
    )


def test_fullwidth_or_and_minus_work_like_ascii(searcher) -> None:
    assert search(searcher, "李四 ＯＲ 王五 －石门村") == search(searcher, "李四 OR 王五 -石门村")


def test_lowercase_or_is_a_search_word() -> None:
    assert parse_query("or", ["body"]) == parse_query('"OR"', ["body"])


def test_ranking_field_leaves_the_hit_set_unchanged(searcher) -> None:
    assert search(searcher, "危房改造 张三", rank_field="words") == search(searcher, "危房改造 张三")


# Malformed queries


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "查询为空：请输入要查找的词。"),
        (" \u3000，、 ", "查询为空：请输入要查找的词。"),
        ('"张三 李四', "引号不配对：第 1 个字符 \" 没有对应的右引号。"),
        ("张三 “危房", "引号不配对：第 4 个字符 “ 没有对应的右引号。"),
        ("张三” 李四", "引号不配对：第 3 个字符 ” 是多余的右引号。"),
        ("」", "引号不配对：第 1 个字符 」 是多余的右引号。"),
        ("OR", "查询中只有运算符（OR、-），缺少要查找的词。"),
        ("OR OR", "查询中只有运算符（OR、-），缺少要查找的词。"),
        ("-", "减号“-”后面缺少要排除的词（减号和词之间不能有空格）。"),
        ("张三 - 李四", "减号“-”后面缺少要排除的词（减号和词之间不能有空格）。"),
        ("OR 张三", "“OR”前面缺少查询词。"),
        ("张三 OR OR 李四", "“OR”前面缺少查询词。"),
        ("张三 OR", "“OR”后面缺少查询词。"),
        ("-张三", "只有排除词，缺少要查找的词：请至少输入一个不带“-”的词。"),
        ("-张三 -李四", "只有排除词，缺少要查找的词：请至少输入一个不带“-”的词。"),
        ("张三 OR -李四", "排除词“-李四”不能与 OR 连用。"),
        ("张三 ！？", "“！？”中没有可检索的文字（标点符号不参与检索）。"),
        ('张三 "。"', "“。”中没有可检索的文字（标点符号不参与检索）。"),
    ],
)
def test_malformed_query_raises_query_error_naming_the_problem(text: str, message: str) -> None:
    with pytest.raises(QueryError) as caught:
        parse_query(text, FIELDS)
    assert str(caught.value) == message


def test_query_error_is_an_input_error_so_the_command_line_exits_2() -> None:
    assert issubclass(QueryError, InputError) and QueryError.exit_code == 2


# Properties over the corpus


def _phrase_spans() -> list[str]:
    """Stretches of record text made of Han characters and separators, trimmed to Han."""
    spans = []
    for title, body in CORPUS.values():
        for text in (title, body):
            for piece in re.split(r"[a-z0-9]+", fold(text)):
                trimmed = re.sub(r"^[\W_]+|[\W_]+$", "", piece)
                if trimmed:
                    spans.append(trimmed)
    return spans


PHRASE_SPANS = _phrase_spans()
HAN_RUNS = [run for span in PHRASE_SPANS for run in re.findall(r"[^\W_]+", span)]


def _substring(data: st.DataObject, text: str, max_size: int) -> str:
    """A substring of ``text`` starting and ending with a Han character."""
    han = [i for i, ch in enumerate(text) if re.match(r"[^\W_]", ch)]
    begin = data.draw(st.sampled_from(han))
    end = data.draw(st.sampled_from([i for i in han if begin <= i < begin + max_size]))
    return text[begin : end + 1]


@settings(max_examples=120, deadline=None)
@given(data=st.data())
def test_quoted_substring_of_a_record_finds_exactly_the_records_containing_it(
    searcher, data: st.DataObject
) -> None:
    needle = _substring(data, data.draw(st.sampled_from(PHRASE_SPANS)), 10)
    assert search(searcher, f'"{needle}"') == containing(needle)


def _two_words(data: st.DataObject) -> tuple[str, str]:
    first = _substring(data, data.draw(st.sampled_from(HAN_RUNS)), 4)
    second = _substring(data, data.draw(st.sampled_from(HAN_RUNS)), 4)
    return first, second


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_words_joined_by_space_find_the_intersection(searcher, data: st.DataObject) -> None:
    first, second = _two_words(data)
    assert search(searcher, f"{first} {second}") == containing(first) & containing(second)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_words_joined_by_or_find_the_union(searcher, data: st.DataObject) -> None:
    first, second = _two_words(data)
    assert search(searcher, f"{first} OR {second}") == containing(first) | containing(second)


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_excluded_word_removes_its_records(searcher, data: st.DataObject) -> None:
    first, second = _two_words(data)
    assert search(searcher, f"{first} -{second}") == containing(first) - containing(second)


def test_ranking_score_survives_a_skip_past_the_id_asked_for() -> None:
    """Inside an And, the words may land past the id a filter asked for; the title-rank score of the
    record they land on must still be added (Whoosh's own AndMaybeMatcher dropped it)."""
    words, ranking = ListMatcher([1, 5, 9], all_weights=1.0), ListMatcher([4, 5], all_weights=2.0)
    matcher = RankedAndMaybe.matcherclass(words, ranking)
    matcher.skip_to(3)
    assert (matcher.id(), matcher.score()) == (5, 3.0)


def test_a_filter_does_not_change_the_score_of_a_title_match(tmp_path: Path) -> None:
    """The filter makes the words skip past 司马光's record, which only the ranking field matches."""
    schema = fields.Schema(id=fields.ID(stored=True), body=bigram_field(), title_rank=ranking_field(),
                           allowed=fields.KEYWORD)
    ix = index.create_in(str(tmp_path), schema)
    titles = {120: "司马子健的申请", 140: "司马光的申请", 150: "司马子健的申请"}
    with ix.writer() as writer:
        for n in range(200):
            title = titles.get(n, f"第{n}号事项")
            writer.add_document(id=str(n), body=title, title_rank=title, allowed="a" if n in (130, 150) else "b")
    words = parse_query("司马子健", ["body"], rank_field="title_rank")
    with ix.searcher() as searcher:
        alone = {hit["id"]: hit.score for hit in searcher.search(words, limit=None)}
        behind_filter = And([words, Term("allowed", "a", boost=0.0)])
        filtered = {hit["id"]: hit.score for hit in searcher.search(behind_filter, limit=None)}
    assert filtered == {"150": alone["150"]}


@pytest.mark.parametrize(("text", "message"), [
    ("的 " * 250, "查询过长：最多 200 个字符，这次有 500 个。"),
    (" ".join(f"词{i}" for i in range(17)), "查询词过多：最多 16 个词或短语，这次有 17 个。"),
])
def test_a_query_past_the_cost_bound_is_refused_before_any_engine_runs_it(text: str, message: str) -> None:
    with pytest.raises(QueryError) as refused:
        parse_query(text, FIELDS)
    assert str(refused.value) == message


def test_a_query_at_the_cost_bound_is_searched(searcher) -> None:
    assert search(searcher, " OR ".join(["张三"] * 16)) == containing("张三")
