"""Index benchmark: build time, embedding throughput in the pipeline vs the raw model, query
latency and memory, on the shipped corpus and on a synthetic corpus of N clauses.

    .venv/bin/python eval/bench_index.py             # both scenarios, Markdown table
    .venv/bin/python eval/bench_index.py --n 100000  # size of the synthetic corpus
    .venv/bin/python eval/bench_index.py --phrases --n 100000  # phrase matcher: index vs loop

Each scenario runs in its own process so that resident memory is its own. The synthetic corpus
recombines sentences of the real clauses; its dense vectors are random unit vectors (embedding
100k clauses at ~9 passages/s would take three hours here, and a flat FAISS search costs the
same whatever the vectors hold). Medians and p95 are over the query set, repeated.
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

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

QUERIES = ["2023年医药健康产业营业收入目标", "How many new listed companies by 2023?", "市卫生计生委",
           "昌平区计划落地跨国药企总部或研发中心多少家？", "通州总产值目标", "脑机接口", "3000亿元",
           "哪个部门负责建立生物安全创新技术体系", "研究型病房建多少个", "支持跨国公司在京设立研发中心",
           "昌平區創新藥目標是多少", "What support is there for AI drug discovery?"]


def _memory_mb() -> dict:
    fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    return {"rss_mb": int(fields["VmRSS"].split()[0]) / 1024, "peak_mb": int(fields["VmHWM"].split()[0]) / 1024}


def _latencies(index, repeats: int) -> dict:
    index.search(QUERIES[0])  # warm-up: first query loads lazy parts
    times = []
    for _ in range(repeats):
        for query in QUERIES:
            start = time.perf_counter()
            index.search(query, k=10)
            times.append((time.perf_counter() - start) * 1000)
    from eval.scoring import percentiles

    p50, p95 = percentiles(times)
    return {"queries": len(times), "p50_ms": p50, "p95_ms": p95}


def corpus_scenario(repeats: int) -> dict:
    """Build the real corpus from scratch, then compare with raw encode on the same texts."""
    from index.build import build_index
    from index.embeddings import SentenceEmbeddings
    from index.store import embed_text
    from settings import Settings

    settings = Settings.from_env()
    embeddings = SentenceEmbeddings(settings)
    embeddings.model  # load outside the timings: both paths use the same loaded model
    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        index = build_index([settings.plans_dir], Path(tmp) / "index", settings, embeddings)
        build_s = time.perf_counter() - start
        texts = [settings.passage_prefix + embed_text(c, index.documents[c.doc_id]) for c in index.clauses]
        start = time.perf_counter()
        embeddings.encode(texts)
        raw_s = time.perf_counter() - start
        result = {"records": len(index.clauses), "build_s": build_s,
                  "pipeline_passages_per_s": len(texts) / build_s, "raw_passages_per_s": len(texts) / raw_s}
        result["pipeline_vs_raw"] = result["pipeline_passages_per_s"] / result["raw_passages_per_s"]
        result.update(_latencies(index, repeats))
    result.update(_memory_mb())
    return result


def synthetic_scenario(n: int, repeats: int) -> dict:
    """n synthetic clauses from recombined real sentences, random unit vectors."""
    import dataclasses

    import numpy as np

    from index.embeddings import SentenceEmbeddings
    from index.lexical import BM25Index, tokenize
    from index.store import PlanIndex, embed_text
    from ingest import ingest_paths
    from settings import Settings

    settings = Settings.from_env()
    base = ingest_paths([settings.plans_dir])
    docs = {d.doc_id: d for d in base.documents}
    sentences = [s for c in base.clauses for s in c.text.replace("\n", "。").split("。") if len(s) > 8]
    rng = random.Random(0)
    clauses = []
    for i in range(n):
        template = base.clauses[i % len(base.clauses)]
        text = "。".join(rng.sample(sentences, 3)) + "。"
        clauses.append(dataclasses.replace(template, clause_id=f"{template.clause_id}~{i}", text=text))
    embeddings = SentenceEmbeddings(settings)
    embeddings.model
    start = time.perf_counter()
    tokens = [tokenize(embed_text(c, docs[c.doc_id])) for c in clauses]
    bm25 = BM25Index.build(tokens)
    lexical_s = time.perf_counter() - start
    vectors = np.random.default_rng(0).standard_normal((n, 384)).astype("float32")
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    start = time.perf_counter()
    index = PlanIndex(Path("."), {}, list(docs.values()), clauses, [""] * n, vectors, bm25, embeddings, settings)
    dense_s = time.perf_counter() - start
    result = {"records": n, "bm25_build_s": lexical_s, "dense_build_s": dense_s}
    result.update(_latencies(index, repeats))
    result.update(_memory_mb())
    return result


def phrase_scenario(n: int) -> str:
    """The phrase matcher on n synthetic clauses: the bigram index against the loop over every
    record it replaced (same rows asserted), median over a few phrases."""
    import numpy as np

    from index.phrases import PhraseIndex
    from index.store import bm25_order
    from ingest import ingest_paths
    from ingest.text import match_key
    from settings import Settings

    base = ingest_paths([Settings.from_env().plans_dir])
    sentences = [s for c in base.clauses for s in c.text.replace("\n", "。").split("。") if len(s) > 8]
    rng = random.Random(0)
    keys = [match_key("。".join(rng.sample(sentences, 3)) + "。") for _ in range(n)]
    start = time.perf_counter()
    index = PhraseIndex(keys)
    build_s = time.perf_counter() - start
    scores, allowed = np.random.default_rng(0).random(n), np.ones(n, dtype=bool)
    loop, indexed = [], []
    for phrase in ["市科委", "3000亿元", "脑机接口", "市卫生计生委", "研究型病房", "不存在的词"]:
        key = match_key(phrase)
        start = time.perf_counter()
        order = np.argsort(-scores, kind="stable")
        old = [int(i) for i in order if allowed[i] and key in keys[i]]
        loop.append(time.perf_counter() - start)
        start = time.perf_counter()
        rows = index.rows_containing(key)
        new = bm25_order(scores, rows[allowed[rows]]).tolist()
        indexed.append(time.perf_counter() - start)
        assert old == new, phrase
    return (f"{n:,} clauses: bigram index built in {build_s:.1f} s; loop over every record "
            f"{1000 * np.median(loop):.1f} ms, bigram index {1000 * np.median(indexed):.2f} ms (median of "
            f"{len(loop)} phrases, same rows)")


def main() -> int:
    """Run both scenarios in subprocesses and print a Markdown table (or one scenario as JSON)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="synthetic corpus size")
    parser.add_argument("--repeats", type=int, default=5, help="passes over the query set")
    parser.add_argument("--scenario", choices=["corpus", "synthetic"], help="run one scenario (JSON out)")
    parser.add_argument("--phrases", action="store_true", help="only: phrase matcher, index vs loop, at --n")
    args = parser.parse_args()
    if args.phrases:
        print(phrase_scenario(args.n))
        return 0
    if args.scenario:
        run = corpus_scenario(args.repeats) if args.scenario == "corpus" else synthetic_scenario(args.n, args.repeats)
        print(json.dumps(run))
        return 0
    results = {}
    for scenario in ("corpus", "synthetic"):
        out = subprocess.run([sys.executable, __file__, "--scenario", scenario, "--n", str(args.n),
                              "--repeats", str(args.repeats)], capture_output=True, text=True, check=True)
        results[scenario] = json.loads(out.stdout.strip().splitlines()[-1])
    c, s = results["corpus"], results["synthetic"]
    print("| measure | shipped corpus | synthetic |\n|---|---|---|")
    print(f"| records | {c['records']} | {s['records']:,} |")
    print(f"| build | {c['build_s']:.1f} s (ingest + embed + write) | BM25 {s['bm25_build_s']:.1f} s, "
          f"FAISS {s['dense_build_s']:.1f} s |")
    print(f"| embedding, in pipeline | {c['pipeline_passages_per_s']:.1f} passages/s | — |")
    print(f"| embedding, raw `encode` | {c['raw_passages_per_s']:.1f} passages/s | — |")
    print(f"| pipeline / raw | {c['pipeline_vs_raw']:.2f} | — |")
    print(f"| query latency p50 | {c['p50_ms']:.0f} ms | {s['p50_ms']:.0f} ms |")
    print(f"| query latency p95 | {c['p95_ms']:.0f} ms | {s['p95_ms']:.0f} ms |")
    print(f"| resident memory (peak) | {c['rss_mb']:.0f} MB ({c['peak_mb']:.0f} MB) | "
          f"{s['rss_mb']:.0f} MB ({s['peak_mb']:.0f} MB) |")
    print(f"\n{c['queries']} timed queries per scenario (12 queries × {args.repeats}).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
