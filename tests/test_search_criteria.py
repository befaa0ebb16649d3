"""Saved searches are criteria in JSON, not engine syntax, and a bad one is a clear message."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest

from search.criteria import Criteria
from search.query import QueryError

FULL = Criteria(query="张三 “危房改造”", place="涟源市/石马山镇", definition="F21", state="公示中", item="C05",
                category="service", person="张三", actor="vc_chair_12", date_from=date(2021, 1, 1),
                date_to=date(2021, 12, 31), amount_min=Decimal("100.50"), amount_max=Decimal("5000"),
                kind="step", sort="date_desc")


def test_json_round_trip_keeps_every_criterion() -> None:
    assert Criteria.from_json(FULL.to_json()) == FULL


def test_json_holds_the_clerks_words_not_engine_syntax() -> None:
    assert '"query": "张三 “危房改造”"' in FULL.to_json()


def test_json_has_a_format_number() -> None:
    assert json.loads(Criteria().to_json())["format"] == 1


def test_build_reads_form_strings() -> None:
    built = Criteria.build(query=" 张三 ", date_from="2021-01-01", amount_max="5,000元", place="")
    assert built == Criteria(query="张三", date_from=date(2021, 1, 1), amount_max=Decimal("5000"))


@pytest.mark.parametrize("text, message", [
    ("not json", "不是有效的 JSON"),
    ('{"format": 9}', "格式不受支持"),
    ('{"format": 1, "colour": "red"}', "未知项：colour"),
    ('{"format": 1, "date_from": "2021-13-01"}', "起始日期“2021-13-01”不是日期"),
    ('{"format": 1, "amount_min": "many"}', "最低金额“many”不是金额"),
    ('{"format": 1, "sort": "random"}', "排序方式"),
])
def test_bad_saved_search_is_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(QueryError, match=message):
        Criteria.from_json(text)


def test_dates_in_the_wrong_order_are_refused() -> None:
    with pytest.raises(QueryError, match="起始日期 2022-01-01 晚于截止日期 2021-01-01"):
        Criteria(date_from=date(2022, 1, 1), date_to=date(2021, 1, 1))


def test_negative_amount_is_refused() -> None:
    with pytest.raises(QueryError, match="最低金额须为非负数"):
        Criteria.build(amount_min="-1")


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(QueryError, match="检索对象"):
        Criteria(kind="attachment")  # type: ignore[arg-type]
