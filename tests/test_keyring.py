"""People's signing keys: created with the person, sealed under their password, registered, rotated and
revoked only through registrar-signed log entries, on both databases."""
from __future__ import annotations

import base64
import stat
from dataclasses import replace
from pathlib import Path

import pytest
from sqlalchemy import func, select

from tests.conftest import ORIGIN, PASSWORD, TEST_KDF, VILLAGE, County
from workflow import context as app
from workflow.engine import registry as registry_mod
from workflow.errors import CunwuError, InputError, PermissionDenied
from workflow.ledger import log, records
from workflow.ledger.keyring import Keyring
from workflow.ledger.keys import EncryptedKey, decrypt_private_key, key_id
from workflow.ledger.verify import Attachments, verify_database
from workflow.people import directory
from workflow.store.tables import Document, User, UserKey

CERTIFICATE = {"applicant": "张三", "applicant_id": "431381198001010019", "certificate_type": "居住证明",
               "purpose": "子女入学"}


def start_certificate(county: County, password: str = PASSWORD) -> int:
    return county.service.start("village_clerk", "certificate_issuance", VILLAGE, "居住证明", CERTIFICATE,
                                password=password)


def key_row(county: County, username: str) -> UserKey:
    with county.db.read() as s:
        user = s.scalar(select(User).where(User.username == username))
        return s.scalar(select(UserKey).where(UserKey.user_id == user.id, UserKey.revoked_index.is_(None)))


def log_size(county: County) -> int:
    with county.db.read() as s:
        return log.head(s, lock=False).size


def entry(county: County, index: int) -> records.Envelope:
    with county.db.read() as s:
        return records.open_envelope(log.leaf(s, index))


def audit_ok(county: County) -> bool:
    return verify_database(county.db, Attachments(county.home / "blobs"), registry=county.registry).ok


def test_new_person_gets_a_key_sealed_under_their_login_password(county: County) -> None:
    row = key_row(county, "village_clerk")
    sealed = EncryptedKey.from_dict(row.sealed)
    assert decrypt_private_key(sealed, PASSWORD).public_key().public_bytes_raw() == sealed.public_key
    assert (row.key_id, sealed.kdf) == (key_id(sealed.public_key), TEST_KDF)


def test_registration_is_a_log_entry_signed_by_the_registrar(county: County) -> None:
    row = key_row(county, "village_clerk")
    envelope = entry(county, row.registered_index)
    event = envelope.decode()
    assert isinstance(event, records.KeyEvent)
    assert (event.event, event.username, event.name, event.key_id) == ("register", "village_clerk", "村便民服务代办员",
                                                                       row.key_id)
    assert [s.key_id for s in envelope.signatures] == [key_id(county.service.keyring.registrar_public_key)]
    envelope.verify(envelope.signatures[0])


def test_private_key_is_stored_only_sealed(county: County) -> None:
    row = key_row(county, "village_clerk")
    seed = decrypt_private_key(EncryptedKey.from_dict(row.sealed), PASSWORD).private_bytes_raw()
    with county.db.read() as s:
        stored = " ".join(str(r.sealed) for r in s.scalars(select(UserKey)))
        leaves = b"".join(leaf for _, leaf in log.entries(s))
    for spelling in (seed.hex(), base64.b64encode(seed).decode()):
        assert spelling not in stored
        assert spelling.encode() not in leaves
    assert seed not in leaves


def test_wrong_password_on_start_is_refused_and_nothing_is_written(county: County) -> None:
    size = log_size(county)
    with pytest.raises(PermissionDenied) as denied:
        start_certificate(county, password="not-the-password")
    assert str(denied.value) == "用户名或密码不正确"
    with county.db.read() as s:
        assert s.scalar(select(func.count(Document.id))) == 0
    assert log_size(county) == size


def test_wrong_password_on_a_step_is_refused_and_nothing_is_written(county: County) -> None:
    doc_id = start_certificate(county)
    size = log_size(county)
    with pytest.raises(PermissionDenied):
        county.service.step("vc_chair", doc_id, "list_check", {}, password="not-the-password")
    view = county.service.show(doc_id)
    assert (view.state, view.version, log_size(county)) == ("requested", 0, size)


def test_revoked_key_cannot_sign_new_steps(county: County) -> None:
    doc_id = start_certificate(county)
    with county.db.write() as s:
        county.service.keyring.revoke(s, directory.find_user(s, "vc_chair"), "left_office")
    with pytest.raises(PermissionDenied) as denied:
        county.service.step("vc_chair", doc_id, "list_check", {}, password=PASSWORD)
    assert str(denied.value) == "村委会主任（vc_chair）没有有效的签名密钥，请管理员用 cunwu key rotate 重新发放"


def test_revocation_is_logged_and_earlier_signatures_stay_valid(county: County) -> None:
    doc_id = start_certificate(county)
    county.service.step("vc_chair", doc_id, "list_check", {}, password=PASSWORD)
    with county.db.write() as s:
        row = county.service.keyring.revoke(s, directory.find_user(s, "vc_chair"), "left_office")
    event = entry(county, row.revoked_index).decode()
    assert (event.event, event.username, event.key_id, event.reason) == ("revoke", "vc_chair", row.key_id,
                                                                         "left_office")
    assert audit_ok(county)


def test_reissued_key_follows_the_new_password_and_retires_the_old_key(county: County) -> None:
    doc_id = start_certificate(county)
    old = key_row(county, "vc_chair")
    with county.db.write() as s:
        new = directory.reissue_key(s, county.service.keyring, directory.find_user(s, "vc_chair"), "a-new-password")
    event = entry(county, new.registered_index).decode()
    assert (event.event, event.previous_key_id, event.key_id) == ("rotate", old.key_id, new.key_id)
    with pytest.raises(PermissionDenied):
        county.service.step("vc_chair", doc_id, "list_check", {}, password=PASSWORD)
    county.service.step("vc_chair", doc_id, "list_check", {}, password="a-new-password")
    with county.db.read() as s:
        directory.authenticate(s, "vc_chair", "a-new-password")
        assert s.get(UserKey, old.key_id).revoked_reason == "superseded"
    assert audit_ok(county)


def test_rotation_after_revocation_registers_a_fresh_key(county: County) -> None:
    with county.db.write() as s:
        user = directory.find_user(s, "vc_chair")
        county.service.keyring.revoke(s, user, "lost")
        row = county.service.keyring.rotate(s, user, PASSWORD)
    assert entry(county, row.registered_index).decode().event == "register"
    assert audit_ok(county)


def test_second_registration_for_the_same_person_is_refused(county: County) -> None:
    with county.db.write() as s, pytest.raises(InputError):
        county.service.keyring.register(s, directory.find_user(s, "vc_chair"), PASSWORD)


def test_unknown_revocation_reason_is_refused(county: County) -> None:
    with county.db.write() as s, pytest.raises(InputError) as refused:
        county.service.keyring.revoke(s, directory.find_user(s, "vc_chair"), "bored")
    assert str(refused.value) == "吊销原因须为 superseded、lost、left_office、compromised 之一，而不是“bored”"


def test_keys_of_another_installation_are_refused(county: County, tmp_path: Path) -> None:
    stranger = Keyring.create(tmp_path / "elsewhere", ORIGIN)
    with county.db.read() as s, pytest.raises(CunwuError) as refused:
        stranger.check_genesis(s)
    assert str(refused.value) == "数据目录中的签名密钥与数据库中的签名日志不符（创始记录指定了其他密钥）"


def test_server_key_files_are_readable_by_the_owner_only(tmp_path: Path) -> None:
    Keyring.create(tmp_path, ORIGIN)
    assert stat.S_IMODE((tmp_path / "keys").stat().st_mode) == 0o700
    for name in ("log.key", "registrar.key"):
        assert stat.S_IMODE((tmp_path / "keys" / name).stat().st_mode) == 0o600


def test_existing_server_keys_are_never_overwritten(tmp_path: Path) -> None:
    Keyring.create(tmp_path, ORIGIN)
    with pytest.raises(CunwuError):
        Keyring.create(tmp_path, ORIGIN)


def test_init_twice_keeps_one_genesis(tmp_path: Path) -> None:
    app.init(tmp_path, None, ORIGIN).dispose()
    db = app.init(tmp_path, None)
    try:
        with db.read() as s:
            genesis = records.open_envelope(log.leaf(s, 0)).decode()
            kinds = [records.open_envelope(leaf).payload_type for _, leaf in log.entries(s)]
            assert kinds == [records.GENESIS_TYPE] + [records.DEFINITION_TYPE] * len(registry_mod.load().workflows)
    finally:
        db.dispose()
    assert isinstance(genesis, records.Genesis)
    assert (genesis.log_origin, genesis.log_key) == (ORIGIN, Keyring.load(tmp_path).log.vkey)


def test_init_refuses_to_rename_the_log(tmp_path: Path) -> None:
    app.init(tmp_path, None, ORIGIN).dispose()
    with pytest.raises(CunwuError) as refused:
        app.init(tmp_path, None, "cunwu.test/other")
    assert str(refused.value) == f"签名日志已命名为 {ORIGIN}，不能改为 cunwu.test/other"


def test_adding_a_person_signs_their_registration_with_the_keyring_cost(county: County) -> None:
    cheap = replace(county.service.keyring, user_kdf=TEST_KDF)
    with county.db.write() as s:
        directory.add_user(s, county.registry.support, "deputy", "副书记", PASSWORD, "party_secretary", VILLAGE,
                           keyring=cheap)
    assert EncryptedKey.from_dict(key_row(county, "deputy").sealed).kdf == TEST_KDF
    assert county.service.show(start_certificate(county)).state == "requested"
