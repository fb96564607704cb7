"""The Streamlit page, run headless by streamlit's own test harness against a real store."""

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import ROOT


@pytest.fixture
def app(tmp_path, monkeypatch, seeded):
    monkeypatch.setenv("FACTCHECK_DATA_DIR", str(seeded.data_dir))
    seeded.close()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    return at


def test_page_lists_the_corpus(app):
    assert "1 articles" in app.caption[0].value
    table = app.dataframe[0].value
    assert list(table["outlet"]) == ["Kyiv Post"] and str(table["date"][0]).startswith("2026-01-28")


def test_search_shows_the_2019_passage_as_text(app):
    app.text_input[0].input("When did Putin and Zelensky last meet?").run()
    assert not app.exception
    texts = [t.value for t in app.text]
    assert any("have not met since 2019" in t for t in texts)
    assert any("Kyiv Post" in t for t in texts)
