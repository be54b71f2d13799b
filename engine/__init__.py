"""Stage 3: a question → a grounded answer citing the exact clauses (no LLM by default)."""
from .core import Engine, QuestionError
from .types import Answer, Citation

__all__ = ["Answer", "Citation", "Engine", "QuestionError"]
