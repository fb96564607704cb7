"""Streamlit app: browse and search the corpus. Thin: every action here is a call into the
Python API that the CLI uses too. Run with `make run`."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from factcheck.settings import Settings


@st.cache_resource
def components(store_key: str):
    """One embedder and one corpus per process and store, shared by every browser session."""
    settings = Settings()
    corpus = settings.build_corpus()
    return settings, corpus, settings.build_searcher(corpus)


def main() -> None:
    st.set_page_config(page_title="Fact-check assistant", layout="wide")
    s = Settings()
    settings, corpus, searcher = components(f"{s.data_dir.resolve()}|{s.chroma_host}:{s.chroma_port}")
    st.title("Fact-check assistant")
    stats = corpus.stats()
    st.caption(f"{stats.articles} articles, {stats.chunks} passages · {stats.store} · {stats.embedding_model}")

    as_of = st.sidebar.date_input("As of", value=dt.date.today())
    query = st.text_input("Search the sources", placeholder="When did Putin and Zelensky last meet?")
    if query:
        hits = searcher.search(query, k=8, as_of=as_of, per_article=2)
        if not hits:
            st.info("No passages found.")
        for i, h in enumerate(hits, 1):
            with st.container(border=True):
                # Source text is shown with st.text: never interpreted as Markdown or HTML.
                st.markdown(f"**[{i}]** · {h.date or 'undated'} · score {h.score:.2f}")
                st.text(f"{h.label()} — {h.source or 'unknown outlet'}")
                st.text(h.text)
                if h.url:
                    st.text(h.url)

    st.subheader("Articles")
    rows = [{"title": a.label(), "outlet": a.source, "date": a.date, "chunks": a.n_chunks,
             "added": a.added_at, "id": a.doc_id} for a in corpus.list()]
    st.dataframe(rows, use_container_width=True, hide_index=True)


main()
