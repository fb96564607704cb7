"""The hybrid search as a LangChain retriever, so the corpus plugs into anyone's chains."""

from __future__ import annotations

import datetime as dt
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from retrieval.models import Hit
from retrieval.search import Searcher


def hit_to_document(hit: Hit) -> Document:
    meta = hit.model_dump(mode="json", exclude={"text"})
    meta["label"] = hit.label()
    return Document(page_content=hit.text, metadata=meta, id=hit.chunk_id)


class CorpusRetriever(BaseRetriever):
    """`Searcher.search` behind `invoke(query)`; search options are fields, e.g.
    `CorpusRetriever(searcher=s, k=5, as_of=date(2022, 6, 16), sources=["CNN"])`."""

    searcher: Searcher
    k: int = 5
    as_of: dt.date | None = None
    sources: list[str] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    per_article: int | None = None
    mode: str = "hybrid"

    model_config = {"arbitrary_types_allowed": True}

    def _get_relevant_documents(self, query: str, *, run_manager: CallbackManagerForRetrieverRun,
                                **kwargs: Any) -> list[Document]:
        hits = self.searcher.search(query, self.k, mode=self.mode, as_of=self.as_of or dt.date.today(),
                                    sources=self.sources, date_from=self.date_from, date_to=self.date_to,
                                    per_article=self.per_article)
        return [hit_to_document(h) for h in hits]
