"""PostgreSQL + pgvector as the dense store (``PLANQA_VECTOR_BACKEND=pgvector``).

The index folder stays what is built, copied and migrated; PostgreSQL holds its vectors and the
metadata the filters read, one table per index version, named after the hash of its manifest.
A registry table ``planqa_indexes`` keeps each version's manifest, so every app process that
loads the same version finds its table filled and indexed and loads nothing; the first one
fills it (COPY, then an HNSW index) under an advisory lock.

Queries go through LangChain's ``PGVectorStore`` (langchain-postgres): its filter language
becomes the SQL ``WHERE`` of the nearest-neighbour query, and its ``QueryOptions`` set
pgvector's ``hnsw.ef_search`` and ``hnsw.iterative_scan`` for that query only. The bulk load
and the registry use psycopg 3 with the ``pgvector`` package directly: the LangChain class
inserts row by row and has no notion of an index version.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
import threading
from urllib.parse import urlsplit, urlunsplit

import numpy as np
from langchain_postgres.v2.indexes import QueryOptions

from ingest.text import match_key
from ingest.types import Clause, Document

from .types import Filters, StoreUnreachable

REGISTRY = "planqa_indexes"
KEEP_VERSIONS = 2  # per index folder: the current one and the one a running app may still read
METADATA = ["row_id", "doc_id", "title_key", "region_key", "period_start", "period_end",
            "valid_from", "valid_to", "repealed"]
_ENGINES: dict[str, object] = {}  # one LangChain engine (connection pool) per URL and process
_ENGINES_LOCK = threading.Lock()


def redacted(url: str) -> str:
    """``url`` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.hostname + (f":{parts.port}" if parts.port else "")
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


def connect(url: str):
    """A psycopg connection with pgvector's types, or StoreUnreachable naming the URL and the fix."""
    import psycopg

    if not url:
        raise StoreUnreachable("PLANQA_VECTOR_BACKEND=pgvector needs a server: set PLANQA_PG_URL "
                               "(e.g. postgresql://user@host:5432/db), or start one on this machine with "
                               "`python -m index.pgserver start` and use the URL it prints")
    try:
        conn = psycopg.connect(url, autocommit=True, connect_timeout=10)
    except psycopg.Error as exc:
        reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise StoreUnreachable(
            f"cannot connect to PostgreSQL at {redacted(url)} ({reason}); check PLANQA_PG_URL and that "
            f"the server runs (on this machine: python -m index.pgserver start), "
            f"or set PLANQA_VECTOR_BACKEND=faiss") from exc
    try:  # looked up first: a read replica refuses even CREATE EXTENSION IF NOT EXISTS
        if not conn.execute("SELECT 1 FROM pg_extension WHERE extname = 'vector'").fetchone():
            conn.execute("CREATE EXTENSION vector")
    except psycopg.Error as exc:
        conn.close()
        raise StoreUnreachable(f"the PostgreSQL server at {redacted(url)} has no pgvector extension "
                               f"({str(exc).strip().splitlines()[0]}); install pgvector on it "
                               f"(https://github.com/pgvector/pgvector) or use python -m index.pgserver") from exc
    from pgvector.psycopg import register_vector

    register_vector(conn)
    return conn


def version_table(manifest: dict) -> str:
    """The table of one index version: named after the hash of its manifest."""
    digest = hashlib.sha256(json.dumps(manifest, sort_keys=True, ensure_ascii=False).encode()).hexdigest()
    return f"planqa_clauses_{digest[:16]}"


def metadata_rows(clauses: list[Clause], documents: dict[str, Document]) -> list[tuple]:
    """Per record, the document facts the filters test (as METADATA orders them)."""
    rows = []
    for i, clause in enumerate(clauses):
        doc = documents[clause.doc_id]
        start = doc.effective_from or doc.issue_date or (dt.date(doc.period_start, 1, 1) if doc.period_start else None)
        end = doc.valid_until or (dt.date(doc.period_end, 12, 31) if doc.period_end else None)
        rows.append((i, doc.doc_id, match_key(doc.title), match_key(doc.region or ""), doc.period_start,
                     doc.period_end, start, end, bool(doc.repealed_by)))
    return rows


def ensure_table(url: str, manifest: dict, label: str, vectors: np.ndarray, clauses: list[Clause],
                 documents: dict[str, Document], hnsw: dict) -> str:
    """The table of this index version, filled and indexed (by this process or an earlier one)."""
    import psycopg

    table = version_table(manifest)
    with connect(url) as conn:
        if _registered(conn, table):  # the usual case, and the only one a read replica can serve
            return table
        try:
            conn.execute(f"CREATE TABLE IF NOT EXISTS {REGISTRY} (table_name text PRIMARY KEY, label text NOT NULL, "
                         "manifest jsonb NOT NULL, rows integer NOT NULL, loaded_at timestamptz NOT NULL DEFAULT now())")
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (table,))  # one loader per version
                if _registered(conn, table):
                    return table
                _fill(conn, table, vectors, metadata_rows(clauses, documents), [c.text for c in clauses], hnsw)
                conn.execute(f"INSERT INTO {REGISTRY} (table_name, label, manifest, rows) VALUES (%s, %s, %s, %s)",
                             (table, label, json.dumps(manifest, ensure_ascii=False), len(clauses)))
            _prune(conn, label)
        except psycopg.Error as exc:
            raise StoreUnreachable(
                f"cannot load the index version into PostgreSQL at {redacted(url)} "
                f"({str(exc).strip().splitlines()[0]}); a read replica cannot: load it once through the primary "
                f"(run `python -m index build` or `index search` with PLANQA_PG_URL set to the primary)") from exc
    return table


def _registered(conn, table: str) -> bool:
    """Whether ``table`` is a loaded version (the registry may not exist yet)."""
    if conn.execute("SELECT to_regclass(%s)", (REGISTRY,)).fetchone()[0] is None:
        return False
    return conn.execute(f"SELECT 1 FROM {REGISTRY} WHERE table_name = %s", (table,)).fetchone() is not None


def _fill(conn, table: str, vectors: np.ndarray, metadata: list[tuple], texts: list[str], hnsw: dict) -> None:
    """Create ``table``, COPY the records in (binary) and build the HNSW index over inner product."""
    dim = vectors.shape[1]
    conn.execute(f"DROP TABLE IF EXISTS {table}")  # one whose registry row was deleted by hand
    conn.execute(f"""CREATE TABLE {table} (row_id integer PRIMARY KEY, doc_id text NOT NULL,
        title_key text NOT NULL, region_key text NOT NULL, period_start integer, period_end integer,
        valid_from date, valid_to date, repealed boolean NOT NULL, content text NOT NULL,
        embedding vector({dim}) NOT NULL)""")
    with conn.cursor().copy(f"COPY {table} ({', '.join(METADATA)}, content, embedding) FROM STDIN "
                            "WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "text", "text", "int4", "int4", "date", "date", "bool", "text", "vector"])
        for meta, text, vector in zip(metadata, texts, vectors):
            copy.write_row((*meta, text, vector))
    conn.execute(f"SET LOCAL maintenance_work_mem = '{hnsw.get('maintenance_work_mem', '1GB')}'")
    conn.execute(f"CREATE INDEX ON {table} USING hnsw (embedding vector_ip_ops) "
                 f"WITH (m = {int(hnsw['m'])}, ef_construction = {int(hnsw['ef_construction'])})")
    conn.execute(f"CREATE INDEX ON {table} (doc_id)")
    conn.execute(f"ANALYZE {table}")


def _prune(conn, label: str) -> None:
    """Drop this folder's versions older than the newest KEEP_VERSIONS."""
    old = conn.execute(f"SELECT table_name FROM {REGISTRY} WHERE label = %s ORDER BY loaded_at DESC OFFSET %s",
                       (label, KEEP_VERSIONS)).fetchall()
    for (table,) in old:
        with conn.transaction():
            conn.execute(f"DROP TABLE IF EXISTS {table}")
            conn.execute(f"DELETE FROM {REGISTRY} WHERE table_name = %s", (table,))


def sql_filter(filters: Filters) -> dict | None:
    """``filters`` in LangChain's filter language over the metadata columns (None: no filter).

    It says what ``Filters.allows`` says, as SQL: containment is ``LIKE '%key%'`` over the
    folded title and region, a plan period overlaps the years, validity brackets the day.
    """
    parts: list[dict] = []
    if filters.plans:
        parts.append({"$or": [alternative for key in filters.plans for alternative in (
            {"doc_id": {"$like": _like(key) + "%"}}, {"title_key": {"$like": f"%{_like(match_key(key))}%"}})]})
    if filters.region:
        parts.append({"region_key": {"$like": f"%{_like(match_key(filters.region))}%"}})
    if filters.years:
        low, high = filters.years
        parts.append({"$or": [{"period_start": {"$exists": False}},
                              {"$and": [{"period_end": {"$gte": low}}, {"period_start": {"$lte": high}}]}]})
    if filters.in_force_on:
        day = filters.in_force_on
        parts.append({"$and": [{"repealed": {"$eq": False}},
                               {"$or": [{"valid_from": {"$exists": False}}, {"valid_from": {"$lte": day}}]},
                               {"$or": [{"valid_to": {"$exists": False}}, {"valid_to": {"$gte": day}}]}]})
    return {"$and": parts} if parts else None


def _like(text: str) -> str:
    """``text`` as a LIKE pattern that matches it literally."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclasses.dataclass
class _Scan(QueryOptions):
    """pgvector settings for one query (langchain-postgres runs each as ``SET LOCAL``)."""

    ef_search: int
    exact: bool = False

    def to_parameter(self) -> list[str]:
        if self.exact:  # a sequential scan: every allowed row, ordered exactly
            return ["enable_indexscan = off"]
        # strict_order: with a WHERE, keep walking the graph until LIMIT rows pass, in distance order
        return [f"hnsw.ef_search = {self.ef_search}", "hnsw.iterative_scan = strict_order"]

    def to_string(self) -> str:
        return ", ".join(self.to_parameter())


def langchain_stores(url: str, table: str, embeddings, ef_search: int):
    """Two LangChain PGVectorStores over ``table``: through the HNSW index, and exact."""
    from langchain_postgres import PGEngine, PGVectorStore
    from langchain_postgres.v2.indexes import DistanceStrategy

    driver_url = url.replace("postgresql://", "postgresql+psycopg://", 1).replace("postgres://", "postgresql+psycopg://", 1)
    with _ENGINES_LOCK:
        if driver_url not in _ENGINES:
            _ENGINES[driver_url] = PGEngine.from_connection_string(driver_url, pool_pre_ping=True)
    engine = _ENGINES[driver_url]

    def store(options: _Scan):
        return PGVectorStore.create_sync(
            engine, embedding_service=embeddings, table_name=table, id_column="row_id", content_column="content",
            embedding_column="embedding", metadata_columns=METADATA, metadata_json_column=None,
            distance_strategy=DistanceStrategy.INNER_PRODUCT, index_query_options=options)

    return store(_Scan(ef_search)), store(_Scan(ef_search, exact=True))


class PgDenseStore:
    """Nearest allowed rows from PostgreSQL; the same ``ranked`` as the in-process stores."""

    def __init__(self, store, exact_store, vectors: np.ndarray, table: str, url: str = ""):
        self.url = url
        self.store = store
        self.exact_store = exact_store
        self.vectors = vectors
        self.table = table

    def ranked(self, query_vector: list[float], depth: int, allowed: np.ndarray, filters: Filters = Filters()) -> list[int]:
        """Rows of the nearest records that ``filters`` allow (a SQL WHERE), best first.

        The HNSW scan stops after hnsw.max_scan_tuples; if a very selective filter leaves it
        short, the query runs again as an exact scan.
        """
        want = min(depth, int(allowed.sum()))
        if not want:
            return []
        where = sql_filter(filters)
        rows = self._rows(self.store, query_vector, depth, where)
        if len(rows) < want:
            rows = self._rows(self.exact_store, query_vector, depth, where)
        return rows

    def _rows(self, store, query_vector, depth: int, where: dict | None) -> list[int]:
        from sqlalchemy.exc import DBAPIError

        try:
            found = store.similarity_search_with_score_by_vector(list(map(float, query_vector)), k=depth, filter=where)
        except DBAPIError as exc:  # the server went away, or the table was dropped by hand
            reason = str(exc.orig or exc).strip().splitlines()[0]
            raise StoreUnreachable(f"PostgreSQL at {redacted(self.url)} did not answer the search ({reason}); "
                                   f"check that the server runs (on this machine: python -m index.pgserver start) "
                                   f"and reload the index, or set PLANQA_VECTOR_BACKEND=faiss") from exc
        return [int(doc.metadata["row_id"]) for doc, _ in found]


def pgvector_store(vectors: np.ndarray, clauses: list[Clause], documents: dict[str, Document], embeddings,
                   settings, manifest: dict, label: str) -> PgDenseStore:
    """The pgvector store for one index version, loading it into the server if it is not there."""
    if len(vectors) == 0:  # nothing to search: no table either
        return PgDenseStore(None, None, vectors, "")
    hnsw = {"m": settings.pg_hnsw_m, "ef_construction": settings.pg_hnsw_ef_construction}
    table = ensure_table(settings.pg_url, manifest, label, vectors, clauses, documents, hnsw)
    store, exact = langchain_stores(settings.pg_url, table, embeddings, settings.pg_ef_search)
    return PgDenseStore(store, exact, vectors, table, settings.pg_url)
