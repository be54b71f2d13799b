"""Compare two folders of runner output (``python -m eval run`` JSONL files) question by question.

    .venv/bin/python eval/compare.py BEFORE_DIR AFTER_DIR

For every ``*.jsonl`` in BEFORE_DIR, the file of the same name in AFTER_DIR is read and each
question (by id) compared on its answer text, refusal and citations, and separately on its
contexts. Prints a line per file and every difference; exits 1 when an answer differs.
Used to show that a speed change changed no answer (README "Speed").
"""
from __future__ import annotations

import json
import sys
from pathlib import Path


def load(path: Path) -> dict[str, dict]:
    """Runner lines by question id."""
    return {line["id"]: line for line in map(json.loads, path.read_text("utf-8").splitlines()) if line}


def answer_key(line: dict) -> tuple:
    """What an answer says: its text, whether it refused, and what it cites."""
    return line["answer"], line["refused"], json.dumps(line["citations"], ensure_ascii=False, sort_keys=True)


def main(argv: list[str]) -> int:
    """Compare the folders; return 1 when an answer changed, 2 on usage."""
    if len(argv) != 2:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    before, after = map(Path, argv)
    total = changed = contexts = 0
    for old_path in sorted(before.glob("*.jsonl")):
        old, new = load(old_path), load(after / old_path.name)
        if set(old) != set(new):
            print(f"{old_path.name}: different question ids ({len(old)} vs {len(new)})")
            changed += len(set(old) ^ set(new))
        diff = [q for q in old if q in new and answer_key(old[q]) != answer_key(new[q])]
        ctx = [q for q in old if q in new and old[q]["contexts"] != new[q]["contexts"]]
        total += len(old)
        changed += len(diff)
        contexts += len(ctx)
        print(f"{old_path.name}: {len(old)} answers, {len(diff)} changed, {len(ctx)} with other contexts")
        for q in diff:
            print(f"  {q}: {old[q]['answer'][:80]!r}\n  {'':{len(q)}}  {new[q]['answer'][:80]!r}")
    print(f"total: {total} answers compared, {changed} changed (text, refusal or citations), "
          f"{contexts} with other contexts")
    return 1 if changed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
