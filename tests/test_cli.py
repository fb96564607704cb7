"""The CLI end to end, in-process, against a real store."""

import json

import pytest
from typer.testing import CliRunner

from factcheck.cli import app
from tests.conftest import ROOT

runner = CliRunner()


def run(data, *args):
    result = runner.invoke(app, ["--data-dir", str(data), *args], catch_exceptions=False)
    return result


@pytest.fixture
def data(tmp_path):
    d = tmp_path / "corpus"
    r = run(d, "ingest", str(ROOT / "corpus"), "--json")
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["outcomes"][0]["status"] == "added"
    return d


def test_search_json_puts_the_2019_passage_first(data):
    r = run(data, "search", "When did Putin and Zelensky last meet?", "--json", "-k", "3")
    hits = json.loads(r.stdout)
    assert "have not met since 2019" in hits[0]["text"]
    assert hits[0]["source"] == "Kyiv Post" and hits[0]["date"] == "2026-01-28"
    assert {"doc_id", "external_id", "chunk_id", "title", "url", "score"} <= hits[0].keys()


def test_reingest_reports_duplicate_and_list_show_stats_delete(data, tmp_path):
    copy = tmp_path / "renamed.md"
    copy.write_text((ROOT / "corpus" / "kyiv-post-putin-zelensky.md").read_text() + "\n\n\n")
    r = run(data, "ingest", str(copy))
    assert "already in the corpus 1" in r.stdout and "added 0" in r.stdout
    listed = json.loads(run(data, "list", "--json").stdout)
    assert len(listed) == 1 and listed[0]["title"] is None and listed[0]["source"] == "Kyiv Post"
    doc = listed[0]["doc_id"]
    shown = json.loads(run(data, "show", doc, "--json").stdout)
    assert "Advertisement" not in shown["text"].splitlines() and shown["text"].endswith("since 2019.")
    st = json.loads(run(data, "stats", "--json").stdout)
    assert st["articles"] == 1 and st["chunks"] == st["dense_vectors"] == listed[0]["n_chunks"]
    r = run(data, "delete", doc)  # no one answers the confirmation: nothing is deleted
    assert r.exit_code == 1 and "not deleted" in r.stderr and "--yes" in r.stderr
    r = runner.invoke(app, ["--data-dir", str(data), "delete", doc[:10]], input="n\n")
    assert r.exit_code == 1 and "Delete " + doc in r.stderr
    assert json.loads(run(data, "stats", "--json").stdout)["articles"] == 1
    r = runner.invoke(app, ["--data-dir", str(data), "delete", doc, "--json"], input="y\n")
    # The question goes to stderr (the test runner echoes the typed answer to stdout, a terminal would not)
    assert r.exit_code == 0 and "Delete" not in r.stdout and json.loads(r.stdout.splitlines()[-1])["deleted"] == doc
    assert json.loads(run(data, "stats", "--json").stdout)["articles"] == 0
    assert run(data, "delete", doc, "--yes").exit_code == 1  # already gone
    r = run(data, "show", doc)
    assert r.exit_code == 1 and "No article" in r.stderr


def test_audit_reports_and_repairs_a_passage_the_vector_index_lost(data):
    ok = json.loads(run(data, "audit", "--json").stdout)
    assert ok["passages"] > 0 and ok["missing"] == ok["unreachable"] == ok["rewritten"] == 0
    from retrieval.embeddings import OnnxMiniLM
    from retrieval.store import Corpus

    c = Corpus(data, OnnxMiniLM())
    c.collection.delete(ids=[c.db.execute("SELECT chunk_id FROM chunks LIMIT 1").fetchone()[0]])
    c.close()
    r = run(data, "audit", "--check-only")
    assert r.exit_code == 1 and "1 without a vector" in r.stdout and "0 written again" in r.stdout
    r = run(data, "audit", "--json")
    found = json.loads(r.stdout)
    # The delete itself can leave another live vector unreachable now and then (the Chroma bug
    # the audit exists for, chroma-core/chroma#7758): it must be found and written again too.
    assert r.exit_code == 0 and found["missing"] == 1 and found["still_unreachable"] == 0
    assert found["rewritten"] == found["missing"] + found["unreachable"]
    r = run(data, "audit", "--check-only", "--json")
    after = json.loads(r.stdout)
    assert r.exit_code == 0 and after["missing"] == after["unreachable"] == after["rewritten"] == 0


def test_if_empty_skips_a_filled_corpus(data):
    r = run(data, "ingest", "--if-empty", str(ROOT / "corpus"))
    assert r.exit_code == 0 and "nothing to do" in r.stdout


def test_jsonl_batch_with_bad_lines_and_metadata(tmp_path):
    f = tmp_path / "batch.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "a1", "title": "Dam breaks", "text": "A dam broke in the valley on Tuesday, flooding two villages.",
                    "date": "2024-05-02", "source": "Valley News", "url": "https://valley.example/dam"}),
        "{not json",
        json.dumps({"id": "a3", "title": "No text"}),
    ]) + "\n")
    r = run(tmp_path / "d", "ingest", "--jsonl", str(f), "--json")
    outcomes = json.loads(r.stdout)["outcomes"]
    assert [o["status"] for o in outcomes] == ["added", "failed", "failed"]
    shown = json.loads(run(tmp_path / "d", "show", "a1", "--json").stdout)  # external id works
    assert shown["external_id"] == "a1" and shown["source"] == "Valley News" and shown["date"] == "2024-05-02"


def test_batch_queries_print_one_line_each(data, tmp_path):
    q = tmp_path / "q.jsonl"
    q.write_text(json.dumps({"id": "q1", "question": "Where were the trilateral talks held?"}) + "\n"
                 + json.dumps({"id": "q2", "claim": "Putin met Zelensky in 2025", "question_date": "2026-01-01"}) + "\n")
    lines = [json.loads(x) for x in run(data, "search", "--queries", str(q), "-k", "2", "--json").stdout.splitlines()]
    assert [x["id"] for x in lines] == ["q1", "q2"]
    assert lines[0]["hits"] and lines[1]["hits"] == []  # the only article is dated after 2026-01-01


def test_refused_input_exits_nonzero_with_reason(tmp_path):
    bad = tmp_path / "empty.txt"
    bad.write_text("")
    r = run(tmp_path / "d", "ingest", str(bad))
    assert r.exit_code == 1 and "empty" in r.stderr


def test_files_of_questions_and_claims_give_one_json_line_each_with_its_id(data, tmp_path, local_llm, monkeypatch):
    """`ask --questions` and `check --claims` with the real local model, loaded once for the file:
    dates as people write them, and a bad line gets its error record while the rest goes on."""
    from factcheck.checks import BACKING_CHECKS, SENTENCE_CHECKS
    from factcheck.settings import Settings

    monkeypatch.setattr(Settings, "build_llm", lambda self: local_llm)
    qs = tmp_path / "q.jsonl"
    qs.write_text(json.dumps({"id": "q1", "question": "When did Putin and Zelensky last meet?", "question_date": "30/01/2026"})
                  + "\n\n" + json.dumps({"id": "q2", "question": "Who won the 2026 Eurovision Song Contest?"}) + "\n"
                  + json.dumps({"id": "q3", "question": "Who won?", "question_date": "31/02/2026"}) + "\n")
    r = run(data, "ask", "--questions", str(qs), "--json")
    assert r.exit_code == 3, r.output
    first, unanswerable, bad = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    assert first["id"] == "q1" and first["as_of"] == "2026-01-30" and "2019" in first["text"] and first["citations"]
    # The sources cannot answer: the abstention names the check that refused it, and so does
    # every sentence of the draft that was refused.
    named = {"answerable", "draft_written", "retrieval", "cites_a_passage", "time_frame"} | {n for n, _ in SENTENCE_CHECKS + BACKING_CHECKS}
    assert unanswerable["abstained"] and unanswerable["refusals"], unanswerable
    assert unanswerable["refusals"][-1]["sentence"] is None and unanswerable["refusals"][-1]["check"] in named
    assert all(x["check"] in named and x["detail"] for x in unanswerable["refusals"])
    assert bad == {"id": "q3", "error": bad["error"]} and "31/02/2026" in bad["error"]
    cs = tmp_path / "c.jsonl"
    cs.write_text(json.dumps({"id": 7, "claim": "Putin and Zelensky met in Abu Dhabi in January 2026.", "claim_date": "30-01-2026"})
                  + "\n" + json.dumps({"claim": "The ICC issued an arrest warrant for Putin in March 2023.",
                                       "claim_date": "Jan 30, 2026"})
                  + "\n" + json.dumps({"id": "empty", "claim": " "}) + '\n{"claim": "unterminated\n')
    r = run(data, "check", "--claims", str(cs), "--json")
    assert r.exit_code == 3, r.output
    lines = [json.loads(x) for x in r.stdout.splitlines() if x.strip()]
    assert [x["id"] for x in lines] == [7, 2, "empty", 4]
    assert lines[0]["as_of"] == "2026-01-30" and lines[0]["verdict"] == "REFUTED"
    assert lines[1]["as_of"] == "2026-01-30" and lines[1]["verdict"] == "SUPPORTED" and lines[1]["parts"][0]["cites"]
    assert lines[2] == {"id": "empty", "error": "line 3 has no claim"}
    assert set(lines[3]) == {"id", "error"} and "not JSON" in lines[3]["error"] and "Traceback" not in r.output
    r = run(data, "check", "--claims", str(tmp_path / "missing.jsonl"), "--json")
    assert r.exit_code == 1 and "cannot read" in r.output and "Traceback" not in r.output


def test_dates_as_people_write_them():
    import datetime as dt

    from factcheck.dates import read_date

    day = dt.date(2020, 10, 1)
    for written in ("2020-10-01", "1-10-2020", "01/10/2020", "1.10.2020", "1 October 2020", "Oct 1, 2020", "2020-10-01T08:00:00Z"):
        assert read_date(written) == day, written
    assert read_date("10/01/2020", month_first=True) == day
    for wrong in ("October 2020", "31/02/2020", "soon", ""):
        with pytest.raises(ValueError):
            read_date(wrong)


def test_an_empty_corpus_says_so_and_how_to_fill_it(tmp_path, local_llm, monkeypatch):
    """`factcheck ask` before any ingest (the CLI after `make test`, before `make run`) must not
    read as if the corpus had been searched and held nothing on the question."""
    from factcheck.settings import Settings

    monkeypatch.setattr(Settings, "build_llm", lambda self: local_llm)
    r = run(tmp_path / "empty", "ask", "When did Putin and Zelensky last meet?", "--json")
    assert r.exit_code == 0, r.output
    a = json.loads(r.stdout)
    assert a["abstained"] and "corpus is empty" in a["reason"] and "factcheck ingest" in a["reason"]
    assert a["refusals"] == [{"sentence": None, "check": "retrieval", "detail": a["reason"]}]
    r = run(tmp_path / "empty", "check", "Putin and Zelensky met in 2019.", "--json")
    assert r.exit_code == 0, r.output
    assert all("corpus is empty" in part["reason"] for part in json.loads(r.stdout)["parts"])


def test_models_check_runs_the_embedded_model_and_names_the_runtime(tmp_path):
    """What `make setup` runs after building the runtime for this CPU: the real model answers."""
    r = run(tmp_path / "d", "models", "check")
    assert r.exit_code == 0, r.output
    assert "local model answers" in r.stdout and "runtime built with" in r.stdout


def test_models_check_without_the_model_says_how_to_fix_it(tmp_path, monkeypatch):
    from factcheck import model_files

    monkeypatch.setattr(model_files, "default_dir", lambda: tmp_path / "nothing-here")
    r = run(tmp_path / "d", "models", "check")
    assert r.exit_code == 1 and "missing" in r.stderr and "make setup" in r.stderr and "Traceback" not in r.output


def test_version_exit_codes_in_help_and_where_the_corpus_is(data, monkeypatch):
    from factcheck import __version__

    r = runner.invoke(app, ["--version"])
    assert r.exit_code == 0 and r.stdout.strip() == f"factcheck {__version__}" and __version__[0].isdigit()
    r = runner.invoke(app, ["--help"])
    assert r.exit_code == 0 and "Exit codes" in r.stdout and "3 a batch" in r.stdout
    r = run(data, "stats")
    assert f"corpus {data.resolve()} (from --data-dir)" in r.stdout
    assert json.loads(run(data, "stats", "--json").stdout)["data_dir"] == str(data.resolve())
    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(data))
    r = runner.invoke(app, ["stats"])
    assert f"corpus {data.resolve()} (from FACTCHECK_DATA_DIR)" in r.stdout


def test_errors_under_json_are_json(tmp_path):
    """A failed command, a usage error and a bad option value: one JSON object on stdout each."""
    cases = [(["show", "nope", "--json"], 1, "NotFound"),
             (["ask", "--json"], 2, "BadParameter"),
             (["ask", "Who?", "--as-of", "31/02/2026", "--json"], 2, "BadParameter"),
             (["search", "x", "--mode", "fuzzy", "--json"], 2, "BadParameter"),
             (["list", "--limit", "many", "--json"], 2, "BadParameter"),
             (["show", "--json"], 2, "MissingParameter"),
             (["check", "--claims", str(tmp_path / "missing.jsonl"), "--json"], 1, "RefusedInput")]
    for args, code, kind in cases:
        r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), *args])
        assert r.exit_code == code, (args, r.output)
        err = json.loads(r.stdout)
        assert err["type"] == kind and err["exit_code"] == code and err["error"], (args, err)
        assert "Traceback" not in r.output and "Usage:" not in r.output
    r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "show", "nope"])  # without --json: text on stderr
    assert r.exit_code == 1 and r.stdout == "" and r.stderr.startswith("error: No article")


def test_a_dash_reads_standard_input(tmp_path):
    d = tmp_path / "d"
    r = runner.invoke(app, ["--data-dir", str(d), "ingest", "-", "--title", "Dam breaks", "--source", "Valley News",
                            "--date", "2 May 2024", "--json"],
                      input="A dam broke in the valley on Tuesday, flooding two villages downstream.\n")
    assert r.exit_code == 0, r.output
    assert [o["status"] for o in json.loads(r.stdout)["outcomes"]] == ["added"]
    lines = "\n".join([json.dumps({"id": "b1", "text": "The bridge over the river reopened on Friday after repairs.",
                                   "title": "Bridge reopens"}), "{broken"]) + "\n"
    r = runner.invoke(app, ["--data-dir", str(d), "ingest", "--jsonl", "-", "--json"], input=lines)
    assert [o["status"] for o in json.loads(r.stdout)["outcomes"]] == ["added", "failed"]
    shown = json.loads(run(d, "show", "b1", "--json").stdout)
    assert shown["title"] == "Bridge reopens"
    listed = json.loads(run(d, "list", "--json").stdout)
    assert {a["title"] for a in listed} == {"Dam breaks", "Bridge reopens"}
    queries = json.dumps({"id": "q1", "question": "Which bridge reopened?"}) + "\n"
    r = runner.invoke(app, ["--data-dir", str(d), "search", "--queries", "-", "-k", "1", "--json"], input=queries)
    hit = json.loads(r.stdout)
    assert hit["id"] == "q1" and "bridge" in hit["hits"][0]["text"]


def test_batch_progress_on_a_terminal_and_bad_lines_from_stdin(tmp_path, monkeypatch):
    """Batch lines read from stdin; on a terminal a progress bar goes to stderr, never stdout."""
    import datetime as dt

    import factcheck.cli as cli
    from factcheck.settings import Settings

    class Echo:
        def check(self, text, when, sources=None):
            from factcheck.claims import ClaimCheck, Label

            return ClaimCheck(claim=text, as_of=when, verdict=Label.SUPPORTED, parts=[], model="echo",
                              made_at=dt.datetime.now())

    monkeypatch.setattr(Settings, "build_checker", lambda self, *a, **k: Echo())
    monkeypatch.setattr(cli, "_interactive", lambda: True)
    lines = json.dumps({"id": "a", "claim": "One."}) + "\nnot json\n" + json.dumps({"id": "c", "claim": "Three."}) + "\n"
    r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "check", "--claims", "-", "--json"], input=lines)
    assert r.exit_code == 3
    out = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["id"] for x in out] == ["a", 2, "c"] and out[0]["verdict"] == "SUPPORTED" and set(out[1]) == {"id", "error"}
    assert "claims" in r.stderr and "1 line(s) failed" in r.stderr
    r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "check", "-", "--json"], input="The dam broke.\n")
    assert r.exit_code == 0 and json.loads(r.stdout)["claim"] == "The dam broke."  # a claim from stdin


def test_audit_shows_progress_on_a_terminal(data, monkeypatch):
    import factcheck.cli as cli

    monkeypatch.setattr(cli, "_interactive", lambda: True)
    r = run(data, "audit", "--check-only", "--json")
    assert r.exit_code == 0 and "checking passages" in r.stderr and json.loads(r.stdout)["missing"] == 0


def test_app_command_starts_streamlit_as_make_run_does(tmp_path, monkeypatch):
    import os

    from factcheck import launch

    started = {}
    monkeypatch.setattr(os, "execv", lambda path, cmd: started.update(cmd=cmd))
    monkeypatch.delenv("FACTCHECK_DATA_DIR", raising=False)
    r = runner.invoke(app, ["--data-dir", str(tmp_path / "d"), "app", "--port", "8765"])
    assert r.exit_code == 0, r.output
    cmd = started["cmd"]
    assert cmd[1:4] == ["-m", "streamlit", "run"] and cmd[4] == str(launch.app_path())
    assert cmd[cmd.index("--server.port") + 1] == "8765" and cmd[cmd.index("--server.address") + 1] == "127.0.0.1"
    assert os.environ["FACTCHECK_DATA_DIR"] == str((tmp_path / "d").resolve())
    monkeypatch.delenv("FACTCHECK_DATA_DIR")
