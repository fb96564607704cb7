"""Add the model's stated reading (AnswerParams.min_stated: P(yes) that the passages state the
answer as it would be shown) to the stored rows of a `factcheck eval qa --out` or
bench/unanswerable.py run, for every answer today's checks show, so that bench/cv_checks.py can
choose min_stated on stored drafts instead of new runs. One model call an answer shown (about 4 s
without the prompt cache the live path has).

    python bench/read_stated.py /tmp/news_train_odd /tmp/ev/odd_run1.jsonl --store /tmp/ev/news_train_odd --out odd_stated.jsonl
    python bench/read_stated.py /tmp/news_train_odd odd_unans.jsonl --store /tmp/ev/news_train_odd --unanswerable --out odd_unans_stated.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path

from rejudge_answers import articles, draft_of, replay, stored_rows
from factcheck import timeframe
from factcheck.answer import AnswerParams, Answerer, Citation, judge, stated
from factcheck.evaluation import answer_gold, gold_map, read_queries
from factcheck.evidence import as_data
from factcheck.settings import Settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path, help="the evaluation set")
    ap.add_argument("stored", type=Path, help="the run's JSONL")
    ap.add_argument("--store", type=Path, help="the store the run used")
    ap.add_argument("--unanswerable", action="store_true", help="a bench/unanswerable.py run (no gold)")
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    settings = Settings()
    params = AnswerParams()
    reader = Answerer(None, settings.build_llm(), params)
    article_of = articles(args.store)
    to_doc = gold_map(args.directory)
    queries = {q["id"]: q for q in read_queries(args.directory)}
    rows, read = stored_rows(args.stored), 0
    for r in rows:
        if not args.unanswerable and not r.get("answerable", True):
            continue
        q = queries[r["id"]]
        gold = set() if args.unanswerable else answer_gold(q, to_doc)
        now = replay({**r, "draft_right": False} if args.unanswerable else r, q, gold, params, article_of)
        if not now["shown"]:
            continue
        a = r["answer"]
        as_of = dt.date.fromisoformat(a["as_of"])
        passages = [Citation(**p) for p in a["passages"]]
        since = timeframe.since(q["question"], as_of) if params.time_frame else None
        sentences = judge(draft_of(a["sentences"]), passages, params.checks, q["question"], since)
        a["stated_p"] = round(reader.llm.yes_probability(reader.messages(
            "answer_stated_user", q["question"], passages, as_of, answer=as_data(stated(sentences)))), 4)
        read += 1
        print(f"{r['id']}: {a['stated_p']:.3f} {'right' if now['right'] else 'shown'} | {stated(sentences)[:90]}", flush=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{read} answers shown read; {args.out}")


if __name__ == "__main__":
    main()
