"""Would a verifier fitted on data decide better than the checks' fixed rules? On the stored drafts
of `factcheck eval qa --out` runs (no model), each draft's answer (its first sentence) is read
against each passage given as a few signals (word, name and question overlap, one place, the
asked verb, the answer's kind, the passage's date against the question's time frame, its rank,
the model's P(yes)); a logistic regression fitted on the other folds (by week) scores the held-out
fold, with the threshold chosen on the other folds too. The best passage's score decides. Both
are judged alike: right answers shown minus wrong answers shown (bench/cv_checks.py's measure).
Numbers must still be in the quote, and a sentence addressing the assistant is never evidence:
principles stay rules, only the graded signals are weighed.

    python bench/fit_verifier.py /tmp/news_train_odd:/tmp/ev/odd_run1.jsonl [/tmp/news_train_even:/tmp/ev/even_run1.jsonl]
"""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path

import numpy as np

from rejudge_answers import draft_of, replay, stored_rows
from factcheck import timeframe
from factcheck import vocabulary as vocab
from factcheck.answer import AnswerParams
from factcheck.checks import Cited, Facts, answers_kind, draft_sentences, figures_in_quote, headline, in_one_place, said_with_topic
from factcheck.evaluation import answer_gold, contains_answer, gold_map, read_queries
from factcheck.evidence import MARKER, Citation

SIGNALS = ["word_share", "names_missing", "topic_share", "echo_share", "bare_said", "verb_said", "one_place",
           "kind_ok", "in_time", "rank", "p_yes", "bare", "confidence"]


def signals(sentence: str, c: Citation, question: str, frame, p_yes: float, n_passages: int,
            confidence: float = 0.0) -> list[float] | None:
    """The signals of one sentence against one passage; None when a principle refuses it outright."""
    p = AnswerParams().checks
    f = Facts.of(sentence, question)
    cited = Cited([c.quote], headline(c))
    if figures_in_quote(f, cited, question, p):
        return None
    stems = cited.stems
    words = [vocab.stem(w) for w in f.words]
    topic = vocab.topic(question)
    return [
        sum(w in stems for w in words) / len(words) if words else 1.0,
        float(len(f.names - stems)),
        len(topic & stems) / len(topic) if topic else 1.0,
        len(f.echoed & stems) / len(f.echoed) if f.echoed else 1.0,
        float(said_with_topic(f.body, cited, question, p)),
        float(not f.verb or f.verb in stems),
        float(in_one_place(f, cited, question, p) is None),
        float(answers_kind(sentence, question, p, True) is None),
        float(frame.admits(c.date)),
        (c.n - 1) / max(n_passages - 1, 1),
        p_yes,
        float(not words),
        confidence,
    ]


def examples(directory: Path, stored: Path, unanswerable: bool = False) -> list[dict]:
    """One row per question: its fold, the rules' judgement, and the signals of the draft's answer
    against each passage. A run of bench/unanswerable.py has no right answer: whatever it shows is wrong."""
    to_doc = gold_map(directory)
    queries = {q["id"]: q for q in read_queries(directory)}
    out = []
    for r in stored_rows(stored):
        if unanswerable:
            r = {**r, "answerable": True, "draft_right": False, "answers": [], "unanswerable": True}
        if not r["answerable"]:
            continue
        q = queries[r["id"]]
        a = r["answer"]
        draft = draft_of(a["sentences"]) if a["sentences"] else ""
        first = draft_sentences(draft)[:1]
        passages = [Citation(**x) for x in a["passages"]]
        frame = timeframe.frame(q["question"], dt.date.fromisoformat(a["as_of"]))
        rules = replay(r, q, set() if unanswerable else answer_gold(q, to_doc), AnswerParams(), lambda d: "")
        row = {"fold": q.get("fold", 0), "rules_right": rules["right"] and not unanswerable, "rules_shown": rules["shown"], "x": []}
        if first and passages:
            text = MARKER.sub(" ", first[0]).strip()
            row["right"] = not unanswerable and contains_answer(text, r["answers"])
            row["x"] = [s for c in passages if (s := signals(text, c, q["question"], frame, a["answerable_p"] or 0.0,
                                                             len(passages), a.get("confidence") or 0.0))]
        out.append(row)
    return out


def fit(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Logistic regression by Newton's method, L2 on the weights (not the intercept)."""
    x1 = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(x1.shape[1])
    reg = np.eye(x1.shape[1]) * l2
    reg[-1, -1] = 0
    for _ in range(steps):
        pr = 1 / (1 + np.exp(-x1 @ w))
        grad = x1.T @ (pr - y) + reg @ w
        hess = x1.T @ (x1 * (pr * (1 - pr))[:, None]) + reg
        w -= np.linalg.solve(hess, grad)
    return w


def score(w: np.ndarray, xs: list[list[float]]) -> float:
    if not xs:
        return 0.0
    x1 = np.hstack([np.array(xs), np.ones((len(xs), 1))])
    return float((1 / (1 + np.exp(-x1 @ w))).max())


def utility(rows: list[dict], shown_key) -> tuple[int, int]:
    right = sum(1 for r in rows if shown_key(r) and r.get("right"))
    wrong = sum(1 for r in rows if shown_key(r) and not r.get("right"))
    return right, wrong


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("runs", nargs="+", help="SETDIR:STORED.jsonl, one or more")
    ap.add_argument("--unanswerable", nargs="*", default=[], help="SETDIR:STORED.jsonl of bench/unanswerable.py, "
                    "the same weeks made unanswerable (in the same order as the runs): what is shown there is wrong")
    ap.add_argument("--without", nargs="*", default=[], help="signals left out")
    args = ap.parse_args()
    rows = []
    keep = [i for i, s in enumerate(SIGNALS) if s not in args.without]
    for i, run in enumerate(args.runs):
        directory, stored = run.split(":")
        rows += [{**r, "fold": (i, r["fold"])} for r in examples(Path(directory), Path(stored))]
    for i, run in enumerate(args.unanswerable):  # fold by week, as its answerable run
        directory, stored = run.split(":")
        rows += [{**r, "fold": (i, r["fold"])} for r in examples(Path(directory), Path(stored), unanswerable=True)]
    for r in rows:
        r["x"] = [[s[i] for i in keep] for s in r["x"]]
    folds = sorted({r["fold"] for r in rows})
    total = {"verifier": [0, 0], "rules": [0, 0]}
    weights = []
    for f in folds:
        train = [r for r in rows if r["fold"] != f and r["x"]]
        # Each passage of a training answer is an example; labelled by whether the answer is right.
        x = np.array([s for r in train for s in r["x"]])
        y = np.array([float(r["right"]) for r in train for _ in r["x"]])
        mu, sd = x.mean(0), x.std(0) + 1e-9
        w = fit((x - mu) / sd, y)
        weights.append(w[:-1])
        scored = [(score(w, [list((np.array(s) - mu) / sd) for s in r["x"]]), r) for r in train]
        best_t, best_u = 1.0, -1e9
        for t in np.linspace(0.05, 0.95, 91):
            rt, wr = utility([r for s, r in scored if s >= t], lambda r: True)
            if rt - wr > best_u:
                best_t, best_u = t, rt - wr
        held = [r for r in rows if r["fold"] == f]
        rt, wr = utility(held, lambda r: bool(r["x"]) and score(w, [list((np.array(s) - mu) / sd) for s in r["x"]]) >= best_t)
        total["verifier"][0] += rt
        total["verifier"][1] += wr
        rr = sum(1 for r in held if r["rules_right"])
        rw = sum(1 for r in held if r["rules_shown"] and not r["rules_right"])
        total["rules"][0] += rr
        total["rules"][1] += rw
        print(f"fold {f}: threshold {best_t:.2f}; verifier right {rt}, wrong shown {wr}; rules right {rr}, wrong shown {rw} "
              f"({len(held)} questions)")
    n = len(rows)
    for k, (rt, wr) in total.items():
        print(f"{k:>9}, held out: right {rt}/{n} ({rt / n:.3f}), wrong shown {wr}, right minus wrong {rt - wr}")
    mean = np.mean(weights, 0)
    print("mean standardised weights: " + ", ".join(f"{SIGNALS[i]} {v:+.2f}" for i, v in zip(keep, mean)))


if __name__ == "__main__":
    main()
