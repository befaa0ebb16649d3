"""Attachment text for the index: the common formats are read, and a bad file is a reason, never
an exception that would stop the indexer."""

from __future__ import annotations

import io
import zipfile

import docx

from search.extract import MAX_BYTES, MAX_CHARS, BlobText, Extracted, extract_text
from tests.search_corpus import pdf_with_text
from workflow.documents.views import AttachmentView

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
SENTENCE = "石门坎村张三危房改造补助已发放。"


def _docx(*paragraphs: str, table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, value in enumerate(row):
                grid.cell(r, c).text = value
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_utf8_text() -> None:
    assert extract_text(SENTENCE.encode("utf-8"), "text/plain") == Extracted(SENTENCE)


def test_utf8_text_with_byte_order_mark() -> None:
    assert extract_text(b"\xef\xbb\xbf" + SENTENCE.encode("utf-8"), "text/plain") == Extracted(SENTENCE)


def test_gb18030_text() -> None:
    assert extract_text(SENTENCE.encode("gb18030"), "text/plain") == Extracted(SENTENCE)


def test_utf16_text() -> None:
    assert extract_text(SENTENCE.encode("utf-16"), "text/plain") == Extracted(SENTENCE)


def test_text_recognised_by_file_name() -> None:
    assert extract_text(SENTENCE.encode("utf-8"), None, "说明.txt") == Extracted(SENTENCE)


def test_pdf_text_layer_in_chinese() -> None:
    assert extract_text(pdf_with_text(SENTENCE), "application/pdf").text.strip() == SENTENCE


def test_pdf_labelled_as_something_else_is_still_read() -> None:
    assert extract_text(pdf_with_text(SENTENCE), "application/octet-stream", "scan").text.strip() == SENTENCE


def test_docx_paragraphs_and_tables() -> None:
    data = _docx("会议纪要", SENTENCE, table=[["姓名", "金额"], ["张三", "5000"]])
    assert extract_text(data, DOCX).text == f"会议纪要\n{SENTENCE}\n姓名 金额\n张三 5000"


def test_damaged_pdf_gives_a_reason() -> None:
    result = extract_text(b"%PDF-1.4 cut short", "application/pdf")
    assert result.text == ""
    assert result.reason is not None and result.reason.startswith("文件已损坏或格式不符")


def test_damaged_docx_gives_a_reason() -> None:
    result = extract_text(b"PK\x03\x04 not a zip", DOCX, "x.docx")
    assert result.text == ""
    assert result.reason is not None and result.reason.startswith("文件已损坏或格式不符")


def test_image_is_not_read() -> None:
    assert extract_text(b"\xff\xd8\xff\xe0jpeg", "image/jpeg", "照片.jpg") == Extracted(
        "", "不读取此类文件的文字（image/jpeg）")


def test_oversized_file_is_not_read() -> None:
    result = extract_text(b"a" * (MAX_BYTES + 1), "text/plain")
    assert result == Extracted("", "文件超过 20 MB，未读取")


def test_long_text_is_cut_with_a_reason() -> None:
    result = extract_text(("村" * (MAX_CHARS + 5)).encode("utf-8"), "text/plain")
    assert (len(result.text), result.reason) == (MAX_CHARS, f"文字过长，只索引了前 {MAX_CHARS} 字")


def test_scanned_pdf_without_text_layer_gives_a_reason() -> None:
    result = extract_text(pdf_with_text(" "), "application/pdf")
    assert result == Extracted("", "PDF 中没有文字层（可能是扫描件，未做文字识别）")


def test_docx_that_inflates_too_far_is_not_parsed() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("word/document.xml", "<w:document/>" + " " * (60 * 1024 * 1024))
    assert extract_text(buffer.getvalue(), DOCX) == Extracted("", "DOCX 解压后过大，未读取")


def test_blob_text_reads_each_blob_once() -> None:
    reads: list[str] = []

    def read(digest: str) -> bytes:
        reads.append(digest)
        return SENTENCE.encode("utf-8")

    text_of = BlobText(read)
    attachment = AttachmentView("other", "a.txt", "ab" * 32, 1, "text/plain")
    assert [text_of(attachment), text_of(attachment)] == [SENTENCE, SENTENCE]
    assert reads == ["ab" * 32]


def test_blob_text_reports_a_missing_blob() -> None:
    def read(digest: str) -> bytes:
        raise FileNotFoundError(digest)

    text_of = BlobText(read)
    assert text_of(AttachmentView("other", "a.txt", "cd" * 32, 1, "text/plain")) == ""
    assert text_of.failures == {"cd" * 32: "附件文件缺失（FileNotFoundError）"}
