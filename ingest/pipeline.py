"""Files to canonical documents and citable clause records.

``ingest_paths`` loads each file, cleans it, finds its layout and metadata, parses its
structure, then merges sources that hold the same plan into one canonical document (the most
complete text, every source kept as provenance). A file that cannot be used becomes an
IngestError in the result; the other files go on.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

from settings import Settings

from . import dedup
from .clean import clean
from .errors import IngestError
from .facts import extract as extract_facts
from .loaders import SUPPORTED, load_file
from .metadata import Metadata, extract_metadata, find_layout, split_notice
from .structure import Node, parse_structure, responsible_units, row_units, uses_comma_separator
from .text import content_key, match_key
from .types import Clause, Document


@dataclasses.dataclass
class Source:
    """One file, parsed on its own, before duplicates are merged."""

    path: str
    meta: Metadata
    paragraphs: list[str]
    nodes: list[Node]
    title: tuple[int, int]  # paragraph range of the printed title; the header is before it
    truncated: bool
    key: str  # content_key of the whole text, for duplicate detection and hashing
    warnings: list[str]


@dataclasses.dataclass
class Merge:
    """Sources found to hold one plan, and the one kept as canonical."""

    doc_id: str
    canonical: str
    merged: list[str]


@dataclasses.dataclass
class IngestResult:
    """Everything one ingestion produced, including what went wrong."""

    documents: list[Document]
    clauses: list[Clause]
    merges: list[Merge]
    warnings: list[str]
    errors: list[IngestError]


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """Files named directly, plus the supported files inside named directories (sorted)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file() and p.suffix.lower() in SUPPORTED))
        else:
            files.append(path)
    return list(dict.fromkeys(files))


def parse_source(path: Path, settings: Settings) -> Source:
    """Load, clean and parse one file; raise IngestError when it is unusable."""
    raw = load_file(path, settings)
    cleaned = clean(raw)
    layout = find_layout(cleaned.paragraphs)
    if layout.title_start == layout.title_end:  # no title line: a reprint may run the notice into the text
        cleaned.paragraphs = split_notice(cleaned.paragraphs)
        layout = find_layout(cleaned.paragraphs)
    paras = cleaned.paragraphs[layout.header_start: layout.body_end]
    warnings = []
    if cleaned.dropped:
        warnings.append(f"{path}: dropped {len(cleaned.dropped)} debris line(s) "
                        f"(navigation, footers, truncation notices)")
    if layout.header_start:
        warnings.append(f"{path}: skipped {layout.header_start} paragraph(s) before the document "
                        "(site navigation or a news preface)")
    if cleaned.truncated:
        warnings.append(f"{path}: text is truncated (a download-site notice ends it)")
    meta = extract_metadata(cleaned.paragraphs, layout)
    if not meta.title:
        warnings.append(f"{path}: no title found; citations will name the file")
        meta.title = path.stem
    title = (layout.title_start - layout.header_start, layout.title_end - layout.header_start)
    nodes = parse_structure(paras, title)
    if len(nodes) > settings.max_records:
        raise IngestError(str(path), "too_large", f"file parses into {len(nodes):,} clauses and table rows, "
                          f"over the {settings.max_records:,} limit; split it or raise PLANQA_MAX_RECORDS")
    return Source(str(path), meta, paras, nodes, title, cleaned.truncated,
                  content_key("\n".join(paras)), warnings)


def ingest_paths(paths: Iterable[Path], settings: Settings | None = None,
                 progress: Callable[[Iterable], Iterable] = iter) -> IngestResult:
    """Ingest files and directories into canonical documents and clause records."""
    settings = settings or Settings.from_env()
    sources: list[Source] = []
    errors: list[IngestError] = []
    for path in progress(expand_paths(paths)):
        try:
            sources.append(parse_source(path, settings))
        except IngestError as exc:
            errors.append(exc)
    return assemble(sources, settings, errors)


def assemble(sources: list[Source], settings: Settings, errors: list[IngestError] | None = None) -> IngestResult:
    """Merge duplicate sources and build the documents and clause records."""
    periods = [(s.meta.period_start, s.meta.period_end) if s.meta.period_start else None for s in sources]
    groups = dedup.group_duplicates([dedup.shingles(s.key) for s in sources], periods)
    documents, clauses, merges = [], [], []
    warnings = [w for s in sources for w in s.warnings]
    for group in groups:
        members = [sources[i] for i in group]
        canonical = _with_header(max(members, key=lambda s: (not s.truncated, len(s.key))), members)
        doc = _document(canonical, members)
        documents.append(doc)
        clauses.extend(_clauses(doc, canonical, settings.chunk_chars))
        if len(members) > 1:
            merges.append(Merge(doc.doc_id, canonical.path, [m.path for m in members if m.path != canonical.path]))
    _link_repeals(documents)
    return IngestResult(documents, clauses, merges, warnings, list(errors or []))


def doc_id_for(meta: Metadata) -> str:
    """Stable id from the title: the same plan gets the same id from any copy or script."""
    digest = hashlib.sha1(match_key(meta.title).encode()).hexdigest()[:6]
    return f"{meta.period_start}-{meta.period_end}-{digest}" if meta.period_start else f"doc-{digest}"


def _document(canonical: Source, members: list[Source]) -> Document:
    """The canonical source's metadata, with fields it lacks filled from the other copies."""
    merged = dataclasses.replace(canonical.meta)
    for other in members:
        for field in dataclasses.fields(Metadata):
            if not getattr(merged, field.name) and getattr(other.meta, field.name):
                setattr(merged, field.name, getattr(other.meta, field.name))
    sources = list(dict.fromkeys(m.path for m in members))
    return Document(doc_id=doc_id_for(merged), sources=sources, truncated=canonical.truncated,
                    content_hash=hashlib.sha256(canonical.key.encode()).hexdigest(),
                    text="\n".join(canonical.paragraphs), **dataclasses.asdict(merged) | {
                        "repeals": merged.repeals})


def _with_header(canonical: Source, members: list[Source]) -> Source:
    """The canonical text, with the official header (印发 notice) of a copy that has one
    when the canonical copy (say, a news reprint) lost it."""
    donor = next((m for m in members if m.title[0] > 0), None)
    if canonical.title[0] > 0 or donor is None:
        return canonical
    header = donor.paragraphs[: donor.title[0]]
    paras = header + canonical.paragraphs
    title = (len(header), len(header) + canonical.title[1])
    return dataclasses.replace(canonical, paragraphs=paras, nodes=parse_structure(paras, title), title=title)


def _clauses(doc: Document, source: Source, chunk_chars: int) -> list[Clause]:
    """Clause records of the canonical source, long ones split into chunks."""
    offsets, pos = [], 0
    for para in source.paragraphs:
        offsets.append(pos)
        pos += len(para) + 1
    comma = uses_comma_separator([source.paragraphs[n.start] for n in source.nodes])
    records, seen = [], set()
    for node in source.nodes:
        start, end = offsets[node.start], offsets[node.end - 1] + len(source.paragraphs[node.end - 1])
        text = node.text or doc.text[start:end]
        base_id = f"{doc.doc_id}:{node.path}"
        clause_id = base_id if base_id not in seen else f"{base_id}~{node.start}"
        seen.add(clause_id)
        agencies = responsible_units(text, comma) if node.kind == "clause" else (
            row_units(node.table, comma) if node.table else [])
        pieces = _split(text, chunk_chars) if node.text is None else [(text, 0)]
        for k, (piece, at) in enumerate(pieces):
            records.append(Clause(
                clause_id=clause_id + (f"#{k + 1}" if len(pieces) > 1 else ""), doc_id=doc.doc_id,
                title=doc.title, kind=node.kind, path=node.path, heading=node.heading,
                heading_path=node.heading_path, text=piece,
                span=(start + at, start + at + len(piece)) if node.text is None else (start, end),
                agencies=agencies, chunk=k, chunks=len(pieces), table=node.table,
                facts=extract_facts(piece, node.table, node.heading, doc.period_end)))
    return records


def _split(text: str, chunk_chars: int) -> list[tuple[str, int]]:
    """Chunks of at most ``chunk_chars`` cut at sentence ends, each with its offset in ``text``."""
    if len(text) <= chunk_chars:
        return [(text, 0)]
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    splitter = RecursiveCharacterTextSplitter(
        chunk_size=chunk_chars, chunk_overlap=0, keep_separator="end",
        separators=["\n", "。", "；", "，", ""])
    pieces, at = [], 0
    for piece in splitter.split_text(text):
        at = text.index(piece, at)
        pieces.append((piece, at))
        at += len(piece)
    return pieces


def _link_repeals(documents: list[Document]) -> None:
    """Mark documents in the corpus that another document repeals (by 文号 or title)."""
    for doc in documents:
        for repeal in doc.repeals:
            for other in documents:
                same_number = repeal.number and other.number == repeal.number
                same_title = repeal.title and match_key(other.title) == match_key(repeal.title)
                if other is not doc and (same_number or same_title):
                    other.repealed_by.append(doc.doc_id)
