"""The Streamlit app, run by Streamlit's own test harness (AppTest) against a real store, and
with the real embedded model where it answers; plus the app's text, conversation and editor
helpers. The browser end of it is tests/test_browser.py."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from pydantic import SecretStr
from streamlit import config as st_config
from streamlit.testing.v1 import AppTest

from factcheck import ui_charts as charts
from factcheck import ui_text as ui
from factcheck.conversation import ConversationStore, new_id, resolve_followup, valid_id
from factcheck.editor import EditorGate, check_hash, hash_password
from tests.conftest import ROOT, QuietHandler, http_server

QUESTION = "When did Putin and Zelensky last meet?"
AS_OF = "2026-02-01"
MODEL_TIMEOUT = 600  # model start and an answer, on 2 cores shared with other work
GET_OPTION = st_config.get_option


# ---- helpers: text, conversations, editor ---------------------------------------------------
HOSTILE = ('<script>alert(1)</script> <img src=x onerror=alert(2)> ![pixel](http://e.x/p.png) '
           '[link](javascript:alert(3)) https://evil.example/x www.evil.example :red[red] :material/home: $x^2$ '
           '**bold** _it_ `code` # heading\n> quote\n    indented\n1. list -> <- &amp; | a | b |')


def test_escape_markdown_leaves_no_markup_character_unescaped():
    out = ui.escape_markdown(HOSTILE)
    unescaped = [c for i, c in enumerate(out) if c in "<>[]()!*_`#:$&|-" and (i == 0 or out[i - 1] != "\\")]
    assert not unescaped, (unescaped, out)
    # Autolinks and shortcodes act after escapes are resolved: an invisible word joiner breaks them.
    assert "https\u2060\\:\\/\\/evil" in out and "www\u2060\\.evil" in out
    assert "\\:\u2060material\\/home\\:" in out and "\\-\u2060\\>" in out
    assert ui.escape_markdown("mail desk@example.org") == "mail desk\\@\u2060example\\.org"
    assert "\n    " not in out  # no indented code block
    assert ui.escape_markdown("line one\nline two\n\npara") == "line one  \nline two\n\npara"
    assert ui.escape_markdown(None) == ""


def test_highlighted_passage_is_escaped_and_cut_at_words():
    text = "Intro words here. The <b>cited</b> sentence [1]. After that more words follow here."
    start = text.index("The <b>")
    end = text.index("[1].") + 4
    before, passage, after = ui.highlight_passage(text, start, end, context=10)
    assert passage == "The <b>cited</b> sentence [1]." and before.startswith("…") and after.endswith("…")
    md = ui.highlighted_markdown(text, start, end)
    assert ":orange-background[The \\<b\\>cited\\<\\/b\\> sentence \\[1\\]\\.]" in md


def test_links_and_endpoints_shown_safely():
    assert ui.safe_link("https://www.kyivpost.com/post/1") == "https://www.kyivpost.com/post/1"
    for bad in ("javascript:alert(1)", "data:text/html,x", "file:///etc/passwd", "/relative", "https://x/\"onclick",
                "", None):
        assert ui.safe_link(bad) is None, bad
    assert ui.public_endpoint("https://user:sk-secret@api.example.com:8443/v1?key=sk-secret#x") == \
        "https://api.example.com:8443/v1"


def test_verdict_labels_need_no_legend():
    for label, word in [("SUPPORTED", "Supported"), ("REFUTED", "Refuted"), ("MIXED", "Mixed"),
                        ("NOT_ENOUGH_INFO", "Not enough evidence")]:
        assert word in ui.verdict_label(label)
        assert "background-color" in ui.verdict_background(ui.verdict_label(label))
    assert len({ui.verdict_background(ui.verdict_label(v)) for v in ui.VERDICTS}) == 4


def test_articles_counted_per_outlet_and_period_with_the_rest_as_other():
    from retrieval.models import Article

    def art(source, date):
        return Article(text="x", source=source, date=date)

    day = dt.date(2026, 1, 28)  # a Wednesday
    arts = ([art(f"Outlet {i:02d}", day) for i in range(10) for _ in range(10 - i)]  # Outlet 00 has most
            + [art("Outlet 00", dt.date(2026, 2, 2)), art(None, day), art("  Kyiv   Post ", None), art(None, None)])
    rows = charts.articles_by_outlet_and_period(arts)
    assert charts.choose_period([day, dt.date(2026, 2, 2)]) == "week"
    assert {r["start"] for r in rows} == {"2026-01-26", "2026-02-02"}  # weeks start on Monday
    assert rows[0] == {"start": "2026-01-26", "end": "2026-02-02", "period": "week of 2026-01-26",
                       "outlet": "Outlet 00", "articles": 10, "rank": 0, "low": 0, "high": 10}
    assert charts.outlet_order(rows) == [f"Outlet {i:02d}" for i in range(8)] + [charts.OTHER]
    # The two smallest outlets and the one without a name make "other"; the undated are not charted.
    assert next(r["articles"] for r in rows if r["outlet"] == charts.OTHER) == 2 + 1 + 1
    assert sum(r["articles"] for r in rows) == 57 and charts.undated(arts) == 2
    assert charts.published_after(arts, dt.date(2026, 1, 31)) == 1 and charts.published_after(arts, None) == 0
    # Nine outlets are all shown: one over the limit is not worth an "other".
    assert charts.OTHER not in charts.outlet_order(charts.articles_by_outlet_and_period(arts[:54]))
    assert charts.articles_by_outlet_and_period([art("A", None)]) == []

    assert charts.choose_period([dt.date(2024, 1, 1), dt.date(2026, 1, 1)]) == "month"
    assert charts.choose_period([dt.date(1990, 1, 1), dt.date(2026, 1, 1)]) == "year"
    assert charts.period_bounds(dt.date(2025, 12, 31), "month") == (dt.date(2025, 12, 1), dt.date(2026, 1, 1))
    assert charts.period_bounds(dt.date(2024, 2, 29), "year") == (dt.date(2024, 1, 1), dt.date(2025, 1, 1))
    monthly = charts.articles_by_outlet_and_period([art("A", dt.date(2024, 3, 5)), art("A", dt.date(2026, 3, 9))])
    assert [(r["period"], r["end"]) for r in monthly] == [("March 2024", "2024-04-01"), ("March 2026", "2026-04-01")]

    spec = charts.coverage_chart(rows, dt.date(2026, 1, 31)).to_dict()  # Altair checks it against the schema
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "rule", "text"]
    assert "layer" not in charts.coverage_chart(rows).to_dict()


def claim_check(as_of: dt.date | None = dt.date(2026, 1, 15)):
    """A made-up check: a supported part citing one of two passages, a part with not enough
    evidence whose passages are one late and one undated."""
    from factcheck.claims import ClaimCheck, Evidence, Label, PartVerdict

    def ev(n, date, after=False):
        return Evidence(n=n, doc_id=f"gone-{n}", chunk_id=f"c{n}", quote=f"passage {n}", start=0, end=9,
                        source="Kyiv Post", title="<b>Talks</b> [x](javascript:alert(1))", date=date,
                        after_claim_date=after)

    return ClaimCheck(claim="Putin and Zelensky met in Moscow.", as_of=as_of, verdict=Label.MIXED,
                      made_at=dt.datetime(2026, 2, 1, 12), parts=[
        PartVerdict(claim="Putin and Zelensky met.", verdict=Label.SUPPORTED, confidence=0.8, cites=[2],
                    explanation="[2] states it.", evidence=[ev(1, dt.date(2026, 1, 2)), ev(2, dt.date(2026, 1, 10))]),
        PartVerdict(claim="They met in Moscow.", verdict=Label.NOT_ENOUGH_INFO, confidence=0.7, explanation="No.",
                    evidence=[ev(1, dt.date(2026, 1, 20), after=True), ev(2, None)])])


def test_evidence_timeline_places_the_shown_passages_by_date():
    check = claim_check()
    rows = charts.evidence_timeline(check)
    assert [(r["part"], r["n"], r["date"], r["label"], r["after_claim_date"]) for r in rows] == [
        ("1. Putin and Zelensky met.", 2, "2026-01-10", "SUPPORTED", False),  # only the cited passage
        ("2. They met in Moscow.", 1, "2026-01-20", "NOT_ENOUGH_INFO", True)]  # the undated one has no place
    assert rows[0]["supports"] == ui.verdict_label("SUPPORTED") and rows[1]["when"] == "after the claim's date"
    assert charts.shown_evidence(check) == 3
    spec = charts.timeline_chart(rows, check.as_of).to_dict()
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rule", "text", "point"]
    assert charts.timeline_chart(rows, None).to_dict()["mark"]["type"] == "point"
    undated = check.model_copy(update={"parts": [check.parts[1].model_copy(update={"evidence": [
        check.parts[1].evidence[1]]})]})
    assert charts.evidence_timeline(undated) == []


def test_followups_carry_the_previous_question():
    assert resolve_followup(QUESTION, []) == QUESTION
    assert resolve_followup("Where did they meet?", [QUESTION]) == f"Where did they meet? (follow-up to: {QUESTION})"
    assert resolve_followup("And Macron?", [QUESTION]).endswith(f"(follow-up to: {QUESTION})")
    standalone = "What did Ignazio Cassis say about hosting trilateral talks in Switzerland?"
    assert resolve_followup(standalone, [QUESTION]) == standalone
    assert resolve_followup("What did Ushakov say this week about Moscow?", [QUESTION]).endswith("Moscow?")


def test_conversation_store_round_trip(tmp_path):
    store = ConversationStore(tmp_path / "c")
    cid = new_id()
    assert valid_id(cid) and not valid_id("../../etc/passwd") and not valid_id("short")
    assert store.load(cid) == []
    msgs = [{"role": "user", "content": "q"}, {"role": "assistant", "answer": {"text": "a"}}]
    store.save(cid, msgs)
    assert store.load(cid) == msgs
    with pytest.raises(ValueError):
        store.save("../x", msgs)
    (tmp_path / "c" / f"{cid}.json").write_text("{not json")
    assert store.load(cid) == []


def test_editor_gate_locks_out_after_failures_with_backoff():
    now = [1000.0]
    gate = EditorGate(SecretStr("correct horse"), max_failures=3, lockout_s=10, clock=lambda: now[0])
    assert gate.enabled
    assert gate.sign_in("wrong")[0] is False and gate.sign_in("")[0] is False
    ok, msg = gate.sign_in("wrong again")
    assert not ok and "locked for 10 s" in msg
    ok, msg = gate.sign_in("correct horse")  # right password, but locked: refused without a check
    assert not ok and "Try again" in msg and "correct horse" not in msg
    now[0] += 11
    ok, msg = gate.sign_in("nope")
    assert not ok and "locked for 20 s" in msg  # doubles
    now[0] += 21
    assert gate.sign_in("correct horse")[0] is True and gate.failures() == 0
    assert not EditorGate(None, None).enabled and not EditorGate(SecretStr(""), " ").enabled


def test_hashed_password():
    h = hash_password("s3cret", iterations=1000)
    assert h.startswith("pbkdf2_sha256$1000$") and "s3cret" not in h
    assert check_hash("s3cret", h) and not check_hash("s3creT", h) and not check_hash("s3cret", "garbage")
    gate = EditorGate(None, h)
    assert gate.enabled and gate.sign_in("s3cret")[0]


# ---- the app --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, embedder):
    """A store with the bundled corpus, loaded the way `make run` loads it."""
    from retrieval.loaders import load_path
    from retrieval.store import Corpus

    d = tmp_path_factory.mktemp("appdata")
    corpus = Corpus(d, embedder)
    for f in sorted((ROOT / "corpus").iterdir()):
        corpus.add(load_path(f))
    corpus.close()
    return d


@pytest.fixture
def env(monkeypatch, data_dir):
    for var in ("FACTCHECK_EDITOR_PASSWORD", "OPENAI_API_KEY", "FACTCHECK_OPENAI_API_KEY", "FACTCHECK_LLM_BASE_URL",
                "FACTCHECK_LLM_MODEL", "FACTCHECK_OPEN_CORPUS", "FACTCHECK_ALLOW_PRIVATE_URLS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(data_dir))
    listen_on(monkeypatch, "127.0.0.1")  # as `make run` serves it
    return monkeypatch


def listen_on(monkeypatch, address: str | None) -> None:
    """The address the app is served on (Streamlit's server.address; None: every interface), for
    every run of the test."""
    monkeypatch.setattr(st_config, "get_option",
                        lambda name: address if name == "server.address" else GET_OPTION(name))


def new_app(query: dict | None = None, secrets: dict | None = None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)  # a busy 2-core machine can be slow
    at.query_params.update({"as_of": AS_OF, **(query or {})})
    at.secrets.update(secrets or {})
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at) -> str:
    """Everything the page shows as text or Markdown, as one string."""
    parts = [e.value for e in (*at.markdown, *at.text, *at.caption, *at.success, *at.info, *at.error, *at.warning)]
    return "\n".join(str(p) for p in parts)


def corpus_uploaders(at) -> list:
    """The Add sources file uploaders (the Check a draft one, open to everyone, adds nothing)."""
    return [u for u in at.file_uploader if u.key != "draft_file"]


def button(at, label: str):
    found = [b for b in (*at.button, *at.form_submit_button) if label in b.label]
    assert found, f"no button {label!r} in {[b.label for b in (*at.button, *at.form_submit_button)]}"
    return found[0]


def test_page_shows_tabs_corpus_model_and_store(env):
    at = new_app()
    assert [t.label for t in at.tabs] == [t for t in (
        ":material/forum: Ask", ":material/fact_check: Check a claim", ":material/edit_note: Check a draft",
        ":material/upload_file: Add sources", ":material/library_books: Corpus")]
    table = at.dataframe[0].value
    assert list(table["outlet"]) == ["Kyiv Post"] and str(table["date"][0]).startswith("2026-01-28")
    side = " ".join(c.value for c in at.sidebar.caption)
    assert "1 articles" in side and "local" in side and "Chroma" in side
    assert at.date_input(key="as_of").value == dt.date(2026, 2, 1)
    assert at.chat_input and corpus_uploaders(at)  # no editor password: everyone may add sources


def vega_specs(at) -> list[dict]:
    """The Vega-Lite specs of the charts on the page (st.altair_chart), data aside."""
    return [json.loads(c.proto.spec) for c in at.get("vega_lite_chart")]


def test_corpus_tab_charts_articles_per_outlet_and_where_an_as_of_search_stops(env):
    at = new_app()
    specs = vega_specs(at)
    assert len(specs) == 1 and "Kyiv Post" in json.dumps(specs[0]["encoding"]["color"]["sort"])
    assert "rule" not in json.dumps(specs[0])  # every article is before the as-of date
    at = new_app({"as_of": "2026-01-01"})  # before the Kyiv Post article of 2026-01-28
    spec = vega_specs(at)[0]
    assert [layer["mark"]["type"] for layer in spec["layer"]] == ["rect", "rule", "text"]
    assert any("after the as-of date (2026-01-01" in c.value and "cannot find" in c.value for c in at.caption), texts(at)


def test_key_and_endpoint_credentials_never_reach_the_page(env):
    env.setenv("OPENAI_API_KEY", "sk-test-DO-NOT-SHOW")
    env.setenv("FACTCHECK_LLM_BASE_URL", "http://user:sk-url-DO-NOT-SHOW@127.0.0.1:9/v1?key=sk-q-DO-NOT-SHOW")
    env.setenv("FACTCHECK_LLM_MODEL", "remote-model")
    at = new_app()
    page = texts(at)
    assert "remote\\-model" in page and "remote\\, at" in page and "127\\.0\\.0\\.1\\:9\\/v1" in page
    assert "DO-NOT-SHOW" not in page and "DO\\-NOT\\-SHOW" not in page


@pytest.mark.slow
def test_ask_streams_then_shows_the_checked_answer_with_source_cards_that_survive_a_refresh(env):
    at = new_app()
    at.chat_input[0].set_value(QUESTION).run(timeout=MODEL_TIMEOUT)
    assert not at.exception, at.exception
    msgs = at.chat_message
    assert [m.name for m in msgs] == ["user", "assistant"]
    answer = msgs[1].markdown[0].value
    assert "2019" in answer and "\\[1\\]" in answer, texts(at)
    cards = msgs[1].markdown
    card = next(m.value for m in cards if "Kyiv Post" in m.value)
    assert "2026\\-01\\-28" in card
    assert any(":orange-background[" in m.value and "have not met since 2019" in m.value for m in cards)
    assert any(b.label == "Whole article" for b in msgs[1].button)

    # A refresh is a new session with the same address: the conversation comes back from disk,
    # citations included, without asking the model again.
    cid = at.query_params["c"]
    cid = cid[0] if isinstance(cid, list) else cid
    again = new_app({"c": cid})
    assert [m.name for m in again.chat_message] == ["user", "assistant"]
    restored = "\n".join(m.value for m in again.chat_message[1].markdown)
    assert "2019" in restored and "Kyiv Post" in restored and "have not met since 2019" in restored
    # A rerun keeps it too.
    again.run()
    assert len(again.chat_message) == 2


@pytest.mark.slow
def test_abstention_says_so_and_shows_the_closest_passages(env):
    at = new_app()
    at.chat_input[0].set_value("How many people live in Geneva?").run(timeout=MODEL_TIMEOUT)
    assert not at.exception, at.exception
    reply = at.chat_message[1]
    assert any("The sources don't say" in w.value for w in reply.warning), texts(at)
    assert any("Closest passages" in c.value for c in reply.caption)
    assert any("Kyiv Post" in m.value for m in reply.markdown)  # the closest passages, as cards
    # "Why no answer?" names the check that refused it, as `ask --json` does.
    (why,) = [e for e in reply.expander if e.label == "Why no answer?"]
    from factcheck.checks import BACKING_CHECKS, SENTENCE_CHECKS

    named = {"answerable", "draft_written", "cites_a_passage", "time_frame"} | {n for n, _ in SENTENCE_CHECKS + BACKING_CHECKS}
    shown = [m.value for m in why.markdown]
    assert shown and all(any(line.startswith(f"`{n}`") for n in named) for line in shown), shown
    assert "the answer as a whole" in shown[-1]


@pytest.mark.slow  # starts the model when run alone (it writes nothing here)
def test_followup_is_searched_with_the_previous_question(env, data_dir):
    """A follow-up asked in a saved conversation; as of a date before every article, so nothing
    matches and the answer abstains without the model writing anything."""
    cid = new_id()
    ConversationStore(data_dir / "conversations").save(cid, [{"role": "user", "content": QUESTION}])
    at = new_app({"c": cid, "as_of": "2020-01-01"})
    at.chat_input[0].set_value("Where did they meet?").run(timeout=MODEL_TIMEOUT)
    assert not at.exception, at.exception
    assert [m.name for m in at.chat_message] == ["user", "user", "assistant"]
    searched = " ".join(c.value for c in at.chat_message[1].caption)
    assert "Searched as" in searched and "follow\\-up to" in searched and "Zelensky" in searched
    assert any("The sources don't say" in w.value for w in at.chat_message[2].warning)
    saved = ConversationStore(data_dir / "conversations").load(cid)
    assert saved[1]["asked_as"] == f"Where did they meet? (follow-up to: {QUESTION})"
    assert saved[2]["answer"]["abstained"] is True


def upload(at, files):
    corpus_uploaders(at)[0].set_value(files)
    button(at, "Add to the corpus").click()
    at.run(timeout=300)
    assert not at.exception, at.exception
    return at


def test_upload_several_files_with_one_refused(env):
    at = new_app()
    story = (b"Brasilia, March 2026. The Amazon Fund received a pledge of 300 million euros from Norway "
             b"for rainforest monitoring, the Brazilian environment ministry said.")
    seed = (ROOT / "corpus" / "kyiv-post-putin-zelensky.md").read_bytes()
    upload(at, [("amazon-fund.txt", story, "text/plain"), ("malware.exe", b"MZ\x90\x00", "application/octet-stream"),
                ("empty.md", b"", "text/markdown"), ("broken.pdf", b"%PDF-1.4 not really", "application/pdf"), ("again.md", seed, "text/markdown")])
    assert any("Added" in s.value and "amazon\\-fund\\.txt" in s.value for s in at.success), texts(at)
    refused = [e.value for e in at.error]
    assert any("malware\\.exe" in e and "unsupported file type" in e for e in refused), refused
    assert any("empty\\.md" in e and "empty file" in e for e in refused), refused
    assert any("broken\\.pdf" in e for e in refused), refused
    assert any("Already in the corpus" in i.value and "again\\.md" in i.value for i in at.info)
    assert any("Added 1" in m.value and "refused 3" in m.value for m in at.markdown)
    bar = at.get("progress")[0]
    assert bar.value == 100 and "Done in" in bar.text and "searchable now" in bar.text

    # Searchable as soon as the bar ends: the corpus tab finds it by a word of its text.
    at.text_input(key="corpus_query").input("rainforest").run()
    titles = list(at.dataframe[0].value["title"])
    assert len(titles) == 1 and "amazon-fund.txt" in titles[0]


def test_delete_asks_for_confirmation(env):
    at = new_app()
    upload(at, [("to-delete.txt", b"Lisbon, April 2026. The harbour authority closed pier 7 for repairs "
                                   b"after a storm damaged its cranes, the port said.", "text/plain")])
    at.text_input(key="corpus_query").input("Lisbon").run()
    doc_id = at.dataframe[0].value["id"][0]
    at.selectbox(key="corpus_open").select(doc_id).run()
    assert any("harbour authority closed pier 7" in t.value for t in at.text)
    button(at, "Delete this article").click().run()
    assert any("cannot be undone" in w.value for w in at.warning)
    button(at, "Cancel").click().run()
    assert not any("cannot be undone" in w.value for w in at.warning)
    button(at, "Delete this article").click().run()
    button(at, "Yes, delete").click().run()
    assert not at.exception, at.exception
    assert any("Deleted" in s.value and "to\\-delete\\.txt" in s.value for s in at.success), texts(at)
    at.text_input(key="corpus_query").input("harbour").run()
    assert at.dataframe[0].value.empty
    from factcheck.settings import Settings

    assert all(a.doc_id != doc_id for a in Settings().build_corpus().list())


def test_markup_in_an_uploaded_article_is_escaped(env):
    at = new_app()
    hostile = ("---\ntitle: Budget <b>vote</b> ![x](http://e.x/p.png)\nsource: Planted Gazette\ndate: 2026-01-30\n---\n"
               + "The Geneva council voted on the tram budget on Thursday. " + HOSTILE).encode()
    upload(at, [("planted.md", hostile, "text/markdown")])
    at.text_input(key="corpus_query").input("Planted").run()
    at.selectbox(key="corpus_open").select(at.dataframe[0].value["id"][0]).run()
    heading = next(h.value for h in at.subheader if "Budget" in h.value)
    assert "\\<b\\>vote\\<\\/b\\>" in heading and "\\!\\[x\\]" in heading
    assert any("<script>alert(1)</script>" in t.value for t in at.text)  # the text itself, as text
    assert not any("<script>" in m.value or "](" in m.value for m in at.markdown)


# ---- the editor role ------------------------------------------------------------------------
@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0"])
def test_editor_password_gates_upload_and_delete(env, address):
    """On loopback or served on the network, a password means a signed-in editor, as before."""
    listen_on(env, address)
    env.setenv("FACTCHECK_EDITOR_PASSWORD", "correct horse battery")
    at = new_app()
    assert not corpus_uploaders(at) and any("signed-in editor" in i.value for i in at.info)
    assert "Read-only corpus" not in texts(at)
    at.selectbox(key="corpus_open").select(at.dataframe[0].value["id"][0]).run()
    assert not [b for b in at.button if "Delete" in b.label]
    assert at.chat_input  # everyone can still ask

    pw = next(t for t in at.sidebar.text_input if t.label == "Editor password")
    pw.input("wrong")
    button(at, "Sign in as editor").click().run()
    assert any("Wrong password" in e.value for e in at.sidebar.error)
    assert not corpus_uploaders(at)

    pw = next(t for t in at.sidebar.text_input if t.label == "Editor password")
    pw.input("correct horse battery")
    button(at, "Sign in as editor").click().run()
    assert not at.exception, at.exception
    assert corpus_uploaders(at) and [b for b in at.button if "Delete" in b.label]
    assert "correct horse battery" not in texts(at)
    assert "correct horse battery" not in json.dumps({k: str(v) for k, v in at.session_state.to_dict().items()})
    button(at, "Sign out").click().run()
    assert not corpus_uploaders(at)


def test_failed_sign_ins_lock_out_even_the_right_password(env):
    env.setenv("FACTCHECK_EDITOR_PASSWORD", "another password")  # its own gate: other tests' failures don't count
    at = new_app()
    for _ in range(5):
        pw = next(t for t in at.sidebar.text_input if t.label == "Editor password")
        pw.input("guess")
        button(at, "Sign in as editor").click().run()
    assert any("locked" in e.value for e in at.sidebar.error)
    pw = next(t for t in at.sidebar.text_input if t.label == "Editor password")
    pw.input("another password")
    button(at, "Sign in as editor").click().run()
    assert any("Too many failed sign-ins" in e.value for e in at.sidebar.error)
    assert not corpus_uploaders(at)
    # The lockout is per client: a new session of the same browser is locked out too.
    at2 = new_app()
    next(t for t in at2.sidebar.text_input if t.label == "Editor password").input("another password")
    button(at2, "Sign in as editor").click().run()
    assert not corpus_uploaders(at2)


def test_hashed_password_in_streamlit_secrets(env):
    at = new_app(secrets={"editor_password_hash": hash_password("from secrets", iterations=2000)})
    assert not corpus_uploaders(at)
    next(t for t in at.sidebar.text_input if t.label == "Editor password").input("from secrets")
    button(at, "Sign in as editor").click().run()
    assert corpus_uploaders(at)


# ---- served on a network ----------------------------------------------------------------------
def controls(at) -> dict:
    """The page's controls that change the corpus, as found after opening the seed article."""
    table = at.dataframe[0].value
    at.selectbox(key="corpus_open").select(table[table["outlet"] == "Kyiv Post"]["id"].iloc[0]).run()
    return {"upload": bool(corpus_uploaders(at)),
            "fetch": [t.label for t in at.text_input if "address of a web page" in t.label],
            "add": [b.label for b in at.form_submit_button if "Add to the corpus" in b.label],
            "delete": [b.label for b in at.button if "Delete" in b.label]}


@pytest.mark.parametrize("address", ["0.0.0.0", None])  # None: no address, every interface
def test_served_on_the_network_without_a_password_the_corpus_is_read_only(env, address):
    listen_on(env, address)
    at = new_app()
    assert controls(at) == {"upload": False, "fetch": [], "add": [], "delete": []}
    note = " ".join(i.value for i in at.info)
    assert "Read-only corpus" in note and "To enable editing" in note
    assert "FACTCHECK_EDITOR_PASSWORD" in note and "FACTCHECK_OPEN_CORPUS" in note
    assert any("Read-only corpus" in c.value for c in at.sidebar.caption)
    assert at.chat_input and button(at, "Check the claim")  # asking and checking still work
    assert any("have not met since 2019" in t.value for t in at.text)  # and reading the corpus


def test_open_corpus_on_the_network_edits_as_before_and_says_so(env):
    listen_on(env, "0.0.0.0")
    env.setenv("FACTCHECK_OPEN_CORPUS", "true")
    at = new_app()
    assert any("open to everyone" in w.value for w in at.sidebar.warning)
    assert any("open to everyone" in w.value for w in at.main.warning)  # the Add sources tab
    upload(at, [("open-corpus.txt", b"Tallinn, June 2026. The ferry operator added a night crossing to Helsinki "
                                    b"for the summer season, the port authority said.", "text/plain")])
    assert any("Added" in s.value and "open\\-corpus\\.txt" in s.value for s in at.success), texts(at)
    at.text_input(key="corpus_query").input("Tallinn").run()
    at.selectbox(key="corpus_open").select(at.dataframe[0].value["id"][0]).run()
    button(at, "Delete this article").click().run()
    button(at, "Yes, delete").click().run()
    assert any("Deleted" in s.value for s in at.success), texts(at)


class ArticlePage(QuietHandler):
    def do_GET(self):
        self.server.hits += 1
        self.send(200, b"<html><head><title>Fetched page</title></head><body><article><p>Bergen, July 2026. The "
                       b"harbour museum reopened after a two-year renovation of its timber warehouses, the city "
                       b"said on Monday.</p></article></body></html>", "text/html; charset=utf-8")


def _change_the_corpus_through_the_page(root: str, url: str, delete_id: str | None, signed_in: bool):
    """An AppTest script: the page's own corpus-changing functions, called directly, as a forged
    request would reach them (no control is needed for the call)."""
    import sys

    import streamlit as st

    sys.path.insert(0, root)
    import app
    from factcheck.settings import Settings

    class Upload:
        name = "forged.txt"

        def getvalue(self):
            return (b"Gdansk, August 2026. The shipyard union signed a three-year wage agreement with the "
                    b"management after two weeks of talks, both sides said.")

    if signed_in:
        st.session_state.editor = True
    settings = Settings()
    corpus, _, _ = app.store_components(app.store_key(settings))
    pasted = ("Porto, September 2026. The river authority closed two quays of the Douro for dredging until "
              "the end of the month, the harbour master said.")
    app.ingest_batch(corpus, settings, [Upload()], url, pasted, {"source": "Forged Times"})
    st.text(f"ingest: {st.session_state.get('ingest')}")
    for doc_id in [delete_id] if delete_id else [a.doc_id for a in corpus.list() if a.source == "Forged Times"]:
        app.delete_article(corpus, settings, doc_id)
        st.text(f"delete: {st.session_state.pop('flash_error', None) or st.session_state.pop('flash', None)}")


GATE_CASES = {  # address, editor password, open corpus, signed in: allowed?
    "read-only": ("0.0.0.0", None, False, False, False),
    "read-only-forged-sign-in": ("0.0.0.0", None, False, True, False),
    "editor-not-signed-in": ("0.0.0.0", "pw for the gate test", False, False, False),
    "editor-signed-in": ("0.0.0.0", "pw for the gate test", False, True, True),
    "open-corpus": ("0.0.0.0", None, True, False, True),
    "loopback": ("127.0.0.1", None, False, False, True),
}


@pytest.mark.parametrize("address, password, open_corpus, signed_in, allowed", list(GATE_CASES.values()),
                         ids=list(GATE_CASES))
def test_every_change_to_the_corpus_passes_the_gate(env, address, password, open_corpus, signed_in, allowed):
    """Upload, web-page fetch, pasted text and delete, called as functions of the page: refused
    (nothing read, fetched, added or deleted) unless the gate allows them, as before otherwise."""
    from factcheck.settings import Settings

    listen_on(env, address)
    if password:
        env.setenv("FACTCHECK_EDITOR_PASSWORD", password)
    if open_corpus:
        env.setenv("FACTCHECK_OPEN_CORPUS", "true")
    env.setenv("FACTCHECK_ALLOW_PRIVATE_URLS", "true")  # the page below is on loopback
    before = {a.doc_id for a in Settings().build_corpus().list()}
    seed = next(a.doc_id for a in Settings().build_corpus().list() if a.source == "Kyiv Post")
    with http_server(ArticlePage, hits=0) as page:
        url = f"http://127.0.0.1:{page.server_port}/bergen"
        at = AppTest.from_function(_change_the_corpus_through_the_page, default_timeout=300,
                                   kwargs={"root": str(ROOT), "url": url, "delete_id": None if allowed else seed,
                                           "signed_in": signed_in})
        at.run()
        hits = page.hits
    assert not at.exception, at.exception
    shown = "\n".join(t.value for t in at.text)
    after = {a.doc_id for a in Settings().build_corpus().list()}
    assert after == before, shown  # refused: nothing changed; allowed: added 3, then deleted them
    if allowed:
        assert "Added 3" in shown and shown.count("delete: Deleted") == 3 and hits == 1, shown
    else:
        assert hits == 0, "the web page was fetched"
        assert "Added" not in shown and "Deleted" not in shown, shown
        assert shown.count("read-only" if not password else "signed-in editor") == 2, shown


# ---- claim check ----------------------------------------------------------------------------
@pytest.mark.slow
def test_check_a_claim_shows_verdicts_and_downloads(env):
    from factcheck.settings import Settings

    if not hasattr(Settings, "build_checker"):
        pytest.fail("Settings.build_checker (issue 6) is not there yet")
    at = new_app()
    at.text_area[0].input("Putin and Zelensky met in Moscow in January 2026.")
    button(at, "Check the claim").click().run(timeout=MODEL_TIMEOUT)
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    table = at.dataframe[0].value
    assert len(table) >= 1 and set(table.columns) >= {"part", "verdict", "confidence"}
    words = ("Supported", "Refuted", "Mixed", "Not enough evidence")
    assert all(any(w in v for w in words) for v in table["verdict"])
    labels = [b.label for b in at.get("download_button")]
    assert "Download report (JSON)" in labels and "Download report (Markdown)" in labels


def test_a_part_listing_one_passage_number_twice_still_shows_every_card(env):
    """Both readings of a claim list the passages each read, so one part can hold two with one
    number: the cards must not share a key (Streamlit refuses the whole page)."""
    check = claim_check()
    part = check.parts[0]
    twice = part.model_copy(update={"cites": [1], "evidence": [part.evidence[0], part.evidence[0].model_copy(update={"quote": "passage 1 again"})]})
    at = new_app()
    at.session_state["check"] = check.model_copy(update={"parts": [twice, check.parts[1]]}).model_dump(mode="json")
    at.run()
    assert not at.exception, at.exception
    shown = " ".join(m.value for m in at.markdown)
    assert "passage 1 again" in shown


def test_a_verdict_shows_its_evidence_on_a_timeline(env):
    at = new_app()
    at.session_state["check"] = claim_check().model_dump(mode="json")  # as a finished check leaves it
    at.run()
    assert not at.exception, at.exception
    timeline = [s for s in vega_specs(at) if "layer" in s and s["layer"][-1]["mark"]["type"] == "point"]
    assert len(timeline) == 1 and timeline[0]["layer"][0]["mark"]["type"] == "rule"
    notes = " ".join(c.value for c in at.caption)
    assert "claim's date (2026-01-15" in notes and "1 of these passages came out after" in notes
    assert "1 passage without a date is not on the timeline" in notes
    assert not any("<b>" in m.value for m in at.markdown)

    at.session_state["check"] = claim_check().model_copy(update={"parts": []}).model_dump(mode="json")
    at.run()
    assert not [s for s in vega_specs(at) if "layer" in s and s["layer"][-1]["mark"]["type"] == "point"]
