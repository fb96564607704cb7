"""Claim checking with the real embedded model on the bundled corpus, and the report it makes."""

import datetime as dt

import pytest

from factcheck.claims import Checker, Label
from factcheck.report import to_markdown
from retrieval.search import Searcher

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def compound(tmp_path_factory, embedder, local_llm):
    """One real run on the editors' example claim, shared by the tests below, every reading kept
    (stopping early, the probabilities and the split are skipped once the questions refute)."""
    from factcheck.claims import ClaimParams
    from retrieval.loaders import load_path
    from retrieval.store import Corpus
    from tests.conftest import ROOT

    corpus = Corpus(tmp_path_factory.mktemp("claims") / "data", embedder)
    corpus.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    checker = Checker(Searcher(corpus), local_llm)
    every = Checker(Searcher(corpus), local_llm, ClaimParams(stop_early=False))
    yield checker, every.check("Putin and Zelensky met in Abu Dhabi in January 2026 and agreed a ceasefire.",
                               as_of=dt.date(2026, 1, 27))
    corpus.close()


def test_compound_claim_is_split_and_never_supported(compound):
    _, c = compound
    assert len(c.parts) >= 2, c.model_dump_json(indent=1)
    assert c.verdict is not Label.SUPPORTED
    for part in c.parts:
        assert part.verdict is not Label.SUPPORTED  # the article says they have not met since 2019
        for e in part.evidence:
            assert e.source == "Kyiv Post" and e.date == dt.date(2026, 1, 28)
            assert e.after_claim_date  # published the day after the claim's date


def test_report_from_a_real_run_renders_with_linked_quotes(compound):
    from tests.test_claims_logic import rendered

    _, c = compound
    md = to_markdown(c)
    html = rendered(md)
    quotes = [e for p in c.parts for e in p.evidence]
    assert quotes and html.count("<blockquote>") == len(quotes)
    assert "<table>" in html and md.startswith("# Fact-check report")
    for e in quotes:
        assert f'href="#source-{e.doc_id[:12]}"' in html  # the seed article has no URL: its source entry
    assert f'id="source-{quotes[0].doc_id[:12]}"' in html and "Kyiv Post" in html and "2026-01-28" in html
    assert c.model in html  # escaped in the Markdown, plain once rendered


def test_supported_claim_cites_the_passage_that_says_it(compound):
    checker, _ = compound
    c = checker.check("Switzerland said it was ready to host trilateral talks.")
    assert c.verdict is Label.SUPPORTED, c.model_dump_json(indent=1)
    part = next(p for p in c.parts if p.verdict is Label.SUPPORTED)  # with method "both", the reading that found it
    cited = [e for e in part.evidence if e.n in part.cites]
    assert cited and "host trilateral talks" in cited[0].quote and "“" in part.explanation


def test_questions_settle_a_claim_and_the_report_lists_them(tmp_path, embedder, local_llm):
    """Question-guided verification on the bundled corpus with the real model: the seed's wrong
    year is refuted citing "have not met since 2019", and the report (Markdown and JSON) lists
    every question asked with the sources' cited answer."""
    import json

    from factcheck.claims import ClaimParams
    from factcheck.ui_text import escape_inline as md_escape
    from retrieval.loaders import load_path
    from retrieval.store import Corpus
    from tests.conftest import ROOT

    corpus = Corpus(tmp_path / "data", embedder)
    corpus.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    checker = Checker(Searcher(corpus), local_llm, ClaimParams(method="questions"))
    c = checker.check("Putin and Zelensky met in 2024.")
    # Judged again from what the findings keep, without the model, the part is the same: what
    # bench/rejudge_claims.py does when a check of the answer path changes.
    from bench.rejudge_claims import replay_part

    again = replay_part(c.parts[0], c.as_of, c.made_at.date(), checker.question_answerer.params, checker.params.questions,
                        lambda doc_id: corpus.get(doc_id).text)
    corpus.close()
    assert again.model_dump() == c.parts[0].model_dump()
    assert c.verdict is Label.REFUTED, c.model_dump_json(indent=1)
    part = c.parts[0]
    assert len(part.questions) >= 2 and part.questions[0].question == "Is it true that Putin and Zelensky met in 2024?"
    cited = [e for e in part.evidence if e.n in part.cites]
    assert any("have not met since 2019" in e.quote for e in cited)
    md = to_markdown(c)
    data = json.loads(c.model_dump_json())
    for f in part.questions:
        assert md_escape(f.question) in md and md_escape(f.answer) in md
        assert not f.abstained or f.check  # an unanswered question names the check that refused its answer
    assert [f["question"] for f in data["parts"][0]["questions"]] == [f.question for f in part.questions]
    assert all(n in {e.n for e in part.evidence} for f in part.questions for n in f.cites)
    # Each question the answer path read keeps the passages it was given: a replay re-judges its draft.
    assert all(f.passages for f in part.questions if f.draft)
    assert data["parts"][0]["questions"][0]["passages"][0]["quote"]


def test_a_claims_prior_does_not_depend_on_what_was_read_before(compound):
    """The same claim gets the same verdict whatever was checked before it: the runtime's prompt
    cache (a prefix read in another batch gives slightly other numbers) must not move its prior."""
    from factcheck.evidence import Citation

    checker, _ = compound
    claim = "Vitamin D supplements reduce the risk of fractures in older adults."
    priors = []
    for source in ("none", "Nature"):  # what sits in the cache before: a prefix like the prior's, and another
        checker._read("Aspirin lowers mortality.", Citation(n=1, doc_id="x", chunk_id="x", start=0, end=9,
                                                            quote="A trial found no effect on sleep.", source=source))
        priors.append(checker.prior(claim))
    assert priors[0] is not None and priors[0] == priors[1]
