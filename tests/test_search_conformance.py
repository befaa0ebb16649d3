"""The conformance suite every archive search engine passes: over a generated corpus in a real index
of each engine (Whoosh and tantivy), exact hit sets, exact facets, permissions, sorting, paging,
snippets and clear errors.

The corpus (tests/search_corpus.py) is built as document views, the shape ``Service.show``
returns, and its ground truth is computed from what was generated, not from ``search.records``:
a document contains a word when one of its titles, field values, comments, attachment texts,
actor names or its place does, after folding. Every recall/precision test asserts the hit set
equals the truth set, which is recall = precision = 1.0, and that the truth is neither empty nor
the whole corpus, so the equality says something.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date

import pytest

from search.analysis import fold
from search.criteria import Criteria
from search.engine import ENGINES, Engine, open_engine, rebuild
from search.extract import BlobText
from search.page import Page
from search.permissions import PUBLIC, principal_tokens
from search.query import QueryError
from search.records import records_for
from search.request import plan
from tests.search_corpus import SMALL, Corpus, Document, blob_reader, generate, load_registry
from workflow.engine import guards
from workflow.people.directory import Principal

HTML_DOC_ID = 10_000


def _person(role: str, place_id: int) -> Principal:
    return Principal(1, f"{role}_{place_id}", "测试", ((role, place_id, ""),))


ARCHIVIST = principal_tokens(_person("archivist", 1))


def _labels(corpus: Corpus) -> str:
    """Every label a record carries besides its content; test words must not occur in them."""
    parts = set()
    for doc in corpus.documents:
        wf = doc.workflow
        parts |= {wf.title, *(s.title for s in wf.states.values()), wf.start.title}
        parts |= {t.title for t in wf.transitions.values()}
        parts |= {item.title for item in wf.support.catalogue.items.values()}
        parts |= {step.role_title for step in doc.view.history}
    return fold(" ".join(parts))


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Corpus:
    registry = load_registry(tmp_path_factory.mktemp("definitions"))
    corpus = generate(registry, 240)
    extra = generate(registry, 1, seed=5)
    corpus.blobs.update(extra.blobs)
    corpus.attachment_texts.update(extra.attachment_texts)
    html = extra.documents[0]
    html.texts[-2] = "<script>alert(1)</script>张三 & 李四"
    html.view = replace(html.view, id=HTML_DOC_ID, title=html.texts[-2])
    corpus.documents.append(html)
    return corpus


@pytest.fixture(scope="module", params=ENGINES)
def index(request: pytest.FixtureRequest, corpus: Corpus, tmp_path_factory: pytest.TempPathFactory) -> Engine:
    """Each engine's index, half of it built in one pass and half written in batches as the feed does."""
    path = tmp_path_factory.mktemp(f"index-{request.param}") / "index"
    text_of = BlobText(blob_reader(corpus.blobs))
    half = len(corpus.documents) // 2
    rebuild(path, (records_for(*doc.loaded, text_of) for doc in corpus.documents[:half]), request.param)
    archive = open_engine(path)
    assert archive.name == request.param
    rest = corpus.documents[half:]
    for start in range(0, len(rest), 50):
        archive.write((doc.id, records_for(*doc.loaded, text_of)) for doc in rest[start:start + 50])
    return archive


def search(index: Engine, criteria: Criteria, principals: list[str], page: int = 1, page_size: int = 20,
           facets: bool = True) -> Page:
    return index.search(plan(criteria, principals, page, page_size, facets))


def _all(index: Engine, criteria: Criteria, principals: list[str]) -> list:
    """Every hit of every page."""
    hits, page = [], 1
    while True:
        result = search(index, criteria, principals, page=page, page_size=100, facets=False)
        hits += result.hits
        if page >= result.pages:
            return hits
        page += 1


def _found(index: Engine, criteria: Criteria, principals: list[str] = ARCHIVIST) -> set[int]:
    return {hit.doc_id for hit in _all(index, criteria, principals)}


def _containing(corpus: Corpus, word: str) -> set[int]:
    folded = fold(word)
    return {doc.id for doc in corpus.documents if any(folded in fold(text) for text in doc.texts if text)}


def _assert_exact(found: set[int], truth: set[int], corpus: Corpus) -> None:
    assert 0 < len(truth) < len(corpus.documents)
    assert found == truth


@pytest.mark.parametrize("name", ["张三", "张三丰", "李秀英", "欧阳春华", "王建国"])
def test_person_name_finds_exactly_the_documents_naming_them(index, corpus, name: str) -> None:
    assert fold(name) not in _labels(corpus)
    _assert_exact(_found(index, Criteria(query=name)), _containing(corpus, name), corpus)


@pytest.mark.parametrize("village", ["石门坎村", "石门村", "桃园村"])
def test_village_finds_documents_of_and_mentioning_it(index, corpus, village: str) -> None:
    _assert_exact(_found(index, Criteria(query=village)), _containing(corpus, village), corpus)


@pytest.mark.parametrize("term", ["危房改造", "道路硬化", "宅基地", "资产处置"])
def test_term_finds_exactly_the_documents_containing_it(index, corpus, term: str) -> None:
    assert fold(term) not in _labels(corpus)
    _assert_exact(_found(index, Criteria(query=term)), _containing(corpus, term), corpus)


@pytest.mark.parametrize("phrase", ["集体资产处置方案", "公示期内无异议", "村民代表会议表决通过"])
def test_quoted_phrase_finds_exactly_the_documents_containing_it(index, corpus, phrase: str) -> None:
    _assert_exact(_found(index, Criteria(query=f"“{phrase}”")), _containing(corpus, phrase), corpus)


def test_simplified_query_finds_traditional_records(index, corpus) -> None:
    truth = _containing(corpus, "危房改造")
    traditional = {doc.id for doc in corpus.documents if doc.traditional} & truth
    assert traditional
    assert traditional <= _found(index, Criteria(query="危房改造"))


def test_traditional_query_finds_exactly_what_its_simplified_form_finds(index, corpus) -> None:
    _assert_exact(_found(index, Criteria(query="張三")), _containing(corpus, "张三"), corpus)


def test_text_inside_pdf_attachment_is_found(index, corpus) -> None:
    digest, text = next((d, t) for d, t in corpus.attachment_texts.items()
                        if t and corpus.blobs[d].startswith(b"%PDF"))
    owner = next(doc.id for doc in corpus.documents
                 for step in doc.view.history for a in step.attachments if a.sha256 == digest)
    found = _found(index, Criteria(query=f'"{text}"'))
    assert owner in found
    assert found == _containing(corpus, text)


def test_words_must_all_occur(index, corpus) -> None:
    truth = _containing(corpus, "张三") & _containing(corpus, "危房改造")
    _assert_exact(_found(index, Criteria(query="张三 危房改造")), truth, corpus)


def test_excluded_word_removes_its_documents(index, corpus) -> None:
    truth = _containing(corpus, "危房改造") - _containing(corpus, "张三")
    _assert_exact(_found(index, Criteria(query="危房改造 -张三")), truth, corpus)


@pytest.mark.parametrize("first, last", [(date(2021, 1, 1), date(2021, 12, 31)), (date(2023, 6, 1), None),
                                          (None, date(2019, 6, 30)), (date(2022, 6, 1), date(2022, 6, 1))])
def test_date_range_finds_documents_whose_life_overlaps_it(index, corpus, first, last) -> None:
    def overlaps(doc: Document) -> bool:
        start, end = doc.local_days()
        return (last is None or start <= last) and (first is None or end >= first)

    truth = {doc.id for doc in corpus.documents if overlaps(doc)}
    _assert_exact(_found(index, Criteria(date_from=first, date_to=last)), truth, corpus)


def test_date_range_uses_the_local_calendar(index, corpus) -> None:
    doc = next(doc for doc in corpus.documents if doc.view.created_at.hour >= 16)
    local_day = doc.local_days()[0]
    assert local_day != doc.view.created_at.date()
    assert doc.id in _found(index, Criteria(date_from=local_day, date_to=local_day))


def test_date_range_combines_with_words(index, corpus) -> None:
    in_2022 = {doc.id for doc in corpus.documents
               if doc.local_days()[0] <= date(2022, 12, 31) and doc.local_days()[1] >= date(2022, 1, 1)}
    truth = in_2022 & _containing(corpus, "张三")
    found = _found(index, Criteria(query="张三", date_from=date(2022, 1, 1), date_to=date(2022, 12, 31)))
    _assert_exact(found, truth, corpus)


@pytest.mark.parametrize("criteria, keep", [
    (Criteria(place="石马山镇"), lambda d: SMALL.villages[d.village][1] == "石马山镇"),
    (Criteria(place="涟源市/桥头河镇/石门村"), lambda d: d.village == "石门村"),
    (Criteria(definition="F21"), lambda d: d.workflow.id == "test_dibao"),
    (Criteria(definition="test_works"), lambda d: d.workflow.id == "test_works"),
    (Criteria(state="公示中"), lambda d: d.view.state_title == "公示中"),
    (Criteria(state="issued"), lambda d: d.view.state == "issued"),
    (Criteria(item="A02"), lambda d: "A02" in d.workflow.chart.items),
    (Criteria(category="便民服务类"), lambda d: d.workflow.id in ("test_dibao", "test_certificate")),
    (Criteria(person="张三"), lambda d: "张三" in d.persons),
    (Criteria(actor="vc_chair_12"), lambda d: any(s.actor == "vc_chair_12" for s in d.view.history)),
    (Criteria.build(amount_min="500000", amount_max="800000"),
     lambda d: 500000 <= max([float(v) for k, v in d.view.data.items()
                              if d.workflow.field_spec(k).type == "amount"] or [0]) <= 800000),
], ids=["township", "village-path", "code", "flowchart-id", "state-title", "state-id", "item", "category",
        "person", "actor", "amount"])
def test_field_filter_keeps_exactly_the_matching_documents(index, corpus, criteria: Criteria, keep) -> None:
    _assert_exact(_found(index, criteria), {doc.id for doc in corpus.documents if keep(doc)}, corpus)


def test_person_filter_matches_traditional_spelling_of_the_name(index, corpus) -> None:
    truth = {doc.id for doc in corpus.documents if "张三" in doc.persons}
    assert _found(index, Criteria(person="張三")) == truth


def test_filter_combines_with_words(index, corpus) -> None:
    truth = {doc.id for doc in corpus.documents if doc.village == "桃园村"} & _containing(corpus, "危房改造")
    _assert_exact(_found(index, Criteria(query="危房改造", place="桃园村")), truth, corpus)


def test_facet_counts_are_exact(index, corpus) -> None:
    truth = [doc for doc in corpus.documents if doc.id in _containing(corpus, "危房改造")]
    page = search(index, Criteria(query="危房改造"), ARCHIVIST)
    facets = {name: {value.key: value.count for value in values} for name, values in page.facets.items()}
    assert page.total == len(truth)
    assert facets["village"] == Counter(SMALL.path(doc.village) for doc in truth)
    assert facets["item"] == Counter(item for doc in truth for item in doc.workflow.chart.items)
    assert facets["state"] == Counter(doc.view.state_title for doc in truth)
    assert facets["year"] == Counter(str(doc.local_days()[0].year) for doc in truth)


def test_facet_labels_name_the_village_and_the_item(index) -> None:
    page = search(index, Criteria(place="石门坎村", definition="F02"), ARCHIVIST)
    assert [value.label for value in page.facets["village"]] == ["石门坎村"]
    assert {value.label for value in page.facets["item"]} == {"村级工程项目建设", "村集体资产资源处置"}


def test_pages_cover_every_hit_once(index, corpus) -> None:
    hits = _all(index, Criteria(query="村务公开"), ARCHIVIST)
    ids = [hit.doc_id for hit in hits]
    assert len(ids) == len(set(ids)) == len(_containing(corpus, "村务公开"))


def test_page_reports_total_and_page_count(index, corpus) -> None:
    page = search(index, Criteria(query="村务公开"), ARCHIVIST, page=2, page_size=7)
    total = len(_containing(corpus, "村务公开"))
    assert (page.total, page.pages, page.page, len(page.hits)) == (total, -(-total // 7), 2, 7)


@pytest.mark.parametrize("sort", ["date_desc", "date_asc"])
def test_sort_by_date_orders_every_hit(index, sort: str) -> None:
    dates = [hit.date for hit in _all(index, Criteria(query="张三", sort=sort), ARCHIVIST)]
    assert dates == sorted(dates, reverse=sort == "date_desc")


def test_relevance_ranks_a_title_match_first(index, corpus) -> None:
    page = search(index, Criteria(query="道路硬化"), ARCHIVIST, page_size=1)
    assert "道路硬化" in fold(page.hits[0].title)


def _visible(corpus: Corpus, person: Principal) -> set[int]:
    return {doc.id for doc in corpus.documents
            if guards.can_view(doc.workflow, doc.view.state, person, frozenset(p.id for p in doc.chain))}


@pytest.mark.parametrize("role, place_id", [
    ("party_secretary", 11), ("vc_member", 12), ("township_civil", 3), ("county_housing", 1), ("archivist", 1),
], ids=["secretary-of-石门坎村", "committee-member-of-桃园村", "township-civil-affairs", "county-housing",
        "archivist"])
def test_search_shows_exactly_what_the_guards_let_a_person_view(index, corpus, role: str, place_id: int) -> None:
    person = _person(role, place_id)
    truth = _visible(corpus, person)
    assert 0 < len(truth)
    assert _found(index, Criteria(), principal_tokens(person)) == truth


def test_village_cadre_sees_nothing_of_another_village(index, corpus) -> None:
    tokens = principal_tokens(_person("party_secretary", 11))
    others = {doc.id for doc in corpus.documents if doc.village != "石门坎村"}
    assert others
    assert _found(index, Criteria(query="张三"), tokens).isdisjoint(others)


def test_flowchart_view_list_hides_documents_from_roles_not_on_it(index, corpus) -> None:
    tokens = principal_tokens(_person("vc_member", 12))
    dibao = {doc.id for doc in corpus.documents if doc.workflow.id == "test_dibao" and doc.village == "桃园村"}
    assert dibao
    assert _found(index, Criteria(definition="F21"), tokens) == set()


def test_state_view_list_hides_documents_in_that_state(index, corpus) -> None:
    proposed = {doc.id for doc in corpus.documents if doc.view.state == "proposed" and doc.village == "桃园村"}
    assert proposed
    assert _found(index, Criteria(place="桃园村"), principal_tokens(_person("vc_member", 12))).isdisjoint(proposed)


def test_public_sees_only_documents_with_something_disclosed(index, corpus) -> None:
    truth = {doc.id for doc in corpus.documents
             if any(doc.workflow.states[s.to_state].disclose for s in doc.view.history)}
    hits = _all(index, Criteria(), [PUBLIC])
    assert {hit.kind for hit in hits} == {"public"}
    _assert_exact({hit.doc_id for hit in hits}, truth, corpus)


def test_public_cannot_find_an_undisclosed_id_card_number(index, corpus) -> None:
    doc = next(doc for doc in corpus.documents if doc.view.state == "issued")
    number = doc.view.data["applicant_id"]
    assert _found(index, Criteria(query=number)) == {doc.id}
    assert _found(index, Criteria(query=number), [PUBLIC]) == set()


def test_public_record_shows_the_disclosed_id_card_masked(index, corpus) -> None:
    doc = next(doc for doc in corpus.documents if doc.view.state == "issued")
    number = doc.view.data["applicant_id"]
    hits = _all(index, Criteria(place=doc.village, definition="F31", state="issued"), [PUBLIC])
    snippet = next(hit.snippet_html for hit in hits if hit.doc_id == doc.id)
    assert f"{number[:4]}{'*' * 10}{number[-4:]}" in snippet
    assert number not in snippet


def test_public_cannot_find_text_the_definitions_do_not_disclose(index, corpus) -> None:
    certificates = {doc.id for doc in corpus.documents if doc.workflow.id == "test_certificate"}
    assert _found(index, Criteria(query="“公示期内无异议”")) & certificates
    assert _found(index, Criteria(query="“公示期内无异议”"), [PUBLIC]) & certificates == set()


def test_no_principals_sees_nothing(index) -> None:
    page = search(index, Criteria(query="张三"), [])
    assert (page.total, page.hits) == (0, [])


def test_step_search_finds_the_steps_a_person_took(index, corpus) -> None:
    hits = _all(index, Criteria(kind="step", actor="vc_chair_12"), ARCHIVIST)
    truth = {(doc.id, step.seq) for doc in corpus.documents for step in doc.view.history
             if step.actor == "vc_chair_12"}
    assert truth
    assert {(hit.doc_id, hit.seq) for hit in hits} == truth


def test_step_search_is_limited_by_the_document_permissions(index, corpus) -> None:
    tokens = principal_tokens(_person("party_secretary", 11))
    hits = _all(index, Criteria(kind="step", query="张三"), tokens)
    assert hits
    assert {corpus.by_id()[hit.doc_id].village for hit in hits} == {"石门坎村"}


def test_snippet_marks_the_phrase_that_matched(index) -> None:
    page = search(index, Criteria(query="危房改造"), ARCHIVIST, page_size=5)
    assert all('<mark class="hit term0">危房改造</mark>' in hit.snippet_html + hit.title_html
               for hit in page.hits)


def test_snippet_does_not_mark_excluded_words(index) -> None:
    page = search(index, Criteria(query="危房改造 -张三丰"), ARCHIVIST, page_size=20)
    assert not any(">张三" in hit.snippet_html for hit in page.hits)


def test_title_is_html_escaped_and_highlighted(index) -> None:
    hit = next(h for h in _all(index, Criteria(query="李四"), ARCHIVIST) if h.doc_id == HTML_DOC_ID)
    assert hit.title_html == ('&lt;script&gt;alert(1)&lt;/script&gt;张三 &amp; '
                              '<mark class="hit term0">李四</mark>')


@pytest.mark.parametrize("text, message", [
    ("“张三", "引号不配对"),
    ("-张三", "只有排除词"),
    ("张三 OR", "“OR”后面缺少查询词"),
    ("，。", "没有可检索的文字"),
])
def test_malformed_query_raises_a_clear_message(index, text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        search(index, Criteria(query=text), ARCHIVIST)


def test_page_number_below_one_is_refused(index) -> None:
    with pytest.raises(QueryError, match="页码须为正整数"):
        search(index, Criteria(query="张三"), ARCHIVIST, page=0)


def test_page_dict_is_json_ready(index) -> None:
    page = search(index, Criteria(query="张三"), ARCHIVIST, page_size=1)
    data = page.to_dict()
    assert isinstance(page, Page)
    assert (data["total"], data["hits"][0]["doc_id"]) == (page.total, page.hits[0].doc_id)


def test_index_versions_match_the_documents(index, corpus) -> None:
    assert index.versions() == {doc.id: doc.view.version for doc in corpus.documents}
