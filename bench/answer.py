"""Answer latency with the configured model (the embedded one by default): time to first token
and total, median over the seed_qa questions on the bundled corpus, and where the time goes.

    .venv/bin/python bench/answer.py [--quick]

Merges first_token_s and answer_s into bench/results.json.
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from factcheck.settings import Settings  # noqa: E402
from retrieval.loaders import load_path  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "evaldata" / "seed_qa" / "queries.jsonl"


def main() -> None:
    quick = "--quick" in sys.argv[1:]  # three questions instead of all
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        corpus = settings.build_corpus()
        for f in sorted((ROOT / "corpus").glob("*.md")):
            corpus.add(load_path(f))
        answerer = settings.build_answerer(settings.build_searcher(corpus))
        questions = [json.loads(x)["question"] for x in QUESTIONS.read_text().splitlines() if x.strip()]
        questions = questions[:3] if quick else questions
        answerer.ask(questions[0], dt.date(2026, 2, 1))  # warm: load weights, cache the system prompt
        rows = [answerer.ask(q, dt.date(2026, 2, 1)).timings for q in questions]
    med = lambda k: round(statistics.median(r.get(k, 0.0) for r in rows), 2)  # noqa: E731
    first, total = med("first_token_s"), med("total_s")
    retrieval = round(med("retrieval_s") + med("evidence_s"), 2)
    print(f"{len(rows)} questions, model {answerer.llm.label}")
    print(f"first token  median {first:.2f} s   (retrieval + evidence {retrieval:.2f} s, prompt reading ~{first - retrieval:.2f} s)")
    print(f"whole answer median {total:.2f} s   (model call, prompt reading included, {med('generation_s'):.2f} s; P(yes) and checks {med('check_s'):.2f} s)")
    # A quick run (three questions) keeps its figures apart from the full run's.
    out = ROOT / "bench" / ("out/results-quick.json" if quick else "results.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    merged = json.loads(out.read_text()) if out.exists() else {}
    merged.update({"first_token_s": first, "answer_s": total, "answer_retrieval_s": retrieval,
                   "answer_generation_s": med("generation_s"), "answer_check_s": med("check_s")})
    out.write_text(json.dumps(merged, indent=2) + "\n")


if __name__ == "__main__":
    main()
