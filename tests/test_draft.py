"""Check a draft: which sentences are checkable claims (made-up sentences, no model), the run over
them (progress, stop, history) with a scripted model, the CLI and the report; and the acceptance
test with the real local model on a draft made from the bundled article, through the CLI and the app."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from factcheck.claims import Checker, ClaimParams, Label
from factcheck.draft import (DraftCheck, DraftChecker, DraftParams, Kind, check_draft, classify, draft_markdown,
                             new_draft, pick_claims, split_draft)
from factcheck.history import History
from retrieval.search import Searcher
from tests.conftest import ROOT

P = DraftParams()


# ---- which sentences are claims -----------------------------------------------------------------
@pytest.mark.parametrize("sentence, kind, why", [
    # numbers, dates, names, attributed words: claims
    ("The dam released 40,000 cubic metres of water.", Kind.CLAIM, "a number (40,000)"),
    ("The bridge reopened in March 2024 after repairs.", Kind.CLAIM, "a date"),
    ("Helsinki hosted the summit of the two leaders.", Kind.CLAIM, "a name (Helsinki)"),
    ("The mayor of Lviv said the shelter was full.", Kind.CLAIM, "attributed to someone (“said”)"),
    ("“We are ready,” the minister told reporters in a statement.", Kind.CLAIM, "attributed to someone (“told”)"),
    ("Thousands of people left the city that week.", Kind.CLAIM, "a number (thousands)"),
    # words attributed to someone stay claims even when what they said is a view or a forecast
    ("Anna Berg said the plan will fail and should be dropped.", Kind.CLAIM, "attributed"),
    # the writer's own view, what ought to be, a judgement without facts: opinions
    ("I think the ministry handled the floods badly.", Kind.OPINION, "own view (“i think”)"),
    ("In my view, Geneva is the better venue.", Kind.OPINION, "own view (“in my view”)"),
    ("Frankly, the promises of the council are hard to believe.", Kind.OPINION, "own view (“frankly”)"),
    ("The council should publish the report at once.", Kind.OPINION, "ought to be (“should”)"),
    ("The new bridge is a disaster for the town.", Kind.OPINION, "a judgement (“disaster”)"),
    # questions and predictions
    ("Will the minister resign before the vote?", Kind.QUESTION, "a question"),
    ("Who paid for the new stadium in 2019?", Kind.QUESTION, "a question"),
    ("The river will rise by two metres next week.", Kind.PREDICTION, "a prediction (“will”)"),
    ("Prices are expected to fall in the spring.", Kind.PREDICTION, "a prediction (“are expected to”)"),
    # nothing to check
    ("Kyiv Post", Kind.OTHER, "fewer than 4 words"),
    ("It was a long and cold night for everyone.", Kind.OTHER, "nothing to check"),
    ("He said the shelter had been full since the morning.", Kind.OTHER, "no one named"),
    ("## The Minister and the Floods", Kind.OTHER, "a heading"),
])
def test_each_sentence_gets_a_kind_and_the_reason(sentence, kind, why):
    got, reason = classify(sentence, P)
    assert (got, why in reason) == (kind, True), reason


def test_capitalised_names_are_not_the_words_the_rules_look_for():
    """"States" in "the United States" is no speech verb, "Will" opening a name no prediction, "May"
    the month no modal; an opener such as "However" names no one."""
    assert classify("Talks between Ukraine and the United States lasted two days.", P)[1].startswith("states a number")
    assert classify("Delegates met Will Daniels in Oslo.", P)[0] is Kind.CLAIM
    assert "a date (May)" in classify("The law came into force in May.", P)[1]
    assert classify("However, it did not go as well as hoped.", P)[0] is Kind.OTHER


def test_the_word_lists_are_settings():
    p = DraftParams(opinion_markers=["we reckon"], min_words=2)
    assert classify("We reckon Oslo won.", p)[0] is Kind.OPINION
    assert classify("I think Oslo won.", p)[0] is Kind.CLAIM  # no longer a marker: the name makes it a claim
    from factcheck.settings import Settings

    assert Settings(draft={"min_words": 7}).draft.min_words == 7


def test_sentences_keep_their_offsets_through_lines_lists_and_abbreviations():
    text = ("# Heading of the draft\n\nThe talks began on Jan. 28 in Abu Dhabi. Mr. Sybiha spoke first.\n"
            "- Zelensky called them constructive.\n> Peskov said work was ahead.\n1. A third point about Oslo in 2020.")
    spans = split_draft(text)
    sents = [text[a:b] for a, b in spans]
    assert sents == ["# Heading of the draft", "The talks began on Jan. 28 in Abu Dhabi.", "Mr. Sybiha spoke first.",
                     "Zelensky called them constructive.", "Peskov said work was ahead.",
                     "A third point about Oslo in 2020."]
    picked = pick_claims(text)
    assert [s.text for s in picked] == sents and all(text[s.start:s.end] == s.text for s in picked)
    assert [s.kind for s in picked] == [Kind.OTHER] + [Kind.CLAIM] * 5
    assert pick_claims("") == [] and pick_claims("\n\n  \n") == []


# ---- the run, with a scripted model -----------------------------------------------------------
DRAFT = ("Putin and Zelensky have not met since 2019. I think the talks are going nowhere. "
         "Swiss Foreign Minister Ignazio Cassis said Switzerland was ready to host talks. Will Putin go to Geneva?")


@pytest.fixture
def scripted(seeded):
    """A real checker and history on the seed article; the model says "supports" to every claim."""
    from tests.test_claims_logic import scripted

    return Checker(Searcher(seeded), scripted(probs=(0.95, 0.02)), ClaimParams(method="probabilities")), History(seeded.data_dir, seeded.embedder)


def test_claims_are_checked_in_order_with_progress_and_kept_in_the_history(scripted):
    checker, history = scripted
    steps = []
    d = check_draft(DRAFT, checker, history=history, as_of=dt.date(2026, 2, 1), progress=steps.append)
    assert [s.kind for s in d.sentences] == [Kind.CLAIM, Kind.OPINION, Kind.CLAIM, Kind.QUESTION]
    assert [v.sentence for v in d.verdicts] == d.claims() == [0, 2] and not d.stopped and not d.pending()
    # before and after each claim: (done, total, checked yet?)
    assert [(s.done, s.total, s.verdict is not None) for s in steps] == [(0, 2, False), (1, 2, True), (1, 2, False), (2, 2, True)]
    for v in d.verdicts:  # the same result `factcheck check` gives, dated as asked, and kept
        assert v.check.claim == d.sentences[v.sentence].text and v.check.as_of == dt.date(2026, 2, 1)
        assert v.check.verdict is Label.SUPPORTED and v.earlier is None and history.get(v.history_id) == v.check
    assert history.count() == 2
    # Checked again: the earlier checks are shown, not made again; --rerun makes them again.
    again = check_draft(DRAFT, checker, history=history)
    assert all(v.earlier is not None and v.history_id == first.history_id for v, first in zip(again.verdicts, d.verdicts))
    assert history.count() == 2
    fresh = check_draft(DRAFT, checker, history=history, rerun=True)
    assert all(v.earlier is None and history.get(v.history_id) == v.check for v in fresh.verdicts)


def test_a_stop_keeps_what_was_checked_and_the_rest_can_follow(scripted):
    checker, _ = scripted
    d = new_draft(DRAFT)
    runner = DraftChecker(checker)
    runner.run(d, stop=lambda: len(d.verdicts) >= 1)
    assert d.stopped and [v.sentence for v in d.verdicts] == [0] and d.pending() == [2]
    runner.run(d)  # goes on where it stopped
    assert not d.stopped and [v.sentence for v in d.verdicts] == [0, 2]

    def interrupt(step):  # Ctrl-C while the second claim is being checked
        if step.verdict is None and step.done == 1:
            raise KeyboardInterrupt
    d = check_draft(DRAFT, checker, progress=interrupt)
    assert d.stopped and len(d.verdicts) == 1
    assert DraftCheck.model_validate_json(d.model_dump_json()) == d  # the typed result survives JSON


def test_report_lists_every_sentence_and_escapes_the_draft(scripted):
    checker, _ = scripted
    d = check_draft("<img src=x onerror=alert(1)> Kyiv said [so](javascript:alert(2)) in 2019. Should we care?", checker)
    from tests.test_claims_logic import rendered

    md = draft_markdown(d)
    html = rendered(md)
    assert "<img" not in html and 'href="javascript' not in html and "&lt;img" in html
    assert html.count("<tr>") == 1 + len(d.sentences)  # the header and one row a sentence
    from factcheck.report import LABEL_TEXT

    assert "left out: question" in md and f"**{LABEL_TEXT[d.verdicts[0].check.verdict]}**" in md and "Kyiv Post" in md


# ---- the CLI, with a scripted model -----------------------------------------------------------
runner = CliRunner()


@pytest.fixture
def cli_data(tmp_path):
    from factcheck.cli import app

    d = tmp_path / "data"
    assert runner.invoke(app, ["--data-dir", str(d), "ingest", str(ROOT / "corpus")]).exit_code == 0
    return d


def test_cli_checks_a_file_reports_and_stops_on_ctrl_c(cli_data, tmp_path, monkeypatch):
    from factcheck.cli import app
    from factcheck.settings import Settings
    from tests.test_claims_logic import scripted

    monkeypatch.setattr(Settings, "build_llm", lambda self: scripted(probs=(0.95, 0.02)))
    monkeypatch.setenv("FACTCHECK_CLAIMS__METHOD", "probabilities")  # the scripted model reads probabilities only
    draft = tmp_path / "draft.md"
    draft.write_text("---\ndate: 2026-01-30\n---\n" + DRAFT.replace(". ", ".\n"), encoding="utf-8")
    report = tmp_path / "report.md"
    r = runner.invoke(app, ["--data-dir", str(cli_data), "check-draft", str(draft), "--report", str(report)])
    assert r.exit_code == 0, r.output
    assert "4 sentences, 2 checkable claims, 2 left out; as of 2026-01-30" in r.stdout
    assert "[SUPPORTED]  Putin and Zelensky have not met since 2019." in r.stdout
    assert "(question, left out: a question: it asks rather than states)  Will Putin go to Geneva?" in r.stdout
    assert "[1/2] SUPPORTED: Putin" in r.stderr and "[2/2]" in r.stderr  # progress on standard error
    assert report.read_text().startswith("# Draft check") and "report written" in r.stdout
    # The same draft from standard input, as JSON: the two claims were checked before (history).
    r = runner.invoke(app, ["--data-dir", str(cli_data), "check-draft", "-", "--json"], input=DRAFT)
    d = DraftCheck.model_validate_json(r.stdout)
    assert r.exit_code == 0 and d.source == "standard input" and all(v.earlier for v in d.verdicts)

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt
    monkeypatch.setattr(Checker, "check", interrupted)
    r = runner.invoke(app, ["--data-dir", str(cli_data), "check-draft", "-", "--rerun"], input=DRAFT)
    assert r.exit_code == 130 and "0 of 2 claims checked (stopped)" in r.stdout and "[NOT CHECKED]" in r.stdout


def test_cli_leaves_a_draft_without_claims_unchecked_and_refuses_bad_input(tmp_path, monkeypatch):
    from factcheck.cli import app
    from factcheck.settings import Settings

    def no_model(self):
        raise AssertionError("the model was started for a draft with no claim")
    monkeypatch.setattr(Settings, "build_llm", no_model)
    d = tmp_path / "data"
    r = runner.invoke(app, ["--data-dir", str(d), "check-draft", "-", "--json"], input="I think it went well. Why not?")
    out = json.loads(r.stdout)
    assert r.exit_code == 0 and out["verdicts"] == [] and [s["kind"] for s in out["sentences"]] == ["opinion", "question"]
    r = runner.invoke(app, ["--data-dir", str(d), "check-draft", str(tmp_path / "missing.pdf")])
    assert r.exit_code == 1 and "cannot read missing.pdf" in r.stderr
    r = runner.invoke(app, ["--data-dir", str(d), "check-draft", str(tmp_path)])
    assert r.exit_code == 2 and "is a folder" in r.output
    r = runner.invoke(app, ["--data-dir", str(d), "check-draft", "http://127.0.0.1:9/draft", "--json"])
    assert r.exit_code == 1 and json.loads(r.stdout)["type"] == "RefusedInput"  # the ingest's address rules


# ---- acceptance: the real local model on a draft made from the bundled article -----------------
# True: copied or lightly reworded from the seed article. Altered: a number, a year, a name changed.
TRUE = ["The International Criminal Court issued an arrest warrant for Putin in March 2023.",
        "Sybiha said in an interview with European Pravda that Zelensky is ready to meet with Putin.",
        "Putin and Zelensky have not met since 2019.",
        "Zelensky described the talks as constructive.",
        "Kremlin spokesperson Dmitry Peskov said there was still significant work ahead."]
ALTERED = ["The negotiations included five days of closed-door trilateral discussions in Abu Dhabi.",  # two days
           "In late August 2024, Putin reportedly offered to host peace talks with Zelensky in Moscow.",  # 2025
           "Swiss Foreign Minister Ignazio Cassis said Sweden was more than ready to host trilateral talks."]  # Switzerland
LEFT_OUT = {"I think the Kremlin is not serious about peace.": Kind.OPINION,
            "Will Putin ever travel to Geneva?": Kind.QUESTION,
            "Frankly, the promises of safety from Moscow are hard to believe.": Kind.OPINION}
ACCEPTANCE = "\n".join([
    f"{TRUE[0]} {TRUE[1]} I think the Kremlin is not serious about peace.",
    f"{ALTERED[0]} {TRUE[2]} Will Putin ever travel to Geneva?",
    f"{TRUE[3]} {ALTERED[1]} {TRUE[4]}",
    f"Frankly, the promises of safety from Moscow are hard to believe. {ALTERED[2]}"])
AS_OF = "2026-01-28"  # the article's date


def assert_acceptance(d: DraftCheck) -> None:
    """The 8 claims found and the 3 left out; each true claim SUPPORTED, no altered one SUPPORTED."""
    assert len(d.sentences) == 11 and not d.stopped
    assert sorted(d.sentences[i].text for i in d.claims()) == sorted(TRUE + ALTERED)
    assert {s.text: s.kind for s in d.left_out()} == LEFT_OUT
    verdicts = {d.sentences[v.sentence].text: v.check.verdict for v in d.verdicts}
    assert len(verdicts) == 8
    wrong = {c: v.value for c, v in verdicts.items() if (v is Label.SUPPORTED) != (c in TRUE)}
    assert not wrong, wrong
    assert all(verdicts[c] in (Label.REFUTED, Label.NOT_ENOUGH_INFO) for c in ALTERED)
    for v in d.verdicts:
        assert v.check.as_of == dt.date.fromisoformat(AS_OF) and v.check.model and v.earlier is None
        if v.check.verdict is not Label.NOT_ENOUGH_INFO:  # a verdict rests on a cited passage of the article
            assert any(e.source == "Kyiv Post" for p in v.check.parts for e in p.evidence if e.n in p.cites)


@pytest.mark.slow
def test_acceptance_draft_through_the_cli(cli_data, tmp_path, local_llm, monkeypatch):
    from factcheck.cli import app
    from factcheck.settings import Settings

    monkeypatch.setattr(Settings, "build_llm", lambda self: local_llm)
    draft = tmp_path / "draft.txt"
    draft.write_text(ACCEPTANCE, encoding="utf-8")
    report = tmp_path / "report.md"
    r = runner.invoke(app, ["--data-dir", str(cli_data), "check-draft", str(draft), "--as-of", AS_OF, "--json",
                            "--report", str(report)])
    assert r.exit_code == 0, r.output
    d = DraftCheck.model_validate_json(r.stdout)
    assert_acceptance(d)
    md = report.read_text(encoding="utf-8")
    assert md.count("left out:") == 3 and md.count("**Supported**") == len(TRUE)
    h = History(cli_data, None)
    assert h.count() == 8  # every check kept, as `factcheck check` keeps it


@pytest.mark.slow
def test_acceptance_draft_through_the_app(tmp_path, embedder, local_llm, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from factcheck.settings import Settings
    from retrieval.loaders import load_path
    from retrieval.store import Corpus

    data = tmp_path / "appdata"
    corpus = Corpus(data, embedder)
    corpus.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    corpus.close()
    for var in ("FACTCHECK_EDITOR_PASSWORD", "OPENAI_API_KEY", "FACTCHECK_OPENAI_API_KEY", "FACTCHECK_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(data))
    monkeypatch.setattr(Settings, "build_llm", lambda self: local_llm)  # the one model of the test run
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["as_of"] = AS_OF
    at.run()
    at.text_area(key="draft_text").input(ACCEPTANCE)
    next(b for b in at.button if "Check the draft" in b.label).click().run(timeout=900)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    d = DraftCheck.model_validate(at.session_state["draft"])
    assert_acceptance(d)
    # The draft marked claim by claim, the evidence in an expander per claim, the left out listed with why.
    (marked,) = [m.value for m in at.markdown if ":gray[" in m.value and "background[" in m.value]
    unsure = sum(v.check.verdict is Label.NOT_ENOUGH_INFO for v in d.verdicts)  # marked in grey too
    assert marked.count("-background[") == 8 and marked.count(":gray[") == 3 + unsure
    assert marked.count("Supported") == len(TRUE)
    boxes = [e for e in at.expander if e.label[:2] in {f"{n}." for n in range(1, 9)}]
    assert len(boxes) == 8 and all(any("Kyiv Post" in m.value for m in b.markdown) for b in boxes)
    left = [c.value for c in at.caption if c.value.startswith(("Opinion ·", "Question ·"))]
    assert len(left) == 3
    assert {b.label for b in at.get("download_button")} >= {"Download report (Markdown)", "Download report (JSON)"}
