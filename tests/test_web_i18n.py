"""Chinese by default, English on request and remembered; every message of the web pages has its
English, and the compiled catalogue is the one the .po file says."""
from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from tests.web_support import Site, page_token, site  # noqa: F401

WEB = Path(__file__).resolve().parent.parent / "web"
CATALOGUE = WEB / "translations" / "en" / "LC_MESSAGES"


def test_pages_are_chinese_by_default(site: Site) -> None:
    html = site.client().get("/public/").get_data(as_text=True)
    assert '<html lang="zh-CN">' in html and "<h1>村级小微权力公开</h1>" in html


def test_english_is_chosen_with_lang_and_remembered(site: Site) -> None:
    client = site.client()
    assert "<h1>Village affairs made public</h1>" in client.get("/public/?lang=en").get_data(as_text=True)
    html = client.get("/login").get_data(as_text=True)
    assert '<html lang="en">' in html and "<h1>Cadre sign-in</h1>" in html


def test_form_errors_follow_the_language(site: Site) -> None:
    client = site.client()
    chinese = client.post("/login", data={"csrf_token": page_token(client, "/login"), "username": "vc_chair"})
    client.get("/login?lang=en")
    english = client.post("/login", data={"csrf_token": page_token(client, "/login"), "username": "vc_chair"})
    assert "该字段是必填字段" in chinese.get_data(as_text=True)
    assert "This field is required." in english.get_data(as_text=True)


def test_every_message_has_an_english_translation() -> None:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2")]
    used = {message for _file, _line, message, _comments, _context in
            extract_from_dir(str(WEB), method_map, keywords={"_": None, "_l": None, "gettext": None,
                                                             "lazy_gettext": None})}
    with open(CATALOGUE / "messages.po", "rb") as handle:
        translated = {m.id for m in read_po(handle) if m.id and m.string}
    assert sorted(used - translated) == []


def test_compiled_catalogue_matches_the_po_file() -> None:
    with open(CATALOGUE / "messages.po", "rb") as po, open(CATALOGUE / "messages.mo", "rb") as mo:
        source, compiled = read_po(po), read_mo(mo)
    assert {m.id: m.string for m in source if m.id} == {m.id: m.string for m in compiled if m.id}


def test_refusal_reasons_are_shown_in_english(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("vc_member")
    chinese = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    english = client.get(f"/documents/{doc_id}?lang=en").get_data(as_text=True)
    assert "需要在石门坎村/石马山镇/涟源市担任以下角色之一：村党组织书记" in chinese
    assert "Requires one of these roles at 石门坎村/石马山镇/涟源市: 村党组织书记" in english


def test_a_refused_page_names_the_refusal_in_english(site: Site) -> None:
    doc_id = site.start_decision()
    response = site.client("outsider_village").get(f"/documents/{doc_id}?lang=en")
    assert response.status_code == 403
    assert f"may not view document {doc_id}" in response.get_data(as_text=True)
