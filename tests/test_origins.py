"""Independent origins: syndicated and near-duplicate copies are recognised at ingest, kept as one
origin group in the catalog, shown once by search and counted once as corroboration."""

import datetime as dt

import pytest

from factcheck.answer import Answer, AnswerParams, Answerer
from factcheck.claims import ClaimCheck, Evidence, Label, PartVerdict
from factcheck.evidence import select_evidence
from retrieval.errors import StoreError
from retrieval.models import Article
from retrieval.origins import OriginParams, Signer
from retrieval.search import Searcher
from retrieval.store import Corpus
from conftest import ROOT

# A made-up wire story, two outlets' copies of it (small edits, their own headlines), and a
# different story on the same topic.
WIRE = ("WASHINGTON (AP) — The Senate voted 62 to 38 on Tuesday to approve a bill that expands health care for "
        "veterans, sending the measure to the president, who has said he will sign it. The legislation adds "
        "20 billion dollars over ten years for clinics treating veterans exposed to toxic burn pits in Iraq and "
        "Afghanistan. Senator Jon Tester, who chairs the veterans committee, called the vote a promise kept to "
        "the people who served. Opponents said the cost had not been offset by cuts elsewhere in the budget, "
        "and several warned that the clinics would struggle to hire enough doctors.")
COPY_GAZETTE = (WIRE.replace("WASHINGTON (AP) — ", "").replace("on Tuesday", "on Tuesday evening")
                .replace("called the vote", "described the vote as") + " The Gazette's veterans desk contributed.")
COPY_METRO = WIRE.replace("toxic burn pits", "toxic smoke from burn pits").replace("several warned", "some warned")
OTHER_STORY = ("Veterans in Ohio say the clinics that treat burn pit exposure are months behind. At the Dayton "
               "clinic, the wait for a first appointment is now 94 days, and two of its five doctors left this "
               "spring. Administrators blame a hiring freeze, while the veterans committee in the Senate has asked "
               "for an inspection before the new health care money arrives.")

DAY = dt.date(2025, 5, 6)


def wire_articles():
    return [("ap", Article(text=WIRE, title="Senate passes veterans health bill", source="AP", date=DAY)),
            ("gazette", Article(text=COPY_GAZETTE, title="Burn pit bill heads to the president's desk",
                                source="Daily Gazette", date=DAY + dt.timedelta(days=1))),
            ("metro", Article(text=COPY_METRO, title="Veterans win 20 billion for clinics", source="Metro Times", date=DAY))]


def groups(corpus) -> dict[str, set[str]]:
    """Origin doc id -> the members' outlets."""
    out: dict[str, set[str]] = {}
    for origin, source in corpus.db.execute("SELECT o.origin_id, a.source FROM origins o JOIN articles a USING (doc_id)"):
        out.setdefault(origin, set()).add(source)
    return out


def origin_source(corpus, group: set[str]) -> str:
    (origin,) = [o for o, members in groups(corpus).items() if members == group]
    return corpus.get(origin).source


# ---- the grouping rule, on signatures alone -------------------------------------------------------------
def test_a_copy_with_small_edits_and_another_headline_is_over_the_threshold_another_story_is_not():
    p = OriginParams()
    s = Signer(p)
    wire = s.sign(WIRE)
    for copy in (COPY_GAZETTE, COPY_METRO):
        assert s.similarity(wire, s.sign(copy)) >= p.threshold
        # Candidates share an LSH band with the original, or they would never be compared.
        assert set(s.band_keys(wire)) & set(s.band_keys(s.sign(copy)))
    assert s.similarity(wire, s.sign(OTHER_STORY)) < 0.1
    # Punctuation, case and spacing are not edits.
    assert s.similarity(wire, s.sign(WIRE.upper().replace(",", " ,  ").replace("—", "-"))) == 1.0
    # The closest candidate over the threshold is the one joined; none when none is a copy.
    cands = [("other", "other", s.sign(OTHER_STORY)), ("metro", "ap", s.sign(COPY_METRO))]
    assert s.closest(wire, cands) == ("metro", "ap")
    assert s.closest(wire, cands[:1]) is None
    with pytest.raises(ValueError, match="lower the threshold or raise num_perm"):
        OriginParams(threshold=0.97, num_perm=64)  # fewer than two LSH bands


# ---- in a real store ----------------------------------------------------------------------------------
def test_the_same_story_from_three_outlets_is_one_origin_group_headed_by_the_earliest(corpus):
    report = corpus.ingest(wire_articles() + [("other", Article(text=OTHER_STORY, source="Ohio Ledger", date=DAY))])
    assert report.added == 4
    assert sorted(groups(corpus).values(), key=len) == [{"Ohio Ledger"}, {"AP", "Daily Gazette", "Metro Times"}]
    # AP and Metro Times share the earliest date; AP was ingested first.
    assert origin_source(corpus, {"AP", "Daily Gazette", "Metro Times"}) == "AP"
    ap = corpus.list(source="AP")[0]
    origin, members = corpus.group(ap.doc_id[:10])
    assert origin == ap.doc_id and [corpus.get(m).source for m in members] == ["AP", "Metro Times", "Daily Gazette"]
    assert corpus.origin_problems() == 0


def test_an_earlier_copy_ingested_later_becomes_the_origin(corpus):
    later = [(n, a.model_copy(update={"date": DAY + dt.timedelta(days=3)})) for n, a in wire_articles()[1:]]
    corpus.ingest(later)  # one at a time would do the same: the batch sees its own earlier articles
    assert origin_source(corpus, {"Daily Gazette", "Metro Times"}) == "Daily Gazette"  # same date: first ingested
    corpus.ingest(wire_articles()[:1])
    assert origin_source(corpus, {"AP", "Daily Gazette", "Metro Times"}) == "AP"
    assert corpus.origin_problems() == 0


def test_search_shows_one_passage_per_origin_group_and_all_copies_when_asked(corpus):
    corpus.ingest(wire_articles() + [("other", Article(text=OTHER_STORY, source="Ohio Ledger", date=DAY))])
    s = Searcher(corpus)
    query = "Senate vote veterans burn pits clinics 20 billion"
    for mode in ("hybrid", "dense", "lexical"):
        hits = s.search(query, 10, mode=mode)
        wire = [h for h in hits if h.source in ("AP", "Daily Gazette", "Metro Times")]
        assert len(wire) == 1, [h.source for h in hits]
        others = {"AP", "Daily Gazette", "Metro Times"} - {wire[0].source}
        assert {c.source for c in wire[0].copies} == others and wire[0].origin_name == "AP"
        assert any(h.source == "Ohio Ledger" and not h.copies for h in hits)  # another story is not a copy
        every = s.search(query, 10, mode=mode, all_copies=True)
        assert sorted(h.source for h in every) == ["AP", "Daily Gazette", "Metro Times", "Ohio Ledger"]
        assert all(not h.copies for h in every)


def test_search_collapse_looks_up_the_groups_in_the_one_query_that_reads_the_hits(corpus):
    corpus.ingest(wire_articles())
    seen = []
    corpus.db.set_trace_callback(seen.append)
    try:
        Searcher(corpus).search("veterans burn pits", 10, mode="lexical")
    finally:
        corpus.db.set_trace_callback(None)
    assert sum("origins" in q for q in seen) == 1 and sum("FROM chunks" in q for q in seen) == 1


def test_deleting_the_origin_leaves_the_rest_grouped_under_the_next_earliest(corpus):
    corpus.ingest(wire_articles())
    corpus.delete(corpus.list(source="AP")[0].doc_id)
    assert list(groups(corpus).values()) == [{"Daily Gazette", "Metro Times"}]
    assert origin_source(corpus, {"Daily Gazette", "Metro Times"}) == "Metro Times"
    assert corpus.db.execute("SELECT COUNT(*) FROM origin_bands").fetchone()[0] == 2 * corpus.signer._lsh.b
    corpus.delete(corpus.list(source="Daily Gazette")[0].doc_id)  # not the origin: the origin stays
    assert list(groups(corpus).values()) == [{"Metro Times"}] and corpus.origin_problems() == 0
    hit = Searcher(corpus).search("veterans burn pits", 3)[0]
    assert hit.source == "Metro Times" and hit.origin_name == "Metro Times" and not hit.copies


def test_a_failed_ingest_and_a_crash_mid_delete_leave_no_dangling_member(tmp_path, embedder):
    from retrieval import lexical

    c = Corpus(tmp_path / "d", embedder)
    c.ingest(wire_articles()[:2])
    real = lexical.Writer.commit

    def failing(self, generation):
        raise OSError("disk full")
    lexical.Writer.commit = failing
    try:
        with pytest.raises(StoreError):
            c.ingest(wire_articles()[2:])
    finally:
        lexical.Writer.commit = real
    assert list(groups(c).values()) == [{"AP", "Daily Gazette"}] and c.origin_problems() == 0
    # A delete of the origin killed after its first step: the group already has its next origin...
    ap = c.list(source="AP")[0].doc_id
    with c._tx() as db:
        db.execute("UPDATE articles SET status='deleting' WHERE doc_id=?", (ap,))
        c._ungroup(db, ap)
    assert list(groups(c).values()) == [{"Daily Gazette"}] and c.origin_problems() == 0
    c.close()
    c2 = Corpus(tmp_path / "d", embedder)  # ...and the next open finishes the delete
    assert c2.repaired and c2.count() == 1 and c2.origin_problems() == 0
    assert c2.ingest(wire_articles()[2:]).added == 1
    assert list(groups(c2).values()) == [{"Daily Gazette", "Metro Times"}]
    c2.close()


class CountingEmbedder:
    def __init__(self, real):
        self.real, self.name, self.calls = real, real.name, 0

    def embed(self, texts):
        self.calls += 1
        return self.real.embed(texts)


def test_a_store_from_before_origins_is_grouped_on_open_without_embedding_again(tmp_path, embedder):
    c = Corpus(tmp_path / "d", embedder)
    c.ingest(wire_articles() + [("other", Article(text=OTHER_STORY, source="Ohio Ledger", date=DAY))])
    vectors = c.collection.count()
    # The catalog as the previous version left it: no origins tables, no meta row.
    c.db.executescript("DROP TABLE origins; DROP TABLE origin_bands; DELETE FROM meta WHERE key='origins';")
    c.close()
    counting = CountingEmbedder(embedder)
    c2 = Corpus(tmp_path / "d", counting)
    assert c2.origins_grouped == 4 and counting.calls == 0 and c2.collection.count() == vectors
    assert sorted(groups(c2).values(), key=len) == [{"Ohio Ledger"}, {"AP", "Daily Gazette", "Metro Times"}]
    assert origin_source(c2, {"AP", "Daily Gazette", "Metro Times"}) == "AP" and c2.origin_problems() == 0
    c2.close()
    # Reopened as it is: nothing to group. Other settings: everything grouped again under them.
    c3 = Corpus(tmp_path / "d", embedder)
    assert c3.origins_grouped == 0
    c3.close()
    strict = Corpus(tmp_path / "d", embedder, origins=OriginParams(threshold=0.95))
    assert strict.origins_grouped == 4 and len(groups(strict)) == 4
    strict.close()


def test_audit_finds_groups_out_of_step_and_groups_again(corpus):
    corpus.ingest(wire_articles())
    assert corpus.audit(fix=False).origins_wrong == 0
    metro = corpus.list(source="Metro Times")[0].doc_id
    corpus.db.execute("UPDATE origins SET origin_id=? WHERE origin_id=origin_id", (metro,))  # not the earliest
    found = corpus.audit(fix=False)
    assert found.origins_wrong == 1 and not found.healthy
    fixed = corpus.audit(fix=True)
    assert fixed.origins_regrouped and fixed.healthy
    assert origin_source(corpus, {"AP", "Daily Gazette", "Metro Times"}) == "AP" and corpus.origin_problems() == 0


# ---- corroboration counted by origin -------------------------------------------------------------------
QUESTION = "When did Putin and Zelensky last meet?"
AS_OF = dt.date(2026, 2, 1)


def seed_in_three_outlets(corpus) -> None:
    """The bundled Kyiv Post article, and two copies in other outlets (small edits, headlines)."""
    from retrieval.loaders import load_path

    seed = load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md")
    copies = [seed.model_copy(update={"text": seed.text.replace("Russian President Vladimir Putin’s aide",
                                                                 "Vladimir Putin’s aide").replace("claiming", "saying"),
                                      "title": "Kremlin says Zelensky can come to Moscow", "source": "Euro Wire",
                                      "date": dt.date(2026, 1, 29), "filename": None}),
              seed.model_copy(update={"text": seed.text.replace("Commenting on", "Responding to") + "\nWith agencies.",
                                      "title": "Ushakov: Russia would guarantee Zelensky's safety", "source": "Baltic Times",
                                      "filename": None})]
    report = corpus.ingest([("seed", seed), ("euro", copies[0]), ("baltic", copies[1])])
    assert report.added == 3


def test_an_answer_built_from_real_search_results_counts_one_independent_origin(corpus, embedder, capsys):
    """The answer path's own search and evidence choice, with the model's part left out: the
    citations carry the copies the search collapsed, and the answer counts them by origin."""
    from factcheck.cli import print_answer

    seed_in_three_outlets(corpus)
    p = AnswerParams()
    vec = embedder.embed([QUESTION])[0]
    hits = Searcher(corpus).search(QUESTION, p.hits, as_of=AS_OF, per_article=2, query_vec=vec)
    assert len({h.origin_id for h in hits}) == 1 and {h.source for h in hits} == {"Kyiv Post", "Euro Wire", "Baltic Times"} - \
        {c.source for c in hits[0].copies}
    passages = select_evidence(vec, hits, embedder, p)
    cited = [passages[0].model_copy(update={"n": 1})]
    answer = Answer(question=QUESTION, as_of=AS_OF, text="They have not met since 2019 [1].", abstained=False,
                    citations=cited, passages=passages)
    assert answer.corroboration.text() == "3 outlets, 1 independent origin (Kyiv Post)"
    assert Answer.model_validate(answer.model_dump(mode="json")) == answer  # the app keeps answers as JSON
    print_answer(answer)
    assert "sources: 3 outlets, 1 independent origin (Kyiv Post)" in capsys.readouterr().out
    # The same passage with every copy shown (and cited) still counts one origin.
    every = Searcher(corpus).search(QUESTION, 6, as_of=AS_OF, all_copies=True)
    from factcheck.evidence import Citation, corroboration

    assert corroboration([Citation.from_hit(h, n) for n, h in enumerate(every, 1)]).text() == \
        "3 outlets, 1 independent origin (Kyiv Post)"
    # A different story is a second origin.
    corpus.ingest([("other", Article(text=OTHER_STORY, source="Ohio Ledger", date=DAY))])
    other = Searcher(corpus).search("burn pit clinic wait Dayton", 1)[0]
    both = [*cited, Citation.from_hit(other, 2)]
    assert corroboration(both).text() == "4 outlets, 2 independent origins (Kyiv Post, Ohio Ledger)"
    assert corroboration([Citation.from_hit(other, 1)]) is None  # one article alone: nothing to count


def test_a_claim_verdict_and_its_report_count_independent_origins(corpus, embedder):
    from factcheck.report import to_markdown
    from factcheck.ui_text import escape_inline

    seed_in_three_outlets(corpus)
    hit = Searcher(corpus).search("Putin and Zelensky have not met since 2019", 1, as_of=AS_OF)[0]
    e = Evidence.from_hit(hit, 1, p_true=0.9, p_false=0.05)
    part = PartVerdict(claim="Putin and Zelensky have not met since 2019", verdict=Label.SUPPORTED, confidence=0.9,
                       explanation="Supported [1].", cites=[1], evidence=[e])
    assert part.corroboration.text() == "3 outlets, 1 independent origin (Kyiv Post)"
    check = ClaimCheck(claim=part.claim, as_of=None, verdict=Label.SUPPORTED, parts=[part], made_at=dt.datetime(2026, 2, 1))
    md = to_markdown(check)
    assert f"Independent sources: {escape_inline('3 outlets, 1 independent origin (Kyiv Post)')}." in md
    assert "also in" in md and ClaimCheck.model_validate_json(check.model_dump_json()) == check  # history keeps it as JSON


def test_cli_search_shows_copies_once_and_all_with_the_flag(tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from factcheck.cli import app
    from factcheck.settings import Settings

    data = tmp_path / "data"
    c = Settings(data_dir=data).build_corpus()
    c.ingest(wire_articles())
    c.close()
    runner = CliRunner()
    one = runner.invoke(app, ["--data-dir", str(data), "search", "veterans burn pits senate", "-k", "5"])
    assert one.exit_code == 0, one.output
    assert one.stdout.count("    also in 2 other article(s): ") == 1 and "origin AP" in one.stdout
    every = json.loads(runner.invoke(app, ["--data-dir", str(data), "search", "veterans burn pits senate", "-k", "5",
                                           "--all-copies", "--json"]).stdout)
    assert sorted(h["source"] for h in every) == ["AP", "Daily Gazette", "Metro Times"]


@pytest.mark.slow
def test_a_real_answer_citing_the_copies_says_they_are_one_origin(corpus, local_llm):
    seed_in_three_outlets(corpus)
    answer = Answerer(Searcher(corpus), local_llm).ask(QUESTION, AS_OF)
    assert not answer.abstained and "2019" in answer.text, answer.model_dump_json(indent=1)
    assert answer.corroboration.text() == "3 outlets, 1 independent origin (Kyiv Post)"
