"""One typed settings object, read from FACTCHECK_* environment variables (or .env), passed
explicitly to whatever needs it; it also builds the components, once per process."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from retrieval.search import SearchParams


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTCHECK_", env_file=".env", extra="ignore")

    data_dir: Path = Field(Path(".data"), description="Where the corpus (SQLite catalog, embedded Chroma) lives")
    chroma_host: str | None = Field(None, description="Use a Chroma server at this host instead of the embedded store")
    chroma_port: int = 8000
    chunk_size: int = Field(1000, ge=100, description="Maximum characters per chunk")
    chunk_overlap: int = Field(200, ge=0, description="Characters of trailing sentences repeated in the next chunk")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused")
    embed_threads: int | None = Field(None, description="ONNX threads for embeddings (default: all cores)")
    search: SearchParams = Field(default_factory=SearchParams)

    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint; unset = embedded local model")
    llm_model: str | None = None
    # The key is read from OPENAI_API_KEY as every OpenAI client does; SecretStr keeps it out of reprs and logs.
    openai_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "FACTCHECK_OPENAI_API_KEY"))

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def build_embedder(self):
        from retrieval.embeddings import OnnxMiniLM

        return OnnxMiniLM(threads=self.embed_threads)

    def build_corpus(self, embedder=None):
        from retrieval.store import Corpus

        return Corpus(self.data_dir, embedder or self.build_embedder(), chroma_host=self.chroma_host,
                      chroma_port=self.chroma_port, chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap)

    def build_searcher(self, corpus=None):
        from retrieval.search import Searcher

        return Searcher(corpus or self.build_corpus(), self.search)
