"""An upload is accepted only when its bytes are what its name says, in a kind a village office makes."""
from __future__ import annotations

import io
import zipfile

import pytest

from web.uploads import DOCX, JPEG, PDF, PNG, TEXT, UploadRejected, check, clean_name, download_type
from workflow.demo.county import tiny_pdf

LIMIT = 1024 * 1024


def docx() -> bytes:
    """Fixed timestamps, so every pytest-xdist worker collects the same parameters."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, body in (("[Content_Types].xml", "<Types/>"), ("word/document.xml", "<w:document/>")):
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), body)
    return buffer.getvalue()


@pytest.mark.parametrize("name,data,media_type", [
    ("方案.pdf", tiny_pdf("plan"), PDF),
    ("现场.PNG", b"\x89PNG\r\n\x1a\n" + b"\x00" * 16, PNG),
    ("现场.jpeg", b"\xff\xd8\xff\xe0" + b"\x00" * 16, JPEG),
    ("记录.docx", docx(), DOCX),
    ("记录.txt", "两委会议记录".encode(), TEXT),
    ("记录.txt", "两委会议记录".encode("gb18030"), TEXT),
])
def test_office_files_are_accepted_with_the_type_their_bytes_prove(name: str, data: bytes, media_type: str) -> None:
    assert check(name, data, LIMIT).media_type == media_type


@pytest.mark.parametrize("name,data", [
    ("会议记录.pdf", b"MZ\x90\x00\x03"),
    ("照片.png", b"\xff\xd8\xff\xe0"),
    ("记录.docx", b"PK\x03\x04not really a zip"),
    ("记录.txt", b"\x7fELF\x02\x01\x01\x00"),
    ("记录.txt", b"<!DOCTYPE html><p>hi</p>"),
    ("记录.txt", "说明<svg onload=alert(1)>".encode()),
])
def test_disguised_files_are_refused(name: str, data: bytes) -> None:
    with pytest.raises(UploadRejected) as refused:
        check(name, data, LIMIT)
    assert str(refused.value) == f"附件“{name}”的内容与扩展名不符，已拒收"


@pytest.mark.parametrize("name", ["安装.exe", "页面.html", "图.svg", "脚本.js", "无扩展名"])
def test_other_kinds_are_refused_by_name(name: str) -> None:
    with pytest.raises(UploadRejected) as refused:
        check(name, b"anything", LIMIT)
    assert "只接受 PDF、PNG、JPEG、DOCX、TXT 文件" in str(refused.value)


def test_a_file_over_the_limit_is_refused() -> None:
    with pytest.raises(UploadRejected) as refused:
        check("大.txt", b"a" * (LIMIT + 1), LIMIT)
    assert str(refused.value) == "附件“大.txt”超过 1 MB"


def test_file_name_loses_its_path_and_control_characters() -> None:
    assert clean_name("..\\..\\C:\\temp\\会议\x00记录.txt") == "会议记录.txt"
    assert clean_name("../../.bashrc") == "bashrc"


def test_only_harmless_kinds_keep_their_type_on_download() -> None:
    assert [download_type(t) for t in ("application/pdf", "text/html", "image/svg+xml", "text/plain")] == [
        "application/pdf", "application/octet-stream", "application/octet-stream", "text/plain"]
