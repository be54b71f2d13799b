"""Stage 1: plan files → canonical documents and citable clause records."""
from .errors import IngestError
from .pipeline import IngestResult, ingest_paths
from .types import Clause, Document, Repeal

__all__ = ["Clause", "Document", "IngestError", "IngestResult", "Repeal", "ingest_paths"]
