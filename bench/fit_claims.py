"""Fit the claim verdict thresholds on stored checks, without running the model again.

    factcheck eval claims ../shared/evaldata/scifact --store /tmp/ev/scifact \
        --queries ../shared/evaldata/scifact/queries_train.jsonl --limit 200 --out /tmp/train.jsonl
    python bench/fit_claims.py /tmp/train.jsonl [--dev /tmp/dev.jsonl]

Each stored row holds both probabilities for every passage read, so any threshold can be
re-applied exactly as `factcheck.claims.decide` applies it. Six numbers are fitted (the fields
of ClaimParams from min_true to refute_overlap) on the training claims only; the dev figures are then reported as they fall.
"""

from __future__ import annotations

import argparse
import itertools
import json
from pathlib import Path

from factcheck.claims import ClaimParams, Evidence, Label, decide, flip_claim, overall, predicate_overlap, word_overlap
from factcheck.evaluation import claims_report


def load(path: Path) -> list[dict]:
    """Stored checks, with each passage's evidence rebuilt once (overlap recounted by today's code)."""
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    for r in rows:
        for part in r["check"]["parts"]:
            part["_evidence"] = [Evidence(**{**e, **_reread(part, e), "overlap": word_overlap(part["claim"], e["quote"]),
                                               "predicate_overlap": predicate_overlap(part["claim"], e["quote"])}) for e in part["evidence"]]
    return rows


def _reread(part: dict, e: dict) -> dict:
    """A run re-read by bench/reread_claims.py (pt2/pf2/ptf, all three from one sitting: the prompt
    cache moves probabilities by ~0.04) replaces the first reading; the turned claim must be
    the one flip_claim makes today."""
    if "pt2" not in e:
        return {}
    same = part.get("flip") is not None and part.get("flip") == flip_claim(part["claim"])
    return {"p_true": e["pt2"], "p_false": e["pf2"], "p_true_flipped": e.get("ptf") if same else None}


def rescore(rows: list[dict], params: ClaimParams) -> list[dict]:
    out = []
    for r in rows:
        verdicts, cited = [], set()
        for part in r["check"]["parts"]:
            # As the checker reads: passage by passage, stopping at the first that decides.
            label, e = decide([], params)  # a part with no passage at all
            for k in range(1, len(part["_evidence"]) + 1):
                label, e = decide(part["_evidence"][:k], params)
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


def fit(rows: list[dict]) -> tuple[ClaimParams, float]:
    """Two stages, to keep the grid small: the thresholds without the turned claim, then the two
    turned-claim margins with the two main thresholds again (a stage stays off if it adds nothing)."""
    grid = [x / 100 for x in range(5, 100, 5)]
    off = dict(flip_support=-1.0, flip_refute=2.0)
    best, best_f1 = ClaimParams(**off), -1.0

    def better(p: ClaimParams) -> None:
        nonlocal best, best_f1
        f1 = claims_report(rescore(rows, p), "train", "", 0).macro_f1
        if f1 > best_f1 + 1e-9:
            best, best_f1 = p, f1

    refute = [(0.0, 1.01)] + list(itertools.product([0.1, 0.2, 0.3], [0.5, 0.7, 0.9]))
    for t, f, m, o, (rb, ro) in itertools.product(grid, grid, [0.0, 0.1], [0.0, 0.3, 0.5], refute):
        better(ClaimParams(min_true=t, min_false=f, margin=m, min_overlap=o, refute_below=rb, refute_overlap=ro, **off))
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
    args = ap.parse_args()
    train = load(args.train)
    params, f1 = fit(train)
    print(f"fitted on {len(train)} training claims: min_true={params.min_true} min_false={params.min_false} "
          f"margin={params.margin} min_overlap={params.min_overlap} refute_below={params.refute_below} "
          f"refute_overlap={params.refute_overlap} flip_support={params.flip_support} flip_refute={params.flip_refute} "
          f"-> train macro-F1 {f1:.3f}")
    result = {"train_claims": len(train), "min_true": params.min_true, "min_false": params.min_false,
              "margin": params.margin, "min_overlap": params.min_overlap,
              "refute_below": params.refute_below, "refute_overlap": params.refute_overlap,
              "flip_support": params.flip_support, "flip_refute": params.flip_refute, "train_macro_f1": round(f1, 4)}
    if args.dev:
        dev = load(args.dev)
        for name, p in (("default", ClaimParams()), ("fitted", params)):
            r = claims_report(rescore(dev, p), "dev", "", 0)
            print(f"dev ({len(dev)} claims) with {name} thresholds: accuracy {r.accuracy:.3f}, macro-F1 {r.macro_f1:.3f} "
                  f"{r.f1}, evidence hit {r.evidence_hit_rate:.3f}, cited hit {r.cited_hit_rate:.3f}")
            print("   confusion", r.confusion)
            result[f"dev_{name}"] = r.model_dump(include={"accuracy", "macro_f1", "f1", "evidence_hit_rate", "cited_hit_rate"})
    print(json.dumps(result))


if __name__ == "__main__":
    main()
