"""Encoder and start-up benchmark, in one run: torch fp32 vs ONNX fp32 vs ONNX int8, the app's
cold start, the one-shot CLI, and answer latency (README "Speed").

    .venv/bin/python eval/bench_encoders.py                # encoders, cold starts, latency
    .venv/bin/python eval/bench_encoders.py --build 10000 --raw-sample 40  # only: a 10,000-clause build vs raw encode
    .venv/bin/python eval/bench_encoders.py --starts var/index --runs 5    # only: app and CLI cold starts

Each encoder runs in its own process (its load time then includes its imports): it builds an
index of the shipped plans, then answers every gold question (dev…dev5, test, paraphrases).
Printed per encoder: load time, query p50/p95 (one uncached query at a time), passages/s
(batches of 32, query thread count), cosine to torch's vectors (min and median over every
record and question), recall@5 of hybrid search (a gold clause among the top 5), answers that
differ from torch's (text, refusal or citations), strict accuracy on the test split and the
paraphrases (aggregates only: the test split is frozen), and answer latency p50/p95 over the
test questions. Then three app launches (launch → port open → first answer through the API)
and three `python -m engine ask` runs, on the ONNX fp32 index.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

ENCODERS = ("torch-fp32", "onnx-fp32", "onnx-int8")
SPLITS = ("test", "dev", "dev2", "dev3", "dev4", "dev5", "paraphrases")  # test first: timed as `eval run` times it
STRICT_SPLITS = ("test", "paraphrases")
FIRST_QUESTION = "2023年北京医药健康产业营业收入目标是多少？"


def gold_questions() -> list[dict]:
    """Every gold question, tagged with its split."""
    from eval.scoring import load_jsonl

    return [q | {"split": split} for split in SPLITS for q in load_jsonl(REPO / "eval" / "gold" / f"{split}.jsonl")]


def encoder_run(encoder: str, out: Path) -> dict:
    """One encoder, measured in this process (run it in a fresh one)."""
    start = time.perf_counter()
    import numpy as np

    from index.embeddings import SentenceEmbeddings
    from settings import Settings

    settings = Settings.from_env(encoder=encoder)
    embeddings = SentenceEmbeddings(settings)
    embeddings.model
    result = {"encoder": encoder, "load_s": time.perf_counter() - start,
              "threads": settings.torch_threads if encoder.startswith("torch") else settings.onnx_threads}
    questions = gold_questions()
    texts = sorted({q["question"] for q in questions})
    result.update(_query_times(embeddings, texts))
    from index.build import build_index
    from index.store import embed_text

    index = build_index([settings.plans_dir], out / encoder / "index", settings, embeddings)
    passages = [settings.passage_prefix + embed_text(c, index.documents[c.doc_id]) for c in index.clauses]
    batch = (passages * (512 // len(passages) + 1))[:512]
    start = time.perf_counter()
    embeddings.encode(batch)
    result["passages_per_s"] = len(batch) / (time.perf_counter() - start)
    np.save(out / f"{encoder}.npy", np.vstack([embeddings.encode(passages),
                                              embeddings.encode([settings.query_prefix + t for t in texts])]))
    result.update(_answers(index, settings, questions, out / f"{encoder}.answers.json"))
    return result


def _query_times(embeddings, texts: list[str]) -> dict:
    """p50/p95 of encoding one query (uncached) over the distinct gold questions."""
    from eval.scoring import percentiles

    embeddings.encode(["query: 预热"])
    times = []
    for text in texts:
        start = time.perf_counter()
        embeddings.encode([embeddings.settings.query_prefix + text])
        times.append((time.perf_counter() - start) * 1000)
    p50, p95 = percentiles(times)
    return {"query_p50_ms": p50, "query_p95_ms": p95}


def _answers(index, settings, questions: list[dict], path: Path) -> dict:
    """Answer every question; recall@5, strict per split, latency over the test split."""
    from engine import Engine, QuestionError
    from eval.scoring import _cited, percentiles, score

    engine = Engine(index, settings)
    engine.warm()
    lines = {}
    for q in questions:
        try:
            answer = engine.ask(q["question"], history=[str(h) for h in q.get("history", [])])
            lines[f"{q['split']}/{q['id']}"] = answer.to_eval_json(str(q["id"]))
        except QuestionError as exc:
            lines[f"{q['split']}/{q['id']}"] = {"id": q["id"], "answer": str(exc), "refused": True,
                                                "citations": [], "contexts": [], "latency_ms": 0.0}
    path.write_text(json.dumps(lines, ensure_ascii=False), "utf-8")
    found = asked = 0
    for q in questions:  # after the answers, so that no answer finds its query vector cached
        if q.get("gold_clauses") and not q.get("history"):
            hits = index.search(q["question"], k=5)
            cites = [{"title": h.clause.title, "clause": h.clause.path} for h in hits]
            found += any(_cited(c, g) for c in cites for g in q["gold_clauses"])
            asked += 1
    result = {"recall_at_5": found / asked, "recall_questions": asked}
    for split in STRICT_SPLITS:
        mine = [q for q in questions if q["split"] == split]
        result[f"strict_{split}"] = score(mine, [lines[f"{split}/{q['id']}"] for q in mine])["overall"]["strict"]
    test = [lines[f"test/{q['id']}"]["latency_ms"] for q in questions if q["split"] == "test"]
    result["answer_p50_ms"], result["answer_p95_ms"] = percentiles(test)
    return result


def compare(out: Path, runs: dict) -> None:
    """Cosine to torch's vectors and answers that differ from torch's, added to each run."""
    import numpy as np

    reference = np.load(out / "torch-fp32.npy")
    answers = json.loads((out / "torch-fp32.answers.json").read_text("utf-8"))
    for encoder, run in runs.items():
        cosine = (np.load(out / f"{encoder}.npy") * reference).sum(axis=1)
        run["cosine_min"], run["cosine_median"] = float(cosine.min()), float(np.median(cosine))
        mine = json.loads((out / f"{encoder}.answers.json").read_text("utf-8"))
        run["answers_changed"] = sum(_key(mine[k]) != _key(answers[k]) for k in answers)
        run["answers_total"] = len(answers)


def _key(line: dict) -> tuple:
    return line["answer"], line["refused"], json.dumps(line["citations"], ensure_ascii=False)


def app_cold_start(index_dir: Path, expected: str) -> dict:
    """Launch app.py on a free port: seconds to the open port and to the first answer."""
    from gradio_client import Client

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    start = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), "--index-dir", str(index_dir)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            if proc.poll() is not None or time.perf_counter() - start > 120:
                raise RuntimeError("the app did not open its port")
            time.sleep(0.02)
        port_s = time.perf_counter() - start
        line = json.loads(Client(f"http://127.0.0.1:{port}/", verbose=False).predict(FIRST_QUESTION, api_name="/ask"))
        return {"port_s": port_s, "first_answer_s": time.perf_counter() - start, "correct": line["answer"] == expected}
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def cli_cold_start(index_dir: Path) -> float:
    """Seconds for one `python -m engine ask` from launch to exit."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "engine", "ask", "--index-dir", str(index_dir), FIRST_QUESTION],
                   cwd=REPO, check=True, capture_output=True)
    return time.perf_counter() - start


def build_run(n: int, out: Path, sample_batches: int = 0) -> dict:
    """A build of >= n synthetic clauses (real sentences recombined) through `python -m index
    build`, against the raw encoder on the same passages at the same thread count. With
    ``sample_batches``, the raw encoder runs only that many of the build's own batches (the
    passages sorted by length and cut into batches of 32 as the encoder does, then every k-th
    batch from a random start, so long and short alike), once before and once after the build,
    and its rate is the mean of the two."""
    from index.store import embed_text
    from ingest import ingest_paths
    from settings import Settings

    settings = Settings.from_env()
    base = ingest_paths([settings.plans_dir])
    sentences = sorted({s for c in base.clauses for s in c.text.replace("\n", "。").split("。") if len(s) > 8})
    rng, source = random.Random(0), out / "synthetic"
    source.mkdir(parents=True, exist_ok=True)
    for k in range(n // 130 + 1):  # ~133 records a file
        lines = [f"测试市第{k}号产业发展三年行动计划（2023-2025年）", "一、重点任务"]
        for g in range(10):
            lines.append(f"（{'一二三四五六七八九十'[g]}）任务组{g + 1}")
            lines += [f"{i}. " + "。".join(rng.sample(sentences, 3)) + "。" for i in range(1, 11)]
        (source / f"plan{k:03d}.txt").write_text("\n".join(lines), "utf-8")
    batches = out / "raw-batches.json"
    if sample_batches:
        synthetic = ingest_paths([source])
        docs = {d.doc_id: d for d in synthetic.documents}
        texts = [embed_text(c, docs[c.doc_id]) for c in synthetic.clauses]
        order = sorted(range(len(texts)), key=lambda i: -len(settings.passage_prefix + texts[i]))  # the encoder's order
        cut = [order[i:i + settings.embed_batch] for i in range(0, len(order), settings.embed_batch)]
        step = max(1, len(cut) // sample_batches)  # every step-th batch: longest to shortest alike
        picked = cut[random.Random(1).randrange(step)::step][:sample_batches]
        batches.write_text(json.dumps([[texts[i] for i in b] for b in picked], ensure_ascii=False), "utf-8")
    raws = [_raw(out, batches)] if sample_batches else []
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "index", "build", "--index-dir", str(out / "built"),
                           "--source", str(source)], cwd=REPO, check=True, stderr=subprocess.PIPE, text=True)
    build_s = time.perf_counter() - start
    encoding_s = _bar_seconds(done.stderr)
    if not sample_batches:  # every passage, in one call: the encoder sorts and batches them as the build did
        batches.write_text(json.dumps([_built_texts(out / "built")], ensure_ascii=False), "utf-8")
    raws.append(_raw(out, batches))
    records = json.loads((out / "built" / "manifest.json").read_text("utf-8"))["counts"]["records"]
    result = {"records": records, "build_s": build_s, "build_passages_per_s": records / build_s,
              "encoding_s": encoding_s, "encoding_passages_per_s": records / encoding_s,
              "raw_runs": raws, "raw_passages": raws[0]["passages"],
              "raw_passages_per_s": sum(r["passages_per_s"] for r in raws) / len(raws)}
    result["build_vs_raw"] = result["build_passages_per_s"] / result["raw_passages_per_s"]
    return result


def _bar_seconds(stderr: str) -> float:
    """Seconds the build spent embedding, from its finished progress bar ("… 10000/10000
    [28:03<00:00, 5.94passage/s]"): the encoder's own time inside the build, same process and
    same moment, against which the whole build's wall time shows what the rest of it costs."""
    import re

    bars = re.findall(r"embedding: 100%\|[^|]*\| (\d+)/\1 \[((?:\d+:)?\d+:\d+)<", stderr)
    if not bars:
        raise RuntimeError(f"no finished progress bar in the build's output:\n{stderr[-2000:]}")
    seconds = 0
    for part in bars[-1][1].split(":"):
        seconds = seconds * 60 + int(part)
    return float(seconds)


def _built_texts(index_dir: Path) -> list[str]:
    """Every passage of a built index, as the build embedded it."""
    from index.embeddings import SentenceEmbeddings
    from index.store import PlanIndex, embed_text
    from settings import Settings

    settings = Settings.from_env()
    index = PlanIndex.load(index_dir, settings, SentenceEmbeddings(settings))
    return [embed_text(c, index.documents[c.doc_id]) for c in index.clauses]


def _raw(out: Path, batches: Path) -> dict:
    """The raw encoder over the batches in ``batches`` (a JSON list of lists of passages), in a
    fresh process at the build's thread count."""
    done = subprocess.run([sys.executable, __file__, "--raw-encode", str(batches)], cwd=REPO, check=True,
                          capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def raw_encode(batches_file: Path) -> dict:
    """Passages/s of the raw encoder, model loaded, at the build's thread count: each batch of
    the file encoded by one call (so each keeps its composition and padding)."""
    import dataclasses

    from index.embeddings import SentenceEmbeddings
    from settings import Settings

    settings = Settings.from_env()
    embeddings = SentenceEmbeddings(dataclasses.replace(settings, torch_threads=settings.build_threads,
                                                                  onnx_threads=settings.build_threads))
    batches = json.loads(Path(batches_file).read_text("utf-8"))
    embeddings.encode_passages(batches[0][:2])  # load the model, first run
    start = time.perf_counter()
    for batch in batches:
        embeddings.encode_passages(batch)
    seconds = time.perf_counter() - start
    passages = sum(len(b) for b in batches)
    return {"passages": passages, "seconds": seconds, "passages_per_s": passages / seconds}


def main() -> int:
    """Run everything and print Markdown tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--build", type=int, default=0,
                        help="instead: build this many synthetic clauses and compare with the raw encoder")
    parser.add_argument("--raw-sample", type=int, default=0, metavar="BATCHES",
                        help="with --build: run the raw encoder on this many of the build's batches, before and after")
    parser.add_argument("--starts", type=Path, metavar="INDEX_DIR",
                        help="instead: only the cold starts (app and CLI) on this built index")
    parser.add_argument("--runs", type=int, default=3, help="cold starts of the app and of the CLI")
    parser.add_argument("--encoder", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--raw-encode", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.encoder:
        print(json.dumps(encoder_run(args.encoder, args.out)))
        return 0
    if args.raw_encode:
        print(json.dumps(raw_encode(args.raw_encode)))
        return 0
    if args.starts:
        expected = _expected_first(args.starts)
        runs = [(app_cold_start(args.starts, expected), cli_cold_start(args.starts)) for _ in range(args.runs)]
        _print_starts([a for a, _ in runs], [c for _, c in runs])  # interleaved: both see the same load
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        if args.build:
            _print_build(build_run(args.build, out, args.raw_sample))
            return 0
        runs = {}
        for encoder in ENCODERS:
            done = subprocess.run([sys.executable, __file__, "--encoder", encoder, "--out", str(out)],
                                  capture_output=True, text=True, cwd=REPO)
            if done.returncode:
                raise SystemExit(f"{encoder}: {done.stderr[-3000:]}")
            runs[encoder] = json.loads(done.stdout.strip().splitlines()[-1])
        compare(out, runs)
        _print_encoders(runs)
        index_dir = out / "onnx-fp32" / "index"
        expected = _expected_first(index_dir)
        apps = [app_cold_start(index_dir, expected) for _ in range(args.runs)]
        clis = [cli_cold_start(index_dir) for _ in range(args.runs)]
        _print_starts(apps, clis)
    return 0


def _expected_first(index_dir: Path) -> str:
    """The answer the CLI gives to the first question (what the app must serve)."""
    done = subprocess.run([sys.executable, "-m", "engine", "ask", "--json", "--index-dir", str(index_dir),
                           FIRST_QUESTION], cwd=REPO, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)["answer"]


def _print_encoders(runs: dict) -> None:
    rows = [("load (imports + model)", lambda r: f"{r['load_s']:.2f} s"),
            ("query threads", lambda r: str(r["threads"])),
            ("query p50 / p95", lambda r: f"{r['query_p50_ms']:.1f} / {r['query_p95_ms']:.1f} ms"),
            ("passages/s (batch 32, query threads)", lambda r: f"{r['passages_per_s']:.1f}"),
            ("cosine to torch, min / median", lambda r: f"{r['cosine_min']:.5f} / {r['cosine_median']:.5f}"),
            ("recall@5 (hybrid search)", lambda r: f"{r['recall_at_5']:.3f} ({r['recall_questions']} q)"),
            ("answers changed vs torch", lambda r: f"{r['answers_changed']} of {r['answers_total']}"),
            ("strict, test split", lambda r: f"{r['strict_test']:.4f}"),
            ("strict, paraphrases", lambda r: f"{r['strict_paraphrases']:.4f}"),
            ("answer latency p50 / p95 (test)", lambda r: f"{r['answer_p50_ms']:.1f} / {r['answer_p95_ms']:.1f} ms")]
    print("| measure | " + " | ".join(runs) + " |\n|---|" + "---|" * len(runs))
    for name, cell in rows:
        print(f"| {name} | " + " | ".join(cell(r) for r in runs.values()) + " |")


def _print_starts(apps: list[dict], clis: list[float]) -> None:
    print("\n| cold start (ONNX fp32) | " + " | ".join(f"run {i + 1}" for i in range(len(apps))) + " |")
    print("|---|" + "---|" * len(apps))
    print("| app: launch → port open | " + " | ".join(f"{a['port_s']:.2f} s" for a in apps) + " |")
    print("| app: launch → first answer | " + " | ".join(
        f"{a['first_answer_s']:.2f} s{'' if a['correct'] else ' (WRONG)'}" for a in apps) + " |")
    print("| `python -m engine ask` | " + " | ".join(f"{c:.2f} s" for c in clis) + " |")


def _print_build(b: dict) -> None:
    print(f"\n| build of {b['records']:,} synthetic clauses | value |\n|---|---|")
    print(f"| `python -m index build`, wall | {b['build_s']:.0f} s ({b['build_passages_per_s']:.2f} passages/s) |")
    runs = " / ".join(f"{r['passages_per_s']:.2f}" for r in b["raw_runs"])
    what = "every passage" if b["raw_passages"] >= b["records"] else \
        f"{b['raw_passages']:,} passages in every k-th of the build's batches, before / after the build"
    print(f"| raw encoder, same threads ({what}) | {b['raw_passages_per_s']:.2f} passages/s ({runs}) |")
    print(f"| build / raw | {b['build_vs_raw']:.2f} |")
    print(f"| embedding inside the build (its progress bar) | {b['encoding_s']:.0f} s "
          f"({b['encoding_passages_per_s']:.2f} passages/s) |")
    print(f"| build / its own embedding (same process, same moment) | "
          f"{b['build_passages_per_s'] / b['encoding_passages_per_s']:.2f} |")


if __name__ == "__main__":
    sys.exit(main())
