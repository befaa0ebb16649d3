"""Turning what a person typed into the typed, canonical values a record stores.

Values are stored in JSON-safe canonical forms (amounts as '85000.00' strings, dates as ISO strings,
no floats) so that the signed record later encodes them exactly and identically on every machine.
"""
from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from workflow.engine.schema import FieldSpec
from workflow.errors import InputError

TALLY_KEYS = ("expected", "present", "yes", "no", "abstain")
TALLY_TITLES = {"expected": "应到", "present": "实到", "yes": "赞成", "no": "反对", "abstain": "弃权"}
_TALLY_ALIASES = {**{v: k for k, v in TALLY_TITLES.items()}, **{k: k for k in TALLY_KEYS}}
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
MAX_TEXT = 20000
MAX_AMOUNT = Decimal("100000000000")


class FieldValueError(InputError):
    """A value that does not fit its field's type; the message names the field and the rule."""


def parse(spec: FieldSpec, raw: Any, options: tuple[str, ...] = ()) -> Any:
    """Validate and canonicalise one field value; raises FieldValueError naming the field."""
    label = f"字段“{spec.title}”（{spec.name}）"
    try:
        return _PARSERS[spec.type](raw, options)
    except FieldValueError as exc:
        raise FieldValueError(f"{label}：{exc}") from None


def _text(raw: Any, _options: tuple[str, ...]) -> str:
    if not isinstance(raw, str):
        raise FieldValueError("须为文本")
    value = unicodedata.normalize("NFC", raw).strip()
    if not value:
        raise FieldValueError("不能为空")
    if len(value) > MAX_TEXT:
        raise FieldValueError(f"不能超过 {MAX_TEXT} 字")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in value):
        raise FieldValueError("含有不可见的控制字符")
    return value


def _integer(raw: Any, _options: tuple[str, ...]) -> int:
    if isinstance(raw, bool):
        raise FieldValueError("须为整数")
    if isinstance(raw, int):
        value = raw
    elif isinstance(raw, str) and re.fullmatch(r"-?\d{1,15}", raw.strip()):
        value = int(raw.strip())
    else:
        raise FieldValueError(f"“{raw}”不是整数")
    if abs(value) > 2**53 - 1:
        raise FieldValueError("数值过大")
    return value


def _amount(raw: Any, _options: tuple[str, ...]) -> str:
    if isinstance(raw, bool) or isinstance(raw, float):
        raise FieldValueError("金额请以文本或整数给出，例如 85000 或 85000.50")
    text = str(raw).strip().replace(",", "").replace("，", "")
    text = text.removesuffix("元")
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise FieldValueError(f"“{raw}”不是金额（元）") from None
    if not value.is_finite() or value < 0:
        raise FieldValueError("金额须为非负数")
    if value != value.quantize(Decimal("0.01")):
        raise FieldValueError("金额最多保留两位小数（分）")
    if value >= MAX_AMOUNT:
        raise FieldValueError("金额过大")
    return f"{value:.2f}"


def _date(raw: Any, _options: tuple[str, ...]) -> str:
    if isinstance(raw, date):
        return raw.isoformat()
    try:
        return date.fromisoformat(str(raw).strip()).isoformat()
    except ValueError:
        raise FieldValueError(f"“{raw}”不是日期，格式为 YYYY-MM-DD") from None


def _choice(raw: Any, options: tuple[str, ...]) -> str:
    value = _text(raw, options)
    if value not in options:
        raise FieldValueError(f"“{value}”不在可选项中（{'、'.join(options)}）")
    return value


def _boolean(raw: Any, _options: tuple[str, ...]) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"true", "yes", "1", "是", "y"}:
        return True
    if text in {"false", "no", "0", "否", "n"}:
        return False
    raise FieldValueError(f"“{raw}”不是 是/否")


def _tally(raw: Any, _options: tuple[str, ...]) -> dict[str, int]:
    """Accepts a mapping, JSON, '应到=30,实到=25,赞成=20,反对=3,弃权=2' or '30/25/20/3/2'."""
    if isinstance(raw, str):
        text = raw.strip()
        if text.startswith("{"):
            try:
                raw = json.loads(text)
            except json.JSONDecodeError:
                raise FieldValueError("表决数据不是有效的 JSON") from None
        elif "=" in text:
            raw = {}
            for part in re.split(r"[,，;；\s]+", text):
                if part:
                    key, _, value = part.partition("=")
                    if key.strip() not in _TALLY_ALIASES:
                        raise FieldValueError(f"未知的表决项“{key}”（应为 应到/实到/赞成/反对/弃权）")
                    raw[_TALLY_ALIASES[key.strip()]] = value.strip()
        else:
            parts = [p for p in re.split(r"[/,，\s]+", text) if p]
            if len(parts) != 5:
                raise FieldValueError("表决须给出 应到/实到/赞成/反对/弃权 五个数")
            raw = dict(zip(TALLY_KEYS, parts))
    if not isinstance(raw, Mapping):
        raise FieldValueError("表决数据格式不正确")
    keys = {_TALLY_ALIASES.get(str(k), str(k)) for k in raw}
    unknown = keys - set(TALLY_KEYS)
    if unknown:
        raise FieldValueError(f"未知的表决项：{'、'.join(sorted(unknown))}")
    normalised = {_TALLY_ALIASES.get(str(k), str(k)): v for k, v in raw.items()}
    tally = {}
    for key in TALLY_KEYS:
        if key not in normalised:
            raise FieldValueError(f"缺少“{TALLY_TITLES[key]}”人数")
        try:
            n = _integer(normalised[key], ())
        except FieldValueError:
            raise FieldValueError(f"“{TALLY_TITLES[key]}”须为整数") from None
        if n < 0:
            raise FieldValueError(f"“{TALLY_TITLES[key]}”不能为负数")
        tally[key] = n
    if tally["expected"] == 0:
        raise FieldValueError("应到人数须大于零")
    if tally["present"] > tally["expected"]:
        raise FieldValueError("实到人数不能多于应到人数")
    if tally["yes"] + tally["no"] + tally["abstain"] > tally["present"]:
        raise FieldValueError("赞成、反对、弃权合计不能多于实到人数")
    return tally


def _id_card(raw: Any, _options: tuple[str, ...]) -> str:
    value = str(raw).strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise FieldValueError("身份证号须为 18 位（末位可为 X）")
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise FieldValueError("身份证号中的出生日期无效") from None
    check = _ID_CHECK[sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS)) % 11]
    if value[17] != check:
        raise FieldValueError("身份证号校验位不正确")
    return value


def _phone(raw: Any, _options: tuple[str, ...]) -> str:
    value = str(raw).strip().replace(" ", "")
    if not _PHONE.match(value):
        raise FieldValueError("不是有效的手机号或固定电话")
    return value


_PARSERS = {
    "text": _text, "integer": _integer, "amount": _amount, "date": _date, "choice": _choice,
    "boolean": _boolean, "tally": _tally, "id_card": _id_card, "phone": _phone,
}


def mask(field_type: str, value: Any) -> Any:
    """What the public portal may show of a value: ID-card and phone numbers are masked."""
    if field_type == "id_card" and isinstance(value, str) and len(value) == 18:
        return value[:4] + "*" * 10 + value[-4:]
    if field_type == "phone" and isinstance(value, str) and len(value) >= 7:
        return value[:3] + "*" * (len(value) - 7) + value[-4:]
    return value


def valid_id_card(prefix17: str) -> str:
    """Complete 17 digits with their check character (used to make demo and test data)."""
    return prefix17 + _ID_CHECK[sum(int(d) * w for d, w in zip(prefix17, _ID_WEIGHTS)) % 11]
