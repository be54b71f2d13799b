"""``python -m index``: build, add, remove, remove-source, official, info, search.

Exit codes: 0 ok, 1 failure (the message says what and how to fix it), 2 usage.
"""
from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import logging
import signal
import sys
from pathlib import Path

from ingest.errors import IngestError
from settings import Settings

from .types import Filters, PlanIndexError


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; return the exit code."""
    args = _parser().parse_args(argv)
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")  # e.g. waiting for another writer
    settings = Settings.from_env(index_dir=args.index_dir)
    if args.run in (_build, _add):  # batch embedding: throughput over latency (see settings)
        settings = dataclasses.replace(settings, torch_threads=settings.build_threads,
                                       onnx_threads=settings.build_threads)
    try:
        return args.run(args, settings)
    except (PlanIndexError, IngestError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:  # a file named on the command line that cannot be read, say
        print(f"error: {exc.strerror}: {exc.filename}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m index",
                                     description="Build and query the hybrid (FAISS + BM25) clause index.")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--index-dir", type=Path, default=None,
                        help="index folder (default: var/index, or PLANQA_INDEX_DIR)")
    sub = parser.add_subparsers(required=True, metavar="COMMAND")
    build = sub.add_parser("build", parents=[common], help="ingest sources and build a new index")
    build.add_argument("--source", type=Path, action="append",
                       help="file or folder of plans (repeatable; default: data/plans)")
    build.set_defaults(run=_build)
    add = sub.add_parser("add", parents=[common], help="add plan files (embeds only new clauses)")
    add.add_argument("files", nargs="+", type=Path)
    add.set_defaults(run=_add)
    remove = sub.add_parser("remove", parents=[common], help="remove a document and all its records")
    remove.add_argument("doc_id")
    remove.set_defaults(run=_remove)
    drop = sub.add_parser("remove-source", parents=[common],
                          help="remove one source file (a copy or version) and keep the plan with its other copies")
    drop.add_argument("name", help="the source's file name, as `index info` lists it")
    drop.set_defaults(run=_remove_source)
    official = sub.add_parser("official", parents=[common],
                              help="mark a source as its plan's official copy: where copies disagree, answers use it")
    official.add_argument("name", help="the source's file name, as `index info` lists it")
    official.set_defaults(run=_official)
    info = sub.add_parser("info", parents=[common], help="print the manifest and counts")
    info.add_argument("--json", action="store_true")
    info.set_defaults(run=_info)
    search = sub.add_parser("search", parents=[common], help="ranked clauses for a query")
    search.add_argument("query")
    search.add_argument("-k", type=int, default=10)
    search.add_argument("--plan", action="append", default=[], help="doc_id prefix or title words")
    search.add_argument("--region", help="e.g. 通州区")
    search.add_argument("--years", help="FROM-TO: plans whose period overlaps, e.g. 2021-2023")
    search.add_argument("--in-force-on", type=dt.date.fromisoformat, help="YYYY-MM-DD")
    search.add_argument("--json", action="store_true")
    search.set_defaults(run=_search)
    return parser


def _build(args, settings: Settings) -> int:
    from .build import build_index

    index = build_index(args.source or [settings.plans_dir], settings.index_dir, settings, progress=True)
    print(f"built {settings.index_dir}: {_counts(index.manifest)}")
    return 0


def _add(args, settings: Settings) -> int:
    from .build import add_files

    from .report import describe_added

    before = _load(settings)
    index = add_files(args.files, settings.index_dir, settings, before.embeddings, progress=True)
    print(f"added; embedded {index.embeddings.passages_embedded} new record(s); {_counts(index.manifest)}")
    print("\n".join(describe_added(args.files, before, index, settings)))
    return 0


def _remove_source(args, settings: Settings) -> int:
    from .build import remove_source

    index = remove_source(args.name, settings.index_dir, settings)
    print(f"removed source {args.name}; {_counts(index.manifest)}")
    return 0


def _official(args, settings: Settings) -> int:
    from .build import mark_official
    from .report import conflict_lines

    index = mark_official(args.name, settings.index_dir, settings)
    doc = next(d for d in index.documents.values() if args.name in d.sources)
    print(f"{args.name} is now the official copy of {doc.doc_id} 《{doc.title}》; "
          f"{len(doc.conflicts)} conflicting clause(s) answered from it")
    for conflict in doc.conflicts:
        print("\n".join(f"  {line}" for line in conflict_lines(conflict)))
    return 0


def _remove(args, settings: Settings) -> int:
    from .build import remove_document

    index = remove_document(args.doc_id, settings.index_dir, settings)
    print(f"removed {args.doc_id}; {_counts(index.manifest)}")
    return 0


def _info(args, settings: Settings) -> int:
    from .store import read_manifest

    manifest = read_manifest(settings.index_dir)
    if args.json:
        print(json.dumps(manifest, ensure_ascii=False, indent=1))
        return 0
    for key in ("embedding_model", "dimension", "normalized", "corpus_hash", "code_version", "built_at",
                "settings_hash"):
        print(f"{key}: {manifest.get(key)}")
    print(f"counts: {_counts(manifest)}")
    index = _load(settings)
    from .report import conflict_lines

    for doc in index.documents.values():
        n = sum(c.doc_id == doc.doc_id for c in index.clauses)
        print(f"  {doc.doc_id}  {n:4d} records  《{doc.title}》")
        print(f"      sources (official first): {', '.join(doc.sources)}")
        for conflict in doc.conflicts:
            print("\n".join(f"      conflict {line}" for line in conflict_lines(conflict)))
    return 0


def _search(args, settings: Settings) -> int:
    years = tuple(int(y) for y in args.years.split("-")) if args.years else None
    filters = Filters(plans=tuple(args.plan), region=args.region, years=years, in_force_on=args.in_force_on)
    hits = _load(settings).search(args.query, k=args.k, filters=filters)
    for rank, hit in enumerate(hits, start=1):
        c = hit.clause
        if args.json:
            print(json.dumps({"rank": rank, "score": round(hit.score, 5), "dense_rank": hit.dense_rank,
                              "lexical_rank": hit.lexical_rank, **c.to_dict()}, ensure_ascii=False))
        else:
            first = c.text.splitlines()[0][:60]
            print(f"{rank:2d}. {hit.score:.4f}  《{c.title}》{c.path}\n    {first}")
    if not hits:
        print("no matching clauses (check the filters)")
    return 0


def _load(settings: Settings):
    from .store import PlanIndex

    return PlanIndex.load(settings.index_dir, settings)


def _counts(manifest: dict) -> str:
    return ", ".join(f"{k} {v}" for k, v in manifest["counts"].items())


if __name__ == "__main__":
    sys.exit(main())
