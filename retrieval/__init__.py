"""Finding evidence: loading articles, chunking, embedding, indexing and searching. Knows nothing of LLMs."""
