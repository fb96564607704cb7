"""Fit the weights that turn a claim's two readings into its verdict (factcheck/weighing.py), on
stored readings, without the model; report them held out by fold, and write the weights file.

    FACTCHECK_CLAIMS__STOP_EARLY=false FACTCHECK_CLAIMS__METHOD=questions FACTCHECK_CLAIMS__QUESTIONS__MIN_ANSWERABLE=0 \
        factcheck eval claims ../shared/evaldata/averitec_given --store S --out q.jsonl
    FACTCHECK_CLAIMS__STOP_EARLY=false FACTCHECK_CLAIMS__METHOD=probabilities \
        factcheck eval claims ../shared/evaldata/averitec_given --store S --out p.jsonl
    python bench/fit_weighing.py q.jsonl+p.jsonl [--write claims_news.json]

As `Checker.check` decides: a claim the questions refute is REFUTED, one with nothing in the
sources about it (`rests_on_sources`) NOT ENOUGH INFO, neither fitted on; the others are weighed. The folds are the claim id modulo --folds. Nested: for each held-out fold, the
penalty and the label balance are chosen by cross-validation on the other folds alone (among
the settings whose weights lean the right way), fitted on them, and the fold scored; the held-out folds together give the figures. CONFLICTING claims
are never fitted on and are reported apart. With --write, all folds together choose the
setting and fit the file shipped in factcheck/weights/.
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fit_questions import scored  # noqa: E402
from bench.fit_verdict import load_set  # noqa: E402
from factcheck.claims import ClaimParams, Label, PartVerdict, read_in_turn, rests_on_sources  # noqa: E402
from factcheck.weighing import LABELS, WEIGHTS_DIR, fit, leans_right, signals, weights  # noqa: E402

SHOWN = ("accuracy", "macro_f1", "f1", "confusion", "evidence_hit_rate")  # of each report printed
GRID = list(itertools.product([0.001, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], [0.0, 0.5, 1.0]))  # (penalty, balance)


def as_read(part: PartVerdict, params: ClaimParams) -> PartVerdict:
    """The part as `Checker.check_part` reads it by default: at most `passages`, stopping at the
    first passage that decides by the thresholds. The readings to fit on keep every passage
    (STOP_EARLY=false); weights fitted on more than the product reads would not be its weights."""
    return part.model_copy(update={"evidence": read_in_turn(part.evidence, lambda e, n: e, params, part.prior)})


def readings(claims: list[dict]) -> tuple[list[dict], list[str | None]]:
    """Each claim's signals, and its verdict when it is not weighed (else None)."""
    out, fixed = [], []
    params = ClaimParams()
    for c in claims:
        q = PartVerdict.model_validate(c["q"]["check"]["parts"][0])
        p = [as_read(PartVerdict.model_validate(part), params) for part in c["p"]["check"]["parts"]]
        out.append(signals(q, p))
        fixed.append("REFUTED" if q.verdict is Label.REFUTED
                     else None if rests_on_sources([q, *p], params) else "NOT_ENOUGH_INFO")
    return out, fixed


def predict(train: list[int], test: list[int], x, gold, fixed, setting) -> dict[int, str]:
    fitted_on = [i for i in train if fixed[i] is None and gold[i] in LABELS]
    w = fit([x[i] for i in fitted_on], [gold[i] for i in fitted_on], *setting)
    return {i: fixed[i] or max((p := w.probabilities(x[i])), key=p.get) for i in test}


def macro(rows, gold, pred: dict[int, str]) -> float:
    idx = [i for i in pred if gold[i] in LABELS]
    return scored([rows[i] for i in idx], [pred[i] for i in idx])["macro_f1"]


def choose(folds: list[int], fold, x, gold, fixed, rows) -> tuple:
    """The setting with the best macro-F1 held out by fold within `folds`, among those whose
    weights fitted on all of `folds` lean the right way (`leans_right`)."""
    fitted_on = [i for i in range(len(x)) if fold[i] in folds and fixed[i] is None and gold[i] in LABELS]
    sound = [s for s in GRID if leans_right(fit([x[i] for i in fitted_on], [gold[i] for i in fitted_on], *s))]

    def cv(setting):
        pred = {}
        for k in folds:
            pred.update(predict([i for i in range(len(x)) if fold[i] in folds and fold[i] != k],
                                [i for i in range(len(x)) if fold[i] == k], x, gold, fixed, setting))
        return macro(rows, gold, pred)
    return max(sound, key=cv)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("readings", help="QUESTIONS.jsonl+PROBABILITIES.jsonl, or one run with method both")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--name", default="averitec_given", help="the set's name, written into the weights file")
    ap.add_argument("--write", help="file name in factcheck/weights/ for the weights all folds choose")
    ap.add_argument("--shipped", help="also score this weights file of factcheck/weights/ on the same readings")
    args = ap.parse_args()
    claims = load_set(args.readings)
    rows = [c["p"] for c in claims]
    gold = [c["label"] for c in claims]
    x, fixed = readings(claims)
    fold = [int(c["id"]) % args.folds for c in claims]
    every = list(range(args.folds))
    held: dict[int, str] = {}
    for k in every:
        setting = choose([f for f in every if f != k], fold, x, gold, fixed, rows)
        print(f"fold {k} chose penalty {setting[0]}, balance {setting[1]}")
        held.update(predict([i for i in range(len(x)) if fold[i] != k], [i for i in range(len(x)) if fold[i] == k],
                            x, gold, fixed, setting))
    idx = [i for i in range(len(x)) if gold[i] in LABELS]
    rep = scored([rows[i] for i in idx], [held[i] for i in idx])
    print("held out:", json.dumps({k: rep[k] for k in SHOWN}))
    other = [(gold[i], held[i]) for i in range(len(x)) if gold[i] not in LABELS]  # CONFLICTING: never MIXED here
    for label in sorted({g for g, _ in other}):
        said = [p for g, p in other if g == label]
        print(f"{label} ({len(said)}):", {v: said.count(v) for v in sorted(set(said))})
    if args.shipped:  # fitted on these claims, maybe read otherwise: in sample for the claims, not a held-out figure
        w = weights(args.shipped)
        pred = {i: fixed[i] or max((p := w.probabilities(x[i])), key=p.get) for i in idx}
        rep = scored([rows[i] for i in idx], [pred[i] for i in idx])
        print(f"{args.shipped} as shipped:", json.dumps({k: rep[k] for k in SHOWN}))
    if args.write:
        setting = choose(every, fold, x, gold, fixed, rows)
        fitted_on = [i for i in idx if fixed[i] is None]
        w = fit([x[i] for i in fitted_on], [gold[i] for i in fitted_on], *setting)
        w.fitted_on = (f"{len(fitted_on)} claims of {args.name} the questions did not refute, with something "
                       "about them in the sources; "
                       f"penalty {setting[0]}, balance {setting[1]} chosen by {args.folds}-fold cross-validation "
                       "(bench/fit_weighing.py)")
        (WEIGHTS_DIR / args.write).write_text(w.model_dump_json(indent=1) + "\n", encoding="utf-8")
        print(f"wrote {WEIGHTS_DIR / args.write}: {w.fitted_on}")


if __name__ == "__main__":
    main()
