"""Fit the "both" verdict (questions + token probabilities) on several training sets at once,
cross-validated by fold, without the model.

    FACTCHECK_CLAIMS__METHOD=both FACTCHECK_CLAIMS__STOP_EARLY=false FACTCHECK_CLAIMS__QUESTIONS__MIN_ANSWERABLE=0 \
        factcheck eval claims ../shared/evaldata/scifact --store S --queries .../queries_train.jsonl --limit 100 --out sf.jsonl
    python bench/fit_verdict.py averitec=QUESTIONS.jsonl+PROBABILITIES.jsonl scifact_train=sf.jsonl [--folds 5]

A set is NAME=FILE (a run with method "both": the question part first, then the probability
parts) or NAME=Q.jsonl+P.jsonl (the same claims run once with each method, STOP_EARLY=false for
the probability run). With several sets, each fold's setting is the one with the best mean
macro-F1 over the sets' other folds (each set counting the same), scored on the held-out fold of
every set: whether one setting serves several kinds of claim (fitted on averitec_given and
SciFact's training claims together, it held neither). With one set, it fits that kind's preset
(factcheck/claims.py PRESETS; "news" is averitec_given's). The folds are the claim id modulo
--folds. Prints the setting chosen per fold, the one all folds together choose, and each set's
held-out figures against today's defaults' (in sample).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fit_claims import load as load_probabilities  # noqa: E402
from bench.fit_claims import rescore  # noqa: E402
from bench.fit_questions import load as load_questions  # noqa: E402
from bench.fit_questions import replay, scored  # noqa: E402
from factcheck.claims import ClaimParams, Label, combined  # noqa: E402
from factcheck.questions import QuestionParams  # noqa: E402

GRID = {  # reaches past where the real-world claims' folds chose (min_true 0.85, min_false 0.3, denied 0.5)
    "min_true": [0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9],
    "min_false": [0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6],
    "min_overlap": [0.0, 0.2, 0.3, 0.4, 0.5],
    "denied": [None, 0.0, 0.3, 0.5, 0.6, 0.7],
}


def load_set(spec: str) -> list[dict]:
    """Claims as {id, label, q: a row of the question part, p: a row of the probability parts}."""
    if "+" in spec:
        qs, ps = spec.split("+")
        q_rows = {str(r["id"]): r for r in load_questions(Path(qs))}
        p_rows = {str(r["id"]): r for r in load_probabilities(Path(ps))}
        return [{"id": i, "label": q_rows[i]["label"], "q": q_rows[i], "p": p_rows[i]} for i in q_rows if i in p_rows]
    out = []
    for q, p in zip(load_questions(Path(spec)), load_probabilities(Path(spec))):
        parts = q["check"]["parts"]
        out.append({"id": str(q["id"]), "label": q["label"],
                    "q": {**q, "check": {**q["check"], "parts": parts[:1]}},
                    "p": {**p, "check": {**p["check"], "parts": p["check"]["parts"][1:]}}})
    return out


def question_setting(denied: float | None) -> dict:
    qp = QuestionParams(denied=denied).model_dump()
    return {**qp, "min_answerable": qp["min_answerable"] or 0.0}


def verdicts(claims: list[dict], setting: dict, _cache: dict = {}) -> list[str]:
    """Each claim's combined verdict under one setting (each method's readings replayed once per
    setting of its own parameters)."""
    pkey = (id(claims), setting["min_true"], setting["min_false"], setting["min_overlap"])
    if pkey not in _cache:
        params = ClaimParams(stop_early=False, min_true=setting["min_true"], min_false=setting["min_false"],
                             min_overlap=setting["min_overlap"])
        _cache[pkey] = [r["pred"] for r in rescore([c["p"] for c in claims], params)]
    qkey = (id(claims), "q", setting["denied"])
    if qkey not in _cache:
        _cache[qkey] = [replay(c["q"], question_setting(setting["denied"])) for c in claims]
    return [combined(Label(a), Label(b)).value for a, b in zip(_cache[qkey], _cache[pkey])]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("sets", nargs="+", help="NAME=FILE or NAME=QUESTIONS+PROBABILITIES")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--only", help="fit only this parameter (comma-separated), the others at today's defaults")
    ap.add_argument("--grid", type=json.loads, help="the settings tried, as JSON {param: [values]} (default: GRID)")
    args = ap.parse_args()
    sets = {s.split("=", 1)[0]: load_set(s.split("=", 1)[1]) for s in args.sets}
    d = ClaimParams()
    default = {"min_true": d.min_true, "min_false": d.min_false, "min_overlap": d.min_overlap,
               "denied": QuestionParams().denied}
    only = set(args.only.split(",")) if args.only else set(GRID)
    axes = {k: v if k in only else [default[k]] for k, v in (args.grid or GRID).items()}
    grid = [dict(zip(axes, v)) for v in itertools.product(*axes.values())]
    preds = {name: [verdicts(claims, g) for g in grid] for name, claims in sets.items()}
    base = {name: verdicts(claims, default) for name, claims in sets.items()}
    fold = {name: [int(c["id"]) % args.folds for c in claims] for name, claims in sets.items()}

    def f1(name: str, idx: list[int], pred: list[str]) -> float:
        return scored([sets[name][i]["p"] for i in idx], [pred[i] for i in idx])["macro_f1"]

    held = {name: [""] * len(claims) for name, claims in sets.items()}
    for k in range(args.folds):
        train = {name: [i for i, f in enumerate(fold[name]) if f != k] for name in sets}
        best = max(range(len(grid)), key=lambda g: statistics.mean(f1(n, train[n], preds[n][g]) for n in sets))
        print(f"fold {k} chose {json.dumps(grid[best])}")
        for name in sets:
            for i, f in enumerate(fold[name]):
                if f == k:
                    held[name][i] = preds[name][best][i]
    every = {name: list(range(len(claims))) for name, claims in sets.items()}
    best = max(range(len(grid)), key=lambda g: statistics.mean(f1(n, every[n], preds[n][g]) for n in sets))
    print(f"all folds together choose {json.dumps(grid[best])} (what a preset takes; in sample, so not a figure)")
    for name, claims in sets.items():
        for what, pred in (("defaults", base[name]), ("held out", held[name])):
            rep = scored([c["p"] for c in claims], pred)
            print(f"{name} {what}:", json.dumps({k: rep[k] for k in ("accuracy", "macro_f1", "f1")}))
        rep = scored([c["p"] for c in claims], held[name])
        print(f"{name} held-out confusion:", json.dumps(rep["confusion"]))


if __name__ == "__main__":
    main()
