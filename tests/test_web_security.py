"""The web application's defences, each checked on the server: CSRF, scope, escaping, uploads, the
portal's disclosure rules, lockout and cookies."""
from __future__ import annotations

from flask import url_for

from tests.conftest import PASSWORD
from tests.web_support import Site, form_data, login, page_token, site, token  # noqa: F401

CONSULT_FIELDS = {"consult_minutes": "同意提交党员大会审议"}
CONSULT_TALLY = {"consult_tally": (7, 7, 6, 1, 0)}
RECORD = {"consult_record": ("两委会议记录.txt", "会议记录".encode())}


def consult(site: Site, doc_id: int, client, **overrides) -> object:
    csrf = page_token(client, f"/documents/{doc_id}")
    data = form_data("d_consult", csrf, CONSULT_FIELDS, CONSULT_TALLY, RECORD, **overrides)
    return client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")


def test_step_without_csrf_token_is_refused(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    data = form_data("d_consult", "", CONSULT_FIELDS, CONSULT_TALLY, RECORD)
    del data["d_consult-csrf_token"]
    response = client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "安全令牌" in response.get_data(as_text=True)
    assert site.county.service.show(doc_id).state == "d_proposed"


def test_every_form_is_refused_without_its_csrf_token(site: Site) -> None:
    """Every POST address the application has, not only the ones a test thought of, with a signed-in
    administrator (who may reach them all) posting no token."""
    doc_id = site.start_decision()
    values = {"doc_id": doc_id, "transition": "d_consult", "code": "F01", "saved_id": 1}
    client = site.client("admin")
    with site.app.test_request_context():
        urls = sorted(url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
                      for rule in site.app.url_map.iter_rules() if "POST" in rule.methods)
    answers = {}
    for url in urls:
        response = client.post(url, data={})
        answers[url] = (response.status_code, "安全令牌" in response.get_data(as_text=True))
    assert {"/login", "/logout", f"/documents/{doc_id}/steps/d_consult", "/documents/new/F01", "/audit/verify",
            "/admin/places", "/admin/people", "/admin/grants", "/admin/keys/reissue", "/admin/keys/revoke",
            "/archive/saved"} <= set(answers)
    assert {url: answer for url, answer in answers.items() if answer != (400, True)} == {}
    assert site.county.service.show(doc_id).state == "d_proposed"


def test_login_without_csrf_token_is_refused(site: Site) -> None:
    response = site.client().post("/login", data={"username": "party_secretary", "password": PASSWORD})
    assert response.status_code == 400


def test_cadre_of_another_village_gets_403_on_the_document(site: Site) -> None:
    doc_id = site.start_decision()
    assert site.client("outsider_village").get(f"/documents/{doc_id}").status_code == 403


def test_cadre_of_another_village_gets_403_on_a_step(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("outsider_village")
    csrf = page_token(client, "/")
    data = form_data("d_consult", csrf, CONSULT_FIELDS, CONSULT_TALLY, RECORD)
    response = client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")
    assert response.status_code == 403
    assert len(site.county.service.show(doc_id).history) == 1


def test_cadre_of_another_village_gets_403_on_an_attachment(site: Site) -> None:
    doc_id = site.start_decision()
    assert site.client("outsider_village").get(f"/documents/{doc_id}/files/0/0").status_code == 403


def test_cadre_of_another_village_gets_403_on_the_diagram(site: Site) -> None:
    doc_id = site.start_decision()
    assert site.client("outsider_village").get(f"/documents/{doc_id}/diagram.svg").status_code == 403


def test_attachment_is_served_to_a_cadre_in_scope_as_a_download(site: Site) -> None:
    doc_id = site.start_decision()
    response = site.client("party_secretary").get(f"/documents/{doc_id}/files/0/0")
    assert (response.status_code, response.data) == (200, "初步方案".encode())
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"


def test_script_in_a_title_is_shown_as_text(site: Site) -> None:
    doc_id = site.start_decision(title="<script>alert('标题')</script>修路")
    html = site.client("party_secretary").get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#39;标题&#39;)&lt;/script&gt;修路" in html


def test_script_in_a_comment_is_shown_as_text(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    assert consult(site, doc_id, client, comment='<img src=x onerror="alert(1)">同意').status_code == 302
    html = client.get(f"/documents/{doc_id}").get_data(as_text=True)
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;同意" in html


def test_pages_forbid_inline_script(site: Site) -> None:
    policy = site.client().get("/public/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]


def test_oversized_upload_is_refused(tmp_path, registry) -> None:
    from tests.web_support import make_site
    small = make_site(tmp_path, registry, MAX_CONTENT_LENGTH=64 * 1024)
    try:
        doc_id = small.start_decision()
        client = small.client("party_secretary")
        csrf = page_token(client, f"/documents/{doc_id}")
        data = form_data("d_consult", csrf, CONSULT_FIELDS, CONSULT_TALLY,
                         {"consult_record": ("记录.txt", "记".encode() * 40000)})
        response = client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")
        assert response.status_code == 413
        assert "上传的文件过大" in response.get_data(as_text=True)
        assert small.county.service.show(doc_id).state == "d_proposed"
    finally:
        small.close()


def test_executable_named_pdf_is_refused(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    csrf = page_token(client, f"/documents/{doc_id}")
    data = form_data("d_consult", csrf, CONSULT_FIELDS, CONSULT_TALLY,
                     {"consult_record": ("会议记录.pdf", b"MZ\x90\x00\x03\x00\x00\x00PE\x00\x00")})
    response = client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "附件“会议记录.pdf”的内容与扩展名不符，已拒收" in response.get_data(as_text=True)
    assert site.county.service.show(doc_id).state == "d_proposed"


def test_html_disguised_as_text_is_refused(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    csrf = page_token(client, f"/documents/{doc_id}")
    data = form_data("d_consult", csrf, CONSULT_FIELDS, CONSULT_TALLY,
                     {"consult_record": ("记录.txt", b"<html><script>alert(1)</script></html>")})
    response = client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "附件“记录.txt”的内容与扩展名不符，已拒收" in response.get_data(as_text=True)


def test_svg_upload_is_refused_by_kind(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    csrf = page_token(client, f"/documents/{doc_id}")
    data = form_data("d_consult", csrf, CONSULT_FIELDS, CONSULT_TALLY,
                     {"consult_record": ("图.svg", b"<svg onload='alert(1)'/>")})
    response = client.post(f"/documents/{doc_id}/steps/d_consult", data=data, content_type="multipart/form-data")
    assert response.status_code == 400
    assert "只接受 PDF、PNG、JPEG、DOCX、TXT 文件" in response.get_data(as_text=True)


def test_lockout_after_five_failed_logins_even_with_the_right_password(site: Site) -> None:
    client = site.client()
    for _ in range(5):
        assert login(client, "party_secretary", "wrong-password").status_code == 401
    locked = login(client, "party_secretary", PASSWORD)
    assert locked.status_code == 429
    assert "登录失败次数过多" in locked.get_data(as_text=True)


def test_lockout_ends_after_fifteen_minutes(site: Site) -> None:
    client = site.client()
    for _ in range(5):
        login(client, "party_secretary", "wrong-password")
    site.county.clock.advance(minutes=15, seconds=1)
    assert login(client, "party_secretary", PASSWORD).status_code == 302


def test_wrong_signing_password_is_refused_and_counts_towards_the_lockout(site: Site) -> None:
    doc_id = site.start_decision()
    client = site.client("party_secretary")
    response = consult(site, doc_id, client, password="not-my-password")
    assert response.status_code == 403
    assert "签名密码不正确" in response.get_data(as_text=True)
    assert site.app.extensions["cunwu"].lockout._failures["party_secretary"]
    assert site.county.service.show(doc_id).state == "d_proposed"


def test_session_cookie_is_http_only_and_same_site_lax(site: Site) -> None:
    client = site.client()
    response = login(client, "party_secretary")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_session_cookie_is_secure_outside_tests(tmp_path, registry) -> None:
    from tests.web_support import make_site
    served = make_site(tmp_path, registry, SESSION_COOKIE_SECURE=True)
    try:
        response = login(served.app.test_client(), "party_secretary")
        assert "Secure" in response.headers["Set-Cookie"]
    finally:
        served.close()


def test_logout_ends_the_session(site: Site) -> None:
    client = site.client("party_secretary")
    response = client.post("/logout", data={"csrf_token": page_token(client, "/")})
    assert (response.status_code, response.headers["Location"]) == (302, "/login")
    after = client.get("/")
    assert (after.status_code, after.headers["Location"]) == (302, "/login?next=%2F")


def test_logout_is_refused_as_a_get(site: Site) -> None:
    assert site.client("party_secretary").get("/logout").status_code == 405


def test_next_parameter_cannot_redirect_to_another_site(site: Site) -> None:
    client = site.client()
    page = client.get("/login")
    response = client.post("/login?next=//evil.example/x", data={
        "csrf_token": token(page.get_data(as_text=True)), "username": "party_secretary", "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_administration_is_refused_to_a_cadre(site: Site) -> None:
    assert site.client("party_secretary").get("/admin/").status_code == 403


def test_error_page_is_chinese_without_a_traceback(site: Site) -> None:
    response = site.client("party_secretary").get("/documents/999999")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "没有编号为 999999 的文书" in html and "Traceback" not in html
