"""Evaluation on sets laid out as DIR/corpus.jsonl + DIR/queries.jsonl (see ../shared/evaldata).

Retrieval is judged per article: the ranked list of distinct articles (at most one passage each)
against the query's gold_doc_ids, which name articles by their JSONL `id`. Gold ids are mapped to
our doc ids (the hash of the text), so that two JSONL lines with the same text, which the corpus
rightly stores once, count as the same article.
"""

from __future__ import annotations

import json
import math
import re
import statistics
import time
from pathlib import Path

from pydantic import BaseModel

from factcheck.answer import Answer
from factcheck.dates import read_date
from factcheck.settings import Settings
from retrieval.errors import RefusedInput
from retrieval.identity import article_id
from retrieval.loaders import iter_jsonl

K = 10
MODES = {  # name: (search mode, use the question date)
    "hybrid": ("hybrid", True),
    "hybrid_no_time": ("hybrid", False),
    "dense": ("dense", True),
    "lexical": ("lexical", True),
}


class Metrics(BaseModel):
    queries: int
    hit_at_1: float
    hit_at_5: float
    hit_at_10: float
    mrr_at_10: float
    ndcg_at_10: float


class RetrievalReport(BaseModel):
    dataset: str
    articles: int
    chunks: int
    queries_total: int
    queries_scored: int
    modes: dict[str, Metrics]
    median_latency_ms: float  # hybrid, k=10, query embedding included
    p95_latency_ms: float
    seconds: float


def read_queries(directory: Path, path: Path | None = None) -> list[dict]:
    path = path or directory / "queries.jsonl"
    if not path.is_file():
        raise RefusedInput(f"{path} not found: an evaluation set needs corpus.jsonl and queries.jsonl")
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def eval_corpus(settings: Settings, directory: Path, data_dir: Path | None = None, progress=None):
    """Open (or build once) a store holding DIR/corpus.jsonl, kept apart from the user's corpus."""
    data_dir = data_dir or settings.data_dir / "eval" / f"{directory.resolve().name}-{settings.chunk_size}-{settings.chunk_overlap}"
    corpus = settings.model_copy(update={"data_dir": data_dir, "chroma_host": settings.chroma_host}).build_corpus()
    corpus.ingest(iter_jsonl(directory / "corpus.jsonl", max_bytes=settings.max_bytes), progress=progress)
    return corpus


def gold_map(directory: Path) -> dict[str, str]:
    """JSONL id -> doc id, computed exactly as ingest computes it (after cleaning)."""
    return {a.external_id: article_id(a.text) for _, a in iter_jsonl(directory / "corpus.jsonl")
            if not isinstance(a, Exception) and a.external_id}


def score(ranked: list[str], gold: set[str]) -> tuple[float, float, float, float, float]:
    """hit@1, hit@5, hit@10, reciprocal rank@10, nDCG@10 (binary relevance)."""
    ranks = [i for i, d in enumerate(ranked[:K]) if d in gold]
    dcg = sum(1 / math.log2(i + 2) for i in ranks)
    idcg = sum(1 / math.log2(i + 2) for i in range(min(len(gold), K)))
    first = ranks[0] if ranks else None
    return (float(first == 0), float(first is not None and first < 5), float(first is not None),
            1 / (first + 1) if first is not None else 0.0, dcg / idcg if idcg else 0.0)


def evaluate_retrieval(settings: Settings, directory: Path, *, limit: int | None = None,
                       data_dir: Path | None = None, queries_file: Path | None = None,
                       progress=None) -> RetrievalReport:
    t0 = time.perf_counter()
    corpus = eval_corpus(settings, directory, data_dir, progress)
    searcher = settings.build_searcher(corpus)
    everything = read_queries(directory, queries_file)
    queries = [q for q in everything if q.get("gold_doc_ids") and (q.get("question") or q.get("claim"))]
    total = len(everything)
    if limit:
        queries = queries[:limit]
    to_doc = gold_map(directory)
    sums = {m: [0.0] * 5 for m in MODES}
    latencies = []
    for q in queries:
        text = q.get("question") or q.get("claim")
        day = q.get("question_date") or q.get("claim_date")
        as_of = read_date(day) if day else None
        gold = {to_doc.get(str(g), str(g)) for g in q["gold_doc_ids"]}
        t = time.perf_counter()
        vec = corpus.embedder.embed([text])[0]
        for name, (mode, timed) in MODES.items():
            hits = searcher.search(text, K, mode=mode, as_of=as_of if timed else None, time_aware=timed,
                                   per_article=1, query_vec=vec)
            if name == "hybrid":
                latencies.append((time.perf_counter() - t) * 1000)
            # A copy shown in place of the gold article (search shows one article per origin
            # group) holds the same story: the gold is found.
            ranked = [next((d for d in (h.doc_id, *(c.doc_id for c in h.copies)) if d in gold), h.doc_id) for h in hits]
            for i, v in enumerate(score(ranked, gold)):
                sums[name][i] += v
    n = max(len(queries), 1)
    modes = {m: Metrics(queries=len(queries), **dict(zip(
        ("hit_at_1", "hit_at_5", "hit_at_10", "mrr_at_10", "ndcg_at_10"), (round(v / n, 4) for v in s))))
        for m, s in sums.items()}
    stats = corpus.stats()
    lat = sorted(latencies) or [0.0]
    return RetrievalReport(dataset=directory.resolve().name, articles=stats.articles, chunks=stats.chunks,
                           queries_total=total, queries_scored=len(queries), modes=modes,
                           median_latency_ms=round(statistics.median(lat), 2),
                           p95_latency_ms=round(lat[min(len(lat) - 1, int(0.95 * len(lat)))], 2),
                           seconds=round(time.perf_counter() - t0, 1))


# ---- answers ------------------------------------------------------------------------------------
class QAReport(BaseModel):
    dataset: str
    questions: int
    answerable: int
    unanswerable: int
    answer_accuracy: float  # answerable questions whose answer contains an expected answer
    cited_accuracy: float  # ... and cites a passage from a gold article that contains the answer
    draft_accuracy: float  # answerable questions whose draft, before the checks, contains an expected answer:
    # what the model read right (the checks take sentences away; a source's sentence quoted after a short
    # answer can still add the expected words to what is shown)
    abstention_rate: float  # on unanswerable questions (higher is better)
    false_abstention_rate: float  # on answerable questions (lower is better)
    median_seconds: float
    median_first_token_s: float | None
    model: str
    seconds: float


def normalise_answer(text: str) -> str:
    text = text.lower().replace("’", "'").replace("&", " and ")  # "New Jersey & Oregon" is "New Jersey and Oregon"
    text = re.sub(r"(?<=\w)'s\b", " ", text)  # "Saudi Arabia's ministry" names Saudi Arabia (not "arabias")
    text = re.sub(r"[\"“”‘'`´]", "", text)
    text = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", text)  # full stops go, decimal points stay
    text = re.sub(r"[^\w$%.]+", " ", text)
    return " " + re.sub(r"\s+", " ", text).strip() + " "


def contains_answer(text: str, answers: list[str]) -> bool:
    t = normalise_answer(text)
    return any(normalise_answer(a).strip() and normalise_answer(a) in t for a in answers)


def answer_gold(q: dict, to_doc: dict[str, str]) -> set[str]:
    """The doc ids of a question's gold articles (those it was written from and those holding its answer)."""
    return {to_doc.get(str(g), str(g)) for g in (q.get("gold_doc_ids") or []) + (q.get("answer_doc_ids") or [])}


def judge_answer(text: str, citations, answers: list[str], gold: set[str]) -> tuple[bool, bool]:
    """(right: an expected answer is in the shown text, cited: and a cited passage from a gold
    article holds it too). Shared with bench/rejudge_answers.py."""
    right = contains_answer(text, answers)
    return right, right and any(c.doc_id in gold and contains_answer(c.quote, answers) for c in citations)


def judge_row(a: Answer, answerable: bool, answers: list[str], gold: set[str]) -> dict[str, bool]:
    """An Answer judged: right and cited as shown (judge_answer), and whether the model's draft
    held an expected answer before the checks kept or refused its sentences."""
    shown = answerable and not a.abstained
    right, cited = (shown and x for x in judge_answer(a.text, a.citations, answers, gold))
    draft = " ".join(s.text for s in a.sentences)
    return {"right": right, "cited": cited, "draft_right": answerable and contains_answer(draft, answers)}


def evaluate_qa(settings: Settings, directory: Path, *, limit: int | None = None, data_dir: Path | None = None,
                out: Path | None = None, progress=None) -> QAReport:
    t0 = time.perf_counter()
    corpus = eval_corpus(settings, directory, data_dir)
    answerer = settings.build_answerer(settings.build_searcher(corpus))
    to_doc = gold_map(directory)
    questions = [q for q in read_queries(directory) if q.get("question")]
    if limit:
        questions = questions[:limit]
    rows = []
    for q in questions:
        day = q.get("question_date")
        a = answerer.ask(q["question"], read_date(day) if day else None)
        answerable = q.get("answerable", True)
        answers = q.get("answers") or []
        rows.append({"id": q.get("id"), "answerable": answerable, **judge_row(a, answerable, answers, answer_gold(q, to_doc)),
                     "abstained": a.abstained, "answerable_p": a.answerable_p, "seconds": a.timings.get("total_s", 0.0),
                     "first_token_s": a.timings.get("first_token_s"), "answers": answers, "answer": a.model_dump(mode="json")})
        if progress:
            progress(rows[-1])
    if out:
        out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    yes = [r for r in rows if r["answerable"]]
    no = [r for r in rows if not r["answerable"]]
    frac = lambda xs, key: round(sum(1 for r in xs if r[key]) / len(xs), 4) if xs else 0.0  # noqa: E731
    firsts = [r["first_token_s"] for r in rows if r["first_token_s"] is not None]
    return QAReport(dataset=directory.resolve().name, questions=len(rows), answerable=len(yes), unanswerable=len(no),
                    answer_accuracy=frac(yes, "right"), cited_accuracy=frac(yes, "cited"), draft_accuracy=frac(yes, "draft_right"),
                    abstention_rate=frac(no, "abstained"), false_abstention_rate=frac(yes, "abstained"),
                    median_seconds=round(statistics.median([r["seconds"] for r in rows]), 2) if rows else 0.0,
                    median_first_token_s=round(statistics.median(firsts), 2) if firsts else None,
                    model=answerer.llm.label, seconds=round(time.perf_counter() - t0, 1))


# ---- claims -------------------------------------------------------------------------------------
THREE = ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")


class ClaimsReport(BaseModel):
    dataset: str
    claims: int  # judged claims
    counted: int  # with one of the three labels (DISPUTED, CONFLICTING... are reported apart)
    accuracy: float
    macro_f1: float
    f1: dict[str, float]
    confusion: dict[str, dict[str, int]]  # gold label -> predicted verdict -> count (MIXED counts as NOT_ENOUGH_INFO)
    other_labels: dict[str, dict[str, int]]  # gold labels beyond the three -> predicted -> count
    evidence_hit_rate: float  # SUPPORTED/REFUTED claims whose shown evidence includes a gold article
    cited_hit_rate: float  # SUPPORTED/REFUTED claims given SUPPORTED/REFUTED whose cited passage is from a gold article
    median_seconds: float
    model: str
    seconds: float


def stratified(rows: list[dict], limit: int | None, key: str = "label") -> list[dict]:
    """The first rows of each label in proportion to the whole, in file order: a --limit run keeps
    the label mix of the full set."""
    if not limit or limit >= len(rows):
        return rows
    by: dict[str, list[dict]] = {}
    for r in rows:
        by.setdefault(str(r.get(key)), []).append(r)
    quota = {k: max(1, round(limit * len(v) / len(rows))) for k, v in by.items()}
    keep = {id(r) for k, v in by.items() for r in v[:quota[k]]}
    return [r for r in rows if id(r) in keep]


def macro_f1(confusion: dict[str, dict[str, int]]) -> dict[str, float]:
    out = {}
    for lab in THREE:
        tp = confusion.get(lab, {}).get(lab, 0)
        fp = sum(confusion.get(g, {}).get(lab, 0) for g in THREE if g != lab)
        fn = sum(n for p, n in confusion.get(lab, {}).items() if p != lab)
        out[lab] = round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0
    return out


def evaluate_claims(settings: Settings, directory: Path, *, limit: int | None = None, data_dir: Path | None = None,
                    queries_file: Path | None = None, out: Path | None = None, progress=None) -> ClaimsReport:
    t0 = time.perf_counter()
    corpus = eval_corpus(settings, directory, data_dir)
    checker = settings.build_checker(settings.build_searcher(corpus))
    path = queries_file or (directory / "claims.jsonl" if (directory / "claims.jsonl").is_file() else None)
    claims = stratified([q for q in read_queries(directory, path) if q.get("claim") and q.get("label")], limit)
    to_doc = gold_map(directory)
    rows = []
    sink = out.open("w", encoding="utf-8") if out else None
    try:
        for q in claims:
            day = q.get("claim_date")
            c = checker.check(q["claim"], read_date(day) if day else None)
            gold = {to_doc.get(str(g), str(g)) for g in q.get("gold_doc_ids") or []}
            cited = {e.doc_id for p in c.parts for e in p.evidence if e.n in p.cites}
            shown = cited or {e.doc_id for p in c.parts for e in p.evidence}
            pred = "NOT_ENOUGH_INFO" if c.verdict.value == "MIXED" else c.verdict.value
            row = {"id": q.get("id"), "label": q["label"], "pred": pred, "gold_docs": sorted(gold),
                   "evidence_hit": bool(shown & gold), "cited_hit": bool(cited & gold),
                   "seconds": c.timings.get("total_s", 0.0), "check": c.model_dump(mode="json")}
            rows.append(row)
            if sink:
                sink.write(json.dumps(row, ensure_ascii=False) + "\n")
                sink.flush()
            if progress:
                progress(row)
    finally:
        if sink:
            sink.close()
    return claims_report(rows, directory.resolve().name, checker.llm.label, time.perf_counter() - t0)


def claims_report(rows: list[dict], dataset: str, model: str, seconds: float) -> ClaimsReport:
    """The figures from judged rows; bench/fit_claims.py re-scores stored rows with it."""
    confusion: dict[str, dict[str, int]] = {g: {p: 0 for p in THREE} for g in THREE}
    other: dict[str, dict[str, int]] = {}
    for r in rows:
        table = confusion[r["label"]] if r["label"] in THREE else other.setdefault(r["label"], {p: 0 for p in THREE})
        table[r["pred"]] += 1
    counted = [r for r in rows if r["label"] in THREE]
    f1 = macro_f1(confusion)
    decided = [r for r in counted if r["label"] != "NOT_ENOUGH_INFO" and r["gold_docs"]]
    cited = [r for r in decided if r["pred"] in ("SUPPORTED", "REFUTED")]
    frac = lambda xs, key: round(sum(1 for r in xs if r[key]) / len(xs), 4) if xs else 0.0  # noqa: E731
    return ClaimsReport(dataset=dataset, claims=len(rows), counted=len(counted),
                        accuracy=round(sum(r["pred"] == r["label"] for r in counted) / len(counted), 4) if counted else 0.0,
                        macro_f1=round(sum(f1.values()) / 3, 4), f1=f1, confusion=confusion, other_labels=other,
                        evidence_hit_rate=frac(decided, "evidence_hit"), cited_hit_rate=frac(cited, "cited_hit"),
                        median_seconds=round(statistics.median([r["seconds"] for r in rows]), 2) if rows else 0.0,
                        model=model, seconds=round(seconds, 1))
