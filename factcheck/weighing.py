"""A claim's verdict weighed from its two readings by a small model fitted on real claims.

Each reading alone decides by thresholds, and `combined` lets a refutation either finds stand. On
real-world claims, where the questions have not refuted, that leaves most false claims NOT ENOUGH
INFO: a refutation is rarely one sentence the model reads as "contradicts", but it shows in several
weak signals at once (the passages lean to "contradicts" more than the claim's wording alone does,
the questions' answers cannot be given, the claim has several details). Here those signals are
weighed together: a multinomial logistic regression, a few dozen numbers shipped as a JSON file
(`factcheck/weights/`) and refitted on stored readings by bench/fit_weighing.py, cross-validated
by fold, on the passages as the product reads them, choosing only weights that lean the right way
(`leans_right`). What stays in code (`Checker.check`): a refutation the questions find stands, as it
quotes the sentence that refutes; a claim with nothing about it in the sources is not weighed.
"""

from __future__ import annotations

import functools
import statistics
from pathlib import Path

import numpy as np
from pydantic import BaseModel

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
LABELS = ["SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO"]

# Each signal, as an editor reads it: what it measures, how its value reads and how the fitted claims'
# usual value reads (None: no usual value). The names are the weights file's columns; a weighed
# verdict names the ones that moved it most (`Weights.reasons`), so its "why" is more than three
# percentages. The margins are calibrated (less the model's prior for the claim's wording).
_PCT, _SIGNED = "{:.0%}".format, "{:+.2f}".format
SIGNALS = {
    "polar_supports": ("the sources' answer to “Is it true that …?”",
                       lambda v: "supports the claim" if v >= 0.5 else "does not support it", None),
    "answers_missing": ("share of the model's own questions the sources left unanswered", _PCT, _PCT),
    "answerable": ("how sure the model is that a passage answers one of the questions", _PCT, _PCT),
    "support_margin": ("strongest leaning of a passage to “supports”, beyond the claim's wording alone", _SIGNED, _SIGNED),
    "refute_margin": ("strongest leaning of a passage to “contradicts”, beyond the claim's wording alone", _SIGNED, _SIGNED),
    "overlap": ("share of the claim's words in the closest passage", _PCT, _PCT),
    "prior_true": ("how true the claim's wording sounds to the model with no source", _PCT, _PCT),
    "parts": ("checkable statements the claim was split into", "{:.0f}".format, "{:.1f}".format),
}


def signals(by_questions, by_probabilities: list) -> dict[str, float]:
    """The signals of one claim from its question part (a PartVerdict with findings, or None) and
    its probability parts (PartVerdicts whose passages carry P(yes) readings)."""
    from factcheck.claims import calibrated  # claims imports this module

    findings = by_questions.questions if by_questions is not None else []
    polar, own = (findings[0], findings[1:]) if findings else (None, [])
    margins, overlaps, priors = [], [], []  # a passage's leaning: P(supports) - P(contradicts), less the prior
    for part in by_probabilities:
        if part.prior is not None:
            priors.append(part.prior.p_true)
        for e in part.evidence:
            if e.p_true is None or e.p_false is None:
                continue
            c = calibrated(e, part.prior) if part.prior is not None else e
            margins.append(c.p_true - c.p_false)
            overlaps.append(e.overlap or 0.0)
    return {
        "polar_supports": float(polar is not None and polar.stance.value == "SUPPORTS"),
        "answers_missing": sum(f.abstained for f in own) / len(own) if own else 0.0,
        "answerable": max((f.answerable_p or 0.0 for f in findings), default=0.0),
        "support_margin": max(margins, default=0.0),
        "refute_margin": -min(margins, default=0.0),
        "overlap": max(overlaps, default=0.0),
        "prior_true": statistics.mean(priors) if priors else 0.5,
        "parts": float(len(by_probabilities)),
    }


class Weights(BaseModel):
    """A fitted multinomial logistic regression over SIGNALS: standardised signals times one column
    of weights per label, plus a bias."""

    labels: list[str]
    signals: list[str]
    mean: list[float]
    scale: list[float]
    weights: list[list[float]]  # one row per signal, then the bias row; one column per label
    fitted_on: str = ""  # the claims and the settings chosen, for whoever reads the file

    def _standardised(self, values: dict[str, float]) -> np.ndarray:
        return (np.array([values[s] for s in self.signals]) - np.array(self.mean)) / np.array(self.scale)

    def probabilities(self, values: dict[str, float]) -> dict[str, float]:
        z = np.append(self._standardised(values), 1.0) @ np.array(self.weights)
        p = np.exp(z - z.max())
        p /= p.sum()
        return {label: round(float(v), 4) for label, v in zip(self.labels, p)}

    def reasons(self, values: dict[str, float], most: int = 2) -> list[str]:
        """The signals that moved the verdict most towards its label and away from the runner-up,
        in words, each with its value and the claims' usual one (the fit's mean)."""
        p = self.probabilities(values)
        ranked = sorted(self.labels, key=p.get, reverse=True)
        won, rival = self.labels.index(ranked[0]), self.labels.index(ranked[1])
        w = np.array(self.weights)[:-1]
        push = self._standardised(values) * (w[:, won] - w[:, rival])
        out = []
        for k in np.argsort(-push)[:most]:
            if push[k] <= 0:
                break
            name = self.signals[k]
            text, shown, usual = SIGNALS[name]
            out.append(f"{text}: {shown(values[name])}" + (f" (usually {usual(self.mean[k])})" if usual else ""))
        return out

    @classmethod
    def load(cls, name: str) -> Weights:
        """A weights file by its name in factcheck/weights/, or by its path."""
        path = Path(name) if Path(name).is_file() else WEIGHTS_DIR / name
        return cls.model_validate_json(path.read_text(encoding="utf-8"))


# A reading that leans further one way must not make that verdict less likely: weights fitted on
# a hundred claims with signals that move together can say otherwise, and would not hold elsewhere.
# (Each leaning is one signal: with P(supports) and P(contradicts) beside the margins, or the
# questions' verdict beside the stances it is made of, the fit split one leaning into weights of
# opposite signs.)
LEANINGS = {"REFUTED": ["refute_margin"], "SUPPORTED": ["support_margin", "polar_supports"]}


def leans_right(w: Weights, step: float = 0.1) -> bool:
    """Whether each signal of a passage leaning to "contradicts" raises P(REFUTED), and each leaning
    to "supports" raises P(SUPPORTED), from the claims' mean signals."""
    base = dict(zip(w.signals, w.mean))
    p0 = w.probabilities(base)
    return all(w.probabilities({**base, s: base[s] + step})[label] > p0[label]
               for label, names in LEANINGS.items() for s in names if s in base)


@functools.cache
def weights(name: str) -> Weights:
    """The weights file `name`, read once."""
    return Weights.load(name)


def fit(rows: list[dict[str, float]], labels: list[str], strength: float, balance: float,
        steps: int = 3000) -> Weights:
    """Weights fitted by gradient descent on the mean (label-weighted) log loss plus an L2 penalty
    of `strength` on the signals' weights. `balance` 0 counts every claim alike; 1 weighs each
    label as much as the others in total (what macro-F1 asks for when one label is rare)."""
    names = list(SIGNALS)
    X = np.array([[r[s] for s in names] for r in rows], float)
    y = np.array([LABELS.index(label) for label in labels])
    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1.0
    Z = np.hstack([(X - mean) / scale, np.ones((len(X), 1))])
    counts = np.bincount(y, minlength=len(LABELS))
    per_label = (len(y) / (len(LABELS) * np.maximum(counts, 1))) ** balance
    w = per_label[y]
    Y = np.eye(len(LABELS))[y]
    W = np.zeros((Z.shape[1], len(LABELS)))
    penalty = np.ones((Z.shape[1], 1))
    penalty[-1] = 0.0  # the bias is not shrunk
    step = 0.5 / (1 + strength)  # at 0.5 the penalty's pull alone overshoots past 2 and diverges past 4 (NaN)
    for _ in range(steps):
        s = Z @ W
        P = np.exp(s - s.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        W -= step * (Z.T @ ((P - Y) * w[:, None]) / w.sum() + strength * penalty * W)
    return Weights(labels=LABELS, signals=names, mean=mean.round(6).tolist(), scale=scale.round(6).tolist(),
                   weights=W.round(6).tolist())
