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
    # Longest clause text (characters) kept in one chunk; longer clauses are split on sentence
    # ends. e5-small reads at most 512 tokens, and Chinese runs about one token per character.
    chunk_chars: int = 480
    # Files above this size are refused before they are read.
    max_file_mb: float = 20.0

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
        data = {k: v for k, v in dataclasses.asdict(self).items() if not isinstance(v, Path)}
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:12]


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
