"""``python -m engine ask "问题" [--plan KEY] [--json]``: a grounded answer with its citations.

Exit codes: 0 answered or refused, 1 failure (missing index, unusable question), 2 usage.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from pathlib import Path

from settings import Settings


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m engine", description="Ask the plans a question.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    ask = sub.add_parser("ask", help="answer one question")
    ask.add_argument("question")
    ask.add_argument("--plan", action="append", default=[], help="doc_id prefix or title words (repeatable)")
    ask.add_argument("--region", help="a district name, e.g. XX区")
    ask.add_argument("--index-dir", type=Path)
    ask.add_argument("--json", action="store_true", help="print the eval runner's JSON line")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    from index.store import PlanIndex
    from index.types import Filters, PlanIndexError

    from .core import Engine, QuestionError

    settings = Settings.from_env(index_dir=args.index_dir)
    try:
        engine = Engine(PlanIndex.load(settings.index_dir, settings), settings)
        answer = engine.ask(args.question, Filters(plans=tuple(args.plan), region=args.region))
    except (PlanIndexError, QuestionError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if args.json:
        print(json.dumps(answer.to_eval_json("cli"), ensure_ascii=False))
        return 0
    print(answer.text)
    if answer.citations:
        print()
    for citation in answer.citations:
        print(f"[{citation.n}] {citation.clause.citation()}\n    「{citation.quote}」")
    if answer.refused and answer.related:
        print("\n相关条款 (related, not an answer):" if answer.lang != "en" else "\nRelated clauses (not an answer):")
        for clause in answer.related:
            print(f"  - {clause.citation()} {clause.heading}")
    return 0


if __name__ == "__main__":
    code = main()
    # The answer is out: leave without tearing the process down (freeing jieba's million table
    # entries, the tokenizer and the ONNX session took ~0.35 s of a ~2 s one-shot answer here).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
