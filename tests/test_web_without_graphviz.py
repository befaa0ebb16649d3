"""`pip install` cannot bring Graphviz's `dot`: without it every page still answers, and shows a short note
where the flowchart would be; only the diagram's own address answers 503."""
from __future__ import annotations

from pathlib import Path

import pytest

from tests.web_support import Site, site  # noqa: F401

NOTE = '<p class="note" id="no-diagram">流程图暂不能显示：服务器未安装 Graphviz。</p>'


@pytest.fixture
def no_dot(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A PATH holding nothing, as on a machine where only pip was run."""
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))


def test_document_page_shows_a_note_instead_of_the_diagram(site: Site, no_dot: None) -> None:
    doc_id = site.start_decision()
    response = site.client("party_secretary").get(f"/documents/{doc_id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NOTE in html
    assert 'id="diagram"' not in html and 'id="form-d_consult"' in html


@pytest.mark.parametrize("path", ["/powers/F01", "/public/powers/F01"])
def test_flowchart_pages_show_a_note_instead_of_the_diagram(site: Site, no_dot: None, path: str) -> None:
    response = site.client("party_secretary").get(path)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert NOTE in html and 'id="diagram"' not in html


def test_diagram_addresses_answer_503_without_dot(site: Site, no_dot: None) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    statuses = [client.get(f"/documents/{doc_id}/diagram.svg").status_code,
                client.get("/public/diagrams/F01.svg").status_code]
    assert statuses == [503, 503]


def test_english_note_without_dot(site: Site, no_dot: None) -> None:
    html = site.client().get("/public/powers/F31?lang=en").get_data(as_text=True)
    assert "The flowchart cannot be shown: Graphviz is not installed on the server." in html
