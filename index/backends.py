"""Vector stores other than FAISS, behind the same LangChain ``VectorStore`` interface.

Qdrant runs here in its embedded local mode (in memory, no server). Pointing it at a Qdrant
server, or swapping in Milvus or OpenSearch, changes only this factory: the retrieval path
calls nothing but ``similarity_search_with_score_by_vector``.
"""
from __future__ import annotations

import numpy as np

COLLECTION = "clauses"


def qdrant_store(vectors: np.ndarray, docs: list, embeddings, location: str = ":memory:"):
    """A LangChain QdrantVectorStore holding ``vectors`` (already embedded) for ``docs``."""
    from langchain_qdrant import QdrantVectorStore
    from qdrant_client import QdrantClient, models

    client = QdrantClient(location=location)
    client.create_collection(COLLECTION, vectors_config=models.VectorParams(
        size=int(vectors.shape[1]), distance=models.Distance.COSINE))
    client.upload_points(COLLECTION, [
        models.PointStruct(id=i, vector=vector.tolist(),
                           payload={"page_content": doc.page_content, "metadata": doc.metadata})
        for i, (vector, doc) in enumerate(zip(vectors, docs))])
    return QdrantVectorStore(client=client, collection_name=COLLECTION, embedding=embeddings)
