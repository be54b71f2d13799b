"""Stage 2: clause records → a hybrid (FAISS + BM25) index on disk, searchable with filters."""
