"""Choose the search weights cross-validated by week: for each fold of the dated set(s), the
setting with the best mean nDCG@10 on the other folds (and on every query of the --also sets,
each set counting as much as the news) is scored on the held-out fold.

    .venv/bin/python bench/search_cv.py DIR:STORE:QUERIES ... [--also DIR:STORE:QUERIES ...]
        [--grid '{"dense_weight": [0.35, 0.45, 0.55], "lexical_half": [20, 30, 45]}']

--grid is one grid (every combination of its values) or a JSON list of grids, whose settings are
pooled: e.g. score fusion with two weights next to rank fusion with one, so that the families
compete on the same folds. The dated sets' queries carry a `fold` (bench/cut_set.py: ISO week
modulo the folds). Prints each setting's nDCG on all queries, then per fold the setting chosen on
the others and the held-out fold's nDCG@10 with it and with the defaults, the totals, and the
setting chosen on all folds together (the one to keep if choosing beats the defaults held out).
Candidates are fetched once per query (bench/tune_search.py).
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
    grids = json.loads(args.grid)
    grids = grids if isinstance(grids, list) else [grids]
    settings = [dict(zip(g, v)) for g in grids for v in itertools.product(*g.values())]
    # The defaults, in every key any grid varies, so that each setting is compared with them.
    keys = sorted({k for g in grids for k in g})
    default = {k: getattr(SearchParams(), k) for k in keys}
    # Each setting as the parameters hold it (30 and 30.0 are one setting, and one key below).
    settings = [{k: getattr(SearchParams(**{**default, **st}), k) for k in keys} for st in settings]
    settings = [st for i, st in enumerate(settings) if st not in settings[:i]]
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
    held, held_default, chosen, per_fold = [], [], [], []
    dkey = json.dumps(default, sort_keys=True)
    for f in folds:
        def train(key):
            news = statistics.fmean(v for g, v in scores[key]["dated"] if g != f)
            return statistics.fmean([news, *scores[key]["also"]])
        best = max(scores, key=train)
        chosen.append(best)
        fold_chosen = [v for g, v in scores[best]["dated"] if g == f]
        fold_default = [v for g, v in scores[dkey]["dated"] if g == f]
        held += fold_chosen
        held_default += fold_default
        per_fold.append({"fold": f, "queries": len(fold_chosen), "chosen": json.loads(best),
                         "held_out_chosen": round(statistics.fmean(fold_chosen), 4),
                         "held_out_defaults": round(statistics.fmean(fold_default), 4)})
        print(f"fold {f}: chose {best} (train {train(best):.4f}; defaults {train(dkey):.4f}); held out "
              f"{len(fold_chosen)} q: chosen {statistics.fmean(fold_chosen):.4f}, defaults {statistics.fmean(fold_default):.4f}",
              flush=True)
    # The setting to keep, if the held-out folds say choosing beats the defaults: the one chosen
    # on every fold of the training sets together.
    def everything(key):
        return statistics.fmean([statistics.fmean(v for _, v in scores[key]["dated"]), *scores[key]["also"]])
    overall = max(scores, key=everything)
    print(f"on every fold together: {overall} ({everything(overall):.4f}; defaults {everything(dkey):.4f})", flush=True)
    print(json.dumps({"held_out_ndcg_chosen": round(statistics.fmean(held), 4),
                      "held_out_ndcg_defaults": round(statistics.fmean(held_default), 4),
                      "queries": len(held), "folds": per_fold, "defaults": default,
                      "chosen_on_all": json.loads(overall)}))


if __name__ == "__main__":
    main()
