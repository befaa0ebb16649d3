"""Coded messages: each guard denial, service refusal and verifier failure has a stable code and its
parameters, reads as its Chinese sentence by default, and has an English sentence in the web catalogue
with the same placeholders."""
from __future__ import annotations

import importlib
import pickle
import pkgutil
import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

import workflow
from workflow.messages import CODES, Code, Message, render

CATALOGUE = Path(__file__).resolve().parent.parent / "web" / "translations" / "en" / "LC_MESSAGES" / "messages.po"
_PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def all_codes() -> dict[str, Code]:
    for module in pkgutil.walk_packages(workflow.__path__, "workflow."):
        if ".migrations" not in module.name and not module.name.endswith("__main__"):
            importlib.import_module(module.name)
    return CODES


def test_every_code_has_an_english_sentence_with_the_same_placeholders() -> None:
    with open(CATALOGUE, "rb") as handle:
        english = {m.id: m.string for m in read_po(handle) if m.id}
    missing = sorted(c.code for c in all_codes().values() if not english.get(c.text))
    assert missing == []
    mismatched = sorted(c.code for c in CODES.values()
                        if sorted(_PLACEHOLDER.findall(c.text)) != sorted(_PLACEHOLDER.findall(english[c.text])))
    assert mismatched == []


def test_codes_name_their_room() -> None:
    rooms = {code.split(".", 1)[0] for code in all_codes()}
    assert rooms == {"guard", "machine", "service", "verify", "bag", "objection", "directory", "voice"}


def test_a_code_is_declared_once() -> None:
    with pytest.raises(ValueError, match="guard.field-required"):
        Code("guard.field-required", "缺少必填项“%(field)s”")


def test_a_message_is_its_chinese_sentence_and_keeps_code_and_parameters() -> None:
    message = Code("test.sample", "文书 %(doc)s 缺少%(span)s步")(doc=7, span=Code("test.span", "第 %(n)s ")(n=2))
    assert (message, message.code, message.params["doc"]) == ("文书 7 缺少第 2 步", "test.sample", 7)
    del CODES["test.sample"], CODES["test.span"]


def test_rendering_translates_the_sentence_and_message_parameters_only() -> None:
    english = {"文书 %(doc)s 的%(part)s": "%(part)s of document %(doc)s", "附件": "the attachment"}
    message = Message("t.outer", "文书 %(doc)s 的%(part)s", {"doc": "甲", "part": Message("t.part", "附件", {})})
    assert message.render(lambda text: english.get(text, text)) == "the attachment of document 甲"
    assert render("未编码的文字", str.upper) == "未编码的文字"


def test_a_message_crosses_process_pipes_whole() -> None:
    message = Message("verify.seq-gap", "文书 %(doc)s 缺少%(span)s步的记录", {"doc": 3, "span": "第 1 "})
    copy = pickle.loads(pickle.dumps(message))
    assert (copy, copy.code, copy.params) == (message, message.code, message.params)
