"""The history of checks: every check kept in the data directory; a claim close in meaning to an
earlier one shows that check with its date, and articles added since mark it possibly outdated.
The embedder is the real one; the claim checker is a fixed stand-in (no model)."""

from __future__ import annotations

import datetime as dt
import json
import time

from typer.testing import CliRunner

from factcheck.claims import ClaimCheck, Label, PartVerdict
from factcheck.history import History
from tests.conftest import ROOT

CLAIM = "Putin and Zelensky met in Abu Dhabi in January 2026."
PARAPHRASE = "Zelensky and Putin had a meeting in Abu Dhabi in January 2026."


def made(claim: str, verdict: Label = Label.REFUTED, when: dt.datetime | None = None) -> ClaimCheck:
    part = PartVerdict(claim=claim, verdict=verdict, confidence=0.9, explanation="[1] (Kyiv Post, 2026-01-28) contradicts it.")
    return ClaimCheck(claim=claim, as_of=dt.date(2026, 1, 27), verdict=verdict, parts=[part], model="fixed",
                      corpus="1 articles", made_at=when or dt.datetime.now(dt.timezone.utc).replace(microsecond=0))


def test_close_claims_are_found_and_different_facts_are_not(tmp_path, embedder):
    h = History(tmp_path, embedder)
    first = made(CLAIM, when=dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.timezone.utc))
    key = h.record(first, articles=1, asked_by="editor")
    found = h.similar(PARAPHRASE, 0.9)
    assert [f.id for f in found] == [key]
    assert found[0].made_at == first.made_at and found[0].verdict is Label.REFUTED and found[0].asked_by == "editor"
    assert found[0].similarity >= 0.9
    assert h.get(key) == first  # the whole check comes back: parts, verdicts, evidence
    for other in ("Putin and Zelensky met in Abu Dhabi in January 2025.",  # another year: 0.985 alike in embedding
                  "Putin and Zelensky did not meet in Abu Dhabi in January 2026.",  # denied
                  "Putin and Zelensky met in Moscow in January 2026.",  # another place
                  "Putin and Lukashenko met in Abu Dhabi in January 2026.",  # another person
                  "The Kakhovka dam was destroyed in June 2023."):
        assert h.similar(other, 0.9) == [], other


def test_search_words_in_claims_and_parts(tmp_path, embedder):
    h = History(tmp_path, embedder)
    h.record(made(CLAIM))
    h.record(made("The dam on the Dnipro broke on 6 June 2023.", Label.SUPPORTED))
    assert [e.claim for e in h.search("abu dhabi")] == [CLAIM]
    assert len(h.search(None)) == 2 and h.search("dam putin") == []
    assert h.search("100%_'\"") == []  # LIKE wildcards and quotes are words, not syntax


def test_cli_paraphrase_shows_the_first_verdict_then_an_added_article_marks_it_outdated(tmp_path, monkeypatch):
    from factcheck.cli import app
    from factcheck.settings import Settings

    calls = []

    class Fixed:
        def check(self, text, when=None, sources=None):
            calls.append(text)
            return made(text)

    monkeypatch.setattr(Settings, "build_checker", lambda self, *a, **k: Fixed())
    runner = CliRunner()

    def run(*args):
        r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), *args], catch_exceptions=False)
        assert r.exit_code == 0, r.output
        return r
    run("ingest", str(ROOT / "corpus"))
    # A check's time is kept to the second and an article added in that same second counts as
    # added since (the safer mistake): let the clock pass the ingest's second first.
    time.sleep(1.1)
    first = json.loads(run("check", CLAIM, "--as-of", "2026-01-27", "--json").stdout)
    assert "earlier" not in first and calls == [CLAIM]

    r = run("check", PARAPHRASE, "--json")
    again = json.loads(r.stdout)
    assert calls == [CLAIM]  # not checked again: the earlier check is shown
    assert again["earlier"]["claim"] == CLAIM and again["verdict"] == "REFUTED"
    assert again["earlier"]["made_at"] == first["made_at"] and again["earlier"]["articles_added_since"] == 0
    text = run("check", PARAPHRASE).stdout
    assert f"Checked before (checked {first['made_at'][:10]}" in text and "no article added since" in text
    assert CLAIM in text and "--rerun" in text

    news = tmp_path / "news.md"
    news.write_text("# Talks resume\n\nDelegations from Kyiv and Moscow met again in Istanbul on Monday to discuss "
                    "a prisoner exchange, officials said.\n")
    run("ingest", str(news), "--source", "Wire", "--date", "2026-02-02")
    text = run("check", PARAPHRASE).stdout
    assert "1 article added since: possibly outdated" in text
    assert json.loads(run("check", PARAPHRASE, "--json").stdout)["earlier"]["articles_added_since"] == 1

    time.sleep(1.1)  # past the news ingest's second, as above
    run("check", PARAPHRASE, "--rerun")  # the editor checks again: a new check, kept too
    assert calls == [CLAIM, PARAPHRASE]
    listed = run("history").stdout
    assert CLAIM in listed and PARAPHRASE in listed and "2 checks (of 2)" in listed and "[1 added since]" in listed
    rows = [json.loads(x) for x in run("history", "--search", "had a meeting", "--json").stdout.splitlines()]
    assert [x["claim"] for x in rows] == [PARAPHRASE] and rows[0]["check"]["parts"][0]["verdict"] == "REFUTED"
    assert rows[0]["articles_added_since"] == 0


def test_app_shows_the_earlier_check_and_can_check_again_and_lists_the_history(tmp_path, monkeypatch, embedder):
    from streamlit.testing.v1 import AppTest

    from factcheck.settings import Settings
    from retrieval.loaders import load_path
    from retrieval.store import Corpus

    data = tmp_path / "d"
    corpus = Corpus(data, embedder)
    corpus.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    corpus.close()
    History(data, embedder).record(made(CLAIM, when=dt.datetime(2026, 2, 1, 9, 30, tzinfo=dt.timezone.utc)))
    calls = []

    class Fixed:
        def check(self, text, as_of=None, **kw):
            calls.append(text)
            return made(text, Label.NOT_ENOUGH_INFO)

    monkeypatch.setattr(Settings, "build_checker", lambda self, *a, **k: Fixed())
    monkeypatch.setattr(Settings, "build_llm", lambda self: None)  # never started
    for var in ("FACTCHECK_EDITOR_PASSWORD", "OPENAI_API_KEY", "FACTCHECK_LLM_BASE_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(data))
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.run()
    assert not at.exception, at.exception
    at.text_area[0].input(PARAPHRASE)
    next(b for b in at.form_submit_button if "Check the claim" in b.label).click().run()
    assert not at.exception, at.exception
    # The seed article was added today, after that check of 2026-02-01: a warning, not a note.
    notes = [w.value for w in at.warning]
    assert calls == [] and any("Checked before" in n and "2026\\-02\\-01" in n and "possibly outdated" in n
                               for n in notes), notes
    assert at.dataframe[0].value["verdict"].tolist()  # the earlier check's verdicts are shown
    next(b for b in at.button if b.label == "Check again now").click().run()
    assert not at.exception, at.exception
    assert calls == [PARAPHRASE] and not any("Checked before" in w.value for w in (*at.info, *at.warning))
    history = history_table(at)
    assert set(history["claim"]) == {CLAIM, PARAPHRASE}
    assert "Export (JSONL)" in [b.label for b in at.get("download_button")]
    at.text_input(key="history_query").input("had a meeting").run()
    assert list(history_table(at)["claim"]) == [PARAPHRASE]


def history_table(at):
    return next(d.value for d in at.dataframe if "claim" in getattr(d.value, "columns", []))
