"""The folded bigram analyzer keeps the archive's promise: a query finds exactly the records
containing it, in either script. Ground truth is Python's ``in`` on folded text."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from whoosh import fields, index
from whoosh.filedb.filestore import RamStorage
from whoosh.qparser import QueryParser
from whoosh.query import Or, Phrase, Prefix

from search import analysis
from search.analysis import (
    BigramAnalyzer,
    JiebaAnalyzer,
    bigram_field,
    fold,
    ranking_field,
    substring_query,
)

NAMES = ["张三", "张三丰", "张小三", "李四", "李四海", "王五", "欧阳春华", "李秀英"]
VILLAGES = ["石门坎村", "石门村", "桃园村", "新建村", "石门坎"]
TERMS = ["危房改造", "农村危房改造", "危房", "房屋改造", "村务公开", "集体资产处置", "低保申请", "宅基地审批"]
TITLES = [
    "关于{village}{name}{term}的报告",
    "{village}{term}公示",
    "{term}（{village}）",
    "{name}同志{term}申请表",
    "{village}第{n}组{term}",
]
SENTENCES = [
    "{village}第{n}组{name}户，{term}补助{amount}元。",
    "经村民代表会议表决，同意{name}的{term}事项。",
    "联系人：{name}，电话138{digits}。",
    "GPS坐标已核实，面积{n}㎡。",
    "{year}年{month}月{day}日 {village}村委会",
    "{name}、{name2}到{village}核查{term}情况。",
    "报乡镇审核，证明材料齐全；{term}资金已拨付。",
]

# Written by hand in Traditional script, so the test does not rely on OpenCC's s2t alone.
HANDWRITTEN = {
    "trad-zhangsan": ("關於石門坎村張三農村危房改造的報告", "區政府：經審核，張三戶符合條件，特此證明。"),
    "trad-zhangsanfeng": ("張三丰宅基地審批公示", "農村宅基地審批，報鎮政府批准，關聯材料另附。"),
    "simp-zhangxiaosan": ("关于石门村张小三危房改造的报告", "张小三户，农村危房改造补助一万元。"),
    "simp-nongcun": ("农村危房改造汇总", "石门坎村张三、李四两户完成农村危房改造。"),
    "scattered": ("房改政策说明", "危房鉴定后需要改造。"),
}


def _fill(template: str, rng: random.Random) -> str:
    return template.format(
        name=rng.choice(NAMES),
        name2=rng.choice(NAMES),
        village=rng.choice(VILLAGES),
        term=rng.choice(TERMS),
        n=rng.randint(1, 15),
        amount=rng.choice([5000, 12000, 30000]),
        digits=rng.randint(10000000, 99999999),
        year=rng.randint(2015, 2025),
        month=rng.randint(1, 12),
        day=rng.randint(1, 28),
    )


def build_corpus(count: int = 300, seed: int = 20261121) -> dict[str, tuple[str, str]]:
    """Generated records, a fifth of them converted to Traditional script, plus HANDWRITTEN."""
    rng = random.Random(seed)
    to_traditional = analysis.opencc.OpenCC("s2t")
    corpus = dict(HANDWRITTEN)
    for number in range(count):
        title = _fill(rng.choice(TITLES), rng)
        body = "".join(_fill(rng.choice(SENTENCES), rng) for _ in range(rng.randint(2, 5)))
        if rng.random() < 0.2:
            title, body = to_traditional.convert(title), to_traditional.convert(body)
        corpus[f"r{number:03d}"] = (title, body)
    return corpus


def make_schema() -> fields.Schema:
    return fields.Schema(
        uid=fields.ID(stored=True, unique=True),
        title=bigram_field(stored=True),
        body=bigram_field(stored=True),
        words=ranking_field(),
    )


CORPUS = build_corpus()
FOLDED = {uid: (fold(title), fold(body)) for uid, (title, body) in CORPUS.items()}


def containing(needle: str) -> set[str]:
    folded = fold(needle)
    return {uid for uid, (title, body) in FOLDED.items() if folded in title or folded in body}


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analysis_index")
    ix = index.create_in(str(path), make_schema())
    with ix.writer() as writer:
        for uid, (title, body) in CORPUS.items():
            writer.add_document(uid=uid, title=title, body=body, words=f"{title} {body}")
    return path


@pytest.fixture(scope="module")
def searcher(index_dir: Path):
    with index.open_dir(str(index_dir)).searcher() as s:
        yield s


def hits(searcher, needle: str) -> set[str]:
    q = Or([substring_query("title", needle), substring_query("body", needle)])
    return {hit["uid"] for hit in searcher.search(q, limit=None)}


def tokens(text: str, **kwargs) -> list[tuple[str, int]]:
    return [(t.text, t.pos) for t in BigramAnalyzer()(text, positions=True, **kwargs)]


# Folding


def test_fold_turns_traditional_into_simplified() -> None:
    assert fold("關於農村危房改造的報告 張三 區政府證明") == "关于农村危房改造的报告 张三 区政府证明"


def test_fold_turns_fullwidth_latin_and_digits_into_lowercase_ascii() -> None:
    assert fold("ＧＰＳ坐标１２３ＶｉＰ") == "gps坐标123vip"


def test_fold_converts_each_character_alone_so_substrings_fold_alike() -> None:
    assert fold("乾隆") == fold("乾") + fold("隆") == "干隆"


def test_fold_is_idempotent_over_all_han_characters() -> None:
    han = "".join(map(chr, [*range(0x3400, 0x4DC0), *range(0x4E00, 0xA000)]))
    once = fold(han)
    assert fold(once) == once


def test_opencc_converter_is_built_once_and_reused(monkeypatch: pytest.MonkeyPatch) -> None:
    converter = analysis._t2s()

    def refuse(*args, **kwargs):
        raise AssertionError("a second OpenCC converter was built")

    monkeypatch.setattr(analysis.opencc, "OpenCC", refuse)
    assert fold("龘鑫") == "龘鑫"
    assert analysis._t2s() is converter


# Tokens


def test_index_tokens_are_bigrams_then_each_runs_last_character() -> None:
    assert tokens("危房改造，张三") == [
        ("危房", 0), ("房改", 1), ("改造", 2), ("造", 3), ("张三", 4), ("三", 5),
    ]


def test_lone_han_character_is_a_unigram_token() -> None:
    assert tokens("第3组") == [("第", 0), ("3", 1), ("组", 2)]


def test_latin_and_digit_runs_are_whole_lowercase_tokens() -> None:
    assert tokens("GPS定位ＶＩＰ 2023-15") == [
        ("gps", 0), ("定位", 1), ("位", 2), ("vip", 3), ("2023", 4), ("15", 5),
    ]


def test_token_offsets_point_into_the_original_text() -> None:
    text = "面积50㎡農村"
    spans = [
        (t.text, text[t.startchar : t.endchar]) for t in BigramAnalyzer()(text, chars=True)
    ]
    assert spans == [("面积", "面积"), ("积", "积"), ("50m2", "50㎡"), ("农村", "農村"), ("村", "村")]


def test_query_mode_drops_only_the_final_runs_last_character() -> None:
    assert tokens("改造，石门坎村", mode="query") == [
        ("改造", 0), ("造", 1), ("石门", 2), ("门坎", 3), ("坎村", 4),
    ]


@pytest.mark.parametrize("text", ["", "，。！—— ……"])
def test_text_without_letters_digits_or_han_yields_no_tokens(text: str) -> None:
    assert tokens(text) == []


def test_untokenized_value_is_one_folded_token() -> None:
    assert tokens("張三 ＡＢ", tokenize=False) == [("张三 ab", 0)]


def test_jieba_analyzer_yields_folded_search_mode_words_without_punctuation() -> None:
    assert [t.text for t in JiebaAnalyzer()("農村危房改造，張三！")] == [
        "农村", "危房", "房改", "改造", "危房改造", "张三",
    ]


# Schema persistence


def test_schema_with_both_analyzers_survives_pickling() -> None:
    schema = make_schema()
    fold("張三")
    assert pickle.loads(pickle.dumps(schema)) == schema


def test_reopened_index_uses_the_unpickled_bigram_analyzer(index_dir: Path) -> None:
    reopened = index.open_dir(str(index_dir))
    assert isinstance(reopened.schema["body"].analyzer, BigramAnalyzer)
    assert isinstance(reopened.schema["words"].analyzer, JiebaAnalyzer)


# Query side


def test_whoosh_query_parser_makes_a_phrase_of_bigrams() -> None:
    parsed = QueryParser("body", make_schema()).parse("石門坎村")
    assert parsed == Phrase("body", ["石门", "门坎", "坎村"])


def test_substring_query_of_one_character_is_a_prefix_over_its_bigrams() -> None:
    assert substring_query("body", "村") == Prefix("body", "村")


def test_substring_query_of_punctuation_only_is_none() -> None:
    assert substring_query("body", "，。") is None


# Recall and precision on the corpus


@pytest.mark.parametrize("name", ["张三", "张三丰", "张小三", "李四", "欧阳春华"])
def test_person_name_finds_exactly_the_records_containing_it(searcher, name: str) -> None:
    assert hits(searcher, name) == containing(name)


def test_name_finds_longer_names_containing_it_but_not_lookalikes(searcher) -> None:
    found = hits(searcher, "张三")
    assert {"trad-zhangsan", "trad-zhangsanfeng", "simp-nongcun"} <= found
    assert "simp-zhangxiaosan" not in found


@pytest.mark.parametrize("village", ["石门坎村", "石门村", "桃园村", "石门坎"])
def test_village_name_finds_exactly_the_records_containing_it(searcher, village: str) -> None:
    assert hits(searcher, village) == containing(village)


def test_shorter_village_name_is_not_found_inside_a_longer_one(searcher) -> None:
    assert "trad-zhangsan" in hits(searcher, "石门坎村")
    assert "trad-zhangsan" not in hits(searcher, "石门村")


def test_bigrams_occurring_apart_do_not_match_the_phrase(searcher) -> None:
    assert "scattered" in hits(searcher, "危房") & hits(searcher, "房改") & hits(searcher, "改造")
    assert "scattered" not in hits(searcher, "危房改造")


@pytest.mark.parametrize("term", ["危房改造", "农村危房改造", "危房", "村务公开", "资产处置"])
def test_term_finds_exactly_the_records_containing_it(searcher, term: str) -> None:
    assert hits(searcher, term) == containing(term)


def test_simplified_query_finds_traditional_records(searcher) -> None:
    found = hits(searcher, "农村危房改造")
    assert found == containing("农村危房改造")
    assert {"trad-zhangsan", "simp-nongcun", "simp-zhangxiaosan"} <= found


def test_traditional_query_finds_simplified_records(searcher) -> None:
    found = hits(searcher, "農村危房改造")
    assert found == containing("农村危房改造")
    assert {"simp-nongcun", "simp-zhangxiaosan"} <= found


@pytest.mark.parametrize("character", ["村", "坎", "三", "區"])
def test_single_character_finds_every_record_containing_it(searcher, character: str) -> None:
    assert hits(searcher, character) == containing(character)


@pytest.mark.parametrize("needle", ["第3组", "坐标已核实，面积"])
def test_mixed_digit_and_punctuated_query_finds_exactly_its_records(searcher, needle: str) -> None:
    assert hits(searcher, needle) == containing(needle)


def _han_runs() -> list[str]:
    return [
        unit.group()
        for texts in FOLDED.values()
        for text in texts
        for unit in analysis._units(text)
        if unit.lastgroup == "cjk"
    ]


HAN_RUNS = _han_runs()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_han_substring_of_a_record_finds_exactly_the_records_containing_it(
    searcher, data: st.DataObject
) -> None:
    run = data.draw(st.sampled_from(HAN_RUNS))
    begin = data.draw(st.integers(0, len(run) - 1))
    needle = run[begin : data.draw(st.integers(begin + 1, min(len(run), begin + 6)))]
    assert hits(searcher, needle) == containing(needle)


ALPHABET = "张三丰李四村石门坎危房改造張農區哈，。 a1"


@settings(max_examples=60, deadline=None)
@given(
    texts=st.lists(st.text(ALPHABET, max_size=14), min_size=1, max_size=6),
    needle=st.text("张三丰李四村石门坎危房改造張農區哈", min_size=1, max_size=4),
)
def test_han_query_matches_exactly_the_texts_containing_it_in_any_text(
    texts: list[str], needle: str
) -> None:
    ix = RamStorage().create_index(fields.Schema(n=fields.STORED, body=bigram_field()))
    with ix.writer() as writer:
        for n, text in enumerate(texts):
            writer.add_document(n=n, body=text)
    with ix.searcher() as s:
        found = {hit["n"] for hit in s.search(substring_query("body", needle), limit=None)}
    assert found == {n for n, text in enumerate(texts) if fold(needle) in fold(text)}


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("张三石门坎村危房改造張門 　，。ａＢ1２_-x\n㎡〇乾隆"), max_size=40))
def test_index_text_gives_tantivy_the_tokens_whoosh_indexes_at_the_same_positions(text: str) -> None:
    assert analysis.index_text(text).split(" ") == [token.text for token in BigramAnalyzer()(text)] or (
        analysis.index_text(text) == "" and not list(BigramAnalyzer()(text)))
