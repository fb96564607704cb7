"""Questions made unanswerable: each question of an eval set asked with its gold articles, and
every passage holding its expected answer, taken out of retrieval. Everything shown is then an
answer the sources given do not hold, or one right in other words from another article: the
printout lists each answer beside the expected one, to be read.
The abstention figure the eval sets cannot give: news_dev has no unanswerable question, seed_qa two.

    python bench/unanswerable.py ../shared/evaldata/news_dev --store /tmp/ev/news_dev [--limit N] [--out rows.jsonl]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
from pathlib import Path

from factcheck.evaluation import answer_gold, contains_answer, eval_corpus, gold_map, read_queries
from factcheck.settings import Settings


class WithoutAnswer:
    """A searcher that never returns the question's gold articles or a passage holding its answer."""

    def __init__(self, searcher, gold: set[str], answers: list[str]):
        self.searcher, self.corpus, self.gold, self.answers = searcher, searcher.corpus, gold, answers

    def search(self, question, k, **kw):
        # More than k, so that k are usually left once the answer's passages are taken out.
        hits = self.searcher.search(question, k + 6, **kw)
        return [h for h in hits if h.doc_id not in self.gold and not contains_answer(h.text, self.answers)][:k]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--store", type=Path, help="the store `factcheck eval qa --store` built")
    ap.add_argument("--limit", type=int)
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    settings = Settings()
    corpus = eval_corpus(settings, args.directory, args.store)
    searcher = settings.build_searcher(corpus)
    llm = settings.build_llm()
    to_doc = gold_map(args.directory)
    questions = [q for q in read_queries(args.directory) if q.get("question") and q.get("answers")][: args.limit]
    rows = []
    for q in questions:
        day = q.get("question_date")
        answerer = settings.build_answerer(WithoutAnswer(searcher, answer_gold(q, to_doc), q["answers"]), llm)
        a = answerer.ask(q["question"], dt.date.fromisoformat(day[:10]) if day else None)
        rows.append({"id": q.get("id"), "answers": q["answers"], "abstained": a.abstained, "reason": a.reason,
                     "answerable_p": a.answerable_p, "text": a.text,
                     "seconds": a.timings.get("total_s"), "answer": a.model_dump(mode="json")})
        print(f"{q.get('id')}: {'abstained' if a.abstained else 'SHOWN'} | expected {q['answers']} | {a.text[:110]}", flush=True)
    if args.out:
        args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    shown = sum(not r["abstained"] for r in rows)
    print(f"{args.directory.resolve().name}: {len(rows)} questions without their answer; abstained on "
          f"{len(rows) - shown} ({(len(rows) - shown) / len(rows):.3f}), shown {shown}; "
          f"median {statistics.median(r['seconds'] for r in rows):.1f} s a question; model {llm.label}")


if __name__ == "__main__":
    main()
