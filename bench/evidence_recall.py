"""How often the evidence given to the model holds the expected answer, without the model: search
and evidence selection as the answerer does them, for several evidence settings at once, per fold
(a set cut by bench/cut_set.py). The reader can only be right when the answer is in what it
reads; the characters given are what the first token waits for.

    python bench/evidence_recall.py /tmp/news_train_odd --store /tmp/ev/news_train_odd \
        --try '{}' '{"budget_chars": 1200}' '{"budget_chars": 1200, "max_passages": 4}'
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
from pathlib import Path

import numpy as np

from factcheck.answer import AnswerParams, asked_kind_test
from factcheck.evaluation import contains_answer, eval_corpus, read_queries
from factcheck.evidence import select_evidence
from factcheck.settings import Settings


class Memo:
    """The embedder, each text embedded once for all the settings tried."""

    def __init__(self, embedder):
        self.embedder, self.seen = embedder, {}

    def embed(self, texts):
        new = [t for t in dict.fromkeys(texts) if t not in self.seen]
        if new:
            self.seen.update(zip(new, self.embedder.embed(new)))
        return np.array([self.seen[t] for t in texts])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("directory", type=Path)
    ap.add_argument("--store", type=Path, required=True, help="the store built by `factcheck eval qa|retrieval DIR --store`")
    ap.add_argument("--try", dest="tries", nargs="+", default=["{}"], help="AnswerParams fields to try, as JSON")
    args = ap.parse_args()
    settings = Settings()
    corpus = eval_corpus(settings, args.directory, args.store)
    searcher = settings.build_searcher(corpus)
    tries = [AnswerParams(**json.loads(t)) for t in args.tries]
    embedder = Memo(corpus.embedder)
    questions = [q for q in read_queries(args.directory) if q.get("question") and q.get("answers")]
    held = {i: [] for i in range(len(tries))}
    chars = {i: [] for i in range(len(tries))}
    folds: dict = {}
    for q in questions:
        as_of = dt.date.fromisoformat(q["question_date"][:10]) if q.get("question_date") else None
        vec = corpus.embedder.embed([q["question"]])[0]
        hits_cache = {}
        for i, p in enumerate(tries):
            if p.hits not in hits_cache:
                hits_cache[p.hits] = searcher.search(q["question"], p.hits, as_of=as_of, per_article=2, query_vec=vec)
            passages = select_evidence(vec, hits_cache[p.hits], embedder, p, asked_kind_test(q["question"]))
            text = " ".join(" ".join(filter(None, (c.title, c.quote))) for c in passages)
            held[i].append(contains_answer(text, q["answers"]))
            chars[i].append(sum(len(c.quote) for c in passages))
            folds.setdefault((i, q.get("fold", 0)), []).append(held[i][-1])
    for i, t in enumerate(args.tries):
        per_fold = ", ".join(f"{f}: {sum(v) / len(v):.3f}" for (j, f), v in sorted(folds.items()) if j == i)
        print(f"{t}: answer in the evidence {sum(held[i])}/{len(questions)} ({sum(held[i]) / len(questions):.3f}), "
              f"median {statistics.median(chars[i]):.0f} characters given; per fold {per_fold}")


if __name__ == "__main__":
    main()
