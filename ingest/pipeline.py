"""Files to canonical documents and citable clause records.

``ingest_paths`` loads each file, cleans it, finds its layout and metadata, parses its
structure, then merges sources that hold the same plan into one canonical document (the most
complete text, every source kept as provenance). A file that cannot be used becomes an
IngestError in the result; the other files go on.
"""
from __future__ import annotations

import dataclasses
import hashlib
import re
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
from .text import content_key, fold, match_key, same_wording
from .types import Clause, Conflict, Document, Reading


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
    name: str = ""  # what names the plan when no copy prints a title: its first heading


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
    title = (layout.title_start - layout.header_start, layout.title_end - layout.header_start)
    nodes = parse_structure(paras, title)
    if len(nodes) > settings.max_records:
        raise IngestError(str(path), "too_large", f"file parses into {len(nodes):,} clauses and table rows, "
                          f"over the {settings.max_records:,} limit; split it or raise PLANQA_MAX_RECORDS")
    if not any(n.kind != "notice" for n in nodes):
        raise IngestError(str(path), "no_clauses", _nothing_found(paras, nodes))
    name = meta.title or _first_heading(paras, nodes)
    if not meta.title:
        warnings.append(f"{path}: no title found; named by its first heading 《{name}》 until a copy with a title "
                        "is added")
    return Source(str(path), meta, paras, nodes, title, cleaned.truncated,
                  content_key("\n".join(paras)), warnings, name)


def _nothing_found(paras: list[str], nodes: list[Node]) -> str:
    """Why a file yields no clause: what it holds instead, and what to do."""
    headings = sum(bool(re.match(r"^(第[一二三四五六七八九十]+[章节部分]|[一二三四五六七八九十]+[、.．]|[(（][一二三四五六七八九十]+[)）])",
                                 fold(p))) for p in paras)
    found = f"{len(paras):,} paragraph(s)"
    if headings:
        found += f", {headings:,} of them heading(s) with no text under any"
    if nodes:
        found += " and an issuing notice only"
    return (f"file yields no clause to index (found {found}); nothing was added. Check that it is the plan "
            "itself, not a table of contents or a cover page")


def _first_heading(paras: list[str], nodes: list[Node]) -> str:
    """The heading of the first section, else the start of the first paragraph."""
    heading = next((n.heading for n in nodes if n.heading), "")
    return heading or re.split(r"[，。；,;]", paras[0])[0][:30]


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
    """Merge the copies of each plan and build the documents and clause records.

    The sources come in the order they were indexed: the first copy of a plan is its official
    one, whose reading of a clause answers use when copies disagree."""
    periods = [(s.meta.period_start, s.meta.period_end) if s.meta.period_start else None for s in sources]
    groups = dedup.group_duplicates([dedup.shingles(s.key) for s in sources], periods,
                                    [match_key(s.meta.title) for s in sources])
    documents, clauses, merges = [], [], []
    warnings = [w for s in sources for w in s.warnings]
    for group in groups:
        members = [sources[i] for i in group]
        canonical = _with_header(max(members, key=lambda s: (not s.truncated, len(s.key))), members)
        doc = _document(canonical, members)
        records = _clauses(doc, canonical, settings.chunk_chars)
        if len(members) > 1:
            records = _union(doc, canonical, members, records, settings.chunk_chars)
            merges.append(Merge(doc.doc_id, canonical.path, [m.path for m in members if m.path != canonical.path]))
        documents.append(doc)
        clauses.extend(records)
    _link_repeals(documents)
    return IngestResult(documents, clauses, merges, warnings, list(errors or []))


def doc_id_for(meta: Metadata) -> str:
    """Stable id from the title: the same plan gets the same id from any copy or script."""
    digest = hashlib.sha1(match_key(meta.title).encode()).hexdigest()[:6]
    return f"{meta.period_start}-{meta.period_end}-{digest}" if meta.period_start else f"doc-{digest}"


def _document(canonical: Source, members: list[Source]) -> Document:
    """The canonical source's metadata, with fields it lacks filled from the other copies."""
    merged = dataclasses.replace(canonical.meta)
    for other in sorted(members, key=lambda m: not m.meta.title):  # a copy that prints a title first
        for field in dataclasses.fields(Metadata):
            if not getattr(merged, field.name) and getattr(other.meta, field.name):
                setattr(merged, field.name, getattr(other.meta, field.name))
    sources = list(dict.fromkeys(m.path for m in members))
    merged.title = merged.title or canonical.name
    return Document(doc_id=doc_id_for(merged), sources=sources, truncated=canonical.truncated,
                    content_hash=hashlib.sha256(canonical.key.encode()).hexdigest(),
                    text="\n".join(canonical.paragraphs), **dataclasses.asdict(merged) | {
                        "repeals": merged.repeals})


def _with_header(canonical: Source, members: list[Source]) -> Source:
    """The canonical text, with the official header (文号, 印发 notice) of a copy that has one
    when the canonical copy (say, a news reprint) lost it or kept only the notice sentence."""
    headed = [m for m in members if m.title[0] > 0]
    donor = next((m for m in headed if m.meta.number), headed[0] if headed else None)
    if donor is None or donor is canonical or canonical.title[0] > 0 and (canonical.meta.number or not donor.meta.number):
        return canonical
    header = donor.paragraphs[: donor.title[0]]
    known = content_key("".join(header))
    header += [p for p in canonical.paragraphs[: canonical.title[0]] if content_key(p) not in known]
    paras = header + canonical.paragraphs[canonical.title[0]:]
    title = (len(header), len(header) + canonical.title[1] - canonical.title[0])
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
                facts=extract_facts(piece, node.table, node.heading, doc.period_end), sources=[source.path]))
    return records


def _union(doc: Document, canonical: Source, members: list[Source], records: list[Clause],
           chunk_chars: int) -> list[Clause]:
    """The clauses of every copy of one plan: the canonical copy's, each marked with the copies that
    print it, plus the clauses only another copy has, in the place that copy gives them.

    Where copies disagree on a clause, ``doc.conflicts`` records every reading with its sources and
    the records carry the reading of the earliest copy (the official one). A copy that stops
    inside its last clause carries that clause, not a rival reading. Text taken from another copy
    is appended to ``doc.text``, so every span stays valid."""
    merged, order = _by_clause(records), []
    order = list(merged)
    rivals: dict[tuple[str, int], list[tuple[Reading, list[Clause]]]] = {}
    for member in members:
        if member is canonical:
            continue
        theirs = _by_clause(_clauses(dataclasses.replace(doc, text="\n".join(member.paragraphs)), member,
                                     chunk_chars))
        anchor = -1
        for n, (key, group) in enumerate(theirs.items()):
            if key not in merged:
                anchor += 1
                order.insert(anchor, key)
                merged[key] = _graft(doc, group)
                continue
            anchor = order.index(key)
            mine, other = _key_text(merged[key]), _key_text(group)
            ends = n == len(theirs) - 1
            if group[0].kind == "notice" or ends and mine.startswith(other):
                _carry(merged[key], [member.path])
            elif key in rivals:
                _rival(rivals, key, merged[key], group)
            elif _agree(merged[key], group):
                _carry(merged[key], [member.path])
            elif key == order[-1] and other.startswith(mine) and key not in rivals:  # the canonical copy stops early
                merged[key] = _graft(doc, group, merged[key][0].sources + group[0].sources)
            else:
                _rival(rivals, key, merged[key], group)
    rank = {m.path: k for k, m in enumerate(members)}
    for key, readings in rivals.items():
        official, reading, group = min(((min(rank[s] for s in r.sources), r, g) for r, g in readings),
                                       key=lambda x: x[0])
        merged[key] = _graft(doc, group, reading.sources) if group is not merged[key] else group
        _carry(merged[key], reading.sources)
        doc.conflicts.append(Conflict(key[0], members[official].path, [r for r, _ in readings]))
    return [r for key in order for r in merged[key]]


def _by_clause(records: list[Clause]) -> dict[tuple[str, int], list[Clause]]:
    """Records grouped by clause (the chunks of one clause together), keyed by path and the
    how-many-th clause of that path it is (a path may repeat, e.g. in two annexes)."""
    groups: dict[tuple[str, int], list[Clause]] = {}
    seen: dict[str, int] = {}
    for record in records:
        if record.chunk == 0:
            seen[record.path] = seen.get(record.path, -1) + 1
        groups.setdefault((record.path, seen[record.path]), []).append(record)
    return groups


def _key_text(group: list[Clause]) -> str:
    return content_key("".join(r.text for r in group))


def _agree(a: list[Clause], b: list[Clause]) -> bool:
    return same_wording("".join(r.text for r in a), "".join(r.text for r in b))


def _carry(group: list[Clause], sources: list[str]) -> None:
    """Mark the chunks of one clause as printed by ``sources`` too."""
    merged = list(dict.fromkeys(group[0].sources + sources))
    for record in group:
        record.sources = merged


def _graft(doc: Document, group: list[Clause], sources: list[str] | None = None) -> list[Clause]:
    """Another copy's records of one clause, their text appended to ``doc.text`` and spans moved there."""
    start = min(r.span[0] for r in group)
    shift = len(doc.text) + 1 - start
    doc.text += "\n" + "".join(dict.fromkeys(r.text for r in group))
    for record in group:
        record.span = (record.span[0] + shift, record.span[1] + shift)
    _carry(group, sources or group[0].sources)
    return group


def _rival(rivals: dict, key: tuple[str, int], mine: list[Clause], group: list[Clause]) -> None:
    """Record ``group`` as a reading of clause ``key`` that disagrees with the one merged so far."""
    readings = rivals.setdefault(key, [(Reading("".join(r.text for r in mine), list(mine[0].sources)), mine)])
    for reading, _ in readings:
        if same_wording(reading.text, "".join(r.text for r in group)):
            reading.sources.extend(s for s in group[0].sources if s not in reading.sources)
            return
    readings.append((Reading("".join(r.text for r in group), list(group[0].sources)), group))


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
