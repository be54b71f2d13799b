"""``python -m eval baseline``: the pipeline most people build first, for comparison.

LangChain's RecursiveCharacterTextSplitter (500 characters, 50 overlap) over the plan files'
raw text, the same embedding model, FAISS top-k, and the top chunk as the answer. It never
refuses. Its citations name the chunk's file by the plan title (taken from our ingest of that
file, a courtesy: a naive pipeline knows only file names) and no clause.
"""
from __future__ import annotations

import json
import time
from pathlib import Path

from settings import Settings

CHUNK, OVERLAP, TOP_K = 500, 50, 4


def run_baseline(questions_path: Path, out_path: Path, settings: Settings, sources: list[Path] | None = None) -> int:
    """Answer every question with the naive pipeline; write contract lines; return how many."""
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    from index.embeddings import SentenceEmbeddings, for_langchain
    from ingest import ingest_paths
    from ingest.loaders import load_file
    from ingest.pipeline import expand_paths

    from .runner import read_questions

    files = expand_paths(sources or [settings.plans_dir])
    titles = {src: d.title for d in ingest_paths(files, settings).documents for src in d.sources}
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK, chunk_overlap=OVERLAP)
    texts, metadata = [], []
    for path in files:
        for chunk in splitter.split_text(load_file(path, settings)):
            texts.append(chunk)
            metadata.append({"doc_id": path.stem, "title": titles.get(str(path), path.name)})
    store = FAISS.from_texts(texts, for_langchain(SentenceEmbeddings(settings)), metadatas=metadata)
    questions = read_questions(questions_path)
    with Path(out_path).open("w", encoding="utf-8") as out:
        for item in questions:
            start = time.perf_counter()
            hits = store.similarity_search(str(item["question"]), k=TOP_K)
            latency = (time.perf_counter() - start) * 1000
            top = hits[0]
            line = {"id": str(item["id"]), "question": item["question"], "answer": top.page_content, "refused": False,
                    "citations": [{"doc_id": top.metadata["doc_id"], "title": top.metadata["title"], "clause": "",
                                   "quote": top.page_content}],
                    "contexts": [{"doc_id": h.metadata["doc_id"], "title": h.metadata["title"], "clause": "",
                                  "text": h.page_content} for h in hits],
                    "latency_ms": round(latency, 1)}
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
    return len(questions)
