"""onnxruntime's intra-op threads for the query encoder: 1 thread, 2 spinning, 2 sleeping.

Each setting runs in one process (sessions made in turn, same model file), on a quiet machine
and again with the other core kept busy by a second process (as on a shared server or during
a build). Per setting: query p50/p95 over the gold development questions (one at a time,
after a warm-up pass), passages/s (64 × 200 characters, batch 32), and whether every query
vector is bitwise equal to one thread's. Prints a Markdown table (README "Answer latency").

    .venv/bin/python eval/bench_onnx_threads.py
"""
from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

SETTINGS = ((1, "1"), (2, "1"), (2, "0"))  # (intra-op threads, allow_spinning)


def measure(folder: Path, questions: list[str]) -> list[dict]:
    """Every setting of SETTINGS on the current load."""
    import numpy as np
    import onnxruntime
    from tokenizers import Tokenizer

    from eval.bench_threads import BATCH_SIZE, make_passages
    from index.onnx_provision import mapped_file

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))

    def feeds(texts: list[str]) -> dict:
        encodings = tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.ones((len(texts), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)], mask[i, :len(e.ids)] = e.ids, 1
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}

    queries = [feeds(["query: " + q]) for q in questions]
    passages = [feeds(["passage: " + p for p in batch]) for batch in
                (lambda ps: [ps[i:i + BATCH_SIZE] for i in range(0, len(ps), BATCH_SIZE)])(make_passages())]
    rows, reference = [], None
    for threads, spin in SETTINGS:
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.enable_cpu_mem_arena = False
        options.add_session_config_entry("session.intra_op.allow_spinning", spin)
        session = onnxruntime.InferenceSession(str(mapped_file(folder, "fp32")), options,
                                               providers=["CPUExecutionProvider"])
        vectors = [session.run(None, f)[0] for f in queries]  # warm-up pass, kept for equality
        times = []
        for f in queries:
            start = time.perf_counter()
            session.run(None, f)
            times.append(1000 * (time.perf_counter() - start))
        start = time.perf_counter()
        for f in passages:
            session.run(None, f)
        per_s = sum(len(f["input_ids"]) for f in passages) / (time.perf_counter() - start)
        reference = reference or vectors
        rows.append({"threads": threads, "spinning": spin == "1", "p50": float(np.median(times)),
                     "p95": float(np.percentile(times, 95)), "passages_per_s": per_s,
                     "equal": all(np.array_equal(a, b) for a, b in zip(reference, vectors))})
    return rows


def main() -> int:
    from eval.scoring import load_jsonl
    from index.embeddings import resolve_model
    from settings import Settings

    folder = Path(resolve_model(Settings.from_env()))
    questions = [q["question"] for q in load_jsonl(REPO / "eval" / "gold" / "dev.jsonl")]
    print("| other core | threads | idle threads | query p50 / p95 | passages/s | vectors = 1 thread's |")
    print("|---|---:|---|---|---:|---|")
    for load in ("quiet", "busy"):
        burner = subprocess.Popen([sys.executable, "-c", "while True: pass"]) if load == "busy" else None
        try:
            for r in measure(folder, questions):
                print(f"| {load} | {r['threads']} | {'spin' if r['spinning'] else 'sleep'} "
                      f"| {r['p50']:.1f} / {r['p95']:.1f} ms | {r['passages_per_s']:.1f} "
                      f"| {'yes' if r['equal'] else 'no'} |")
        finally:
            if burner:
                burner.kill()
    print(f"\n{len(questions)} development questions, each timed once after a warm-up pass.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
