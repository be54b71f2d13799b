"""``python -m eval run``: answer every question of a JSONL file and write the contract lines.

Input: any JSONL whose lines have at least ``id`` and ``question`` (other fields ignored).
Output, one line per question (README "Eval contract"):
{"id", "question", "answer", "refused", "citations": [{"doc_id", "title", "clause", "quote"}],
 "contexts": [{"doc_id", "title", "clause", "text"}], "latency_ms"}
A sidecar ``<out>.meta.json`` records the settings hash and index manifest behind the answers.
"""
from __future__ import annotations

import json
from pathlib import Path

from settings import Settings

CONTRACT_FIELDS = ("id", "question", "answer", "refused", "citations", "contexts", "latency_ms")


def read_questions(path: Path) -> list[dict]:
    """Questions from JSONL; a line without id or question is an error naming the line."""
    questions = []
    for number, line in enumerate(Path(path).read_text("utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{path}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(item, dict) or "id" not in item or "question" not in item:
            raise ValueError(f"{path}:{number}: each line needs at least \"id\" and \"question\"")
        questions.append(item)
    return questions


def run(questions_path: Path, out_path: Path, settings: Settings, engine=None, progress: bool = False) -> int:
    """Answer the questions with the engine; write contract lines; return how many."""
    from engine import Engine, QuestionError
    from index.store import PlanIndex

    questions = read_questions(questions_path)
    engine = engine or Engine(PlanIndex.load(settings.index_dir, settings), settings)
    engine.warm()  # load lazy parts before timing anything
    items = questions
    if progress:
        from tqdm import tqdm

        items = tqdm(questions, desc="eval", unit="q")
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    with out_path.open("w", encoding="utf-8") as out:
        for item in items:
            try:
                history = [str(h) for h in item.get("history", [])]
                line = engine.ask(str(item["question"]), history=history).to_eval_json(str(item["id"]))
            except QuestionError as exc:
                line = {"id": str(item["id"]), "question": item["question"], "answer": str(exc), "refused": True,
                        "citations": [], "contexts": [], "latency_ms": 0.0}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    meta = {"settings_hash": settings.hash(), "engine": "default (no LLM)", "questions": str(questions_path),
            "index": engine.index.manifest}
    Path(f"{out_path}.meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    return len(questions)
