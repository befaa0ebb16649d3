"""Typed field values: what a cadre types becomes a canonical value, or a message naming the field."""
from __future__ import annotations

import pytest

from workflow.engine.fields import FieldValueError, mask, parse, valid_id_card
from workflow.engine.schema import FieldSpec


def spec(kind: str, **extra) -> FieldSpec:
    return FieldSpec(name="f", title="字段", type=kind, **extra)


def test_amount_is_stored_with_two_decimals() -> None:
    assert parse(spec("amount"), "85,000元") == "85000.00"


def test_amount_with_fractions_of_a_fen_is_refused() -> None:
    with pytest.raises(FieldValueError) as bad:
        parse(spec("amount"), "1.005")
    assert str(bad.value) == "字段“字段”（f）：金额最多保留两位小数（分）"


def test_float_amount_is_refused() -> None:
    with pytest.raises(FieldValueError):
        parse(spec("amount"), 1.5)


def test_tally_accepts_chinese_labels() -> None:
    assert parse(spec("tally"), "应到=30,实到=25,赞成=20,反对=3,弃权=2") == {
        "expected": 30, "present": 25, "yes": 20, "no": 3, "abstain": 2}


def test_tally_accepts_five_numbers() -> None:
    assert parse(spec("tally"), "30/25/20/3/2")["present"] == 25


def test_tally_with_more_present_than_expected_is_refused() -> None:
    with pytest.raises(FieldValueError) as bad:
        parse(spec("tally"), "30/31/20/3/2")
    assert str(bad.value).endswith("实到人数不能多于应到人数")


def test_tally_with_more_votes_than_present_is_refused() -> None:
    with pytest.raises(FieldValueError) as bad:
        parse(spec("tally"), "30/25/20/5/2")
    assert str(bad.value).endswith("赞成、反对、弃权合计不能多于实到人数")


def test_id_card_checksum_is_verified() -> None:
    good = valid_id_card("43138119800101001")
    assert parse(spec("id_card"), good.lower()) == good
    with pytest.raises(FieldValueError):
        parse(spec("id_card"), good[:-1] + ("0" if good[-1] != "0" else "1"))


def test_date_must_be_iso() -> None:
    assert parse(spec("date"), "2026-03-02") == "2026-03-02"
    with pytest.raises(FieldValueError):
        parse(spec("date"), "2026年3月2日")


def test_choice_outside_options_is_refused() -> None:
    with pytest.raises(FieldValueError):
        parse(spec("choice", options=("比选", "竞标")), "指定")


def test_boolean_accepts_chinese() -> None:
    assert (parse(spec("boolean"), "是"), parse(spec("boolean"), "否")) == (True, False)


def test_text_is_nfc_normalised_and_stripped() -> None:
    assert parse(spec("text"), "  Cafe\u0301 ") == "Café"


def test_control_characters_are_refused() -> None:
    with pytest.raises(FieldValueError):
        parse(spec("text"), "abc\x00def")


def test_public_masks_id_card_and_phone() -> None:
    assert mask("id_card", "431381198001010019") == "4313**********0019"
    assert mask("phone", "13800138000") == "138****8000"
    assert mask("text", "张三") == "张三"
