"""Build, add to and remove from an index, always into a new folder swapped in atomically.

``index_dir`` is a symbolic link to the current version folder. A build writes a complete new
version beside it, then replaces the link with ``os.replace`` (atomic on POSIX). A crash or
``kill -9`` at any moment leaves the previous version loadable. Every change holds the index's
writer lock (``lock.py``) from reading the current version to swapping in the new one. Vectors
are reused from the previous version for every record whose embedded text is unchanged (keyed
by content hash), so adding a file embeds only that file's records.
"""
from __future__ import annotations

import contextlib
import datetime as dt
import errno
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np

from ingest.errors import IngestError
from ingest.pipeline import assemble, expand_paths, parse_source
from settings import REPO, Settings

from .embeddings import SentenceEmbeddings
from .lexical import BM25Index, tokenize
from .lock import writer_lock
from .store import FORMAT_VERSION, MANIFEST, PlanIndex, embed_text
from .types import IndexMissing, IndexWriteError, PlanIndexError

BUILDING = ".building"
ELSEWHERE = "or set PLANQA_INDEX_DIR (--index-dir) to a folder that can be written"
WRITE_FAILURES = {  # errno → what went wrong, and the fix
    errno.ENOSPC: ("the disk is full", f"free space on that disk, {ELSEWHERE}"),
    errno.EDQUOT: ("the disk quota is used up", f"free space or raise the quota, {ELSEWHERE}"),
    errno.EACCES: ("permission denied", f"give this user write access to the folder (chown/chmod), {ELSEWHERE}"),
    errno.EPERM: ("operation not permitted", f"give this user write access to the folder (chown/chmod), {ELSEWHERE}"),
    errno.EROFS: ("the file system is read-only", f"remount it read-write, {ELSEWHERE}"),
}


def build_index(sources: list[Path], index_dir: Path, settings: Settings,
                embeddings: SentenceEmbeddings | None = None, previous: PlanIndex | None = None,
                progress: bool = False) -> PlanIndex:
    """Ingest ``sources`` and write a new index version at ``index_dir``; return it loaded."""
    embeddings = embeddings or SentenceEmbeddings(settings)
    with _changing(Path(index_dir), settings):
        if previous is None:
            previous = _previous(index_dir, settings, embeddings)
        return _build(sources, Path(index_dir), settings, embeddings, previous, progress)


def add_files(files: list[Path], index_dir: Path, settings: Settings,
              embeddings: SentenceEmbeddings | None = None, progress: bool = False) -> PlanIndex:
    """Add plan files to the index; every file is checked first, so a bad one changes nothing.

    The files are added to the version on disk once the writer lock is held, not to the one the
    caller loaded: a plan another writer added meanwhile is kept."""
    for path in files:
        parse_source(Path(path), settings)  # raises IngestError naming the file
    with _changing(Path(index_dir), settings):
        current = PlanIndex.load(index_dir, settings, embeddings)
        return _build([*source_files(current), *files], Path(index_dir), settings,
                      current.embeddings, current, progress)


def remove_document(doc_id: str, index_dir: Path, settings: Settings,
                    embeddings: SentenceEmbeddings | None = None) -> PlanIndex:
    """Remove a document and all of its records (and its source files) from the index on disk."""
    with _changing(Path(index_dir), settings):
        current = PlanIndex.load(index_dir, settings, embeddings)
        if doc_id not in current.documents:
            raise IndexMissing(f"no document '{doc_id}' in {index_dir}; see `python -m index info` for ids")
        drop = set(current.documents[doc_id].sources)
        keep = [p for p in source_files(current) if p.name not in drop]
        return _build(keep, Path(index_dir), settings, current.embeddings, current, False)


def remove_source(name: str, index_dir: Path, settings: Settings,
                  embeddings: SentenceEmbeddings | None = None) -> PlanIndex:
    """Remove one source file (a copy or version of a plan); the plan stays with its other copies."""
    with _changing(Path(index_dir), settings):
        current = PlanIndex.load(index_dir, settings, embeddings)
        doc = _plan_of(current, name, index_dir)
        if doc.sources == [name]:
            raise IndexMissing(f"{name} is the only source of 《{doc.title}》; to remove the plan use "
                               f"`python -m index remove {doc.doc_id}`")
        keep = [p for p in source_files(current) if p.name != name]
        return _build(keep, Path(index_dir), settings, current.embeddings, current, False)


def mark_official(name: str, index_dir: Path, settings: Settings,
                  embeddings: SentenceEmbeddings | None = None) -> PlanIndex:
    """Make a source the official copy of its plan: where copies disagree, records carry its reading.
    The order of the sources is the order of preference, so it moves to the front."""
    with _changing(Path(index_dir), settings):
        current = PlanIndex.load(index_dir, settings, embeddings)
        _plan_of(current, name, index_dir)
        files = source_files(current)
        files.sort(key=lambda p: p.name != name)
        return _build(files, Path(index_dir), settings, current.embeddings, current, False)


def source_files(index: PlanIndex) -> list[Path]:
    """The index's source files in the order they were indexed (the manifest's order): for each
    plan the first is its official copy."""
    folder = index.root / "sources"
    listed = [folder / s["name"] for s in index.manifest.get("sources", []) if (folder / s["name"]).is_file()]
    return listed + [p for p in sorted(folder.iterdir()) if p.is_file() and p not in listed]


def _plan_of(index: PlanIndex, name: str, index_dir: Path):
    """The document a source file belongs to, or IndexMissing listing the sources."""
    doc = next((d for d in index.documents.values() if name in d.sources), None)
    if doc is None:
        names = ", ".join(s["name"] for s in index.manifest.get("sources", []))
        raise IndexMissing(f"no source '{name}' in {index_dir}; its sources are: {names}")
    return doc


@contextlib.contextmanager
def _changing(index_dir: Path, settings: Settings):
    """Hold the writer lock of ``index_dir``; a write the system refuses (disk full, no
    permission, read-only) becomes an IndexWriteError naming the folder and the fix."""
    try:
        with writer_lock(index_dir, settings.lock_timeout_s):
            yield
    except OSError as exc:
        if exc.errno not in WRITE_FAILURES:
            raise
        raise IndexWriteError(index_dir.parent.resolve(), *WRITE_FAILURES[exc.errno]) from exc


def _build(sources: list[Path], index_dir: Path, settings: Settings, embeddings: SentenceEmbeddings,
           previous: PlanIndex | None, progress: bool) -> PlanIndex:
    """Write a new version beside ``index_dir`` and swap it in; the caller holds the writer lock."""
    _collect_garbage(index_dir)
    stamp = dt.datetime.now().strftime("%Y%m%dT%H%M%S%f")
    work = index_dir.parent / f".{index_dir.name}-{stamp}-{os.getpid()}{BUILDING}"
    (work / "sources").mkdir(parents=True)
    try:
        copied = _copy_sources(expand_paths(sources), work / "sources")
        result = _ingest([work / "sources" / c["name"] for c in copied], settings)
        _write_version(work, result, copied, settings, embeddings, previous, progress)
        final = work.with_name(work.name[: -len(BUILDING)])
        os.replace(work, final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    _swap_link(index_dir, final)
    _collect_garbage(index_dir)
    return PlanIndex.load(index_dir, settings, embeddings)


def _previous(index_dir: Path, settings: Settings, embeddings: SentenceEmbeddings) -> PlanIndex | None:
    """The current index, if it is compatible: its vectors are reused, not recomputed."""
    try:
        return PlanIndex.load(index_dir, settings, embeddings)
    except PlanIndexError:
        return None


def _ingest(files: list[Path], settings: Settings):
    """The copied sources, in indexing order, to documents and records named by file name."""
    sources, errors = [], []
    for path in files:
        try:
            sources.append(parse_source(path, settings))
        except IngestError as exc:
            errors.append(exc)
    if errors:
        raise errors[0]
    result = assemble(sources, settings)
    def names(paths: list[str]) -> list[str]:  # sources are named by file: the folder is per version
        return [Path(s).name for s in paths]

    for doc in result.documents:
        doc.sources = names(doc.sources)
        for conflict in doc.conflicts:
            conflict.official = Path(conflict.official).name
            for reading in conflict.readings:
                reading.sources = names(reading.sources)
    for clause in result.clauses:
        clause.sources = names(clause.sources)
    return result


def _copy_sources(files: list[Path], target: Path) -> list[dict]:
    """Copy each distinct file (by content) into the version's sources folder."""
    seen, copied = set(), []
    for path in files:
        data = Path(path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in seen:
            continue  # the same bytes twice add nothing
        seen.add(digest)
        name = Path(path).name
        while (target / name).exists():
            name = f"{Path(name).stem}_{digest[:6]}{Path(name).suffix}"
        (target / name).write_bytes(data)
        copied.append({"name": name, "sha256": digest, "bytes": len(data)})
    return copied


def _write_version(work: Path, result, copied: list[dict], settings: Settings,
                   embeddings: SentenceEmbeddings, previous: PlanIndex | None, progress: bool) -> None:
    import faiss

    docs = {d.doc_id: d for d in result.documents}
    texts = [embed_text(c, docs[c.doc_id]) for c in result.clauses]
    hashes = [hashlib.sha256(f"{embeddings.model_id}\n{embeddings.encoder}\n{t}".encode()).hexdigest() for t in texts]
    vectors = _vectors(texts, hashes, embeddings, previous, progress)
    dense = faiss.IndexFlatIP(vectors.shape[1])
    dense.add(vectors)
    faiss.write_index(dense, str(work / "dense.faiss"))
    BM25Index.build([tokenize(t) for t in texts]).save(work / "bm25")
    with (work / "records.jsonl").open("w", encoding="utf-8") as out:
        for clause, digest in zip(result.clauses, hashes):
            out.write(json.dumps(clause.to_dict() | {"embed_hash": digest}, ensure_ascii=False) + "\n")
    (work / "documents.json").write_text(json.dumps(
        [d.to_dict(with_text=True) for d in result.documents], ensure_ascii=False, indent=1), "utf-8")
    manifest = {
        "format": FORMAT_VERSION, "code_version": _code_version(), "built_at": dt.datetime.now().isoformat(),
        "embedding_model": embeddings.model_id, "encoder": embeddings.encoder,
        "dimension": int(vectors.shape[1]), "normalized": True,
        "query_prefix": settings.query_prefix, "passage_prefix": settings.passage_prefix,
        "corpus_hash": hashlib.sha256("".join(sorted(c["sha256"] for c in copied)).encode()).hexdigest(),
        "settings_hash": settings.hash(), "sources": copied,
        "counts": {"documents": len(result.documents), "records": len(result.clauses),
                   "table_rows": sum(c.kind == "table_row" for c in result.clauses),
                   "sources": len(copied), "duplicates_merged": sum(len(m.merged) for m in result.merges)},
    }
    (work / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=1), "utf-8")


def _vectors(texts, hashes, embeddings, previous, progress) -> np.ndarray:
    """Reuse stored vectors by hash; embed only the texts never embedded before."""
    known = previous.vectors_by_hash() if previous is not None else {}
    todo = [i for i, h in enumerate(hashes) if h not in known]
    fresh = embeddings.encode_passages([texts[i] for i in todo], progress=progress)
    by_row = dict(zip(todo, fresh))
    rows = [by_row[i] if i in by_row else known[h] for i, h in enumerate(hashes)]
    return np.vstack(rows).astype("float32") if rows else np.zeros((0, embeddings.dimension), "float32")


def _swap_link(index_dir: Path, version: Path) -> None:
    """Point ``index_dir`` at ``version`` in one atomic rename."""
    if index_dir.exists() and not index_dir.is_symlink():  # a plain folder from elsewhere: keep it aside
        os.replace(index_dir, index_dir.with_name(f".{index_dir.name}-legacy-{os.getpid()}"))
    link = index_dir.with_name(f".{index_dir.name}.link-{os.getpid()}")
    if link.is_symlink():
        link.unlink()
    link.symlink_to(version.name)
    os.replace(link, index_dir)


def _collect_garbage(index_dir: Path) -> None:
    """Delete old versions and builds whose process died; never the current version."""
    current = index_dir.resolve().name if index_dir.is_symlink() else None
    for folder in index_dir.parent.glob(f".{index_dir.name}-*"):
        if folder.name == current or not folder.is_dir():
            continue
        if folder.name.endswith(BUILDING) and _pid_alive(int(folder.name[: -len(BUILDING)].rsplit("-", 1)[1])):
            continue  # another build is still writing it
        shutil.rmtree(folder, ignore_errors=True)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _code_version() -> str:
    """The git commit of the code that built the index, when known."""
    try:
        return subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True, timeout=5, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return "unknown"
