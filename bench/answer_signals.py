"""Two readings of a drafted answer by the model itself, measured on the drafts of a stored
`factcheck eval qa --out` run (the same passages and draft; the model reads again):

- stated: the model's P(yes) that the passages given state the draft's first sentence as the
  answer to the question (prompts/stated_user.txt; read here without the answer prompt before it,
  so its prefix is not cached as it is in the product);
- reread: the model's first sentence when the same passages are given in the other order. An
  answer the passages hold survives a change of order; a guess often does not.

Writes one line a question (id, stated_p, reread, seconds). Whether either tells right answers
from wrong ones is read by `--score` against the run's own rows.

With --shown, only *stated* is read, of the answer as it would be shown today (every sentence
today's checks keep, not the first alone), and only for the answers today's checks show: the
readings a gate on it would act on. `--into` writes a copy of the run with those readings as its
`stated_p`, which bench/cv_checks.py replays (`--grid '{"min_stated": [...]}'`).

    python bench/answer_signals.py RUN.jsonl --out SIGNALS.jsonl [--shown]
    python bench/answer_signals.py --score RUN.jsonl:SIGNALS.jsonl [RUN2.jsonl:SIGNALS2.jsonl ...]
    python bench/answer_signals.py --into RUN.jsonl:SIGNALS.jsonl COPY.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

from read_focused import auc
from rejudge_answers import judged_again, stored_rows
from factcheck import vocabulary as vocab
from factcheck.answer import Answerer
from factcheck.checks import draft_sentences
from factcheck.evidence import MARKER, Citation, as_data
from factcheck.settings import Settings


def first_sentence(draft: str) -> str:
    parts = draft_sentences(draft)
    return MARKER.sub("", parts[0]).strip() if parts else ""


def shown_today(a: dict, passages: list[Citation], params) -> str | None:
    """The stored draft's sentences today's checks keep, joined, or None if they refuse the answer."""
    sentences, whole, _ = judged_again(a["question"], dt.date.fromisoformat(a["as_of"]), a["sentences"], passages,
                                       a["answerable_p"], params, lambda doc_id: "", a.get("confidence"))
    return None if whole else " ".join(s.text for s in sentences if s.supported)


def drafts(rows: list[dict]):
    """Each stored answer with a draft and passages: (row, answer, passages, as_of)."""
    for r in rows:
        a = r["answer"]
        if a["sentences"] and a["passages"]:
            yield r, a, [Citation(**p) for p in a["passages"]], dt.date.fromisoformat(a["as_of"])


def read_shown(rows: list[dict], out: Path) -> None:
    """*stated* of each answer as today's checks would show it (see the module's docstring)."""
    settings = Settings()
    llm = settings.build_llm()
    same = Answerer(None, llm, settings.answer)
    with out.open("w", encoding="utf-8") as sink:
        for r, a, passages, as_of in drafts(rows):
            text = shown_today(a, passages, settings.answer)
            if text is None:
                continue
            t0 = time.perf_counter()
            stated = llm.yes_probability(same.messages("stated_user", a["question"], passages, as_of, answer=as_data(text)))
            sink.write(json.dumps({"id": r["id"], "stated_p": round(stated, 4), "stated_s": round(time.perf_counter() - t0, 3)},
                                  ensure_ascii=False) + "\n")
            sink.flush()


def into(pair: str, copy: Path) -> None:
    """The run of RUN:SIGNALS with each read answer's stated_p replaced by the signal's."""
    run, signals = (Path(x) for x in pair.split(":"))
    sig = {s["id"]: s["stated_p"] for s in stored_rows(signals)}
    with copy.open("w", encoding="utf-8") as sink:
        for r in stored_rows(run):
            if r["id"] in sig:
                r["answer"]["stated_p"] = sig[r["id"]]
            sink.write(json.dumps(r, ensure_ascii=False) + "\n")


def read(rows: list[dict], out: Path) -> None:
    settings = Settings()
    llm = settings.build_llm()
    same = Answerer(None, llm, settings.answer)
    other = Answerer(None, llm, settings.answer.model_copy(update={"best_passage_last": not settings.answer.best_passage_last}))
    with out.open("w", encoding="utf-8") as sink:
        for r, a, passages, as_of in drafts(rows):
            first = a["sentences"][0]["text"]
            t0 = time.perf_counter()
            stated = llm.yes_probability(same.messages("stated_user", a["question"], passages, as_of, answer=as_data(first)))
            t1 = time.perf_counter()
            again = llm.complete(other.messages("answer_user", a["question"], passages, as_of), settings.answer.max_tokens)
            t2 = time.perf_counter()
            sink.write(json.dumps({"id": r["id"], "stated_p": round(stated, 4), "reread": first_sentence(again),
                                   "stated_s": round(t1 - t0, 3), "reread_s": round(t2 - t1, 3)}, ensure_ascii=False) + "\n")
            sink.flush()


def agrees(first: str, again: str, question: str) -> float:
    """Share of what the first sentence adds to the question (its new content stems and figures)
    that the reread sentence holds too; 1.0 when it adds nothing."""
    asked = {vocab.stem(w) for w in vocab.words(question)}
    new = {vocab.stem(w) for w in vocab.words(first) if w not in vocab.STOP and len(w) > 2} - asked
    if not new:
        return 1.0
    return len(new & {vocab.stem(w) for w in vocab.words(again)}) / len(new)


def score(pairs: list[str]) -> None:
    """AUC of each signal for right drafts against the rest, among all drafts, the shown and the
    refused ones, pooled over RUN:SIGNALS pairs."""
    groups: dict[str, dict[str, list[float]]] = {}
    for pair in pairs:
        run, signals = (Path(x) for x in pair.split(":"))
        sig = {s["id"]: s for s in stored_rows(signals)}
        for r in stored_rows(run):
            s = sig.get(r["id"])
            if s is None:
                continue
            a = r["answer"]
            first = a["sentences"][0]["text"]
            values = {"stated": s["stated_p"], "agrees": agrees(first, s["reread"], a["question"]),
                      "answerable": a["answerable_p"] or 0.0}
            values["both"] = values["stated"] * values["agrees"]
            label = ("right" if r["draft_right"] else "wrong") if r.get("answerable", False) else "unanswerable"
            for population in ("all", "refused" if r["abstained"] else "shown"):
                for k, v in values.items():
                    groups.setdefault(population, {}).setdefault(label, {}).setdefault(k, []).append(v)
    for population, by_label in groups.items():
        print(population, {lab: len(v["stated"]) for lab, v in by_label.items()})
        for k in ("stated", "agrees", "answerable", "both"):
            right = by_label.get("right", {}).get(k, [])
            wrong = by_label.get("wrong", {}).get(k, [])
            unans = by_label.get("unanswerable", {}).get(k, [])
            print(f"  {k:10s} right against the rest {auc(right, wrong + unans):.3f}, wrong {auc(right, wrong):.3f}, "
                  f"unanswerable {auc(right, unans):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", nargs="?", type=Path, help="a stored run to read again")
    ap.add_argument("--out", type=Path)
    ap.add_argument("--shown", action="store_true", help="read stated only, of the answer as today's checks show it")
    ap.add_argument("--score", nargs="+", metavar="RUN:SIGNALS")
    ap.add_argument("--into", nargs=2, metavar=("RUN:SIGNALS", "COPY"), help="a copy of RUN with the signals' stated_p")
    args = ap.parse_args()
    if args.score:
        score(args.score)
    elif args.into:
        into(args.into[0], Path(args.into[1]))
    elif args.run and args.out:
        (read_shown if args.shown else read)(stored_rows(args.run), args.out)
    else:
        raise SystemExit("give RUN --out SIGNALS, or --score RUN:SIGNALS ...")


if __name__ == "__main__":
    main()
