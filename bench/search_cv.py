"""Choose the search weights cross-validated by week: for each fold of the dated set(s), the
setting with the best mean nDCG@10 on the other folds (and on every query of the --also sets,
each set counting as much as the news) is scored on the held-out fold.

    .venv/bin/python bench/search_cv.py DIR:STORE:QUERIES ... [--also DIR:STORE:QUERIES ...]
        [--grid '{"dense_weight": [0.35, 0.45, 0.55], "lexical_half": [20, 30, 45]}']

The dated sets' queries carry a `fold` (bench/cut_set.py: ISO week modulo the folds). Prints the
setting chosen per fold, the held-out nDCG@10 of the chosen settings against the defaults', and
each setting's nDCG on all queries. Candidates are fetched once per query (bench/tune_search.py).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.tune_search import load  # noqa: E402
from factcheck.evaluation import K, score  # noqa: E402
from retrieval.search import SearchParams  # noqa: E402


def per_query(s, qs, texts, to_doc, params: SearchParams) -> list[float]:
    s.params = params
    out = []
    for i, (q, text) in enumerate(zip(qs, texts)):
        s._current = i
        day = q.get("question_date")
        hits = s.search(text, K, as_of=dt.date.fromisoformat(day[:10]) if day else None, per_article=1, query_vec=s._vec[i])
        out.append(score([h.doc_id for h in hits], {to_doc.get(g, g) for g in q["gold_doc_ids"]})[4])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("dated", nargs="+")
    ap.add_argument("--also", nargs="*", default=[])
    ap.add_argument("--grid", default='{"dense_weight": [0.35, 0.45, 0.55], "lexical_half": [20, 30, 45]}')
    args = ap.parse_args()
    grid = json.loads(args.grid)
    settings = [dict(zip(grid, v)) for v in itertools.product(*grid.values())]
    default = {k: getattr(SearchParams(), k) for k in grid}
    if default not in settings:
        settings.append(default)
    dated = [load(spec) for spec in args.dated]
    also = [load(spec) for spec in args.also]
    # nDCG per query, per setting: the fused lists are recomputed, the candidates memoised.
    scores = {}
    for st in settings:
        p = SearchParams(**st)
        key = json.dumps(st, sort_keys=True)
        scores[key] = {"dated": [(q.get("fold"), v) for name, s, qs, t, g in dated for q, v in zip(qs, per_query(s, qs, t, g, p))],
                       "also": [statistics.fmean(per_query(s, qs, t, g, p)) for name, s, qs, t, g in also]}
        print(st, "dated", round(statistics.fmean(v for _, v in scores[key]["dated"]), 4),
              "also", [round(x, 4) for x in scores[key]["also"]], flush=True)
    folds = sorted({f for f, _ in next(iter(scores.values()))["dated"]})
    held, held_default, chosen = [], [], []
    dkey = json.dumps(default, sort_keys=True)
    for f in folds:
        def train(key):
            news = statistics.fmean(v for g, v in scores[key]["dated"] if g != f)
            return statistics.fmean([news, *scores[key]["also"]])
        best = max(scores, key=train)
        chosen.append(best)
        held += [v for g, v in scores[best]["dated"] if g == f]
        held_default += [v for g, v in scores[dkey]["dated"] if g == f]
        print(f"fold {f}: chose {best} (train {train(best):.4f}; defaults {train(dkey):.4f})", flush=True)
    print(json.dumps({"held_out_ndcg_chosen": round(statistics.fmean(held), 4),
                      "held_out_ndcg_defaults": round(statistics.fmean(held_default), 4),
                      "queries": len(held), "chosen": chosen, "defaults": default}))


if __name__ == "__main__":
    main()
