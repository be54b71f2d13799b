"""Benchmark the converted e5-small with torch.set_num_threads(1) vs (2).

For each thread count a fresh subprocess (so thread settings cannot leak)
loads the provisioned sentence-transformers folder and measures:

* latency of encoding one short Chinese query (median and p95 over repeats,
  after warm-up);
* throughput encoding 64 Chinese passages of ~200 characters at batch 32.

Prints a Markdown table.  Usage::

    .venv/bin/python eval/bench_threads.py [--threads 1 2] [--repeats 30]
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
if str(REPO_ROOT) not in sys.path:
    sys.path.insert(0, str(REPO_ROOT))

QUERY = "医药健康产业营业收入目标是多少？"
N_PASSAGES, BATCH_SIZE, PASSAGE_CHARS = 64, 32, 200
_SENTENCES = [
    "医药健康产业是我国发展战略性新兴产业的重点方向，是助推北京创新发展的双发动机之一。",
    "到2023年，全市医药健康产业营业收入突破3000亿元，创新药和高端医疗器械实现新突破。",
    "支持符合条件的企业开展临床试验，对首次获批上市的创新药给予最高1000万元资金支持。",
    "市卫生健康委负责推动研究型病房建设，提升医疗机构临床研究能力和成果转化水平。",
    "加快推进药品和医疗器械审评审批制度改革，缩短创新产品从研发到上市的周期。",
    "强化知识产权保护和运用，完善科技成果转化收益分配机制，激发科研人员创新活力。",
    "优化产业空间布局，推动昌平、大兴等重点园区特色化发展，形成协同联动格局。",
    "加大对中小型创新企业的金融支持力度，鼓励社会资本设立医药健康产业投资基金。",
]


def make_passages(n: int = N_PASSAGES, chars: int = PASSAGE_CHARS) -> list[str]:
    """n distinct policy-style passages of exactly ``chars`` characters."""
    text = "".join(_SENTENCES)
    out = []
    for i in range(n):
        start = (i * 37) % len(text)  # rotate so passages differ
        doubled = text[start:] + text[:start]
        out.append((doubled * (chars // len(text) + 1))[:chars])
    return out


def run_worker(threads: int, model_dir: str, repeats: int) -> dict:
    """Measure in this process with ``threads`` intra-op threads; returns the numbers."""
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(model_dir, device="cpu", local_files_only=True)
    for _ in range(5):  # warm-up: allocator, kernels, tokenizer caches
        model.encode(QUERY, prompt_name="query")
    lat = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.encode(QUERY, prompt_name="query")
        lat.append((time.perf_counter() - t0) * 1000)
    passages = make_passages()
    model.encode(passages[:BATCH_SIZE], prompt_name="passage", batch_size=BATCH_SIZE)  # warm-up
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        model.encode(passages, prompt_name="passage", batch_size=BATCH_SIZE)
        runs.append(time.perf_counter() - t0)
    tokens = [len(model.tokenizer("passage: " + p)["input_ids"]) for p in passages]
    return {
        "threads": torch.get_num_threads(),
        "query_median_ms": float(np.median(lat)),
        "query_p95_ms": float(np.percentile(lat, 95)),
        "passages_per_s": N_PASSAGES / float(np.median(runs)),
        "passage_tokens_mean": float(np.mean(tokens)),
    }


def spawn(threads: int, model_dir: Path, repeats: int) -> dict:
    """Run one measurement in a fresh interpreter with thread env vars pinned too."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads),
               HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", str(threads),
           "--model", str(model_dir), "--repeats", str(repeats)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"worker ({threads} threads) failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def markdown_table(rows: list[dict], repeats: int) -> str:
    """Format the results as a Markdown table."""
    lines = [
        f"| torch threads | query median (ms) | query p95 (ms) | passages/s (64 × {PASSAGE_CHARS} chars, batch {BATCH_SIZE}) |",
        "|---:|---:|---:|---:|",
    ]
    for r in rows:
        lines.append(f"| {r['threads']} | {r['query_median_ms']:.1f} | {r['query_p95_ms']:.1f} "
                     f"| {r['passages_per_s']:.1f} |")
    toks = rows[0]["passage_tokens_mean"]
    lines.append("")
    lines.append(f"Query: {QUERY!r} ({repeats} repeats after warm-up); passages average "
                 f"{toks:.0f} tokens; {os.cpu_count()} CPUs visible.")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Entry point: parent mode spawns one worker per thread count; worker mode measures."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--model", type=Path, default=None, help="model folder (default: provision)")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker is not None:
        print(json.dumps(run_worker(args.worker, str(args.model), args.repeats)))
        return 0
    from index.provision import ensure_model

    model_dir = args.model or ensure_model()
    rows = [spawn(n, model_dir, args.repeats) for n in args.threads]
    print(markdown_table(rows, args.repeats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
