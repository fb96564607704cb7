"""One typed settings object, read from FACTCHECK_* environment variables (or .env), passed
explicitly to whatever needs it; it also builds the components, once per process."""

from __future__ import annotations

from pathlib import Path

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from factcheck.answer import AnswerParams
from factcheck.claimreview import ClaimReviewParams
from factcheck.claims import ClaimParams
from factcheck.draft import DraftParams
from retrieval.origins import OriginParams
from retrieval.search import SearchParams
from retrieval.store import EF_SEARCH


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="FACTCHECK_", env_file=".env", extra="ignore", env_nested_delimiter="__")

    data_dir: Path = Field(Path(".data"), description="Where the corpus (SQLite catalog, embedded Chroma) lives")
    chroma_host: str | None = Field(None, description="Use a Chroma server at this host instead of the embedded store")
    chroma_port: int = 8000
    chroma_ef_search: int = Field(EF_SEARCH, ge=1, description="Neighbours an HNSW query explores in Chroma: higher "
                                  "finds more of the true nearest passages, slower (twice the search's candidates)")
    collection: str = Field("chunks", description="Chroma collection; give each corpus its own on a shared server")
    chunk_size: int = Field(1000, ge=100, description="Maximum characters per chunk")
    chunk_overlap: int = Field(200, ge=0, description="Characters of trailing sentences repeated in the next chunk")
    max_file_mb: float = Field(50.0, gt=0, description="Files larger than this are refused")
    url_timeout: float = Field(20.0, gt=0, description="Seconds a web page may take to arrive, redirects included")
    allow_private_urls: bool = Field(False, description="Allow links to loopback, private and link-local addresses "
                                     "(an intranet); cloud metadata addresses stay refused")
    embed_threads: int | None = Field(None, description="ONNX threads for embeddings (default: all cores)")
    search: SearchParams = Field(default_factory=SearchParams)
    origins: OriginParams = Field(default_factory=OriginParams)  # which articles are copies of one story
    answer: AnswerParams = Field(default_factory=AnswerParams)
    claims: ClaimParams = Field(default_factory=ClaimParams)
    draft: DraftParams = Field(default_factory=DraftParams)  # which sentences of a draft are checkable claims
    claimreview: ClaimReviewParams = Field(default_factory=ClaimReviewParams)
    history_similarity: float = Field(0.9, ge=0.5, le=1.0, description="Cosine of the claims' embeddings from which "
                                      "an earlier check is shown before checking again (factcheck/history.py)")

    llm_base_url: str | None = Field(None, description="OpenAI-compatible endpoint; unset = embedded local model")
    llm_model: str | None = Field(None, description="Model name at the endpoint (default gpt-4o-mini for OpenAI)")
    llm_timeout: float = Field(120.0, gt=0, description="Seconds before a model call is given up")
    llm_threads: int | None = Field(None, description="Threads for the embedded model (default: all cores)")
    llm_context: int = Field(4096, ge=1024, description="Context window of the embedded model, in tokens")
    models_dir: Path | None = Field(None, description="Folder of the embedded model's file (default: a checkout's "
                                    "models/, else the user's data folder; factcheck/model_files.py)")
    # The key is read from OPENAI_API_KEY as every OpenAI client does; SecretStr keeps it out of reprs and logs.
    openai_api_key: SecretStr | None = Field(None, validation_alias=AliasChoices("OPENAI_API_KEY", "FACTCHECK_OPENAI_API_KEY"))
    # The app's optional editor role: when set, only a signed-in editor may add or delete sources.
    editor_password: SecretStr | None = Field(None, description="Password of the app's editor role (env FACTCHECK_EDITOR_PASSWORD)")
    # Without an editor password, an app reachable from the network is read-only unless this opens it.
    open_corpus: bool = Field(False, description="Let everyone add and delete sources in an app served beyond "
                              "loopback without an editor password (a trusted network; env FACTCHECK_OPEN_CORPUS)")

    @property
    def max_bytes(self) -> int:
        return int(self.max_file_mb * 1024 * 1024)

    def url_options(self) -> dict:
        """Keyword arguments for `retrieval.loaders.load_url`: size, time and address limits."""
        return {"max_bytes": self.max_bytes, "timeout": self.url_timeout, "allow_private": self.allow_private_urls}

    def build_embedder(self):
        from retrieval.embeddings import OnnxMiniLM

        return OnnxMiniLM(threads=self.embed_threads)

    def build_corpus(self, embedder=None):
        from retrieval.store import Corpus

        return Corpus(self.data_dir, embedder or self.build_embedder(), chroma_host=self.chroma_host,
                      chroma_port=self.chroma_port, chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap,
                      collection=self.collection, ef_search=self.chroma_ef_search, origins=self.origins)

    def build_llm(self):
        """The configured endpoint, or the embedded local model when none is configured."""
        from factcheck.llm import ChatModel

        key = self.openai_api_key.get_secret_value() if self.openai_api_key else None
        if self.llm_base_url or key:
            from factcheck.ui_text import public_endpoint

            model = self.llm_model or "gpt-4o-mini"
            where = public_endpoint(self.llm_base_url) or "OpenAI"  # a key can hide in a URL too: never shown
            return ChatModel(self.llm_base_url, key, model, label=f"{model} at {where}", timeout=self.llm_timeout)
        return self.build_local_llm()

    def build_local_llm(self):
        """The embedded model, whatever endpoint is configured (`factcheck models check`)."""
        from factcheck import model_files
        from factcheck.llm import ChatModel, LocalServer

        server = LocalServer(model_files.model_path(self.models_dir), threads=self.llm_threads, n_ctx=self.llm_context)
        return ChatModel(server.base_url, server.api_key, "local", label=model_files.MODEL_NAME,
                         timeout=self.llm_timeout, local=server)

    def build_answerer(self, searcher=None, llm=None):
        from factcheck.answer import Answerer

        return Answerer(searcher or self.build_searcher(), llm or self.build_llm(), self.answer)

    def build_checker(self, searcher=None, llm=None):
        from factcheck.claims import Checker

        searcher, llm = searcher or self.build_searcher(), llm or self.build_llm()
        return Checker(searcher, llm, self.claims, answerer=self.build_answerer(searcher, llm))

    def build_searcher(self, corpus=None):
        from retrieval.search import Searcher

        return Searcher(corpus or self.build_corpus(), self.search)
