"""Concurrent users: a remote endpoint serves several asks at once; the embedded model takes
them in turn and tells each waiting caller its place (shown in the app); the editor lockout
counts per client."""

import importlib.util
import threading
import time

import pytest
from pydantic import SecretStr

from factcheck.editor import ITERATIONS, EditorGate, client_key, hash_password
from factcheck.llm import ChatModel, ModelQueue, waiting_turn
from tests.conftest import ROOT


def bench():
    spec = importlib.util.spec_from_file_location("bench_concurrency", ROOT / "bench" / "concurrency.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_eight_concurrent_asks_against_a_remote_endpoint_take_little_more_than_one():
    """bench/concurrency.py: 8 asks at once against an OpenAI-compatible server started here
    (each call takes 1 s), the whole answer path each; then the same through one queue."""
    r = bench().measure(asks=8, latency=1.0)
    # All 8 at once: at least 8 calls in flight together (an ask's P(yes) call may start while
    # another ask still streams its draft, so 9 or more is fine too).
    assert r["answered_with_citation"] == 8 and r["most_calls_in_flight"] >= 8, r
    assert r["ratio"] < 3, r  # well under 8 x one ask
    assert r["queued_ratio"] > 5, r  # one at a time, as the embedded model serves them


def test_the_queue_serves_in_order_and_tells_each_caller_its_place():
    q = ModelQueue()
    order, heard = [], {}
    release = threading.Event()

    def first():
        with q.turn():
            order.append("first")
            release.wait(10)

    def later(name):
        def listen(ahead):
            heard.setdefault(name, []).append(ahead)
        with waiting_turn(listen):  # as the app does around a model call
            from factcheck.llm import _on_wait

            with q.turn(_on_wait.get()):
                order.append(name)

    threads = [threading.Thread(target=first)]
    threads[0].start()
    while len(q) < 1:
        time.sleep(0.01)
    for name in ("second", "third"):
        threads.append(threading.Thread(target=later, args=(name,)))
        threads[-1].start()
        while len(q) < len(threads):
            time.sleep(0.01)
    time.sleep(0.2)
    assert len(q) == 3 and heard == {"second": [1], "third": [2]}
    release.set()
    for t in threads:
        t.join(10)
    assert order == ["first", "second", "third"] and len(q) == 0
    assert heard["second"] == [1, 0]
    third = heard["third"]  # 2, then 1 unless "second" was served before it woke up, then its turn
    assert third[0] == 2 and third[-1] == 0 and third == sorted(third, reverse=True)


def test_a_caller_who_gives_up_leaves_the_line():
    q = ModelQueue()
    release = threading.Event()
    def hold():
        with q.turn():
            release.wait(10)
    holder = threading.Thread(target=hold)
    holder.start()
    while len(q) < 1:
        time.sleep(0.01)

    def closed_tab(ahead):
        raise RuntimeError("the browser went away")
    with pytest.raises(RuntimeError):
        with q.turn(closed_tab):
            pass
    assert len(q) == 1
    release.set()
    holder.join(10)
    with q.turn():  # nobody stuck in front
        assert len(q) == 1


def test_only_the_embedded_model_queues():
    remote = ChatModel("http://127.0.0.1:9/v1", "k", "m", label="remote")
    assert remote.queue is None and remote.queue_length() == 0

    class OneSlot:
        parallel = 1
    assert ChatModel("http://127.0.0.1:9/v1", "k", "m", label="local", local=OneSlot()).queue is not None


def test_editor_lockout_is_per_client():
    now = [1000.0]
    gate = EditorGate(SecretStr("correct horse"), max_failures=3, lockout_s=10, clock=lambda: now[0])
    for _ in range(3):
        assert not gate.sign_in("guess", client="ip:203.0.113.9")[0]
    ok, msg = gate.sign_in("correct horse", client="ip:203.0.113.9")
    assert not ok and "Too many failed sign-ins" in msg and gate.locked_for("ip:203.0.113.9") > 0
    # Someone else signs in meanwhile: the guesser's lockout is the guesser's only.
    assert gate.sign_in("correct horse", client="ip:198.51.100.7")[0] and gate.locked_for("ip:198.51.100.7") == 0
    now[0] += 11
    assert gate.sign_in("correct horse", client="ip:203.0.113.9")[0] and gate.failures("ip:203.0.113.9") == 0


def test_guesses_from_many_clients_at_once_lock_everyone_for_a_while():
    now = [1000.0]
    gate = EditorGate(SecretStr("pw"), max_failures=5, lockout_s=30, max_total_failures=20, clock=lambda: now[0])
    for i in range(20):  # a new browser for every guess
        gate.sign_in("guess", client=f"loopback:{i}")
    ok, msg = gate.sign_in("pw", client="ip:198.51.100.7")
    assert not ok and "Try again" in msg
    now[0] += 31
    assert gate.sign_in("pw", client="ip:198.51.100.7")[0]


def test_client_key_is_the_address_or_on_loopback_the_browser():
    assert client_key("203.0.113.9", {"_streamlit_xsrf": "a"}) == client_key("203.0.113.9", {}) == "ip:203.0.113.9"
    a, b = client_key(None, {"_streamlit_xsrf": "2|aa|bb|1"}), client_key(None, {"_streamlit_xsrf": "2|aa|cc|1"})
    assert a.startswith("loopback:") and a != b and "aa" not in a and client_key(None, None) == client_key(None, {})
    # Streamlit masks the browser's token afresh in every response: the same browser, the same key.
    from streamlit.web.server.starlette.starlette_app_utils import decode_xsrf_token_string, generate_xsrf_token_string

    first = generate_xsrf_token_string(None, None)
    again = generate_xsrf_token_string(*decode_xsrf_token_string(first))
    other = generate_xsrf_token_string(None, None)
    assert first != again and client_key(None, {"_streamlit_xsrf": first}) == client_key(None, {"_streamlit_xsrf": again})
    assert client_key(None, {"_streamlit_xsrf": first}) != client_key(None, {"_streamlit_xsrf": other})


def test_pbkdf2_uses_at_least_600000_iterations():
    assert ITERATIONS >= 600_000
    assert hash_password("x").split("$")[1] == str(ITERATIONS)


def test_the_app_shows_the_waiting_user_their_place_in_the_queue(monkeypatch, tmp_path, embedder):
    """AppTest: the embedded model (one slot) is busy with another request when a question
    arrives; the page is told its place (1 ahead, then its turn) and then answers."""
    from streamlit.testing.v1 import AppTest

    from factcheck import ui_text
    from factcheck.settings import Settings
    from retrieval.loaders import load_path
    from retrieval.store import Corpus

    corpus = Corpus(tmp_path / "data", embedder)
    corpus.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    corpus.close()
    for var in ("FACTCHECK_EDITOR_PASSWORD", "OPENAI_API_KEY", "FACTCHECK_LLM_BASE_URL", "FACTCHECK_LLM_MODEL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FACTCHECK_LLM_CONTEXT", "3001")  # the app's model cache: a key of this test's own
    endpoint = bench().slow_endpoint(0.2)
    llm = ChatModel(f"http://127.0.0.1:{endpoint.server_address[1]}/v1", "k", "m", label="one slot", queued=True)
    monkeypatch.setattr(Settings, "build_llm", lambda self: llm)
    shown = []
    note = ui_text.queue_note
    monkeypatch.setattr(ui_text, "queue_note", lambda ahead: shown.append(ahead) or note(ahead))

    busy = threading.Event()

    def someone_else():
        with llm.queue.turn():
            busy.set()
            time.sleep(3)
    other = threading.Thread(target=someone_else)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300)
    at.query_params["as_of"] = "2026-02-01"
    at.run()
    other.start()
    busy.wait(10)
    at.chat_input[0].set_value("When did Putin and Zelensky last meet?").run()
    other.join(10)
    endpoint.shutdown()
    assert not at.exception, at.exception
    assert shown[:2] == [1, 0], shown
    assert "one other request: yours is next" in note(1)
    reply = at.chat_message[-1]
    assert any("2019" in m.value for m in reply.markdown)
