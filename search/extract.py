"""The text of an attachment, for the index: plain text, PDF and DOCX; anything else is skipped.

Attachments come from villagers and cadres, so a file may be damaged, encrypted, mislabelled or
hostile. Extraction must never stop the indexer: every failure becomes empty text with a reason
that ``cunwu search --check`` can report, and the work is bounded (bytes read, pages, characters,
uncompressed DOCX size) so one file cannot stall or exhaust the one indexer process.

Text files written on Chinese Windows machines are often GB 18030 (GBK) rather than UTF-8, so
that is tried second; GB 18030 maps nearly every byte sequence, which is why UTF-8 goes first.
"""

from __future__ import annotations

import io
import logging
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from workflow.documents.views import AttachmentView

__all__ = ["BlobText", "Extracted", "MAX_BYTES", "MAX_CHARS", "extract_text"]

MAX_BYTES = 20 * 1024 * 1024
MAX_CHARS = 200_000
MAX_PAGES = 500
MAX_DOCX_XML_BYTES = 50 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_TEXT_TYPES = frozenset({"text/plain", "text/csv", "text/markdown", "text/tab-separated-values"})
_BY_SUFFIX = {".txt": "text/plain", ".csv": "text/csv", ".md": "text/markdown", ".pdf": PDF, ".docx": DOCX}


@dataclass(frozen=True)
class Extracted:
    """The text found, and why there is none (or less than the file holds) when that happens."""

    text: str
    reason: str | None = None


def _kind(data: bytes, media_type: str | None, filename: str) -> str | None:
    """The format to read, trusting the bytes over the label: uploads are often mislabelled."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"PK\x03\x04") and b"word/document.xml" in data:
        return DOCX
    declared = (media_type or "").split(";")[0].strip().lower()
    suffix = filename[filename.rfind(".") :].lower() if "." in filename else ""
    for label in (declared, _BY_SUFFIX.get(suffix)):
        if label in _TEXT_TYPES:
            return "text/plain"
        if label in (PDF, DOCX):
            return label
    return None


def _decode(data: bytes) -> Extracted:
    encodings: tuple[str, ...]
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        encodings = ("utf-16",)
    else:
        encodings = ("utf-8-sig", "gb18030")
    for encoding in encodings:
        try:
            return Extracted(data.decode(encoding))
        except UnicodeDecodeError:
            continue
    return Extracted("", "文本编码无法识别（既不是 UTF-8 也不是 GB18030）")


def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted and not reader.decrypt(""):
        return Extracted("", "PDF 已加密，无法读取文字")
    parts: list[str] = []
    size = 0
    for number, page in enumerate(reader.pages):
        if number == MAX_PAGES or size >= MAX_CHARS:
            return Extracted("\n".join(parts), f"只读取了前 {number} 页")
        text = page.extract_text() or ""
        parts.append(text)
        size += len(text)
    text = "\n".join(parts)
    if not text.strip():
        return Extracted("", "PDF 中没有文字层（可能是扫描件，未做文字识别）")
    return Extracted(text)


def _docx(data: bytes) -> Extracted:
    import docx

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        xml_size = sum(info.file_size for info in archive.infolist() if info.filename.endswith(".xml"))
    if xml_size > MAX_DOCX_XML_BYTES:
        return Extracted("", "DOCX 解压后过大，未读取")
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.append(" ".join(cell.text for cell in row.cells))
    return Extracted("\n".join(part for part in parts if part))


_READERS: dict[str, Callable[[bytes], Extracted]] = {"text/plain": _decode, PDF: _pdf, DOCX: _docx}


def extract_text(data: bytes, media_type: str | None = None, filename: str = "") -> Extracted:
    """The searchable text of one attachment; never raises for a bad file."""
    if len(data) > MAX_BYTES:
        return Extracted("", f"文件超过 {MAX_BYTES // (1024 * 1024)} MB，未读取")
    kind = _kind(data, media_type, filename)
    if kind is None:
        return Extracted("", f"不读取此类文件的文字（{media_type or filename or '未知类型'}）")
    try:
        result = _READERS[kind](data)
    except Exception as exc:  # noqa: BLE001 - parsers of untrusted files raise anything
        logging.getLogger(__name__).info("extract failed for %s: %r", filename, exc)
        return Extracted("", f"文件已损坏或格式不符，无法读取文字（{type(exc).__name__}）")
    if len(result.text) > MAX_CHARS:
        return Extracted(result.text[:MAX_CHARS], f"文字过长，只索引了前 {MAX_CHARS} 字")
    return result


class BlobText:
    """Attachment text by SHA-256, remembered: blobs never change, and a rebuild meets the same
    scan in every step that cites it.

    ``read`` is ``BlobStore.get``. A missing blob is reported like a damaged file, because the
    index must still be built from what the database says.
    """

    def __init__(self, read: Callable[[str], bytes], capacity: int = 256) -> None:
        self._read = read
        self._capacity = capacity
        self._cache: OrderedDict[str, Extracted] = OrderedDict()
        self.failures: dict[str, str] = {}

    def extracted(self, attachment: AttachmentView) -> Extracted:
        digest = attachment.sha256
        if digest in self._cache:
            self._cache.move_to_end(digest)
            return self._cache[digest]
        try:
            data = self._read(digest)
        except OSError as exc:
            result = Extracted("", f"附件文件缺失（{type(exc).__name__}）")
        else:
            result = extract_text(data, attachment.media_type, attachment.filename)
        if result.reason is not None:
            self.failures[digest] = result.reason
        self._cache[digest] = result
        if len(self._cache) > self._capacity:
            self._cache.popitem(last=False)
        return result

    def __call__(self, attachment: AttachmentView) -> str:
        return self.extracted(attachment).text
