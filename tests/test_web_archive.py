"""The clerk's archive: search with highlighted snippets, facets and filters, only over what the person
may see, and queries to correct answered with the reason."""
from __future__ import annotations

import re
from typing import Iterator

import pytest

from tests.web_support import Site, form_data, index_county, make_site, page_token, site  # noqa: F401
from web import searching
from workflow.engine.registry import Registry


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Iterator[Site]:
    site = make_site(tmp_path_factory.mktemp("archive"), registry)
    site.start_decision(title="修建<script>alert(1)</script>村组道路", matter="修建二组至三组村组道路")
    site.start_decision(title="新建村级文化广场", matter="新建文化广场")
    site.start_decision(title="硬化三组通组道路", matter="硬化三组通组道路")
    index_county(site)
    yield site
    site.close()


def titles(html: str) -> list[str]:
    return re.findall(r'<a class="title"[^>]*>(.*?)</a>', html)


def test_words_are_found_and_highlighted(archive: Site) -> None:
    html = archive.client("archivist").get("/archive/?q=道路&sort=date_asc").get_data(as_text=True)
    assert re.search(r'id="total">共 2 条<', html)
    assert titles(html) == ['修建&lt;script&gt;alert(1)&lt;/script&gt;村组<mark class="hit term0">道路</mark>',
                            '硬化三组通组<mark class="hit term0">道路</mark>']


def test_facets_count_the_matches(archive: Site) -> None:
    html = archive.client("archivist").get("/archive/?q=道路").get_data(as_text=True)
    village = html[html.index('data-facet="village"'):]
    assert re.search(r'>石门坎村</a> <span class="muted">2</span>', village)
    assert 'href="?q=%E9%81%93%E8%B7%AF&amp;place=%E6%B6%9F%E6%BA%90%E5%B8%82%2F%E7%9F%B3%E9%A9%AC%E5%B1%B1' \
           '%E9%95%87%2F%E7%9F%B3%E9%97%A8%E5%9D%8E%E6%9D%91"' in village


def test_filters_narrow_the_results(archive: Site) -> None:
    html = archive.client("archivist").get("/archive/?q=道路&person=不存在的人").get_data(as_text=True)
    assert re.search(r'id="total">共 0 条<', html)


def test_a_cadre_of_another_village_finds_nothing_here(archive: Site) -> None:
    html = archive.client("outsider_village").get("/archive/?q=道路").get_data(as_text=True)
    assert re.search(r'id="total">共 0 条<', html)


def test_a_query_to_correct_is_answered_with_the_reason(archive: Site) -> None:
    response = archive.client("archivist").get('/archive/?q="道路')
    assert response.status_code == 400
    assert "引号不配对：第 1 个字符 &#34; 没有对应的右引号。" in response.get_data(as_text=True)


def test_archive_needs_a_login(archive: Site) -> None:
    response = archive.client().get("/archive/?q=道路")
    assert (response.status_code, response.headers["Location"]) == (
        302, "/login?next=%2Farchive%2F%3Fq%3D%E9%81%93%E8%B7%AF")


def test_a_step_taken_on_the_web_is_searchable_at_once(site: Site) -> None:
    doc_id = site.start_decision()
    index_county(site)
    client = site.client("party_secretary")
    response = client.post(f"/documents/{doc_id}/steps/d_consult", content_type="multipart/form-data",
                           data=form_data("d_consult", page_token(client, f"/documents/{doc_id}"),
                                          {"consult_minutes": "同意修建二组机耕桥"}, {"consult_tally": (7, 7, 6, 1, 0)},
                                          {"consult_record": ("记录.txt", "记录".encode())}))
    assert response.status_code == 302
    html = client.get("/archive/?q=机耕桥").get_data(as_text=True)
    assert re.findall(r'<li class="hit" data-doc="(\d+)">', html) == [str(doc_id)]


def test_the_server_catches_the_index_up_in_the_background(site: Site) -> None:
    doc_id = site.start_decision(title="修建村部围墙")
    searching.start_catching_up(site.app).join(timeout=60)
    html = site.client("archivist").get("/archive/?q=围墙").get_data(as_text=True)
    assert re.findall(r'<li class="hit" data-doc="(\d+)">', html) == [str(doc_id)]


def test_a_search_can_be_saved_and_run_again(archive: Site) -> None:
    client = archive.client("archivist")
    response = client.post("/archive/saved", data={"csrf_token": page_token(client, "/archive/?q=道路"),
                                                   "name": "村组道路", "q": "道路", "definition": "F01"})
    assert response.status_code == 302
    html = client.get("/archive/").get_data(as_text=True)
    saved_id = re.search(r'href="/archive/\?saved=(\d+)">村组道路</a>', html).group(1)
    rerun = client.get(f"/archive/?saved={saved_id}").get_data(as_text=True)
    assert re.search(r'id="total">共 2 条<', rerun)
    assert 'id="q" name="q" value="道路"' in rerun


def test_another_persons_saved_search_is_not_found(archive: Site) -> None:
    owner = archive.client("archivist")
    owner.post("/archive/saved", data={"csrf_token": page_token(owner, "/archive/"), "name": "我的", "q": "广场"})
    saved_id = re.search(r'\?saved=(\d+)">我的<', owner.get("/archive/").get_data(as_text=True)).group(1)
    assert archive.client("auditor").get(f"/archive/?saved={saved_id}").status_code == 404
