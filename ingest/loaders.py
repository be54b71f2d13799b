"""Files to raw text: .txt in any common Chinese encoding, .pdf, .html, .docx.

Tables come out as one line per row with cells separated by tabs, whatever the format, so
the structure parser sees one table shape.
"""
from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

from settings import Settings

from .clean import PAGE_BREAK
from .errors import IngestError

TEXT_SUFFIXES = {".txt", ".text", ".md"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUPPORTED = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf", ".docx"}
# Encodings tried first: the ones Chinese government text actually comes in. Restricting the
# candidates keeps short texts from being read as, say, Shift-JIS.
CHINESE_ENCODINGS = ["utf_8", "gb18030", "big5", "big5hkscs", "utf_16", "utf_32"]
MIN_TEXT_CHARS = 20
RATIO_FLOOR = 2**20  # members smaller than this may compress any amount: they cannot exhaust memory


def load_file(path: Path, settings: Settings) -> str:
    """Read ``path`` and return its text; raise IngestError naming the file and the fix.

    Every limit of ``settings`` is checked before the work it bounds: the file's size before it
    is read, a .docx's inflated size before it is unzipped, a PDF's pages before their text is
    extracted, and the characters of the text before anything parses it."""
    name = str(path)
    max_bytes = int(settings.max_file_mb * 2**20)
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
        text = _pdf_text(name, data, settings.max_pages)
    elif suffix == ".docx":
        text = _docx_text(name, data, settings)
    else:
        text = decode_text(name, data)
        if suffix in HTML_SUFFIXES:
            text = _html_text(name, text)
    if len(text) > settings.max_chars:
        raise IngestError(name, "too_large", f"file holds {len(text):,} characters of text, over the "
                                             f"{settings.max_chars:,} limit; split it or raise PLANQA_MAX_CHARS")
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


def _pdf_text(name: str, data: bytes, max_pages: int) -> str:
    """The text layer of a PDF (pypdf caps what one compressed stream may inflate to)."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise IngestError(name, "encrypted", "PDF is password-protected; "
                                                 "save an unencrypted copy and ingest that")
        if len(reader.pages) > max_pages:
            raise IngestError(name, "too_large", f"PDF has {len(reader.pages)} pages, over the {max_pages} "
                                                 "limit; split it or raise PLANQA_MAX_PAGES")
        pages = [page.extract_text() or "" for page in reader.pages]
    except IngestError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise IngestError(name, "malformed", f"not a readable PDF ({exc}); re-export it") from exc
    text = f"\n{PAGE_BREAK}\n".join(pages)  # clean() finds running heads and footers page by page
    if len(re.sub(r"\s+", "", text)) < MIN_TEXT_CHARS:
        raise IngestError(name, "no_text_layer",
                          f"PDF has no text layer ({len(pages)} page(s) of images?); "
                          "run OCR on it (e.g. ocrmypdf) and ingest the result")
    return text


def _docx_text(name: str, data: bytes, settings: Settings) -> str:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        check_archive(name, zipfile.ZipFile(io.BytesIO(data)).infolist(), settings)
        document = docx.Document(io.BytesIO(data))
    except IngestError:
        raise
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


def check_archive(name: str, members: list[zipfile.ZipInfo], settings: Settings) -> None:
    """Refuse a zip whose declared sizes, member count or compression ratio exceed the limits,
    before anything is inflated. zipfile never inflates a member beyond its declared size, so
    the declared sizes bound what a parser of the archive can be made to read."""
    fix = "it is no ordinary document (a zip bomb?); re-save it from Word, or raise PLANQA_"
    if len(members) > settings.max_zip_members:
        raise IngestError(name, "too_large", f"file is a zip of {len(members):,} members, over the "
                                             f"{settings.max_zip_members:,} limit; {fix}MAX_ZIP_MEMBERS")
    inflated = sum(m.file_size for m in members)
    if inflated > settings.max_inflated_mb * 2**20:
        raise IngestError(name, "too_large", f"file inflates to {inflated / 2**20:,.0f} MiB when unzipped, over the "
                                             f"{settings.max_inflated_mb:g} MiB limit; {fix}MAX_INFLATED_MB")
    for member in members:
        ratio = member.file_size / max(member.compress_size, 1)
        if member.file_size >= RATIO_FLOOR and ratio > settings.max_zip_ratio:
            raise IngestError(name, "too_large", f"{member.filename} inflates {ratio:,.0f} times, over the "
                                                 f"{settings.max_zip_ratio:g}x limit; {fix}MAX_ZIP_RATIO")


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
