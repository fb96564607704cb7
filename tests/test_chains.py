"""The answerer and the checker as LangChain Runnables (factcheck/chains.py): invoke, stream,
batch, callbacks, composition and tools, with scripted models; the README's example runs
against the real local model (slow)."""

import datetime as dt
import re

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.runnables import RunnableLambda, RunnableParallel
from langchain_core.tools import BaseTool

from factcheck.answer import Answer, Answerer
from factcheck.chains import AnswerRunnable, CheckRunnable
from factcheck.claims import Checker, ClaimCheck, ClaimParams, Label
from retrieval.retriever import CorpusRetriever
from retrieval.search import Searcher
from tests.conftest import ROOT
from tests.fakes import ScriptedModel
from tests.test_claims_logic import scripted

QUESTION = "When did Putin and Zelensky last meet?"
REPLY = "Putin and Zelensky have not met since 2019 [1]."


class Recorder(BaseCallbackHandler):
    def __init__(self):
        self.started, self.ended = [], []

    def on_chain_start(self, serialized, inputs, **kw):
        self.started.append(kw.get("name"))

    def on_chain_end(self, outputs, **kw):
        self.ended.append(outputs)


@pytest.fixture
def answer(seeded):
    return AnswerRunnable(answerer=Answerer(Searcher(seeded), ScriptedModel(REPLY, 0.9)), as_of=dt.date(2026, 2, 1))


def test_invoke_takes_a_string_or_a_dict_and_gives_the_cited_answer(answer):
    a = answer.invoke(QUESTION)
    assert isinstance(a, Answer) and not a.abstained and "2019 [1]" in a.text and a.as_of == dt.date(2026, 2, 1)
    b = answer.invoke({"question": QUESTION, "as_of": "1 February 2026"})
    assert b.text == a.text and b.as_of == dt.date(2026, 2, 1)
    early = answer.invoke({"question": QUESTION, "as_of": "2020-01-01"})  # before the article: nothing to cite
    assert early.abstained and not early.passages
    assert answer.invoke({"input": QUESTION, "sources": ["Nobody's Gazette"]}).abstained


def test_stream_yields_the_draft_then_the_answer_and_callbacks_see_the_run(answer):
    seen = Recorder()
    chunks = list(answer.stream(QUESTION, config={"callbacks": [seen], "run_name": "ask"}))
    assert all(isinstance(c, str) for c in chunks[:-1]) and isinstance(chunks[-1], Answer)
    assert "".join(chunks[:-1]) == REPLY and "2019 [1]" in chunks[-1].text
    assert seen.started == ["ask"] and isinstance(seen.ended[-1], Answer)


def test_batch_and_a_chain_with_the_retriever(answer, seeded):
    answers = answer.batch([QUESTION, {"question": QUESTION, "as_of": "2020-01-01"}])
    assert [a.abstained for a in answers] == [False, True]
    retriever = CorpusRetriever(searcher=Searcher(seeded), k=2, as_of=dt.date(2026, 2, 1))
    chain = RunnableParallel(passages=retriever, answer=answer) | RunnableLambda(
        lambda r: {"text": r["answer"].text, "passages": [d.metadata["source"] for d in r["passages"]]})
    out = chain.invoke(QUESTION)
    assert "2019" in out["text"] and out["passages"][0] == "Kyiv Post"
    streamed = list(chain.stream(QUESTION))
    assert streamed[-1]["text"] == out["text"]
    assert answer.get_input_jsonschema()["required"] == ["question"]


def test_tools_reply_with_text_and_quoted_sources(answer, seeded):
    tool = answer.as_tool()
    assert isinstance(tool, BaseTool) and tool.name == "answer_from_sources" and set(tool.args) == {"question", "as_of", "sources"}
    reply = tool.invoke({"question": QUESTION})
    assert reply.startswith(REPLY.removesuffix(".")) and "Sources:" in reply and "Kyiv Post" in reply and "since 2019" in reply
    check = CheckRunnable(checker=Checker(Searcher(seeded), scripted(probs=(0.05, 0.97)), ClaimParams(method="probabilities")))
    verdict = check.invoke({"claim": "Putin and Zelensky met in Abu Dhabi in January 2026.", "as_of": "30/01/2026"})
    assert isinstance(verdict, ClaimCheck) and verdict.verdict is Label.REFUTED and verdict.as_of == dt.date(2026, 1, 30)
    check_tool = check.as_tool()
    assert check_tool.name == "check_claim" and "claim" in check_tool.args
    text = check_tool.invoke({"claim": "Putin and Zelensky met in Abu Dhabi in January 2026."})
    assert text.startswith("REFUTED: Putin and Zelensky met") and "Kyiv Post" in text


def readme_example() -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Use from LangChain", 1)[1].split("\n## ", 1)[0]
    return re.search(r"```python\n(.*?)```", section, re.S).group(1)


@pytest.mark.slow
def test_the_readme_example_runs_against_the_local_model(tmp_path, monkeypatch, capsys, local_llm):
    """The README's LangChain example, as written there, on a corpus holding the seed article."""
    from factcheck.settings import Settings
    from retrieval.loaders import load_path

    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(tmp_path / "data"))
    corpus = Settings().build_corpus()
    corpus.add(load_path(ROOT / "corpus" / "kyiv-post-putin-zelensky.md"))
    corpus.close()
    monkeypatch.setattr(Settings, "build_llm", lambda self: local_llm)  # the model started once for the run
    scope: dict = {}
    exec(compile(readme_example(), "README.md", "exec"), scope)  # noqa: S102 - the project's own README
    out = scope["result"]
    assert "2019" in out["answer"].text and out["answer"].citations and not out["answer"].abstained
    assert out["passages"][0].metadata["source"] == "Kyiv Post"
    assert out["verdict"].startswith("REFUTED")
    printed = capsys.readouterr().out
    assert "2019" in printed and "REFUTED" in printed
