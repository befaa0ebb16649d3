"""Administration through the web: people, roles and signing keys, each change refused or made by the
same directory and keyring functions the command line uses."""
from __future__ import annotations

from sqlalchemy import select

from tests.web_support import Site, page_token, site  # noqa: F401
from workflow.store.tables import Place, User, UserKey


def post(site: Site, url: str, **data: str):
    client = site.client("admin")
    return client.post(url, data={"csrf_token": page_token(client, "/admin/"), **data})


def keys_of(site: Site, username: str) -> list[UserKey]:
    with site.county.db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
        return list(s.scalars(select(UserKey).where(UserKey.user_id == user.id).order_by(UserKey.registered_index)))


def test_admin_adds_a_person_with_a_registered_signing_key(site: Site) -> None:
    response = post(site, "/admin/people", username="liqiang", name="李强", password="li-qiang-2026",
                    role="vc_member", place="涟源市/石马山镇/石门坎村")
    assert response.status_code == 302
    assert [(k.revoked_index is None) for k in keys_of(site, "liqiang")] == [True]


def test_a_refused_change_shows_the_directory_reason(site: Site) -> None:
    response = post(site, "/admin/grants", username="vc_member", role="township_reviewer",
                    place="涟源市/石马山镇/石门坎村")
    assert response.status_code == 400
    assert "角色“乡镇审核员”须在乡镇担任，而“石门坎村”是村" in response.get_data(as_text=True)


def test_revoking_a_key_leaves_the_person_without_one(site: Site) -> None:
    assert post(site, "/admin/keys/revoke", username="vc_member", reason="lost").status_code == 302
    assert [k.revoked_reason for k in keys_of(site, "vc_member")] == ["lost"]
    html = site.client("admin").get("/admin/").get_data(as_text=True)
    assert html.count("无有效密钥") == 1


def test_reissuing_a_key_retires_the_old_one_and_sets_the_new_password(site: Site) -> None:
    assert post(site, "/admin/keys/reissue", username="vc_member", password="new-password-1").status_code == 302
    assert [k.revoked_reason for k in keys_of(site, "vc_member")] == ["superseded", None]
    from tests.web_support import login
    assert login(site.app.test_client(), "vc_member", "new-password-1").status_code == 302


def test_admin_adds_a_village_under_a_township(site: Site) -> None:
    response = post(site, "/admin/places", kind="village", name="荷塘村", parent="涟源市/石马山镇")
    assert response.status_code == 302
    with site.county.db.read() as s:
        added = s.scalar(select(Place).where(Place.name == "荷塘村"))
        assert (added.kind, added.path()) == ("village", "涟源市/石马山镇/荷塘村")


def test_admin_grants_a_role_that_the_person_can_use_at_once(site: Site) -> None:
    response = post(site, "/admin/grants", username="vc_member", role="party_secretary",
                    place="涟源市/石马山镇/石门坎村")
    assert response.status_code == 302
    assert site.client("vc_member").get("/documents/new/F01").status_code == 200
