"""The Streamlit app: ask the sources, check a claim, add sources, browse the corpus.

Thin: every action is a call into the Python API that the CLI uses too. One corpus, one searcher
and one language model per process (`st.cache_resource`), shared by every browser session.
Source text is data: it is shown with `st.text`, or escaped (`ui.escape_markdown`) before it
reaches `st.markdown`; HTML is never allowed. Every change to the corpus (add, fetch, delete) passes
the gate of factcheck/access.py first: served beyond loopback without an editor password, the
corpus is read-only. Run with `make run`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets

import streamlit as st

from factcheck import ui_charts as charts
from factcheck import ui_text as ui
from factcheck.access import CorpusAccess, EditingRefused
from factcheck.answer import Answer, Answerer, Citation, vouch_note
from factcheck.conversation import ConversationStore, new_id, resolve_followup, valid_id
from factcheck.editor import EditorGate, client_key
from factcheck.llm import waiting_turn
from factcheck.settings import Settings
from retrieval.errors import FactcheckError, NotFound, RefusedInput

TABS = [":material/forum: Ask", ":material/fact_check: Check a claim", ":material/edit_note: Check a draft",
        ":material/upload_file: Add sources", ":material/library_books: Corpus"]
# Answer length: what the model may write and how much evidence it reads (the local model reads
# ~80 tokens/s on 2 cores, so more evidence is slower).
LENGTHS = {
    "Short": {"max_tokens": 70},
    "Normal": {},
    "Long": {"max_tokens": 220, "budget_chars": 1400, "max_passages": 4},
}


# ---- components, one set per process -------------------------------------------------------
def store_key(s: Settings) -> str:
    return f"{s.data_dir.resolve()}|{s.chroma_host}:{s.chroma_port}|{s.collection}"


def llm_key(s: Settings) -> str:
    return f"{s.llm_base_url}|{s.llm_model}|{bool(s.openai_api_key)}|{s.llm_threads}|{s.llm_context}"


@st.cache_resource(show_spinner="Opening the corpus…")
def store_components(key: str):
    """One corpus (embedder, SQLite, Chroma) and one searcher per process and store."""
    settings = Settings()
    corpus = settings.build_corpus()
    return corpus, settings.build_searcher(corpus), ConversationStore(settings.data_dir / "conversations")


@st.cache_resource(show_spinner=False)
def language_model(key: str):
    """The configured endpoint, or the embedded local model: started once per process."""
    return Settings().build_llm()


@st.cache_resource(show_spinner=False)
def _process_salt() -> bytes:
    return secrets.token_bytes(16)


@st.cache_resource(show_spinner=False)
def editor_gate(fingerprint: str) -> EditorGate:
    """One gate per process (and password): a client's failed sign-ins count across its sessions."""
    return EditorGate(Settings().editor_password, _secret_hash())


def _secret_hash() -> str | None:
    try:
        value = st.secrets.get("editor_password_hash")
    except Exception:  # no secrets.toml: Streamlit raises rather than returning nothing
        return None
    return str(value) if value else None


def gate_for(settings: Settings) -> EditorGate:
    pw = settings.editor_password.get_secret_value() if settings.editor_password else ""
    # The cache key never holds the password: a keyed hash with a per-process random salt.
    fingerprint = hmac.new(_process_salt(), f"{pw}\0{_secret_hash() or ''}".encode(), hashlib.sha256).hexdigest()
    return editor_gate(fingerprint)


def listening_address() -> str | None:
    """Where this server listens: Streamlit's server.address (unset means every interface)."""
    from streamlit import config

    return config.get_option("server.address")


def corpus_access(settings: Settings) -> CorpusAccess:
    return CorpusAccess(listening_address(), gate_for(settings).enabled, settings.open_corpus)


def editor_signed_in() -> bool:
    return bool(st.session_state.get("editor"))


def require_editing(settings: Settings, action: str) -> None:
    """The gate before every change to the corpus, whether or not the page showed the control:
    raises EditingRefused (a FactcheckError) for someone who may not make it."""
    corpus_access(settings).check(editor_signed_in(), action)


def get_llm(settings: Settings):
    placeholder = st.empty()
    placeholder.caption("Starting the language model (once per server)…")
    try:
        return language_model(llm_key(settings))
    finally:
        placeholder.empty()


def model_description(s: Settings) -> str:
    """Which model is in use, local or remote; never the key."""
    if s.llm_base_url or s.openai_api_key:
        where = ui.public_endpoint(s.llm_base_url) or "api.openai.com"
        return f"{s.llm_model or 'gpt-4o-mini'} · remote, at {where}"
    from factcheck.model_files import MODEL_NAME

    return f"{MODEL_NAME.removesuffix(' (local)')} · local, embedded"


# ---- shared pieces ----------------------------------------------------------------------------
def article_text(corpus, doc_id: str, cache: dict) -> str | None:
    if doc_id not in cache:
        try:
            cache[doc_id] = corpus.get(doc_id).text
        except NotFound:
            cache[doc_id] = None
    return cache[doc_id]


@st.dialog("Article", width="large")
def article_dialog(doc_id: str, start: int | None = None, end: int | None = None) -> None:
    corpus, _, _ = store_components(store_key(Settings()))
    try:
        a = corpus.get(doc_id)
    except NotFound:
        st.warning("This article is no longer in the corpus.")
        return
    show_article(a, (start, end) if start is not None else None)


def show_article(a, mark: tuple[int, int] | None = None) -> None:
    """An article's metadata and whole text; `mark` highlights the cited passage in it."""
    st.subheader(ui.escape_inline(a.label()), anchor=False)
    facts = [a.source or "unknown outlet", ui.date_text(a.date)]
    if a.author:
        facts.append(a.author)
    st.caption(ui.escape_inline(" · ".join(facts)))
    if link := ui.safe_link(a.url):
        st.link_button("Original page ↗", link)
    elif a.url:
        st.text(f"Address: {a.url}")
    st.caption(ui.escape_inline(f"{a.n_chunks} passages · added {a.added_at} · id {a.doc_id}"
                                + (f" · file {a.filename}" if a.filename else "")))
    with st.container(height=420, border=True):
        if mark and 0 <= mark[0] < mark[1] <= len(a.text):
            start, end = mark
            st.markdown(f"{ui.escape_markdown(a.text[:start])} :orange-background[{ui.escape_inline(a.text[start:end])}] "
                        f"{ui.escape_markdown(a.text[end:])}")
        else:
            st.text(a.text)


def source_card(c: Citation, corpus, key: str, cache: dict, note: str | None = None) -> None:
    """Number, title or outlet, date, link, the quoted passage highlighted in its surrounding
    text, and a button that opens the whole article."""
    with st.container(border=True, key=f"card-{key}"):
        head = f"**\\[{c.n}\\]** {ui.escape_inline(c.title or c.source or 'Untitled')}"
        facts = [c.source or "unknown outlet"] if c.title else []
        facts.append(ui.date_text(c.date))
        st.markdown(f"{head}  \n:gray[{ui.escape_inline(' · '.join(facts))}]")
        text = article_text(corpus, c.doc_id, cache)
        if text and text[c.start:c.end] == c.quote:
            st.markdown(ui.highlighted_markdown(text, c.start, c.end))
        else:  # the article has since been deleted or changed: the quote alone
            st.markdown(f":orange-background[{ui.escape_inline(c.quote)}]")
        if note:
            st.caption(note)
        if c.copies:  # copies of the story in other outlets, shown once (retrieval/origins.py)
            outlets = ", ".join(dict.fromkeys(x.source or "unknown outlet" for x in c.copies))
            st.caption(ui.escape_inline(f"Also in {outlets} · origin: {c.origin_name or 'unknown outlet'}"))
        cols = st.columns([1, 1, 3])
        if text is not None and cols[0].button("Whole article", key=f"open-{key}", icon=":material/article:"):
            article_dialog(c.doc_id, c.start, c.end)
        if link := ui.safe_link(c.url):
            cols[1].link_button("Original ↗", link)
        if text is None:
            cols[2].caption("This article has since been deleted from the corpus.")


def search_filters(ss) -> dict:
    kw = {}
    if ss.get("f_outlets"):
        kw["sources"] = list(ss["f_outlets"])
    if ss.get("f_from"):
        kw["date_from"] = ss["f_from"]
    if ss.get("f_to"):
        kw["date_to"] = ss["f_to"]
    return kw


def describe_filters(as_of: dt.date, kw: dict) -> str:
    bits = [f"as of {as_of.isoformat()}"]
    if kw.get("sources"):
        bits.append("outlets: " + ", ".join(kw["sources"]))
    if kw.get("date_from") or kw.get("date_to"):
        bits.append(f"published {ui.date_text(kw.get('date_from')) if kw.get('date_from') else '…'}"
                    f" – {ui.date_text(kw.get('date_to')) if kw.get('date_to') else '…'}")
    return " · ".join(bits)


# ---- Ask ----------------------------------------------------------------------------------
def render_answer(ans: Answer, corpus, key: str, cache: dict) -> None:
    if ans.abstained:
        st.warning(f"**The sources don't say.** {ui.escape_inline((ans.reason or '').capitalize())}."
                   .replace("..", "."), icon=":material/help:")
        if ans.passages:
            st.caption("Closest passages — none of them answers the question:")
            for p in ans.passages:
                source_card(p, corpus, f"{key}-p{p.n}", cache)
        else:
            st.caption("No passage in the corpus matched, with the current search settings.")
    else:
        st.markdown(ui.escape_markdown(ans.text))
        if ans.corroboration:
            st.caption(ui.escape_inline(f"Independent sources: {ans.corroboration.text()}"))
        if note := vouch_note(ans):
            st.caption(ui.escape_inline(note))
        for c in ans.citations:
            source_card(c, corpus, f"{key}-c{c.n}", cache)
    render_refusals(ans)
    took = ans.timings.get("total_s")
    st.caption(ui.escape_inline(" · ".join(x for x in (
        ans.model, f"as of {ans.as_of.isoformat()}", f"{took:.1f} s" if took else "") if x)))


def render_refusals(ans: Answer) -> None:
    """Why no answer, or what the checks took out of it: each refusal with the check that made it
    (factcheck/checks.py) and what it found, the model's sentence as plain text."""
    if not ans.refusals:
        return
    title = "Why no answer?" if ans.abstained else f"Sentences the checks refused ({len(ans.refusals)})"
    with st.expander(title, icon=":material/rule:"):
        for r in ans.refusals:
            said = f" — “{ui.escape_inline(r.sentence)}”" if r.sentence else " — the answer as a whole"
            # A check's name is the project's own identifier, shown as code; anything else escaped.
            name = f"`{r.check}`" if re.fullmatch(r"[a-z_]+", r.check) else ui.escape_inline(r.check)
            st.markdown(f"{name}{said}: {ui.escape_inline(r.detail)}")


def render_message(i: int, msg: dict, corpus, cache: dict) -> None:
    if msg["role"] == "user":
        with st.chat_message("user"):
            st.markdown(ui.escape_markdown(msg["content"]))
            if msg.get("asked_as"):
                st.caption("Searched as: " + ui.escape_inline(msg["asked_as"]))
        return
    with st.chat_message("assistant"):
        if msg.get("error"):
            st.error(ui.escape_markdown(msg["error"]))
        else:
            render_answer(Answer.model_validate(msg["answer"]), corpus, f"m{i}", cache)


def ask(question: str, settings: Settings, searcher, corpus, messages: list[dict], as_of: dt.date,
        search_kw: dict, length: str, cache: dict) -> None:
    previous = [m["content"] for m in messages if m["role"] == "user"]
    asked_as = resolve_followup(question, previous)
    user = {"role": "user", "content": question, "asked_as": asked_as if asked_as != question else None}
    messages.append(user)
    render_message(len(messages) - 1, user, corpus, cache)
    with st.chat_message("assistant"):
        box = st.empty()
        box.caption("Searching the sources…")
        try:
            llm = get_llm(settings)
            params = settings.answer.model_copy(update=LENGTHS.get(length, {}))
            answer, draft = None, ""
            # The embedded model serves one request at a time: a waiting user sees their place in its queue.
            with waiting_turn(lambda ahead: box.caption(ui.queue_note(ahead))):
                for item in Answerer(searcher, llm, params).stream(asked_as, as_of=as_of, **search_kw):
                    if isinstance(item, Answer):
                        answer = item
                    else:
                        draft += item
                        # The raw draft, escaped, while the model writes; replaced by the checked answer.
                        box.markdown(ui.escape_markdown(draft) + " ▌")
            box.empty()
            render_answer(answer, corpus, f"m{len(messages)}", cache)
            messages.append({"role": "assistant", "answer": answer.model_dump(mode="json")})
        except FactcheckError as e:
            box.error(ui.escape_markdown(str(e)))
            messages.append({"role": "assistant", "error": str(e)})


def ask_tab(settings, corpus, searcher, convos, as_of, search_kw, length) -> None:
    ss = st.session_state
    cache: dict = {}
    top = st.columns([4, 1], vertical_alignment="center")
    top[0].caption("Every sentence of an answer cites a quoted, dated passage; when the sources don't say, "
                   "the answer says so. Searching " + ui.escape_inline(describe_filters(as_of, search_kw)) + ".")
    if top[1].button("New chat", icon=":material/add_comment:", width="stretch"):
        ss.cid = new_id()
        ss.messages = []
        st.query_params["c"] = ss.cid
        st.rerun()
    history = st.container()
    question = st.chat_input("Ask the sources, e.g. When did Putin and Zelensky last meet?", key="ask_input")
    with history:
        for i, msg in enumerate(ss.messages):
            render_message(i, msg, corpus, cache)
        if question and question.strip():
            ask(question.strip(), settings, searcher, corpus, ss.messages, as_of, search_kw, length, cache)
            convos.save(ss.cid, ss.messages)


# ---- Check a claim --------------------------------------------------------------------------
def render_check(check, corpus, cache: dict) -> None:
    import pandas as pd

    label = ui.verdict_label(check.verdict)
    st.markdown(f"#### :{ui.verdict_colour(check.verdict)}-background[{ui.escape_inline(label)}]")
    st.markdown(f"**Claim:** {ui.escape_inline(check.claim)}")
    if check.weighed:
        st.caption(check.weighed_text())
    rows = [{"part": p.claim, "verdict": ui.verdict_label(p.verdict), "confidence": round(p.confidence, 2),
             "evidence": len(p.evidence)} for p in check.parts]
    if rows:
        table = pd.DataFrame(rows).style.map(ui.verdict_background, subset=["verdict"])
        st.dataframe(table, hide_index=True, width="stretch",
                     column_config={"part": st.column_config.TextColumn("Part of the claim", width="large"),
                                    "verdict": st.column_config.TextColumn("Verdict"),
                                    "evidence": st.column_config.NumberColumn("Passages read"),
                                    "confidence": st.column_config.ProgressColumn("Confidence", min_value=0.0,
                                                                                  max_value=1.0, format="percent")})
    evidence_timeline(check)
    for i, p in enumerate(check.parts):
        with st.expander(f"{ui.verdict_label(p.verdict)} · {ui.escape_inline(p.claim)}", expanded=i == 0):
            st.markdown(ui.escape_markdown(p.explanation))
            if p.reason:
                st.caption(ui.escape_inline(p.reason))
            if p.corroboration:
                st.caption(ui.escape_inline(f"Independent sources: {p.corroboration.text()}"))
            render_findings(p)
            cited = [e for e in p.evidence if e.n in p.cites] or p.evidence
            # By position: with both readings a part lists passages of each, so a number can repeat.
            for k, e in enumerate(cited):
                note = "Published after the claim's date: it could not have backed the claim then." \
                    if e.after_claim_date else None
                source_card(e, corpus, f"chk{i}-{k}", cache, note=note)
    st.caption(ui.escape_inline(" · ".join(x for x in (check.model, check.corpus,
                                                          f"as of {check.as_of}" if check.as_of else "") if x)))
    try:
        from factcheck.report import to_markdown

        md = to_markdown(check)
    except ImportError:
        md = None
    cols = st.columns(3)
    if md is not None:
        cols[0].download_button("Download report (Markdown)", md, file_name="claim-check.md", mime="text/markdown",
                                icon=":material/download:", on_click="ignore")
    cols[1].download_button("Download report (JSON)", check.model_dump_json(indent=2), file_name="claim-check.json",
                            mime="application/json", icon=":material/download:", on_click="ignore")
    from factcheck.claimreview import dumps, to_claimreview

    # The organisation and the published address come from the settings (FACTCHECK_CLAIMREVIEW__*).
    cols[2].download_button("Download ClaimReview (JSON-LD)", dumps(to_claimreview(check, Settings().claimreview)),
                            file_name="claimreview.json", mime="application/ld+json", icon=":material/download:",
                            on_click="ignore", help="schema.org ClaimReview, for the page that publishes this fact check")


STANCE_TEXT = {"SUPPORTS": "supports the claim", "REFUTES": "contradicts the claim", "NONE": "says neither"}


def render_findings(part) -> None:
    """The questions the claim raised, each with the sources' cited answer and what it says of the claim."""
    if not part.questions:
        return
    st.markdown("**Questions asked of the sources**")
    for n, f in enumerate(part.questions, 1):
        st.markdown(f"{n}. *{ui.escape_inline(f.question)}*  \n{ui.escape_inline(f.answer)}")
        said = "not answered" if f.abstained else STANCE_TEXT[f.stance.value]
        st.caption(ui.escape_inline(f"{said}: {f.why}" if f.why else said)
                   + (f" · check `{f.check}`" if f.abstained and f.check else ""))


def evidence_timeline(check) -> None:
    """The evidence the verdict shows, in time against the claim's date; nothing when none is dated."""
    rows = charts.evidence_timeline(check)
    if not rows:
        return
    day = f" against the claim's date ({check.as_of.isoformat()}, the dashed line)" if check.as_of else ""
    st.caption(f"When the evidence was published{day}.")
    st.altair_chart(charts.timeline_chart(rows, check.as_of), width="stretch",
                    alt="Publication dates of the evidence for each part of the claim")
    late = sum(r["after_claim_date"] for r in rows)
    if late:
        st.caption(f"{late} of these passages came out after the claim's date (triangles): "
                   "they could not have backed it then.")
    missing = charts.shown_evidence(check) - len(rows)
    if missing:
        st.caption(f"{missing} passage{'s' if missing > 1 else ''} without a date {'are' if missing > 1 else 'is'} "
                   "not on the timeline.")


def check_history(settings, corpus):
    from factcheck.history import History

    return History(settings.data_dir, corpus.embedder)


def run_check(settings, corpus, searcher, text: str, day, search_kw) -> None:
    """Check a claim and keep the check in the history (who asked: the editor, when signed in)."""
    ss = st.session_state
    try:
        if not hasattr(settings, "build_checker"):
            raise FactcheckError("Claim checking is not available in this version.")
        queue = st.empty()  # the place in the embedded model's queue, while waiting
        with st.spinner("Checking: splitting the claim, finding evidence, weighing each part…"), \
                waiting_turn(lambda ahead: queue.caption(ui.queue_note(ahead))):
            checker = settings.build_checker(searcher, get_llm(settings))
            check = checker.check(text, as_of=day, **search_kw)
        queue.empty()
        check_history(settings, corpus).record(check, articles=corpus.count(),
                                               asked_by="editor" if editor_signed_in() else None)
        ss.check, ss.check_error, ss.earlier = check.model_dump(mode="json"), None, None
    except FactcheckError as e:
        ss.check, ss.check_error = None, str(e)


def check_tab(settings, corpus, searcher, as_of, search_kw) -> None:
    from factcheck.claims import ClaimCheck
    from factcheck.history import PastCheck

    ss = st.session_state
    with st.form("claim_form"):
        claim = st.text_area("Claim", placeholder="Putin and Zelensky met in Moscow in January 2026.", height=90,
                             help="A sentence from a draft. It is split into atomic parts; each gets a verdict.")
        made_on = st.date_input("Claim made on (optional)", value=None,
                                help="Evidence published after this date is flagged. Default: the sidebar's as-of date.")
        go = st.form_submit_button("Check the claim", type="primary", icon=":material/fact_check:")
    if go and claim.strip():
        text, day = claim.strip(), made_on or as_of
        history = check_history(settings, corpus)
        found = history.similar(text, settings.history_similarity, corpus, limit=1)
        if found:  # the earlier check is shown first; checking again is the editor's choice
            ss.check, ss.check_error = history.get(found[0].id).model_dump(mode="json"), None
            ss.earlier = {"entry": found[0].model_dump(mode="json"), "claim": text,
                          "day": day.isoformat() if day else None}
        else:
            run_check(settings, corpus, searcher, text, day, search_kw)
    if ss.get("earlier"):
        earlier = PastCheck.model_validate(ss.earlier["entry"])
        slot = st.empty()
        with slot.container():
            note = st.warning if earlier.possibly_outdated else st.info
            note(f"**Checked before**, {ui.escape_inline(earlier.summary())}. The claim then: "
                 f"“{ui.escape_inline(earlier.claim)}” (similarity {earlier.similarity or 0:.2f}).",
                 icon=":material/history:")
            again = st.button("Check again now", key="history_rerun", icon=":material/refresh:")
        if again:
            slot.empty()
            day = dt.date.fromisoformat(ss.earlier["day"]) if ss.earlier.get("day") else None
            run_check(settings, corpus, searcher, ss.earlier["claim"], day, search_kw)
    if ss.get("check_error"):
        st.error(ui.escape_markdown(ss.check_error))
    if ss.get("check"):
        render_check(ClaimCheck.model_validate(ss.check), corpus, {})
    history_view(settings, corpus)


def history_view(settings, corpus) -> None:
    """Every check kept: search, open one, export them all (JSONL)."""
    ss = st.session_state
    history = check_history(settings, corpus)
    st.divider()
    st.markdown("#### Earlier checks")
    query = st.text_input("Search earlier checks (claim, parts, evidence)", key="history_query", placeholder="Zelensky")
    entries = history.search(query, limit=500, corpus=corpus)
    if not entries:
        st.caption("No earlier check matches." if query.strip() else "No check yet: every check is kept here.")
        return
    rows = [{"checked": e.made_at, "verdict": ui.verdict_label(e.verdict), "claim": e.claim,
             "added": e.articles_added_since, "by": e.asked_by or ""} for e in entries]
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"checked": st.column_config.DatetimeColumn("Checked", format="YYYY-MM-DD HH:mm"),
                                "verdict": "Verdict", "claim": st.column_config.TextColumn("Claim", width="large"),
                                "added": st.column_config.NumberColumn("Articles added since",
                                                                       help="More than 0: possibly outdated"),
                                "by": "Asked by"})

    def open_check() -> None:  # a callback: the chosen check is shown above on this very run
        if ss.get("history_open"):
            ss.check, ss.check_error, ss.earlier = history.get(ss.history_open).model_dump(mode="json"), None, None

    labels = {e.id: f"{e.made_at:%Y-%m-%d %H:%M} · {ui.verdict_label(e.verdict)} · {e.claim[:90]}" for e in entries}
    c = st.columns([3, 1])
    c[0].selectbox("Open an earlier check", list(labels), format_func=labels.get, index=None, key="history_open",
                   on_change=open_check, placeholder=f"Choose one of {len(entries)}")
    c[1].download_button("Export (JSONL)", "\n".join(json.dumps(r, ensure_ascii=False) for r in history.export(entries)),
                         file_name="claim-checks.jsonl", mime="application/jsonl", icon=":material/download:",
                         on_click="ignore")


# ---- Check a draft --------------------------------------------------------------------------
def load_draft(settings, pasted: str, upload, url: str):
    """The draft's text as the ingest loaders read it (the same formats and address rules), and
    where it came from; RefusedInput says why not."""
    from retrieval import loaders

    if upload is not None:
        a = loaders.load_bytes(upload.getvalue(), upload.name, max_bytes=settings.max_bytes)
        return a, upload.name
    if url:
        a = loaders.load_url(url, **settings.url_options())
        return a, a.url or url
    if pasted:
        return loaders.load_text(pasted), "pasted text"
    raise RefusedInput("Nothing to check: paste the draft, upload a file or give an address.")


def run_draft(settings, corpus, searcher, search_kw) -> None:
    """Check the draft's claims not yet checked, one at a time. The draft is saved in the session
    after each claim, so a click on Stop (which ends this run at its next progress update) keeps
    every claim checked until then."""
    from factcheck.draft import DraftCheck, DraftChecker

    ss = st.session_state
    d = DraftCheck.model_validate(ss.draft)
    total = len(d.claims())
    def stop() -> None:  # a callback: runs before the next run, which renders what was checked
        ss.draft_running = False
        ss.draft = {**ss.draft, "stopped": True}
    st.button("Stop", key="draft_stop", icon=":material/stop_circle:", on_click=stop)
    bar = st.progress(len(d.verdicts) / max(total, 1), text="Starting the language model…")
    queue = st.empty()

    def step(s) -> None:
        if s.verdict is not None:
            ss.draft = d.model_dump(mode="json")  # before any widget call: a Stop lands on the next one
        note = "Checked" if s.verdict is not None else "Checking"
        bar.progress(s.done / max(total, 1), text=f"{note} claim {s.done + (s.verdict is None)} of {total}: "
                                                  f"{ui.escape_inline(s.sentence.text[:90])}")
    try:
        with waiting_turn(lambda ahead: queue.caption(ui.queue_note(ahead))):
            checker = settings.build_checker(searcher, get_llm(settings))
            runner = DraftChecker(checker, check_history(settings, corpus), similarity=settings.history_similarity,
                                  rerun=bool(ss.get("draft_rerun")), asked_by="editor" if editor_signed_in() else None)
            runner.run(d, progress=step, stop=lambda: not ss.get("draft_running"), **search_kw)
    except FactcheckError as e:
        ss.draft_error = str(e)
    ss.draft, ss.draft_running = d.model_dump(mode="json"), False
    queue.empty()
    bar.empty()


def render_draft(d, corpus, cache: dict) -> None:
    """The draft with each claim marked by its verdict and numbered, the sentences left out in
    grey; then each claim's evidence in an expander, and what was left out and why."""
    from factcheck.draft import Kind, draft_markdown

    claims = d.claims()
    st.caption(f"{len(d.sentences)} sentences · {len(claims)} checkable claims · {len(d.verdicts)} checked · "
               f"{len(d.left_out())} left out (opinions, questions, predictions, no checkable fact)")
    if d.pending() and not st.session_state.get("draft_running"):
        st.warning(f"Stopped: {len(d.verdicts)} of {len(claims)} claims checked; the rest are marked “not checked”.",
                   icon=":material/pause_circle:")
        st.button("Check the rest", key="draft_resume", icon=":material/play_arrow:",
                  on_click=lambda: st.session_state.update(draft_running=True))
    bits, last = [], 0
    for i, s in enumerate(d.sentences):
        gap = "\n\n" if "\n" in d.text[last:s.start] else " "
        last = s.end
        if s.kind is Kind.CLAIM:
            v = d.verdict_for(i)
            n = claims.index(i) + 1
            mark = f"**{n}** " + ui.escape_inline(ui.verdict_label(v.check.verdict) if v else "not checked")
            colour = ui.verdict_colour(v.check.verdict) if v else "gray"
            bits.append(gap + f":{colour}-background[{ui.escape_inline(s.text)}] :{colour}[\\[{mark}\\]]")
        else:
            bits.append(gap + f":gray[{ui.escape_inline(s.text)}]")
    with st.container(border=True):
        st.markdown("".join(bits).strip())
    for n, i in enumerate(claims, 1):
        v, s = d.verdict_for(i), d.sentences[i]
        label = ui.verdict_label(v.check.verdict) if v else "Not checked"
        with st.expander(f"{n}. {label} · {ui.escape_inline(s.text[:120])}"):
            if v is None:
                st.caption("Not checked: the check was stopped before this claim.")
                continue
            if v.earlier:
                st.info(f"**Checked before**, {ui.escape_inline(v.earlier.summary())}. The claim then: "
                        f"“{ui.escape_inline(v.earlier.claim)}”.", icon=":material/history:")
            if v.check.weighed:
                st.caption(v.check.weighed_text())
            for j, p in enumerate(v.check.parts):
                if len(v.check.parts) > 1:
                    st.markdown(f"**{ui.escape_inline(ui.verdict_label(p.verdict))}** · {ui.escape_inline(p.claim)}")
                st.markdown(ui.escape_markdown(p.explanation))
                if p.reason:
                    st.caption(ui.escape_inline(p.reason))
                render_findings(p)
                for k, e in enumerate([e for e in p.evidence if e.n in p.cites] or p.evidence):
                    note = "Published after the draft's date." if e.after_claim_date else None
                    source_card(e, corpus, f"draft{n}-{j}-{k}", cache, note=note)
    left = d.left_out()
    if left:
        st.markdown("**Left out**")
        for s in left:
            st.caption(f"{ui.escape_inline(s.kind.value.capitalize())} · {ui.escape_inline(s.reason)}: "
                       f"“{ui.escape_inline(s.text[:200])}”")
    cols = st.columns(2)
    cols[0].download_button("Download report (Markdown)", draft_markdown(d), file_name="draft-check.md",
                            mime="text/markdown", icon=":material/download:", on_click="ignore")
    cols[1].download_button("Download report (JSON)", d.model_dump_json(indent=2), file_name="draft-check.json",
                            mime="application/json", icon=":material/download:", on_click="ignore")


def draft_tab(settings, corpus, searcher, as_of, search_kw) -> None:
    from factcheck.draft import DraftCheck, new_draft

    ss = st.session_state
    with st.form("draft_form"):
        pasted = st.text_area("Draft", key="draft_text", height=180,
                              placeholder="Paste a draft story or a post: its checkable claims are picked out and "
                                          "each is checked against the corpus.")
        c = st.columns(2)
        upload = c[0].file_uploader("…or a file (txt, md, html, pdf, docx)", key="draft_file")
        url = ""
        # The server fetches the page: only for those who may have it fetch pages for the corpus too.
        if corpus_access(settings).allows(editor_signed_in()):
            url = c[1].text_input("…or the address of a web page", key="draft_url", placeholder="https://…")
        rerun = st.checkbox("Check again claims checked before", key="draft_rerun_box",
                            help="Otherwise a claim close to an earlier check shows that check, with its date.")
        go = st.form_submit_button("Check the draft", type="primary", icon=":material/fact_check:")
    if go:
        try:
            article, name = load_draft(settings, pasted.strip(), upload, url.strip())
            d = new_draft(article.text, settings.draft, source=name, as_of=as_of)
            ss.draft, ss.draft_error, ss.draft_running, ss.draft_rerun = d.model_dump(mode="json"), None, True, rerun
        except FactcheckError as e:
            ss.draft, ss.draft_error = None, str(e)
    if ss.get("draft") and ss.get("draft_running"):
        if DraftCheck.model_validate(ss.draft).pending():  # no claim, no model started
            run_draft(settings, corpus, searcher, search_kw)
        ss.draft_running = False
    if ss.get("draft_error"):
        st.error(ui.escape_markdown(ss.draft_error))
    if ss.get("draft"):
        render_draft(DraftCheck.model_validate(ss.draft), corpus, {})


# ---- Add sources ----------------------------------------------------------------------------
def _items(files, url: str, pasted: str, meta: dict, settings, step):
    """(name, Article or the error that refused it) per input; a bad one never stops the rest."""
    from retrieval import loaders

    def attempt(name, load):
        step(name)
        try:
            return name, load()
        except FactcheckError as e:
            return name, e
        except Exception as e:  # a parser bug must not end the batch either
            return name, RefusedInput(f"could not be read ({type(e).__name__})")

    for f in files or []:
        yield attempt(f.name, lambda f=f: loaders.load_bytes(f.getvalue(), f.name, max_bytes=settings.max_bytes, meta=meta))
    if url:
        # The settings' size, time and address limits, as the CLI applies them.
        yield attempt(url, lambda: loaders.load_url(url, meta=meta, **settings.url_options()))
    if pasted:
        name = meta.get("title") or "pasted text"
        yield attempt(name, lambda: loaders.load_text(pasted, meta=meta, name="pasted text"))


def ingest_batch(corpus, settings, files, url, pasted, meta) -> None:
    try:  # before anything is read or fetched
        require_editing(settings, "add sources")
    except EditingRefused as e:
        st.session_state.ingest = {"error": str(e)}
        return
    total = len(files or []) + bool(url) + bool(pasted)
    bar = st.progress(0.0, text="Starting…")
    done = {"read": 0, "indexed": 0}

    def show(text: str) -> None:
        bar.progress(min(1.0, (done["read"] + done["indexed"]) / (2 * total)), text=text)

    def step(name: str) -> None:
        show(f"Reading {ui.escape_inline(name)} ({done['read'] + 1} of {total})")
        done["read"] += 1

    def tick(outcome) -> None:
        done["indexed"] += 1
        show(f"Indexed {done['indexed']} of {total}")

    try:
        report = corpus.ingest(_items(files, url, pasted, meta, settings, step), progress=tick)
    except FactcheckError as e:
        bar.empty()
        st.session_state.ingest = {"error": str(e)}
        return
    bar.progress(1.0, text=f"Done in {report.seconds:.1f} s: new articles are searchable now.")
    st.session_state.ingest = {
        "lines": [ui.outcome_line(o) for o in report.outcomes],
        "summary": f"Added {report.added} ({report.chunks} passages) · already in the corpus {report.duplicates} · "
                   f"refused {report.failed} · {report.seconds:.1f} s",
    }


def add_tab(settings, corpus, access: CorpusAccess, can_edit: bool) -> None:
    notice = access.notice()
    if not can_edit:
        if notice:  # read-only: served on the network without an editor password
            st.info(notice, icon=":material/lock:")
        else:
            st.info("Only a signed-in editor can add sources: sign in from the sidebar. "
                    "Everyone can ask questions and check claims.", icon=":material/lock:")
        if result := st.session_state.get("ingest"):  # a refused change says why
            if result.get("error"):
                st.error(ui.escape_markdown(result["error"]))
        return
    if notice:
        st.warning(notice, icon=":material/public:")
    with st.form("add_form", clear_on_submit=True):
        # No type filter in the widget: every file gets a result line, a refused one with its reason.
        files = st.file_uploader("Files (txt, md, html, pdf, docx), several at once", accept_multiple_files=True)
        url = st.text_input("…or the address of a web page", placeholder="https://www.kyivpost.com/post/…")
        pasted = st.text_area("…or paste the article's text", height=120)
        feed = st.text_input("…or an RSS or Atom feed, or a sitemap, to follow", key="add_feed",
                             placeholder="https://www.kyivpost.com/feed",
                             help="Its items are added now, and what is new in it on every refresh (below).")
        st.caption("Optional details for everything in this batch; they replace what the files say.")
        c = st.columns(4)
        title = c[0].text_input("Title")
        outlet = c[1].text_input("Outlet", placeholder="Kyiv Post")
        date = c[2].date_input("Published", value=None, min_value=dt.date(1900, 1, 1))
        link = c[3].text_input("Link", placeholder="https://…")
        go = st.form_submit_button("Add to the corpus", type="primary", icon=":material/upload:")
    if go:
        meta = {"title": title.strip() or None, "source": outlet.strip() or None, "date": date,
                "url": link.strip() or None}
        if not (files or url.strip() or pasted.strip() or feed.strip()):
            st.session_state.ingest = {"error": "Nothing to add: choose files, give an address or a feed, or paste text."}
        elif files or url.strip() or pasted.strip():
            ingest_batch(corpus, settings, files, url.strip(), pasted.strip(), meta)
        if feed.strip():
            follow_feed(corpus, settings, feed.strip(), meta.get("source"))
    result = st.session_state.get("ingest")
    if result:
        if result.get("error"):
            st.error(ui.escape_markdown(result["error"]))
        else:
            st.markdown(f"**{ui.escape_inline(result['summary'])}**")
            for kind, line in result["lines"]:
                {"success": st.success, "info": st.info, "error": st.error}[kind](line)
    feeds_panel(corpus, settings)


def follow_feed(corpus, settings, url: str, source: str | None) -> None:
    """Follow a feed (refused with the reason if it is not one) and add what it has now."""
    from factcheck.feeds import Feeds

    try:
        require_editing(settings, "follow a feed")
        followed, n = Feeds(settings.data_dir, settings.url_options()).follow(url, source)
    except FactcheckError as e:
        st.session_state.feed_result = {"error": str(e)}
        return
    refresh_feeds(corpus, settings, [followed.url])


def refresh_feeds(corpus, settings, urls: list[str] | None = None) -> None:
    from factcheck.feeds import Feeds

    try:
        require_editing(settings, "refresh feeds")
        bar = st.progress(0.0, text="Reading the feeds…")

        def tick(note: str, done: int, total: int) -> None:
            bar.progress(min(1.0, done / max(total, 1)), text=f"{done} of {total} new items · {ui.escape_inline(note)}")
        report = Feeds(settings.data_dir, settings.url_options()).refresh(corpus, urls=urls, progress=tick)
    except FactcheckError as e:
        st.session_state.feed_result = {"error": str(e)}
        return
    bar.empty()
    lines = []
    for f in report.feeds:
        name = f.title or f.url
        lines.append(("error", f"{name}: not read: {f.error}") if f.error else
                     ("success" if not f.failed else "info",
                      f"{name}: {f.new} new of {f.items} · added {f.added} · already in the corpus {f.duplicates} · "
                      f"refused {f.failed}"))
        lines += [("error", f"refused {o.name}: {o.reason}") for o in f.outcomes if o.status == "failed"][:20]
    st.session_state.feed_result = {"lines": lines}


def feeds_panel(corpus, settings) -> None:
    """The feeds followed, and a refresh of them all; source text (feed titles, reasons) is escaped."""
    from factcheck.feeds import Feeds

    result = st.session_state.get("feed_result")
    if result and result.get("error"):
        st.error(ui.escape_markdown(result["error"]))
    for kind, line in (result or {}).get("lines", []):
        {"success": st.success, "info": st.info, "error": st.error}[kind](ui.escape_markdown(line))
    followed = Feeds(settings.data_dir, settings.url_options()).list()
    if not followed:
        return
    st.caption(f"Following {len(followed)} feed{'s' if len(followed) > 1 else ''}: " + ", ".join(
        ui.escape_inline(f.title or f.url) for f in followed))
    if st.button("Refresh the feeds now", key="feeds_refresh", icon=":material/rss_feed:"):
        refresh_feeds(corpus, settings)
        st.rerun()


# ---- Corpus -----------------------------------------------------------------------------------
def corpus_tab(settings, corpus, searcher, stats, can_edit: bool, as_of: dt.date | None = None) -> None:
    ss = st.session_state
    if ss.get("flash"):
        st.success(ss.pop("flash"))
    if ss.get("flash_error"):
        st.error(ui.escape_markdown(ss.pop("flash_error")))
    span = f" · published {stats.first_date} – {stats.last_date}" if stats.first_date else ""
    st.caption(f"{stats.articles} articles · {stats.chunks} passages · {len(stats.outlets)} outlets{span}")
    articles = corpus.list()
    coverage(articles, as_of)
    c = st.columns([3, 2, 1], vertical_alignment="bottom")
    query = c[0].text_input("Search titles, outlets and text", key="corpus_query", placeholder="Zelensky")
    outlets = c[1].multiselect("Outlet", sorted(stats.outlets), key="corpus_outlets", placeholder="All outlets")
    all_copies = c[2].toggle("All copies", key="corpus_all_copies",
                             help="A story found in several outlets (syndicated or near-duplicate copies) is listed "
                                  "once, with its copies counted; on, every copy is listed.")
    if outlets:
        articles = [a for a in articles if (a.source or "(unknown)") in outlets]
    copies: dict[str, int] = {}
    if query.strip():
        q = query.strip().lower()
        found = searcher.search(query, k=200, mode="lexical", all_copies=all_copies)
        in_text = {h.doc_id for h in found}
        copies = {h.doc_id: len(h.copies) for h in found}
        hidden = {x.doc_id for h in found for x in h.copies}
        articles = [a for a in articles if a.doc_id not in hidden and (a.doc_id in in_text or any(
            q in (x or "").lower() for x in (a.title, a.source, a.filename, a.doc_id)))]
    rows = [{"title": a.label(), "outlet": a.source or "", "date": a.date, "chunks": a.n_chunks,
             "copies": copies.get(a.doc_id, 0), "added": a.added_at, "id": a.doc_id} for a in articles]
    st.dataframe(rows, hide_index=True, width="stretch",
                 column_config={"title": st.column_config.TextColumn("Title", width="large"),
                                "outlet": "Outlet", "date": st.column_config.DateColumn("Published"),
                                "chunks": st.column_config.NumberColumn("Passages"),
                                "copies": st.column_config.NumberColumn("Copies", help="Other outlets' copies of "
                                                                        "the story among the matches"),
                                "added": st.column_config.DatetimeColumn("Added", format="YYYY-MM-DD HH:mm"),
                                "id": st.column_config.TextColumn("Id", width="small")})
    if not articles:
        st.caption("No article matches.")
        return
    shown = articles[:500]
    labels = {a.doc_id: f"{a.label()} — {a.source or 'unknown outlet'}, {ui.date_text(a.date)}" if a.title
              else a.label() for a in shown}
    doc_id = st.selectbox("Open an article", list(labels), format_func=labels.get, index=None,
                          placeholder=f"Choose one of {len(articles)}" + (" (first 500 listed)" if len(articles) > 500 else ""),
                          key="corpus_open")
    if not doc_id:
        return
    try:
        a = corpus.get(doc_id)
    except NotFound:
        st.warning("This article is no longer in the corpus.")
        return
    with st.container(border=True):
        show_article(a)
        if not can_edit:
            return
        if ss.get("confirm_delete") != a.doc_id:
            st.button("Delete this article…", icon=":material/delete:", key="delete",
                      on_click=lambda: ss.update(confirm_delete=a.doc_id))
            return
        st.warning(f"Delete **{ui.escape_inline(a.label())}** and its {a.n_chunks} passages from the corpus? "
                   "This cannot be undone.")
        b = st.columns([1, 1, 4])
        b[0].button("Yes, delete", type="primary", key="delete_yes", on_click=delete_article, args=(corpus, settings, a.doc_id))
        b[1].button("Cancel", key="delete_no", on_click=lambda: ss.update(confirm_delete=None))


def coverage(articles, as_of: dt.date | None) -> None:
    """What the archive covers: articles per outlet over time, and where an as-of search stops."""
    rows = charts.articles_by_outlet_and_period(articles)
    late = charts.published_after(articles, as_of)
    if rows:
        st.altair_chart(charts.coverage_chart(rows, as_of if late else None), width="stretch",
                        alt="Articles in the corpus per outlet over time")
    notes = []
    if late:
        notes.append(f"{late} article{'s' if late > 1 else ''} published after the as-of date ({as_of.isoformat()}, "
                     f"the dashed line): an as-of search cannot find {'them' if late > 1 else 'it'}.")
    n = charts.undated(articles)
    if n:
        notes.append(f"{n} article{'s' if n > 1 else ''} without a date (not charted; an as-of search finds "
                     f"{'them' if n > 1 else 'it'} whatever the date).")
    if notes:
        st.caption("  \n".join(notes))


def delete_article(corpus, settings, doc_id: str) -> None:
    """Button callback: runs before the widgets, so it may reset the article picker."""
    ss = st.session_state
    ss.confirm_delete = None
    try:
        require_editing(settings, "delete sources")
        gone = corpus.delete(doc_id)
    except FactcheckError as e:
        ss.flash_error = str(e)
        return
    ss.flash = f"Deleted {ui.escape_inline(gone.label())} ({gone.n_chunks} passages)."
    ss.corpus_open = None


# ---- sidebar ------------------------------------------------------------------------------------
def sidebar(settings, stats, gate: EditorGate, access: CorpusAccess):
    ss = st.session_state
    with st.sidebar:
        st.subheader("Search settings")
        default_as_of = dt.date.today()
        try:
            default_as_of = dt.date.fromisoformat(st.query_params.get("as_of", ""))
        except ValueError:
            pass
        as_of = st.date_input("As of", value=default_as_of, key="as_of",
                              help="Answers never use articles published after this date; a claim check "
                                   "flags evidence published after it (or after the claim's own date).")
        outlets = [o for o in sorted(stats.outlets) if o != "(unknown)"]
        st.multiselect("Outlets", outlets, key="f_outlets", placeholder="All outlets")
        c = st.columns(2)
        c[0].date_input("Published from", value=None, key="f_from", min_value=dt.date(1900, 1, 1))
        c[1].date_input("to", value=None, key="f_to", min_value=dt.date(1900, 1, 1))
        length = st.segmented_control("Answer length", list(LENGTHS), default="Normal", required=True, key="length")

        if gate.enabled:
            st.divider()
            if ss.get("editor"):
                st.caption("Signed in as editor: you can add and delete sources.")
                if st.button("Sign out", key="sign_out"):
                    ss.editor = False
                    st.rerun()
            else:
                with st.form("sign_in", clear_on_submit=True):
                    pw = st.text_input("Editor password", type="password", help="Editors can add and delete sources.")
                    go = st.form_submit_button("Sign in as editor")
                if go:
                    ok, message = gate.sign_in(pw, client_key(st.context.ip_address, st.context.cookies))
                    if ok:
                        ss.editor = True
                        st.rerun()
                    st.error(message)
        can_edit = access.allows(editor_signed_in())
        if access.mode == "read-only":
            st.divider()
            st.caption(":material/lock: **Read-only corpus**: this server is reachable from the network and no "
                       "editor password is set. The Add sources tab says how to enable editing.")
        elif access.exposed and access.mode == "open":
            st.divider()
            st.warning(access.notice(), icon=":material/public:")

        st.divider()
        calm = st.empty()  # filled again at the end of the run, so that it counts what this run added
        in_use(calm, settings, stats)
    return as_of, search_filters(ss), length, can_edit, calm


def in_use(calm, settings, stats) -> None:
    """Corpus size, model and store: visible, out of the way; never the key."""
    calm.caption(
        f"**Corpus** {stats.articles} articles, {stats.chunks} passages  \n"
        f"**Model** {ui.escape_inline(model_description(settings))}  \n"
        f"**Store** {ui.escape_inline(stats.store)}  \n"
        f"**Embeddings** {ui.escape_inline(stats.embedding_model)}")


# ---- page ---------------------------------------------------------------------------------------
def main() -> None:
    st.set_page_config(page_title="Fact-check assistant", page_icon=":material/fact_check:", layout="wide")
    settings = Settings()
    try:
        corpus, searcher, convos = store_components(store_key(settings))
    except FactcheckError as e:
        st.error(ui.escape_markdown(str(e)))
        st.stop()
    ss = st.session_state
    # The conversation lives on disk under an id in the URL: a refresh finds it again.
    cid = st.query_params.get("c")
    if not valid_id(cid):
        cid = new_id()
        st.query_params["c"] = cid
    if ss.get("cid") != cid:
        ss.cid, ss.messages = cid, convos.load(cid)

    stats = corpus.stats()
    access = corpus_access(settings)
    as_of, search_kw, length, can_edit, calm = sidebar(settings, stats, gate_for(settings), access)
    st.title("Fact-check assistant")
    ask_t, check_t, draft_t, add_t, corpus_t = st.tabs(TABS, key="tab")
    with ask_t:
        ask_tab(settings, corpus, searcher, convos, as_of, search_kw, length)
    with check_t:
        check_tab(settings, corpus, searcher, as_of, search_kw)
    with draft_t:
        draft_tab(settings, corpus, searcher, as_of, search_kw)
    with add_t:
        add_tab(settings, corpus, access, can_edit)
    stats = corpus.stats()  # again: an upload in this run may have changed it
    with corpus_t:
        corpus_tab(settings, corpus, searcher, stats, can_edit, as_of)
    in_use(calm, settings, stats)


if __name__ == "__main__":  # Streamlit runs the page as __main__; a test may import its functions
    main()
