"""Cut a smaller evaluation set from a dated question set: the questions of some ISO weeks with
their own articles (each question's `retrieved_doc_ids`), written as DIR/corpus.jsonl +
DIR/queries.jsonl outside the project. Ingesting all of news_train takes ~35 minutes on 2
cores; its odd weeks (155 questions, 1,296 articles) take ~12, and keep every month of the year.
Each question gets a `fold` (its week number modulo --folds), for cross-validation by week.

    python bench/cut_set.py ../shared/evaldata/news_train /tmp/news_train_odd --weeks odd
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path


def week(q: dict) -> int:
    return dt.date.fromisoformat(q["question_date"][:10]).isocalendar()[1]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("source", type=Path, help="a set with corpus.jsonl and queries.jsonl (retrieved_doc_ids per question)")
    ap.add_argument("out", type=Path, help="where to write the cut (never inside the project)")
    ap.add_argument("--weeks", choices=("odd", "even", "all"), default="odd")
    ap.add_argument("--folds", type=int, default=5, help="folds by week for cross-validation")
    args = ap.parse_args()
    keep = {"odd": lambda w: w % 2 == 1, "even": lambda w: w % 2 == 0, "all": lambda w: True}[args.weeks]
    queries = []
    for line in (args.source / "queries.jsonl").read_text(encoding="utf-8").splitlines():
        q = json.loads(line)
        if keep(week(q)):
            queries.append({**q, "week": week(q), "fold": week(q) % args.folds})
    wanted = {d for q in queries for d in q.get("retrieved_doc_ids") or []} | {d for q in queries for d in q.get("gold_doc_ids") or []}
    args.out.mkdir(parents=True, exist_ok=True)
    n = 0
    with (args.source / "corpus.jsonl").open(encoding="utf-8") as src, (args.out / "corpus.jsonl").open("w", encoding="utf-8") as dst:
        for line in src:
            if json.loads(line)["id"] in wanted:
                dst.write(line)
                n += 1
    (args.out / "queries.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in queries), encoding="utf-8")
    print(f"{len(queries)} questions of {len({q['week'] for q in queries})} weeks, {n} articles -> {args.out}")


if __name__ == "__main__":
    main()
