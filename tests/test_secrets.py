"""The API key never appears in logs, error messages, reports or the page: not when the endpoint
is down, refuses the key, echoes the key back in its error body, sends garbage or hangs, and not
when it works. Also credentials written into the endpoint's URL (user:password@, ?key=).

The endpoint is a small local server that plays each of those parts; OPENAI_LOG=debug and
DEBUG logging are on, so that whatever the openai and httpx clients log is checked too.
"""

import json
import logging
import os
import re
import secrets
import subprocess
import sys
import time
import traceback

import pytest
from typer.testing import CliRunner

from factcheck.cli import app
from factcheck.settings import Settings
from retrieval.errors import ModelError
from tests.conftest import QuietHandler, free_port, http_server

KEY = "sk-test-" + secrets.token_hex(16)
URL_SECRET = "sk-url-" + secrets.token_hex(8)
QUESTION = "When did Putin and Zelensky last meet?"
AS_OF = "2026-02-01"


class FakeEndpoint(QuietHandler):
    """An OpenAI-compatible endpoint in one of several moods; it records the keys it was sent."""

    protocol_version = "HTTP/1.1"

    def do_POST(self):  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        auth = self.headers.get("authorization", "")
        self.server.seen.append(auth)
        mode = self.server.mode
        if mode == "slow":
            time.sleep(5)
            return self.send(200, b"{}")
        if mode == "refuses":  # and, like some proxies, repeats what it was sent
            return self.send(401, json.dumps({"error": {"message": f"Incorrect API key provided: {auth}",
                                                         "type": "invalid_request_error", "code": "invalid_api_key"}}).encode())
        if mode == "fails":
            return self.send(500, json.dumps({"error": {"message": f"upstream failed for {auth} {self.headers}"}}).encode())
        if mode == "garbage":
            return self.send(200, f"<html>proxy page for {auth}</html>".encode(), "text/html")
        if request.get("stream"):
            words = ["Putin and Zelensky ", "have not met ", "since 2019 [1]."]
            events = [{"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                       "choices": [{"index": 0, "delta": {"content": w}, "finish_reason": None}]} for w in words]
            body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
            return self.send(200, body, "text/event-stream")
        content = "Putin and Zelensky have not met since 2019."
        choice = {"index": 0, "message": {"role": "assistant", "content": "yes" if request.get("logprobs") else content},
                  "finish_reason": "stop"}
        if request.get("logprobs"):
            choice["logprobs"] = {"content": [{"token": "yes", "logprob": -0.05, "bytes": None, "top_logprobs": [
                {"token": "yes", "logprob": -0.05, "bytes": None}, {"token": "no", "logprob": -3.0, "bytes": None}]}]}
        self.send(200, json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": "m",
                                    "choices": [choice], "usage": {"prompt_tokens": 1, "completion_tokens": 1,
                                                                   "total_tokens": 2}}).encode())

@pytest.fixture(scope="module")
def endpoint():
    with http_server(FakeEndpoint, mode="ok", seen=[]) as httpd:
        yield httpd


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory, embedder):
    from retrieval.loaders import load_path
    from retrieval.store import Corpus
    from tests.conftest import ROOT

    d = tmp_path_factory.mktemp("secrets") / "data"
    c = Corpus(d, embedder)
    c.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    c.close()
    return d


@pytest.fixture
def env(monkeypatch, data_dir, endpoint):
    """Settings from the environment, as a deployment has them; the mode is set per test."""
    for var in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        monkeypatch.delenv(var, raising=False)
    values = {"OPENAI_API_KEY": KEY, "FACTCHECK_LLM_BASE_URL": f"http://127.0.0.1:{endpoint.server_port}/v1",
              "FACTCHECK_LLM_MODEL": "remote-model", "FACTCHECK_LLM_TIMEOUT": "2", "FACTCHECK_DATA_DIR": str(data_dir),
              "OPENAI_LOG": "debug"}
    for k, v in values.items():
        monkeypatch.setenv(k, v)
    endpoint.seen.clear()
    return values


def secret_free(*texts) -> None:
    for t in texts:
        assert KEY not in str(t) and URL_SECRET not in str(t), str(t)[:3000]


def everything_logged(caplog) -> str:
    return "\n".join(f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records)


MODES = ["down", "refuses", "fails", "garbage", "slow"]
EXPECTED = {"down": "Cannot reach the model", "refuses": "refused the API key", "fails": "returned HTTP 500",
            "garbage": "could not be read|does not return token probabilities|without text", "slow": "did not answer in time"}


@pytest.mark.parametrize("mode", MODES)
def test_errors_from_the_endpoint_never_show_the_key(mode, env, endpoint, monkeypatch, caplog):
    """The Python API and the command line (in-process), with every logger at DEBUG."""
    caplog.set_level(logging.DEBUG)
    endpoint.mode = mode
    if mode == "down":
        monkeypatch.setenv("FACTCHECK_LLM_BASE_URL", f"http://127.0.0.1:{free_port()}/v1")
    settings = Settings()
    secret_free(repr(settings), settings.model_dump(), settings.model_dump_json(), str(settings))

    with pytest.raises(ModelError, match=EXPECTED[mode]) as raised:
        settings.build_answerer().ask(QUESTION)
    e = raised.value
    # What a log handler or a crash report prints: the message and the chain it shows (the
    # client's own exception, which may quote the server's reply, is suppressed: `from None`).
    secret_free(str(e), repr(e), "".join(traceback.format_exception(e)), e.__cause__)

    r = CliRunner().invoke(app, ["ask", QUESTION, "--as-of", AS_OF])
    assert r.exit_code == 1 and re.search(EXPECTED[mode], r.stderr), r.stderr
    secret_free(r.stdout, r.stderr, r.exception and "".join(traceback.format_exception(r.exception)))
    secret_free(everything_logged(caplog))
    if mode != "down":
        assert f"Bearer {KEY}" in endpoint.seen  # the key really was sent, and really was echoed back


def test_the_command_line_in_its_own_process_with_openai_debug_logging(env, endpoint):
    endpoint.mode = "refuses"
    r = subprocess.run([sys.executable, "-m", "factcheck.cli", "ask", QUESTION, "--as-of", AS_OF],
                       env={**os.environ, **env}, capture_output=True, text=True, timeout=600)
    assert r.returncode == 1 and "refused the API key" in r.stderr
    assert "openai._base_client" in r.stderr or "HTTP Request" in r.stderr  # debug logging was on
    secret_free(r.stdout, r.stderr)
    assert f"Bearer {KEY}" in endpoint.seen


def test_answers_and_reports_from_a_working_endpoint_never_show_the_key(env, endpoint, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    endpoint.mode = "ok"
    r = CliRunner().invoke(app, ["ask", QUESTION, "--as-of", AS_OF, "--json"])
    assert r.exit_code == 0, r.output
    answer = json.loads(r.stdout)
    assert answer["model"].startswith("remote-model") and "2019" in answer["text"]
    secret_free(r.stdout, r.stderr)

    report = tmp_path / "report.md"
    r = CliRunner().invoke(app, ["check", "Putin and Zelensky have not met since 2019.", "--report", str(report)])
    assert r.exit_code == 0, r.output
    assert "Fact-check report" in report.read_text()
    secret_free(r.stdout, r.stderr, report.read_text())
    r = CliRunner().invoke(app, ["check", "Putin and Zelensky have not met since 2019.", "--json"])
    secret_free(r.stdout, r.stderr, everything_logged(caplog))
    assert f"Bearer {KEY}" in endpoint.seen


def test_credentials_in_the_endpoint_url_are_not_shown_either(env, endpoint, monkeypatch, tmp_path):
    """A key pasted into the URL (user:password@host, ?api_key=) is still a key."""
    base = f"http://newsroom:{URL_SECRET}@127.0.0.1:{endpoint.server_port}/v1?api_key={URL_SECRET}"
    monkeypatch.setenv("FACTCHECK_LLM_BASE_URL", base)
    endpoint.mode = "ok"
    r = CliRunner().invoke(app, ["ask", QUESTION, "--as-of", AS_OF, "--json"])
    assert r.exit_code == 0, r.output
    assert "127.0.0.1" in json.loads(r.stdout)["model"]
    report = tmp_path / "report.md"
    r2 = CliRunner().invoke(app, ["check", "Putin and Zelensky have not met since 2019.", "--report", str(report)])
    secret_free(r.stdout, r.stderr, r2.stdout, r2.stderr, report.read_text())
    endpoint.mode = "refuses"
    r = CliRunner().invoke(app, ["ask", QUESTION, "--as-of", AS_OF])
    assert r.exit_code == 1 and "127.0.0.1" in r.stderr
    secret_free(r.stdout, r.stderr)


def page_text(at) -> str:
    parts = [getattr(e, "value", "") for e in (*at.markdown, *at.text, *at.caption, *at.success, *at.info,
                                                *at.error, *at.warning, *at.exception, *at.code, *at.json)]
    parts += [str(x) for x in at.exception]
    return "\n".join(str(p) for p in parts)


@pytest.mark.parametrize("mode", ["refuses", "ok"])
def test_the_page_never_shows_the_key(mode, env, endpoint):
    from streamlit.testing.v1 import AppTest

    from tests.conftest import ROOT

    endpoint.mode = mode
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["as_of"] = AS_OF
    at.run()
    at.chat_input[0].set_value(QUESTION).run()
    shown = page_text(at)
    assert ("refused the API key" in shown.replace("\\", "")) if mode == "refuses" else ("2019" in shown)
    secret_free(shown)
    assert f"Bearer {KEY}" in endpoint.seen
