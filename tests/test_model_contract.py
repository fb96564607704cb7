"""One contract for every model behind the seam (`factcheck.llm.Model`): the tests' scripted fake,
the embedded model, and the OpenAI-compatible client against a remote endpoint. A fake that drifts
from what the real models do would let the logic tests pass on behaviour no real model has."""

import pytest

from factcheck.llm import ChatModel, Model
from tests.conftest import http_server
from tests.fakes import ScriptedModel
from tests.test_secrets import FakeEndpoint

MESSAGES = [{"role": "system", "content": "You answer in one short sentence."},
            {"role": "user", "content": "Passage [1]: Putin and Zelensky have not met since 2019.\n"
                                        "Question: Did Putin and Zelensky meet in 2019? Answer yes or no."}]


@pytest.fixture(params=["scripted", "remote endpoint", pytest.param("embedded", marks=pytest.mark.slow)])
def model(request):
    if request.param == "scripted":
        yield ScriptedModel("Putin and Zelensky have not met since 2019 [1].", 0.9, token_p=0.8)
    elif request.param == "remote endpoint":
        with http_server(FakeEndpoint, mode="ok", seen=[]) as httpd:
            yield ChatModel(f"http://127.0.0.1:{httpd.server_port}/v1", "sk-test", "m", label="remote m")
    else:
        yield request.getfixturevalue("local_llm")


def test_a_model_keeps_the_contract_of_the_seam(model):
    assert isinstance(model, Model) and isinstance(model.label, str) and model.label
    text = model.complete(MESSAGES, max_tokens=24)
    assert isinstance(text, str) and text.strip()
    tokens: list[tuple[str, float]] = []
    pieces = list(model.stream(MESSAGES, 24, tokens=tokens))
    assert pieces and all(isinstance(p, str) for p in pieces) and "".join(pieces).strip()
    # Token probabilities, where an endpoint gives them, are log-probabilities of the pieces written.
    assert all(isinstance(t, str) and isinstance(lp, float) and lp <= 0.0 for t, lp in tokens)
    if tokens:
        assert "".join(t for t, _ in tokens).strip() == "".join(pieces).strip()
    for fresh in (False, True):
        p = model.yes_probability(MESSAGES, fresh=fresh)
        assert isinstance(p, float) and 0.0 <= p <= 1.0
