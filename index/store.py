"""A built index on disk, loaded for hybrid search: dense (FAISS) + BM25, fused with RRF.

An index folder holds plain files and a manifest; nothing is unpickled:

    manifest.json   model id, dimension, normalisation, prefixes, corpus hash, code version,
                    build time, counts, settings hash, source files
    documents.json  the canonical documents (metadata and cleaned text)
    records.jsonl   one clause record per line, with the hash of its embedded text
    dense.faiss     the vectors (faiss.write_index; inner product on unit vectors)
    bm25/           bm25s arrays and vocabulary (numpy without pickle, JSON)
    sources/        a copy of every source file, so the index rebuilds from itself
"""
from __future__ import annotations

import functools
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np

from ingest.structure import ROW_LABEL_COLUMNS
from ingest.text import fold, match_key
from ingest.types import Clause, Document
from settings import Settings

from .embeddings import SentenceEmbeddings, for_langchain
from .lexical import BM25Index
from .phrases import PhraseIndex
from .types import Filters, Hit, IndexMismatch, IndexMissing

FORMAT_VERSION = 2  # 2: records carry their quantified facts
MANIFEST = "manifest.json"
PHRASE_MAX = 20  # longer queries are questions, not phrases
FILTER_OVERFETCH = 20


def embed_text(clause: Clause, doc: Document) -> str:
    """What both retrievers read for a record: which plan and region, where it sits, what it says."""
    context = " / ".join([clause.title, *([doc.region] if doc.region else []), *clause.heading_path])
    if clause.table:  # "指标：上市公司；单位：家；目标：6" (row numbers say nothing)
        cells = "；".join(f"{c}：{v}" for c, v in zip(clause.table["columns"], clause.table["cells"])
                         if v and not ROW_LABEL_COLUMNS.match(fold(c)))
        return f"{context}\n{cells}"
    return f"{context}\n{clause.text}"


class PlanIndex:
    """Documents, records and both retrievers of one index folder."""

    def __init__(self, folder: Path, manifest: dict, documents: list[Document], clauses: list[Clause],
                 hashes: list[str], vectors: np.ndarray | Callable[[], np.ndarray], bm25: BM25Index, embeddings: SentenceEmbeddings,
                 settings: Settings, root: Path | None = None):
        self.folder = folder
        self.root = root or folder  # the version folder read, behind the index link ``folder``
        self.settings = settings
        self.manifest = manifest
        self.documents = {d.doc_id: d for d in documents}
        self.clauses = clauses
        self.hashes = hashes
        self.bm25 = bm25
        self.embeddings = embeddings
        self.dense = _vector_store(vectors, clauses, embeddings, settings, self.documents, manifest, str(folder))
        self._phrases: PhraseIndex | None = None  # over the texts' match keys, built on first phrase query
        self._doc_ids = list(self.documents)
        position = {doc_id: i for i, doc_id in enumerate(self._doc_ids)}
        self._doc_rows = np.array([position[c.doc_id] for c in clauses], dtype=np.int32)

    @classmethod
    def load(cls, folder: Path, settings: Settings, embeddings: SentenceEmbeddings | None = None) -> "PlanIndex":
        """Load and check an index; raise IndexMissing / IndexMismatch with the fix. A version
        that another writer retires while this reads it (the link has moved on and the old
        folder is deleted) is read again from the version the link points at now."""
        folder = Path(folder)
        while True:
            root = folder.resolve()  # once per reading: a writer may swap the link meanwhile
            try:
                return cls._load_version(folder, root, settings, embeddings)
            except (IndexMissing, OSError, RuntimeError):  # RuntimeError: FAISS cannot open its file
                if folder.resolve() == root:
                    raise

    @classmethod
    def _load_version(cls, folder: Path, root: Path, settings: Settings,
                      embeddings: SentenceEmbeddings | None) -> "PlanIndex":
        """The version folder ``root`` of the index ``folder``, loaded and checked."""
        manifest = read_manifest(root, folder)
        embeddings = embeddings or SentenceEmbeddings(settings)
        check_manifest(manifest, settings, embeddings.model_id, folder, embeddings.encoder)
        documents = [Document.from_dict(d) for d in json.loads((root / "documents.json").read_text("utf-8"))]
        rows = [json.loads(line) for line in (root / "records.jsonl").read_text("utf-8").splitlines()]
        hashes = [row.pop("embed_hash") for row in rows]
        vectors = functools.partial(read_vectors, root / "dense.faiss")
        if settings.vector_backend != "pgvector":  # in-process stores search them; pgvector reads them only to load
            vectors = vectors()
        return cls(folder, manifest, documents, [Clause.from_dict(r) for r in rows], hashes,
                   vectors, BM25Index.load(root / "bm25"), embeddings, settings, root)

    def is_current(self) -> bool:
        """Whether the index link still points at this version (one readlink; another writer,
        such as the CLI, may have swapped in a newer one)."""
        return self.folder.resolve() == self.root

    def _allowed(self, filters: Filters) -> np.ndarray:
        """Which records the filters let through (decided per document, then spread to rows)."""
        if not filters.active:
            return np.ones(len(self.clauses), dtype=bool)
        ok = np.array([filters.allows(self.documents[doc_id]) for doc_id in self._doc_ids], dtype=bool)
        return ok[self._doc_rows]

    def records(self, doc_ids: set[str] | None = None, kind: str | None = None,
                first_chunks: bool = False) -> list[Clause]:
        """Records of the given documents (all when None), of one kind, optionally only the
        first chunk of each clause; in document order."""
        return [c for c in self.clauses if (doc_ids is None or c.doc_id in doc_ids)
                and (kind is None or c.kind == kind) and not (first_chunks and c.chunk)]

    def table_rows(self, doc_id: str, caption: str) -> list[Clause]:
        """The rows of one table of a document, in order."""
        return [c for c in self.clauses if c.doc_id == doc_id and c.table and c.table["caption"] == caption]

    def full_text(self, clause: Clause) -> str:
        """A clause's whole text, its chunks joined."""
        if clause.chunks == 1:
            return clause.text
        return "".join(c.text for c in self.clauses if c.base_id == clause.base_id)

    def vectors_by_hash(self) -> dict[str, np.ndarray]:
        """Stored vectors keyed by the hash of their embedded text (for incremental builds)."""
        return dict(zip(self.hashes, self.dense.vectors))

    def search(self, query: str, k: int = 10, filters: Filters = Filters(), depth: int | None = None) -> list[Hit]:
        """Top-k records for ``query`` by reciprocal-rank fusion of dense and BM25 ranks."""
        depth = max(depth or self.settings.fusion_depth, k)
        allowed = self._allowed(filters)
        if not allowed.any():
            return []
        dense = self.dense.ranked(self.embeddings.embed_query(query), depth, allowed, filters)
        scores, coverage = self.bm25.scores(query)
        scores = np.where(allowed, scores, 0.0)
        lexical = bm25_order(scores, np.flatnonzero(scores > 0))[:depth].tolist()
        phrase = self._phrase_rows(query, scores, allowed)[:depth]
        return fuse(self.clauses, [(dense, 1.0), (lexical, coverage), (phrase, 1.0)], k, self.settings.rrf_k)

    def _phrase_rows(self, query: str, scores: np.ndarray, allowed: np.ndarray) -> list[int]:
        """Records containing a short query verbatim (市科委, 3000亿元), in BM25 order.

        Users type exact phrases; word-level BM25 alone ranks 市卫生健康委 as close to
        市卫生计生委 as the phrase itself. The bigram index (built on the first phrase query)
        reads only the records that can hold the phrase.
        """
        key = match_key(query).strip("?？。.!！")
        if not 2 <= len(key) <= PHRASE_MAX or " " in query.strip():
            return []
        rows = self.rows_containing(key)
        return bm25_order(scores, rows[allowed[rows]]).tolist()

    def rows_containing(self, text: str) -> np.ndarray:
        """Sorted rows whose text contains ``text`` (two characters or more) once both are
        match keys, read through the bigram index (built on first use)."""
        if self._phrases is None:
            self._phrases = PhraseIndex([match_key(c.text) for c in self.clauses])
        return self._phrases.rows_containing(match_key(text))


def read_vectors(path: Path) -> np.ndarray:
    """The vectors of a ``dense.faiss`` file (RuntimeError when FAISS cannot open it)."""
    import faiss

    index = faiss.read_index(str(path))
    return index.reconstruct_n(0, index.ntotal) if index.ntotal else np.zeros((0, index.d), "float32")


def bm25_order(scores: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``rows`` by descending score, ties by row: the order a stable argsort of all rows gives,
    without sorting all of them."""
    return rows[np.lexsort((rows, -scores[rows]))]


def fuse(clauses: list[Clause], ranked: list[tuple[list[int], float]], k: int, rrf_k: int) -> list[Hit]:
    """Weighted reciprocal-rank fusion: Σ weight / (rrf_k + rank) over the ranked lists.

    The lists are dense, BM25 and exact phrase; the hit keeps its dense and BM25 ranks.
    """
    hits: dict[int, Hit] = {}
    for position, (rows, weight) in enumerate(ranked):
        for rank, row in enumerate(rows, start=1):
            hit = hits.setdefault(row, Hit(clauses[row], 0.0))
            hit.score += weight / (rrf_k + rank)
            if position == 0:
                hit.dense_rank = rank
            elif position == 1:
                hit.lexical_rank = rank
    return sorted(hits.values(), key=lambda h: -h.score)[:k]


class _DenseStore:
    """Nearest records by vector, and the LangChain vector store over them.

    FAISS is searched directly (``index.search`` is all LangChain's ``FAISS`` wrapper does on
    this path, and its import costs seconds at start); its ``store`` is made on first use by
    whatever wants the LangChain interface. Other backends search through their store.
    """

    def __init__(self, vectors: np.ndarray, make_store, index=None):
        self.vectors = vectors
        self.index = index
        self._make_store = make_store
        self._store = None

    @property
    def store(self):
        """The LangChain ``VectorStore`` over the records (made on first use)."""
        if self._store is None:
            self._store = self._make_store()
        return self._store

    def _nearest(self, query_vector: list[float], k: int) -> list[int]:
        if self.index is not None:
            _, ids = self.index.search(np.asarray([query_vector], dtype="float32"), k)
            return [int(i) for i in ids[0] if i >= 0]
        return [doc.metadata["row"] for doc, _ in self.store.similarity_search_with_score_by_vector(query_vector, k=k)]

    def ranked(self, query_vector: list[float], depth: int, allowed: np.ndarray, filters: Filters = Filters()) -> list[int]:
        """Rows of the nearest allowed records, best first (``filters`` are already in ``allowed``).

        With a filter, look deeper; if the filter is so selective that too few neighbours
        pass, search everything once more.
        """
        total = len(allowed)
        fetch = min(total, depth if allowed.all() else depth * FILTER_OVERFETCH)
        while True:
            rows = [r for r in self._nearest(query_vector, fetch) if allowed[r]]
            if len(rows) >= min(depth, int(allowed.sum())) or fetch >= total:
                return rows[:depth]
            fetch = total


def _vector_store(vectors: np.ndarray | Callable[[], np.ndarray], clauses: list[Clause], embeddings: SentenceEmbeddings, settings: Settings,
                  documents: dict[str, Document], manifest: dict, label: str):
    """The vectors in the configured vector store (FAISS by default, LangChain's on demand);
    ``label`` names the index for a server store, which keeps one table per version of it.
    ``vectors`` may be a function that reads them: pgvector calls it only to load a version
    the server does not have yet, so its app processes do not hold the vectors."""
    backend = settings.vector_backend
    if backend == "pgvector":
        from .pgstore import pgvector_store

        return pgvector_store(vectors, clauses, documents, settings, manifest, label)
    vectors = vectors() if callable(vectors) else vectors

    def lc_documents():
        from langchain_core.documents import Document as LCDocument

        return [LCDocument(page_content=c.text, metadata={"row": i, "clause_id": c.clause_id})
                for i, c in enumerate(clauses)]

    if backend == "qdrant":
        from .backends import qdrant_store

        store = qdrant_store(vectors, lc_documents(), for_langchain(embeddings))
        return _DenseStore(vectors, lambda: store)
    if backend != "faiss":
        raise IndexMismatch(f"unknown vector_backend '{backend}'; use 'faiss', 'qdrant' or 'pgvector'")
    import faiss

    index = faiss.IndexFlatIP(vectors.shape[1] if len(vectors) else 384)
    if len(vectors):
        index.add(vectors)

    def langchain_faiss():
        from langchain_community.docstore.in_memory import InMemoryDocstore
        from langchain_community.vectorstores import FAISS
        from langchain_community.vectorstores.utils import DistanceStrategy

        docs = lc_documents()
        return FAISS(embedding_function=for_langchain(embeddings), index=index,
                     docstore=InMemoryDocstore({str(i): d for i, d in enumerate(docs)}),
                     index_to_docstore_id={i: str(i) for i in range(len(docs))},
                     distance_strategy=DistanceStrategy.MAX_INNER_PRODUCT)

    return _DenseStore(vectors, langchain_faiss, index)


def read_manifest(folder: Path, named: Path | None = None) -> dict:
    """The manifest of ``folder`` (a version folder or the index link, which messages name as
    ``named``), or IndexMissing saying how to build one."""
    path = Path(folder) / MANIFEST
    folder = named or folder
    if not path.is_file():
        raise IndexMissing(f"no index at {folder}; build it with: python -m index build --index-dir {folder}")
    try:
        return json.loads(path.read_text("utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise IndexMissing(f"index manifest {path} is unreadable ({exc}); rebuild with: "
                           f"python -m index build --index-dir {folder}") from exc


def check_manifest(manifest: dict, settings: Settings, model_id: str, folder: Path,
                   encoder: str | None = None) -> None:
    """Refuse an index built differently from what the settings ask for, the query encoder
    included: int8 vectors searched with fp32 queries (or the reverse) rank differently."""
    expected = {"format": FORMAT_VERSION, "embedding_model": model_id, "encoder": encoder or settings.encoder,
                "normalized": True, "query_prefix": settings.query_prefix, "passage_prefix": settings.passage_prefix}
    for key, want in expected.items():
        if manifest.get(key) != want:
            raise IndexMismatch(
                f"index at {folder} was built with {key}={manifest.get(key)!r} but the settings ask for "
                f"{want!r}; rebuild it with: python -m index build --index-dir {folder}")
