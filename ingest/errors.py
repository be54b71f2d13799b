"""The one exception ingestion raises for a file it cannot use.

Its message names the file, says what is wrong and how to fix it; the CLIs and the app show
it as is. A bad file is reported and skipped: the other files still ingest.
"""
from __future__ import annotations


class IngestError(Exception):
    """A file could not be ingested. ``reason`` is a short machine-readable code."""

    def __init__(self, path: str, reason: str, message: str):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.reason = reason
