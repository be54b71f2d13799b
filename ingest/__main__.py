"""``python -m ingest PATH... [--json]``: ingest plan files and report what came out.

Exit codes: 0 all files ingested, 1 some file failed (the rest are still reported), 2 usage.
"""
from __future__ import annotations

import argparse
import json
import signal
import sys
from pathlib import Path

from settings import Settings

from .pipeline import expand_paths, ingest_paths

PROGRESS_MIN_FILES = 5


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m ingest",
        description="Parse plan files (.txt/.pdf/.html/.docx) into citable clause records. "
                    "Directories are searched for supported files.")
    parser.add_argument("paths", nargs="+", type=Path, help="files or directories")
    parser.add_argument("--json", action="store_true",
                        help="print one JSON object per clause record (fields: see README)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `| head` ends the output quietly
    files = expand_paths(args.paths)
    progress = _progress if len(files) >= PROGRESS_MIN_FILES and not args.json else iter
    result = ingest_paths(files, Settings.from_env(), progress=progress)
    if args.json:
        for clause in result.clauses:
            print(json.dumps(clause.to_dict(), ensure_ascii=False))
    else:
        _summary(result)
    for error in result.errors:
        print(f"error: {error}", file=sys.stderr)
    return 1 if result.errors else 0


def _progress(items):
    from tqdm import tqdm

    return tqdm(items, desc="ingest", unit="file", file=sys.stderr)


def _summary(result) -> None:
    rows = sum(c.kind == "table_row" for c in result.clauses)
    print(f"documents: {len(result.documents)}  clauses: {len(result.clauses) - rows}  "
          f"table rows: {rows}  duplicates merged: {sum(len(m.merged) for m in result.merges)}  "
          f"warnings: {len(result.warnings)}  errors: {len(result.errors)}")
    for doc in result.documents:
        count = sum(c.doc_id == doc.doc_id for c in result.clauses)
        period = f"{doc.period_start}–{doc.period_end}" if doc.period_start else "?"
        print(f"\n[{doc.doc_id}] 《{doc.title}》")
        print(f"  {doc.number or '(no 文号)'} | issued {doc.issue_date or '?'} by {doc.issuer or '?'} | "
              f"period {period} | {doc.level or '?'} {doc.region or ''}")
        if doc.valid_until or doc.repeals:
            repeals = "; ".join(f"《{r.title}》{r.number or ''}" for r in doc.repeals)
            print(f"  valid until {doc.valid_until or '?'}" + (f" | repeals {repeals}" if repeals else ""))
        print(f"  {count} records from {', '.join(doc.sources)}")
    for merge in result.merges:
        print(f"\nduplicate: kept {merge.canonical}, merged {', '.join(merge.merged)}")
    for warning in result.warnings:
        print(f"warning: {warning}")


if __name__ == "__main__":
    sys.exit(main())
