"""Fit the claim verdict thresholds on stored checks, without running the model again.

    factcheck eval claims ../shared/evaldata/scifact --store /tmp/ev/scifact \
        --queries ../shared/evaldata/scifact/queries_train.jsonl --limit 200 --out /tmp/train.jsonl
    python bench/fit_claims.py /tmp/train.jsonl [--dev /tmp/dev.jsonl] [--cv] [--model] [--prior] [--passages 2 3]

Collect with FACTCHECK_CLAIMS__STOP_EARLY=false, so that every part keeps both passages' readings.
The "science" preset (ClaimParams) holds thresholds fitted with --prior; without it, the
"default thresholds" figures apply them to raw readings they were not fitted for.

Each stored row holds both probabilities for every passage read, so any threshold can be
re-applied exactly as `factcheck.claims.decide` applies it. Six numbers are fitted (the fields
of ClaimParams from min_true to refute_overlap) on the training claims only; the dev figures are then reported as they fall.
--cv also refits on each half of the training claims and scores the other (2-fold, by label).
--model fits and cross-validates the verdict-model experiment below instead.
--prior fits thresholds for ClaimParams.prior (each part's stored prior subtracted; a run made
without it gets one from bench/null_prior.py).
--passages also chooses how many passages a part reads (ClaimParams.passages); collect with
FACTCHECK_CLAIMS__PASSAGES set to the largest, and every smaller count replays exactly.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

import numpy as np

from factcheck.claims import (ClaimParams, Evidence, Label, Prior, decide, flip_claim, overall, predicate_overlap,
                              readable, word_overlap)
from factcheck.evaluation import claims_report


def load(path: Path) -> list[dict]:
    """Stored checks, with each passage's evidence rebuilt once (overlap recounted by today's code)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for r in rows:
        for part in r["check"]["parts"]:
            part["_evidence"] = [Evidence(**{**e, **_reread(part, e), "overlap": word_overlap(part["claim"], e["quote"]),
                                               "predicate_overlap": predicate_overlap(part["claim"], e["quote"])}) for e in part["evidence"]]
            part["_prior"] = Prior(**part["prior"]) if part.get("prior") else None
    return rows


def _reread(part: dict, e: dict) -> dict:
    """A run re-read by bench/reread_claims.py (pt2/pf2/ptf, all three from one sitting: the prompt
    cache moves probabilities by ~0.04) replaces the first reading; the turned claim must be
    the one flip_claim makes today."""
    if "pt2" not in e:
        return {}
    same = part.get("flip") is not None and part.get("flip") == flip_claim(part["claim"])
    return {"p_true": e["pt2"], "p_false": e["pf2"], "p_true_flipped": e.get("ptf") if same else None}


def rescore(rows: list[dict], params: ClaimParams, decide=decide) -> list[dict]:
    out = []
    for r in rows:
        verdicts, cited = [], set()
        for part in r["check"]["parts"]:
            # As the checker reads: passage by passage, at most params.passages of them, stopping
            # at the first that decides (with stop_early).
            read = part["_evidence"][:params.passages]
            label, e = decide([], params)  # a part with no passage at all
            for k in range(1 if params.stop_early else max(1, len(read)), len(read) + 1):
                label, e = decide(read[:k], params, part["_prior"])
                if e is not None:
                    break
            verdicts.append(label)
            if e:
                cited.add(e.doc_id)
        v = overall(verdicts)
        pred = "NOT_ENOUGH_INFO" if v is Label.MIXED else v.value
        shown = cited or {e.doc_id for p in r["check"]["parts"] for e in p["_evidence"][:params.passages]}
        out.append({**r, "pred": pred, "cited_hit": bool(cited & set(r["gold_docs"])),
                    "evidence_hit": bool(shown & set(r["gold_docs"]))})
    return out


# ---- an experiment: a verdict model in place of the thresholds (--model) ----------------------
# Tried on 2026-11-28 and not taken (docs/experiments.md): a class-balanced three-way logistic regression on
# eight numbers of a part's passages, reading every passage. It beat the thresholds held out on
# training claims, not on dev, and it cited a non-gold passage more often.
LABELS = (Label.SUPPORTED, Label.REFUTED, Label.NOT_ENOUGH_INFO)
FEATURES = ("supports - contradicts", "contradicts - supports", "turned claim - claim", "claim was turned",
            "P(supports)", "P(contradicts)", "word overlap", "predicate overlap")


def verdict_features(evidence: list[Evidence]) -> list[float]:
    d = [e.p_true - e.p_false for e in evidence]
    turned = [e.p_true_flipped - e.p_true for e in evidence if e.p_true_flipped is not None]
    return [max(d), max(-x for x in d), max(turned, default=0.0), float(bool(turned)),
            max(e.p_true for e in evidence), max(e.p_false for e in evidence),
            max(e.overlap or 0.0 for e in evidence),
            min(1.0 if e.predicate_overlap is None else e.predicate_overlap for e in evidence)]


def model_decide(weights: np.ndarray):
    """decide() with the verdict model, resting the verdict on the passage that leans most its way."""
    def run(evidence: list[Evidence], params: ClaimParams, prior=None):  # the experiment predates the prior: unused
        evidence = readable(evidence, params)
        if not evidence:
            return Label.NOT_ENOUGH_INFO, None
        label = LABELS[int(np.argmax(np.array(verdict_features(evidence) + [1.0]) @ weights))]
        if label is Label.SUPPORTED:
            return label, max(evidence, key=lambda e: e.p_true - e.p_false)
        if label is Label.REFUTED:
            return label, max(evidence, key=lambda e: max(e.p_false, e.p_true_flipped or 0.0) - e.p_true)
        return label, None
    return run


def fit_model(rows: list[dict], l2: float = 10.0, steps: int = 3000) -> np.ndarray:
    """Fitted on the single-part claims (a part of a multi-part claim has no label of its own);
    standardisation is folded into the weights (rows: FEATURES, then the bias)."""
    data = [(verdict_features(ev), LABELS.index(Label(r["label"]))) for r in rows if len(r["check"]["parts"]) == 1
            for ev in [readable(r["check"]["parts"][0]["_evidence"], ClaimParams(preset="science"))] if ev]
    x = np.array([f for f, _ in data])
    y = np.array([c for _, c in data])
    mu, sd = x.mean(0), x.std(0) + 1e-6
    z = np.c_[(x - mu) / sd, np.ones(len(x))]
    w = np.zeros((z.shape[1], 3))
    balance = (len(y) / (3 * np.bincount(y, minlength=3)))[y][:, None]
    onehot = np.eye(3)[y]
    for _ in range(steps):
        prob = np.exp(z @ w - (z @ w).max(1, keepdims=True))
        prob /= prob.sum(1, keepdims=True)
        w -= 0.5 * (z.T @ ((prob - onehot) * balance) + l2 * np.r_[w[:-1], np.zeros((1, 3))]) / len(y)
    return np.r_[w[:-1] / sd[:, None], [w[-1] - (mu / sd) @ w[:-1]]]


def halves(rows: list[dict]) -> tuple[list[dict], list[dict]]:
    """Two folds: alternate claims of each label."""
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(r["label"], []).append(r)
    return [r for v in by.values() for r in v[0::2]], [r for v in by.values() for r in v[1::2]]


def cross_validate_fit(rows: list[dict], base: ClaimParams | None = None,
                      passages: tuple[int, ...] = ()) -> list[tuple[float, float, ClaimParams]]:
    """2-fold: (the base thresholds, thresholds refitted on the other half, that fit) on each held-out half."""
    base = base or ClaimParams(preset="science")
    a, b = halves(rows)
    out = []
    for train, held in ((a, b), (b, a)):
        fitted = fit(train, base, passages)[0]
        out.append((claims_report(rescore(held, base), "x", "", 0).macro_f1,
                    claims_report(rescore(held, fitted), "x", "", 0).macro_f1, fitted))
    return out


def cross_validate(rows: list[dict]) -> list[tuple[float, float]]:
    """2-fold (alternate claims of each label): (the thresholds, the model) on each held-out half."""
    halves_ = halves(rows)
    out = []
    for train, held in (halves_, halves_[::-1]):
        run = model_decide(fit_model(train))
        out.append((claims_report(rescore(held, ClaimParams(preset="science")), "x", "", 0).macro_f1,
                    claims_report(rescore(held, ClaimParams(preset="science", stop_early=False), run), "x", "", 0).macro_f1))
    return out


def fit(rows: list[dict], base: ClaimParams | None = None, passages: tuple[int, ...] = ()) -> tuple[ClaimParams, float]:
    """The thresholds fitted for each number of passages read (`passages`; none: the base's),
    the best on these rows kept."""
    base = base or ClaimParams(preset="science")
    fits = [fit_thresholds(rows, base.model_copy(update={"passages": k})) for k in passages or (base.passages,)]
    return max(fits, key=lambda pf: pf[1])


def fit_thresholds(rows: list[dict], base: ClaimParams) -> tuple[ClaimParams, float]:
    """Two stages, to keep the grid small: the thresholds without the turned claim, then the two
    turned-claim margins with the two main thresholds again (a stage stays off if it adds nothing).
    `base` holds what is not fitted (whether the prior is subtracted, how many passages are read)."""
    grid = [x / 100 for x in range(5, 100, 5)]
    off = dict(flip_support=-1.0, flip_refute=2.0)
    best, best_f1 = base.model_copy(update=off), -1.0

    def better(p: ClaimParams) -> None:
        nonlocal best, best_f1
        f1 = claims_report(rescore(rows, p), "train", "", 0).macro_f1
        if f1 > best_f1 + 1e-9:
            best, best_f1 = p, f1

    refute = [(0.0, 1.01)] + list(itertools.product([0.1, 0.2, 0.3], [0.5, 0.7, 0.9]))
    for t, f, m, o, (rb, ro) in itertools.product(grid, grid, [0.0, 0.1], [0.0, 0.3, 0.5], refute):
        better(base.model_copy(update=dict(min_true=t, min_false=f, margin=m, min_overlap=o, refute_below=rb,
                                           refute_overlap=ro, **off)))
    if any(e.p_true_flipped is not None for r in rows for part in r["check"]["parts"] for e in part["_evidence"]):
        base = best
        for t, f, fs, fr in itertools.product(grid, grid, [-1.0, -0.1, -0.05, 0.0, 0.05, 0.1],
                                              [2.0, 0.02, 0.05, 0.1, 0.15, 0.2, 0.3]):
            better(base.model_copy(update=dict(min_true=t, min_false=f, flip_support=fs, flip_refute=fr)))
    return best, best_f1


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("train", type=Path)
    ap.add_argument("--dev", type=Path)
    ap.add_argument("--model", action="store_true", help="fit the verdict model instead of the thresholds")
    ap.add_argument("--cv", action="store_true", help="also refit on each half of the training claims and score the other")
    ap.add_argument("--prior", action="store_true", help="thresholds for ClaimParams.prior (the parts' stored priors subtracted)")
    ap.add_argument("--passages", type=int, nargs="*", default=[],
                    help="also choose how many passages are read (a run read with at least that many)")
    args = ap.parse_args()
    train = load(args.train)
    base = ClaimParams(preset="science", prior=args.prior)
    if args.prior and any(part["_prior"] is None for r in train for part in r["check"]["parts"]):
        raise SystemExit(f"{args.train} has parts without a prior: run bench/null_prior.py on it first")
    if args.model:
        weights = fit_model(train)
        print("weights (rows: " + " | ".join(FEATURES) + " | bias; columns S, R, NEI):")
        print(np.round(weights, 3))
        for i, (a, b) in enumerate(cross_validate(train), 1):
            print(f"fold {i} held out: macro-F1 thresholds {a:.3f}, verdict model {b:.3f}")
        if args.dev:
            dev = load(args.dev)
            for name, scored in (("thresholds", rescore(dev, ClaimParams(preset="science"))),
                                 ("verdict model", rescore(dev, ClaimParams(preset="science", stop_early=False), model_decide(weights)))):
                r = claims_report(scored, "dev", "", 0)
                print(f"dev ({len(dev)} claims) with the {name}: accuracy {r.accuracy:.3f}, macro-F1 {r.macro_f1:.3f} "
                      f"{r.f1}, evidence hit {r.evidence_hit_rate:.3f}, cited hit {r.cited_hit_rate:.3f}")
                print("   confusion", r.confusion)
        return
    for k in args.passages:
        r = claims_report(rescore(train, base.model_copy(update={"passages": k})), "train", "", 0)
        print(f"the preset as it is, {k} passages: macro-F1 {r.macro_f1:.3f} {r.f1}, evidence hit {r.evidence_hit_rate:.3f}")
        print("   confusion", r.confusion)
    params, f1 = fit(train, base, tuple(args.passages))
    print(f"fitted on {len(train)} training claims{' (prior subtracted)' if args.prior else ''}: passages={params.passages} "
          f"min_true={params.min_true} min_false={params.min_false} "
          f"margin={params.margin} min_overlap={params.min_overlap} refute_below={params.refute_below} "
          f"refute_overlap={params.refute_overlap} flip_support={params.flip_support} flip_refute={params.flip_refute} "
          f"-> train macro-F1 {f1:.3f}")
    if args.cv:
        for i, (d, f, p) in enumerate(cross_validate_fit(train, base, tuple(args.passages)), 1):
            print(f"fold {i} held out: macro-F1 default thresholds {d:.3f}, refitted on the other half {f:.3f} "
                  f"(passages={p.passages} min_true={p.min_true} min_false={p.min_false} flip_refute={p.flip_refute})")
    result = {"train_claims": len(train), "passages": params.passages, "min_true": params.min_true, "min_false": params.min_false,
              "margin": params.margin, "min_overlap": params.min_overlap,
              "refute_below": params.refute_below, "refute_overlap": params.refute_overlap,
              "flip_support": params.flip_support, "flip_refute": params.flip_refute, "train_macro_f1": round(f1, 4)}
    if args.dev:
        dev = load(args.dev)
        for name, p in (("default", base), ("fitted", params)):
            r = claims_report(rescore(dev, p), "dev", "", 0)
            print(f"dev ({len(dev)} claims) with {name} thresholds: accuracy {r.accuracy:.3f}, macro-F1 {r.macro_f1:.3f} "
                  f"{r.f1}, evidence hit {r.evidence_hit_rate:.3f}, cited hit {r.cited_hit_rate:.3f}")
            print("   confusion", r.confusion)
            result[f"dev_{name}"] = r.model_dump(include={"accuracy", "macro_f1", "f1", "evidence_hit_rate", "cited_hit_rate"})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
