import datetime as dt

from langchain_core.documents import Document

from retrieval.models import Article
from retrieval.search import Searcher, fts_query, recency_applies

ARTICLES = [
    Article(text="Police arrested 31 men affiliated with Patriot Front near a Pride event in Coeur d'Alene, Idaho.",
            title="Arrests in Idaho", source="CNN", date=dt.date(2022, 6, 12)),
    Article(text="The Tony Awards honoured Broadway's biggest stars on Sunday night in New York.",
            title="Tony Awards", source="USA Today", date=dt.date(2022, 6, 13)),
    Article(text="Gas prices hit a new record high, averaging five dollars a gallon nationwide.",
            title="Gas record", source="CNN", date=dt.date(2022, 6, 14)),
    Article(text="Gas prices fell slightly this week, averaging four dollars a gallon nationwide.",
            title="Gas falls", source="CNN", date=dt.date(2022, 8, 20)),
    Article(text="Gas prices rose again in early spring as refineries closed for maintenance, averaging four dollars a gallon.",
            title="Gas rises", source="CNN", date=dt.date(2022, 3, 2)),
]


def load(corpus):
    return {a.title: corpus.add(a).doc_id for a in ARTICLES}


def test_seed_question_finds_the_2019_passage_first(seeded):
    hits = Searcher(seeded).search("When did Putin and Zelensky last meet?", k=5)
    assert "have not met since 2019" in hits[0].text
    assert hits[0].source == "Kyiv Post" and hits[0].date == dt.date(2026, 1, 28)
    assert hits[0].text == seeded.get(hits[0].doc_id).text[hits[0].start:hits[0].end]


def test_exact_names_are_found_lexically_and_by_hybrid(corpus):
    ids = load(corpus)
    s = Searcher(corpus)
    for mode in ("lexical", "hybrid"):
        assert s.search("Patriot Front Coeur d'Alene", k=1, mode=mode)[0].doc_id == ids["Arrests in Idaho"]


def test_as_of_never_returns_later_articles(corpus):
    load(corpus)
    s = Searcher(corpus)
    for mode in ("dense", "lexical", "hybrid"):
        hits = s.search("gas prices gallon", k=10, mode=mode, as_of=dt.date(2022, 6, 15))
        assert hits and all(h.date <= dt.date(2022, 6, 15) for h in hits)
        assert "Gas falls" not in {h.title for h in hits}


def test_recent_questions_prefer_the_latest_article_before_as_of(corpus):
    ids = load(corpus)
    s = Searcher(corpus)
    hits = s.search("How much did gas cost this week?", k=3, as_of=dt.date(2022, 6, 16))
    assert hits[0].doc_id == ids["Gas record"] and hits[0].scores["recency"] > 0
    later = s.search("How much did gas cost this week?", k=3, as_of=dt.date(2022, 8, 22))
    assert later[0].doc_id == ids["Gas falls"]


def test_filters_by_outlet_date_range_and_article(corpus):
    ids = load(corpus)
    s = Searcher(corpus)
    assert {h.source for h in s.search("news", k=10, sources=["USA Today"])} == {"USA Today"}
    ranged = s.search("gas prices", k=10, date_from=dt.date(2022, 6, 1), date_to=dt.date(2022, 6, 30))
    assert {h.title for h in ranged} <= {"Gas record", "Arrests in Idaho", "Tony Awards"}
    only = s.search("gas prices", k=10, doc_ids=[ids["Gas rises"]])
    assert {h.doc_id for h in only} == {ids["Gas rises"]}


def test_fts_query_neutralises_syntax():
    assert fts_query('NEAR(a b) OR "x" AND body:secret') == '"near" OR "body" OR "secret"'
    assert fts_query("the of and") is None


def test_recency_is_off_for_questions_about_an_earlier_year():
    assert recency_applies("Which automaker recalled cars this week?", dt.date(2022, 6, 16))
    assert recency_applies("Who won the 2022 Stanley Cup?", dt.date(2022, 6, 16))
    assert not recency_applies("What did Putin say in 2019?", dt.date(2022, 6, 16))


def test_undated_corpora_rank_the_same_with_or_without_time(corpus):
    corpus.add(Article(text="Vitamin D supplements reduce fracture risk in older adults.", title="Vitamin D"))
    corpus.add(Article(text="Statins lower cholesterol and cardiovascular events.", title="Statins"))
    s = Searcher(corpus)
    with_time = s.search("Does vitamin D prevent fractures?", as_of=dt.date(2022, 1, 1))
    without = s.search("Does vitamin D prevent fractures?", time_aware=False)
    assert [h.chunk_id for h in with_time] == [h.chunk_id for h in without]
    assert all("recency" not in h.scores for h in with_time)


def test_langchain_retriever_returns_documents_with_metadata(seeded):
    from retrieval.retriever import CorpusRetriever

    docs = CorpusRetriever(searcher=Searcher(seeded), k=2).invoke("When did Putin and Zelensky last meet?")
    assert isinstance(docs[0], Document) and "since 2019" in docs[0].page_content
    assert docs[0].metadata["source"] == "Kyiv Post" and docs[0].metadata["date"] == "2026-01-28"
    assert docs[0].id == docs[0].metadata["chunk_id"]
    assert CorpusRetriever(searcher=Searcher(seeded), as_of=dt.date(2025, 1, 1)).invoke("Putin") == []


def test_per_article_cap_diversifies_sources(corpus):
    load(corpus)
    long = Article(text=" ".join(f"Gas prices paragraph {i} discusses the price of gas per gallon at length." for i in range(80)),
                   title="Gas explainer", source="Blog", date=dt.date(2022, 6, 1))
    corpus.add(long)
    hits = Searcher(corpus).search("gas prices gallon", k=4, per_article=1)
    assert len({h.doc_id for h in hits}) == len(hits) == 4


def test_filters_still_exact_when_many_newer_articles_match(corpus):
    """The lexical side ranks a deep list first and filters after; when the filter empties that
    list it must rank within the filtered set instead of returning nothing."""
    corpus.ingest((f"n{i}", Article(text=f"Flood warning number {i}: the river flood rose again.",
                                    date=dt.date(2023, 1, 1) + dt.timedelta(days=i))) for i in range(200))
    old = corpus.add(Article(text="An old flood report about the river from long ago.", date=dt.date(2020, 1, 1)))
    hits = Searcher(corpus).search("river flood", k=5, mode="lexical", as_of=dt.date(2021, 1, 1))
    assert [h.doc_id for h in hits] == [old.doc_id]


def test_dense_post_filter_matches_chromas_own_filter(corpus):
    """Dense search asks Chroma for a deeper unfiltered list and filters it in the catalog (Chroma's
    metadata filter is slow when most vectors pass it). Whether the filter is broad, narrow or so
    narrow that Chroma must filter after all, the result must be exactly Chroma's filtered top n."""
    from retrieval.search import SearchParams

    topics = ["gas prices", "wheat harvest", "rail strike", "city budget", "flood warning", "school exams"]
    for i in range(120):
        corpus.add(Article(text=f"Report {i} on the {topics[i % 6]} in district {i % 17}: officials gave figure {i * 7}.",
                           title=f"Report {i}", source="Rare" if i in (5, 77) else ("CNN" if i % 2 else "AP"),
                           date=dt.date(2020, 1, 1) + dt.timedelta(days=i * 9)))
    s = Searcher(corpus, SearchParams(candidates=5))
    vec = corpus.embedder.embed(["officials on the gas prices"])[0]
    cases = [(dt.date(2030, 1, 1), None), (dt.date(2020, 6, 1), None), (None, ["CNN"]), (None, ["Rare"])]
    # n=2: the deeper lists (8, 80) are shorter than the corpus, so "Rare" falls back to Chroma's filter.
    for n in (2, 5):
        for as_of, sources in cases:
            where, sql, args = s._where(as_of, sources, None, None, None)
            got = s.dense(vec, n, where, sql, args)
            res = corpus.collection.query(query_embeddings=[vec], n_results=n, where=where, include=["distances"])
            want = dict(zip(res["ids"][0], (1 - d for d in res["distances"][0])))
            assert list(got) == list(want), (n, as_of, sources)
            assert all(abs(got[c] - want[c]) < 1e-6 for c in got)
            if sources == ["Rare"]:
                assert len(got) == 2
