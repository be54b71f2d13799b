"""``python -m eval``: run, score and baseline (README "Evaluation").

Exit codes: 0 ok, 1 failure (message says what and how to fix), 2 usage.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from settings import REPO, Settings

DEFAULT_QUESTIONS = REPO / "eval" / "gold" / "dev.jsonl"


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = argparse.ArgumentParser(prog="python -m eval", description="Evaluate answers against gold questions.")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    run = sub.add_parser("run", help="answer a JSONL of questions (needs id and question per line)")
    run.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    run.add_argument("--out", type=Path, required=True)
    run.add_argument("--index-dir", type=Path, help="answer from this index (default: var/index)")
    run.set_defaults(func=_run)
    base = sub.add_parser("baseline", help="the naive pipeline on the same questions")
    base.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    base.add_argument("--out", type=Path, required=True)
    base.add_argument("--source", type=Path, action="append", help="plan files or folders (default: data/plans)")
    base.set_defaults(func=_baseline)
    score = sub.add_parser("score", help="metrics of an answers file against the gold questions")
    score.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    score.add_argument("--answers", type=Path, required=True)
    score.add_argument("--baseline", type=Path, help="a baseline answers file to report side by side")
    score.add_argument("--json", type=Path, help="write the full report here")
    score.set_defaults(func=_score)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _run(args) -> int:
    from index.types import PlanIndexError

    from .runner import run

    settings = Settings.from_env(index_dir=args.index_dir)
    try:
        n = run(args.questions, args.out, settings, progress=True)
    except PlanIndexError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(f"answered {n} question(s) → {args.out}")
    return 0


def _baseline(args) -> int:
    from .baseline import run_baseline

    n = run_baseline(args.questions, args.out, Settings.from_env(), args.source)
    print(f"baseline answered {n} question(s) → {args.out}")
    return 0


def _score(args) -> int:
    from .scoring import load_jsonl, score, table

    questions = load_jsonl(args.questions)
    report = score(questions, load_jsonl(args.answers))
    meta_path = Path(f"{args.answers}.meta.json")
    report["settings_hash"] = json.loads(meta_path.read_text("utf-8"))["settings_hash"] if meta_path.exists() \
        else Settings.from_env().hash()
    rows = {"ours": report["overall"]}
    if args.baseline:
        report["baseline"] = score(questions, load_jsonl(args.baseline))["overall"]
        rows["naive baseline"] = report["baseline"]
    print(table(rows))
    print(f"\nby type (ours)\n{table(report['by_type'])}\n\nby persona (ours)\n{table(report['by_persona'])}")
    audit = report["premises"]
    if audit["n"]:
        print(f"\nclaims checked: {audit['n']}; answers opening with an explicit verdict (or refusing): {audit['explicit']}; "
              f"judged against another indicator: {len(audit['misbound'])} {' '.join(audit['misbound'])}")
    print(f"\nsettings hash {report['settings_hash']}; failing ids: {' '.join(report['failures']) or 'none'}")
    if args.json:
        args.json.write_text(json.dumps(report, ensure_ascii=False, indent=1), "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
