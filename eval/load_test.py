"""Bounded load test of the app on loopback: S concurrent gradio_client sessions × Q questions.

    .venv/bin/python eval/load_test.py                    # 20 sessions × 25 questions (README)
    .venv/bin/python eval/load_test.py --sessions 4 --questions 5
    .venv/bin/python eval/load_test.py --url http://127.0.0.1:7860/

Without --url it starts `app.py` on a free loopback port and stops it afterwards. Traffic goes
to 127.0.0.1 only; the number of requests is bounded (S × Q) and so is each request's wait.
Prints errors, p50/p95/max latency and throughput as JSON.
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def questions(n: int) -> list[str]:
    """The first n gold questions, repeated if needed."""
    lines = (REPO / "eval" / "gold" / "dev.jsonl").read_text("utf-8").splitlines()
    items = [json.loads(line)["question"] for line in lines if line.strip()]
    return [items[i % len(items)] for i in range(n)]


def run(url: str, sessions: int, per_session: int) -> dict:
    """Drive the app; return the summary."""
    from gradio_client import Client

    from eval.scoring import percentiles

    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    asked = questions(sessions * per_session)

    def session(k: int) -> None:
        try:
            client = Client(url, verbose=False)
        except Exception as exc:  # a refused connection is a result to report, not a crash
            with lock:
                errors.append(f"session {k}: connect: {exc!r}"[:200])
            return
        for question in asked[k * per_session:(k + 1) * per_session]:
            start = time.perf_counter()
            try:
                line = json.loads(client.predict(question, api_name="/ask"))
                assert "answer" in line and "citations" in line
            except Exception as exc:
                with lock:
                    errors.append(f"session {k}: {exc!r}"[:200])
                continue
            with lock:
                latencies.append((time.perf_counter() - start) * 1000)

    start = time.perf_counter()
    threads = [threading.Thread(target=session, args=(k,)) for k in range(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    wall = time.perf_counter() - start
    p50, p95 = percentiles(latencies)
    return {"sessions": sessions, "questions_per_session": per_session, "requests": sessions * per_session,
            "ok": len(latencies), "errors": len(errors), "error_samples": errors[:3],
            "p50_ms": None if p50 is None else round(p50, 1),
            "p95_ms": None if p95 is None else round(p95, 1),
            "max_ms": round(max(latencies), 1) if latencies else None,
            "wall_s": round(wall, 1), "throughput_per_s": round(len(latencies) / wall, 1)}


def free_port() -> int:
    """A free TCP port on loopback."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _serve() -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(REPO / "app.py"), "--host", "127.0.0.1", "--port", str(port)],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env=dict(os.environ, PYTHONPATH=str(REPO)))
    deadline = time.monotonic() + 600
    for line in proc.stdout:
        if "Running on" in line:
            break
        if time.monotonic() > deadline:
            raise RuntimeError("the app did not start within 600 s")
    threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep draining the log
    return proc, f"http://127.0.0.1:{port}/"


def main() -> int:
    """CLI entry point."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--questions", type=int, default=25, help="questions per session")
    parser.add_argument("--url", help="an app already running on loopback")
    args = parser.parse_args()
    if args.url and not args.url.startswith(("http://127.", "http://localhost")):
        parser.error("the load test only targets this machine's loopback")
    proc = None
    url = args.url
    if url is None:
        proc, url = _serve()
    try:
        run(url, 1, 1)  # warm-up: the first answer loads the model
        print(json.dumps(run(url, args.sessions, args.questions), ensure_ascii=False))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
