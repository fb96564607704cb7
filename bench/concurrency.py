"""Concurrent users against a remote model endpoint: N asks at once against one ask alone.

    .venv/bin/python bench/concurrency.py [--asks 8] [--latency 2.0] [--json]
    .venv/bin/python bench/concurrency.py --local-slots 8      # the real local model, served with 8 slots

By default the endpoint is an OpenAI-compatible server started here whose every call takes
`--latency` seconds whatever else it serves, as a GPU server (vLLM) or OpenAI does for a handful of
users: what is measured is this project's side (search, evidence, checks and the client), asking
in parallel. Each question runs the whole answer path on the bundled corpus: retrieval, evidence,
a streamed draft, the yes/no answerability call, the checks. With `--local-slots N` the endpoint
is the embedded model's own server (xllamacpp) with N parallel slots, started separately: on a
2-core CPU the slots share the cores, so expect far less than N times the throughput.

The same asks go through a client that takes turns (how the embedded model is served, one slot)
for comparison. Prints the figures; with --save merges them into bench/results.json.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import statistics
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.llm import ChatModel  # noqa: E402
from factcheck.settings import Settings  # noqa: E402
from retrieval.loaders import load_path  # noqa: E402

QUESTION = "When did Putin and Zelensky last meet?"
AS_OF = dt.date(2026, 2, 1)
DRAFT = ["Putin and ", "Zelensky ", "have not ", "met since ", "2019 [1]."]


class SlowEndpoint(BaseHTTPRequestHandler):
    """/v1/chat/completions: a streamed draft, or one token with its probabilities, each call
    taking `server.latency` seconds (a stream: half before its first token). Counts the calls in
    flight at once."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def _send(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):  # noqa: N802
        request = json.loads(self.rfile.read(int(self.headers.get("content-length", 0))) or b"{}")
        s = self.server
        with s.count_lock:
            s.in_flight += 1
            s.most_in_flight = max(s.most_in_flight, s.in_flight)
        try:
            if request.get("stream"):
                time.sleep(s.latency / 2)
                events = []
                for word in DRAFT:
                    events.append({"id": "c", "object": "chat.completion.chunk", "created": 0, "model": "m",
                                   "choices": [{"index": 0, "delta": {"content": word}, "finish_reason": None}]})
                time.sleep(s.latency / 2)
                body = b"".join(b"data: " + json.dumps(e).encode() + b"\n\n" for e in events) + b"data: [DONE]\n\n"
                return self._send(body, "text/event-stream")
            time.sleep(s.latency)
            top = [{"token": "Yes", "logprob": math.log(0.9), "bytes": None},
                   {"token": "No", "logprob": math.log(0.1), "bytes": None}]
            choice = {"index": 0, "message": {"role": "assistant", "content": "Yes"}, "finish_reason": "stop",
                      "logprobs": {"content": [{**top[0], "top_logprobs": top}]}}
            self._send(json.dumps({"id": "c", "object": "chat.completion", "created": 0, "model": "m", "choices": [choice],
                                   "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}).encode(),
                       "application/json")
        finally:
            with s.count_lock:
                s.in_flight -= 1


def slow_endpoint(latency: float) -> ThreadingHTTPServer:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), SlowEndpoint)
    httpd.daemon_threads = True
    httpd.latency, httpd.count_lock, httpd.in_flight, httpd.most_in_flight = latency, threading.Lock(), 0, 0
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    return httpd


def timed_asks(answerer, n: int) -> tuple[float, list]:
    """n asks at once, from n threads; (seconds until the last answer, the answers)."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(n) as pool:
        answers = list(pool.map(lambda _: answerer.ask(QUESTION, AS_OF), range(n)))
    return time.perf_counter() - t0, answers


def measure(asks: int = 8, latency: float = 2.0, local_slots: int = 0, queued_too: bool = True) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp), llm_base_url=None, openai_api_key=None)
        corpus = settings.build_corpus()
        for f in sorted((ROOT / "corpus").glob("*.md")):
            corpus.add(load_path(f))
        searcher = settings.build_searcher(corpus)
        server = httpd = None
        if local_slots:
            from factcheck import model_files
            from factcheck.llm import LocalServer

            server = LocalServer(model_files.model_path(), parallel=local_slots, n_ctx=2048)
            base_url, key, what = server.base_url, server.api_key, f"the local model served with {local_slots} slots"
        else:
            httpd = slow_endpoint(latency)
            base_url, key, what = f"http://127.0.0.1:{httpd.server_address[1]}/v1", "none", f"an endpoint taking {latency} s a call"
        remote = ChatModel(base_url, key, "m", label="remote")  # a remote endpoint: calls in parallel
        answerer = settings.build_answerer(searcher, remote)
        answerer.ask(QUESTION, AS_OF)  # warm: embedder, caches, connections
        singles = [timed_asks(answerer, 1)[0] for _ in range(2)]
        one = statistics.median(singles)
        total, answers = timed_asks(answerer, asks)
        result = {"endpoint": what, "asks": asks, "one_ask_s": round(one, 2), "concurrent_total_s": round(total, 2),
                  "ratio": round(total / one, 2), "answered_with_citation": sum(1 for a in answers if a.citations),
                  "most_calls_in_flight": httpd.most_in_flight if httpd else None}
        if queued_too:  # the same endpoint through one queue, as the embedded model is served
            queued = settings.build_answerer(searcher, ChatModel(base_url, key, "m", label="queued", queued=True))
            total_q, _ = timed_asks(queued, asks)
            result |= {"queued_total_s": round(total_q, 2), "queued_ratio": round(total_q / one, 2)}
        if httpd:
            httpd.shutdown()
        corpus.close()
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--asks", type=int, default=8)
    ap.add_argument("--latency", type=float, default=2.0, help="seconds each call to the stand-in endpoint takes")
    ap.add_argument("--local-slots", type=int, default=0, help="use the local model served with this many slots")
    ap.add_argument("--no-queued", action="store_true", help="skip the comparison through one queue")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--save", action="store_true", help="merge into bench/results.json")
    args = ap.parse_args()
    r = measure(args.asks, args.latency, args.local_slots, not args.no_queued)
    if args.save:
        path = ROOT / "bench" / "results.json"
        data = json.loads(path.read_text()) if path.exists() else {}
        data.setdefault("concurrency", {})["local" if args.local_slots else "remote"] = r
        path.write_text(json.dumps(data, indent=2) + "\n")
    if args.json:
        print(json.dumps(r))
        return
    print(f"{r['asks']} concurrent asks against {r['endpoint']}: {r['concurrent_total_s']} s; one ask alone "
          f"{r['one_ask_s']} s; ratio {r['ratio']} ({r['answered_with_citation']} of {r['asks']} answered with a citation)")
    if "queued_total_s" in r:
        print(f"the same through one queue (as the embedded model is served): {r['queued_total_s']} s, ratio {r['queued_ratio']}")


if __name__ == "__main__":
    main()
