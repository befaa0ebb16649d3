"""Accepting an uploaded attachment only when its bytes are what its name says.

Attachments are opened later by other cadres and by villagers on the portal, so a file named
会议记录.pdf that is really an executable, an HTML page or an SVG with script is refused here, before
it reaches the signed record. The accepted kinds are the ones a village office produces: scans
(PDF, PNG, JPEG), Word files and plain text (UTF-8, or GB 18030 from Chinese Windows).
"""
from __future__ import annotations

import io
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from flask_babel import gettext as _

from workflow.errors import InputError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"
BY_SUFFIX = {".pdf": PDF, ".png": PNG, ".jpg": JPEG, ".jpeg": JPEG, ".docx": DOCX, ".txt": TEXT}
SAFE_TO_SHOW = frozenset({PDF, PNG, JPEG, "text/plain"})
_MARKUP = re.compile(rb"<\s*(script|html|svg|iframe|object|embed|body|!doctype|\?xml)", re.IGNORECASE)
_MAX_NAME = 120


class UploadRejected(InputError):
    """A file refused for its kind, size or content; the message names the file."""


@dataclass(frozen=True)
class Checked:
    filename: str
    media_type: str


def clean_name(filename: str) -> str:
    """The base name only, without control characters, at most 120 characters (keeping the suffix)."""
    name = posixpath.basename(filename.replace("\\", "/"))
    name = "".join(c for c in unicodedata.normalize("NFC", name) if unicodedata.category(c)[0] != "C").strip()
    name = name.lstrip(".") or "file"
    if len(name) > _MAX_NAME:
        stem, dot, suffix = name.rpartition(".")
        name = (stem[: _MAX_NAME - len(suffix) - 1] + "." + suffix) if dot else name[:_MAX_NAME]
    return name


def _is_text(data: bytes) -> bool:
    if b"\x00" in data or _MARKUP.search(data[:65536]):
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return not any(unicodedata.category(c) == "Cc" and c not in "\r\n\t\f" for c in text)
    return False


def _is_docx(data: bytes) -> bool:
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile:
        return False
    return "word/document.xml" in names and "[Content_Types].xml" in names


def _matches(media_type: str, data: bytes) -> bool:
    if media_type == PDF:
        return data.startswith(b"%PDF-")
    if media_type == PNG:
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if media_type == JPEG:
        return data.startswith(b"\xff\xd8\xff")
    if media_type == DOCX:
        return _is_docx(data)
    return _is_text(data)


def check(filename: str, data: bytes, max_bytes: int) -> Checked:
    """The cleaned name and the media type the bytes prove; raises UploadRejected naming the file."""
    name = clean_name(filename)
    suffix = posixpath.splitext(name)[1].lower()
    if suffix not in BY_SUFFIX:
        raise UploadRejected(_("附件“%(name)s”的类型不被接受：只接受 PDF、PNG、JPEG、DOCX、TXT 文件", name=name))
    if not data:
        raise UploadRejected(_("附件“%(name)s”是空文件", name=name))
    if len(data) > max_bytes:
        raise UploadRejected(_("附件“%(name)s”超过 %(mb)s MB", name=name, mb=max_bytes // (1024 * 1024)))
    media_type = BY_SUFFIX[suffix]
    if not _matches(media_type, data):
        raise UploadRejected(_("附件“%(name)s”的内容与扩展名不符，已拒收", name=name))
    return Checked(name, media_type)


def download_type(media_type: str) -> str:
    """Only kinds a browser shows harmlessly keep their type; anything else is served as bytes."""
    base = media_type.split(";")[0].strip().lower()
    return base if base in SAFE_TO_SHOW else "application/octet-stream"
