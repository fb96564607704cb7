"""The main integration path once more, against a real Chroma server started on loopback by the
tests (`chroma run`, from the chromadb package): ingest of the bundled corpus and of files,
search with filters and as-of dates, delete, duplicates, crash repair, the CLI pointed at the
server by FACTCHECK_CHROMA_HOST/PORT, and a cited answer from the local model.

The store and search tests are the very functions of test_store, test_search and test_cli,
collected here a second time: in this module the `corpus` fixture (and so `seeded`) opens the
corpus on the server, and every test gets its own collection through the environment, exactly as
a deployment would configure it. The server is conftest's `chroma_server` (one `chroma run` on a
loopback port for the session).
"""

import json
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from factcheck.cli import app
from factcheck.settings import Settings
from retrieval.models import Article
from retrieval.search import Searcher
from retrieval.store import Corpus

# The same tests as the embedded store's, collected again here so they run on the server.
from test_cli import (  # noqa: F401
    test_batch_queries_print_one_line_each, test_if_empty_skips_a_filled_corpus,
    test_jsonl_batch_with_bad_lines_and_metadata, test_reingest_reports_duplicate_and_list_show_stats_delete,
    test_search_json_puts_the_2019_passage_first)
from test_search import (  # noqa: F401
    test_as_of_never_returns_later_articles, test_exact_names_are_found_lexically_and_by_hybrid,
    test_filters_by_outlet_date_range_and_article, test_filters_still_exact_when_many_newer_articles_match,
    test_langchain_retriever_returns_documents_with_metadata, test_per_article_cap_diversifies_sources,
    test_recent_questions_prefer_the_latest_article_before_as_of, test_seed_question_finds_the_2019_passage_first,
    test_undated_corpora_rank_the_same_with_or_without_time)
from test_store import (  # noqa: F401
    test_a_failed_item_does_not_stop_the_batch, test_add_get_list_count_delete,
    test_delete_removes_chunks_from_both_indexes, test_same_text_other_whitespace_is_a_duplicate)

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
runner = CliRunner()


@pytest.fixture(autouse=True)
def server_env(chroma_server, monkeypatch):
    """Point everything that reads the settings (the CLI included) at the server, with a
    collection of the test's own."""
    name = f"t-{uuid.uuid4().hex[:16]}"
    monkeypatch.setenv("FACTCHECK_CHROMA_HOST", HOST)
    monkeypatch.setenv("FACTCHECK_CHROMA_PORT", str(chroma_server))
    monkeypatch.setenv("FACTCHECK_COLLECTION", name)
    return name


@pytest.fixture
def corpus(tmp_path, embedder, server_env):
    """Overrides conftest's embedded corpus for the tests collected in this module."""
    c = Settings(data_dir=tmp_path / "data").build_corpus(embedder)
    assert c.store_label.startswith(f"Chroma server at {HOST}") and server_env in c.store_label
    yield c
    c.close()


def server_count(port: int, name: str) -> int:
    import chromadb

    return chromadb.HttpClient(host=HOST, port=port).get_collection(name).count()


def cli(data, *args):
    return runner.invoke(app, ["--data-dir", str(data), *args], catch_exceptions=False)


@pytest.fixture
def data(tmp_path, chroma_server, server_env):
    """test_cli's fixture, on the server: the bundled corpus ingested by the CLI."""
    d = tmp_path / "corpus"
    r = cli(d, "ingest", str(ROOT / "corpus"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["outcomes"][0]["status"] == "added"
    assert server_count(chroma_server, server_env) > 0 and not (d / "chroma").exists()
    return d


def test_corpus_on_a_chroma_server_keeps_both_indexes_in_step(corpus, chroma_server, server_env):
    keep = corpus.add(Article(text="Wildfires forced thousands to evacuate near Yosemite National Park.", source="CNN"))
    gone = corpus.add(Article(text="The city council approved a new school budget on Monday.", source="Gazette"))
    s = Searcher(corpus)
    assert s.search("school budget council", k=1)[0].doc_id == gone.doc_id
    corpus.delete(gone.doc_id)
    for mode in ("dense", "lexical", "hybrid"):
        assert all(h.doc_id == keep.doc_id for h in s.search("school budget council", mode=mode))
    assert server_count(chroma_server, server_env) == keep.n_chunks
    assert not (corpus.data_dir / "chroma").exists()  # nothing embedded on the side
    # The audit over HTTP: a vector the server lost is found and written again.
    corpus.collection.delete(ids=[c.chunk_id for c in corpus.chunks(keep.doc_id)])
    assert corpus.audit(fix=False).missing == keep.n_chunks
    assert corpus.audit().rewritten == keep.n_chunks and server_count(chroma_server, server_env) == keep.n_chunks
    assert s.search("Yosemite wildfires", k=1, mode="dense")[0].doc_id == keep.doc_id


def test_files_of_every_kind_then_reopen_from_the_server(tmp_path, embedder, chroma_server, server_env):
    from filemakers import make_docx, make_html, make_pdf

    from retrieval.loaders import load_path

    paras = ["The regional council approved the flood defence budget of 12 million euros on Tuesday.",
             "Engineers said the new levees along the river would be finished by 2027."]
    files = [make_html(tmp_path / "page.html", paras, title="Flood budget approved", published="2024-03-05T08:30:00+02:00"),
             make_pdf(tmp_path / "report.pdf", ["Harbour traffic fell by 8 percent in 2023, the port authority said."],
                      title="Port report"),
             make_docx(tmp_path / "memo.docx", ["The mayor opened the new tram line to the university on Friday."],
                       title="Tram line opens")]
    md = tmp_path / "note.md"
    md.write_text("---\ntitle: School meals\nsource: Valley News\ndate: 2025-09-01\n---\n"
                  "Free school meals will be offered to all primary pupils from September.\n")
    settings = Settings(data_dir=tmp_path / "d")
    c = settings.build_corpus(embedder)
    report = c.ingest([(str(f), load_path(f)) for f in [*files, md]])
    assert [o.status for o in report.outcomes] == ["added"] * 4
    total = c.stats().chunks
    assert server_count(chroma_server, server_env) == total == c.stats().dense_vectors
    c.close()

    again = settings.build_corpus(embedder)  # a new process would see the same store
    s = Searcher(again)
    assert again.count() == 4 and again.collection.count() == total
    assert "levees" in s.search("When will the levees be finished?", k=1)[0].text
    hit = s.search("free school meals", k=1, sources=["Valley News"])[0]
    assert hit.title == "School meals" and str(hit.date) == "2025-09-01"
    import datetime as dt

    assert all(h.title != "School meals" for h in s.search("free school meals", as_of=dt.date(2025, 1, 1)))
    dup = again.ingest([("copy.md", load_path(md))]).outcomes[0]
    assert dup.status == "duplicate" and server_count(chroma_server, server_env) == total
    again.close()


def test_crash_between_the_two_writes_is_repaired_on_the_server(tmp_path, embedder, chroma_server, server_env):
    settings = Settings(data_dir=tmp_path / "d")
    c = settings.build_corpus(embedder)
    out = c.add(Article(text="The ferry service to the island resumed after the storm, the operator said."))
    c.db.execute("UPDATE articles SET status='deleting' WHERE doc_id=?", (out.doc_id,))  # crashed mid-delete
    c.close()
    c2 = settings.build_corpus(embedder)
    assert c2.repaired and c2.count() == 0 and server_count(chroma_server, server_env) == 0
    from retrieval import lexical

    assert lexical.chunk_ids(c2._lexical) == set() and c2.lexical_search(["ferry"], 10, lexical.LexicalFilter()) == {}
    c2.close()


def test_cli_reports_the_server_store(data):
    st = json.loads(cli(data, "stats", "--json").stdout)
    assert st["store"].startswith(f"Chroma server at {HOST}") and st["dense_vectors"] == st["chunks"] > 0


def test_unreachable_server_is_a_clear_error(tmp_path, embedder):
    from retrieval.errors import StoreError

    with pytest.raises(StoreError, match="chroma run"):
        Corpus(tmp_path / "d", embedder, chroma_host=HOST, chroma_port=9)


@pytest.mark.slow
def test_cited_answer_from_the_local_model_on_the_server(seeded, local_llm):
    import datetime as dt

    from test_answer_local import QUESTION, check_2019_answer

    from factcheck.answer import Answerer

    check_2019_answer(Answerer(Searcher(seeded), local_llm).ask(QUESTION, dt.date(2026, 2, 1)))
