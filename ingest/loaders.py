"""Files to raw text: .txt in any common Chinese encoding, .pdf, .html, .docx.

Tables come out as one line per row with cells separated by tabs, whatever the format, so
the structure parser sees one table shape.
"""
from __future__ import annotations

import io
import re
from pathlib import Path

from .errors import IngestError

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}
# Encodings tried first: the ones Chinese government text actually comes in. Restricting the
# candidates keeps short texts from being read as, say, Shift-JIS.
CHINESE_ENCODINGS = ["utf_8", "gb18030", "big5", "big5hkscs", "utf_16", "utf_32"]
MIN_TEXT_CHARS = 20


def load_file(path: Path, max_bytes: int) -> str:
    """Read ``path`` and return its text; raise IngestError naming the file and the fix."""
    name = str(path)
    if not path.is_file():
        raise IngestError(name, "missing", "no such file; check the path")
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        raise IngestError(name, "unsupported",
                          f"unsupported file type '{suffix or '(none)'}'; "
                          f"convert it to one of {', '.join(sorted(SUPPORTED))}")
    size = path.stat().st_size
    if size > max_bytes:
        raise IngestError(name, "too_large",
                          f"file is {size / 2**20:.1f} MiB, over the {max_bytes / 2**20:.0f} MiB "
                          "limit; split it or raise PLANQA_MAX_FILE_MB")
    data = path.read_bytes()
    if not data.strip():
        raise IngestError(name, "empty", "file is empty; nothing to ingest")
    if suffix == ".pdf":
        text = _pdf_text(name, data)
    elif suffix == ".docx":
        text = _docx_text(name, data)
    else:
        text = decode_text(name, data)
        if suffix in HTML_SUFFIXES:
            text = _html_text(name, text)
    if len(re.sub(r"\s+", "", text)) < MIN_TEXT_CHARS:
        raise IngestError(name, "empty", "file holds no usable text; check that it is the plan")
    return text


def decode_text(name: str, data: bytes) -> str:
    """Decode bytes with charset-normalizer; binary data is refused, not decoded into noise."""
    import charset_normalizer

    if b"\x00" in data and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(name, "binary", "file is binary, not text; ingest the original "
                                          ".pdf/.docx/.html instead of a renamed file")
    match = (charset_normalizer.from_bytes(data, cp_isolation=CHINESE_ENCODINGS).best()
             or charset_normalizer.from_bytes(data).best())
    if match is None:
        raise IngestError(name, "binary", "could not detect a text encoding (binary file?); "
                                          "save it as UTF-8 text and ingest again")
    return str(match).lstrip("\ufeff")


def _pdf_text(name: str, data: bytes) -> str:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(name, "encrypted", "PDF is password-protected; "
                                                 "save an unencrypted copy and ingest that")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(name, "malformed", f"not a readable PDF ({exc}); re-export it") from exc
    text = "\n".join(pages)
    if len(re.sub(r"\s+", "", text)) < MIN_TEXT_CHARS:
        raise IngestError(name, "no_text_layer",
                          f"PDF has no text layer ({len(pages)} page(s) of images?); "
                          "run OCR on it (e.g. ocrmypdf) and ingest the result")
    return text


def _docx_text(name: str, data: bytes) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile, KeyError, lxml errors…
        raise IngestError(name, "malformed",
                          f"not a readable .docx ({type(exc).__name__}); re-save it from Word") from exc
    lines = []
    for block in document.iter_inner_content():  # paragraphs and tables in reading order
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend("\t".join(cell.text.strip() for cell in row.cells) for row in block.rows)
    return "\n".join(lines)


def _html_text(name: str, html: str) -> str:
    """Main text of a web page, without navigation and boilerplate (trafilatura)."""
    import trafilatura

    doc = trafilatura.bare_extraction(html, include_tables=True, favor_recall=True,
                                      with_metadata=True)
    body = doc.text if doc is not None else None
    if not body:
        raise IngestError(name, "empty", "no main text found in the HTML page; "
                                         "save the article text as .txt and ingest that")
    lines = [_markdown_row(line) for line in body.splitlines()]
    title = (doc.title or "").strip()
    if title and title not in body[: len(title) * 3]:  # trafilatura drops the <h1> title
        lines.insert(0, title)
    return "\n".join(lines)


def _markdown_row(line: str) -> str:
    """'| a | b |' (trafilatura's table rows) to 'a\\tb'."""
    stripped = line.strip()
    if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
        return "\t".join(cell.strip() for cell in stripped.strip("|").split("|"))
    return line
