"""End to end: `streamlit run app.py` on a loopback port, driven in headless Chromium (Debian's
chromium and chromedriver, through Selenium) with the real local model.

One server and one browser for the module; the tests run in order and share the conversation.
Screenshots of every tab go to the test's output directory and, when FACTCHECK_SCREENSHOTS_DIR
is set, there too (that is how docs/screenshots/ for the README is made:
`FACTCHECK_SCREENSHOTS_DIR=docs/screenshots .venv/bin/python -m pytest tests/test_browser.py`).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port, wait_until_serving

pytestmark = [pytest.mark.browser, pytest.mark.slow]

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMEDRIVER = shutil.which("chromedriver")
if not (CHROMIUM and CHROMEDRIVER):
    pytest.skip("Chromium is not installed (apt-get install chromium chromium-driver; .ci/run does this)",
                allow_module_level=True)
from selenium import webdriver  # noqa: E402  (the `test` extra installs it: a missing one is an error)
from selenium.common.exceptions import (  # noqa: E402
    NoSuchElementException,
    StaleElementReferenceException,
    TimeoutException,
)
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.common.keys import Keys  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

QUESTION = "When did Putin and Zelensky last meet?"
AS_OF = "2026-02-01"
ANSWER_TIMEOUT = 600  # model start (~8 s) and an answer (~10 s) or a claim check, on 2 cores shared with other work
PAGE_TIMEOUT = 180  # a page load or a rerun (a second or two when the machine is not busy)

# An article whose text carries live markup of every kind; the page must show it as characters.
PLANTED_NAME = "geneva-tram.md"
PLANTED = """---
title: Geneva tram budget <b>approved</b>
source: Planted Gazette
date: 2026-01-30
---
The Geneva city council approved 4.2 million francs for the new tram line to Meyrin on Thursday. <script>window.__pwned = 1; document.title = "pwned";</script>
Council members said construction of the Meyrin tram line starts in May. <img src=x onerror="window.__pwned = 2">
![tracking pixel](http://127.0.0.1:9/pixel.png) and [click here](javascript:window.__pwned=3) and :red[red text] and $x^2$
and www.example.org and desk@example.org and :material/home: -> done.
"""
PLANTED_QUESTION = "How much did the Geneva city council approve for the new tram line?"


@pytest.fixture(scope="module")
def out_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("browser")


def seeded_store(data: Path, embedder) -> Path:
    from retrieval.loaders import load_path
    from retrieval.store import Corpus

    corpus = Corpus(data, embedder)
    for f in sorted((ROOT / "corpus").iterdir()):
        corpus.add(load_path(f))
    corpus.close()
    return data


@contextmanager
def streamlit_app(data: Path, address: str, log_path: Path):
    """`streamlit run app.py` on `address` and a free port, stopped on leaving; yields the URL on
    loopback (a server bound to 0.0.0.0 is reached there too)."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("FACTCHECK_EDITOR_PASSWORD", "OPENAI_API_KEY",
                                                               "FACTCHECK_LLM_BASE_URL", "FACTCHECK_OPEN_CORPUS")}
    env.update(FACTCHECK_DATA_DIR=str(data), PYTHONUNBUFFERED="1")
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port", str(port),
         "--server.address", address, "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none", "--client.toolbarMode", "minimal"],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(url, proc, log_path, 60)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(15)
        log.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, embedder, out_dir):
    with streamlit_app(seeded_store(tmp_path_factory.mktemp("data"), embedder), "127.0.0.1",
                       out_dir / "streamlit.log") as url:
        yield url


@pytest.fixture(scope="module")
def browser(tmp_path_factory):
    opts = webdriver.ChromeOptions()
    opts.binary_location = CHROMIUM
    profile = tmp_path_factory.mktemp("chromium-profile")
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1400,1000", f"--user-data-dir={profile}"):
        opts.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=opts)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


README_SHOTS = {"ask", "check", "add-sources", "corpus"}  # the README shows these


def screenshot(driver, out_dir: Path, name: str, height: int | None = None) -> Path:
    """Save a PNG to the test output (and, for the README's, to FACTCHECK_SCREENSHOTS_DIR when set)."""
    if height:
        driver.set_window_size(1400, height)
        time.sleep(0.8)
    path = out_dir / f"{name}.png"
    driver.save_screenshot(str(path))
    if (target := os.environ.get("FACTCHECK_SCREENSHOTS_DIR")) and name in README_SHOTS:
        Path(target).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(target) / path.name)
    if height:
        driver.set_window_size(1400, 1000)
    return path


def wait(driver, condition, timeout: float = PAGE_TIMEOUT, what: str = ""):
    try:
        # Streamlit re-renders elements while a script runs: a stale one is retried, not an error.
        return WebDriverWait(driver, timeout, poll_frequency=0.25,
                             ignored_exceptions=(StaleElementReferenceException, NoSuchElementException)
                             ).until(lambda d: condition(d))
    except TimeoutException:
        raise AssertionError(f"timed out after {timeout} s waiting for {what or condition}") from None


def page_idle(driver) -> bool:
    """The script has finished its run (Streamlit shows a 'Running…' status while it works)."""
    return not driver.find_elements(By.CSS_SELECTOR, "[data-testid=stStatusWidget]")


def open_tab(driver, label: str):
    tab = wait(driver, lambda d: next((t for t in d.find_elements(By.CSS_SELECTOR, "[data-testid=stTab]")
                                       if label in t.text), None), what=f"the {label} tab")
    tab.click()
    time.sleep(0.5)
    return tab


def visible_panel(driver):
    return wait(driver, lambda d: next((p for p in d.find_elements(By.CSS_SELECTOR, "[role=tabpanel]") if p.is_displayed()),
                                       None), what="the open tab")


def ask(driver, question: str) -> None:
    box = wait(driver, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=stChatInputTextArea]")
                                       if e.is_displayed() and e.is_enabled()), None), what="the chat input")
    box.send_keys(question)
    box.send_keys(Keys.ENTER)


def assistant_messages(driver):
    return [m for m in driver.find_elements(By.CSS_SELECTOR, "[data-testid=stChatMessage]")
            if m.find_elements(By.CSS_SELECTOR, "[data-testid=stChatMessageAvatarAssistant]")]


def wait_for_answer(driver, n: int, saw_draft: list) -> object:
    """The n-th assistant message, once its checked answer and source cards are shown; records
    whether the draft was seen streaming (the cursor ▌) on the way."""
    def done(d):
        msgs = assistant_messages(d)
        if len(msgs) < n:
            return None
        text = msgs[n - 1].text
        if "▌" in text:
            saw_draft.append(text)
        finished = "Whole article" in text or "The sources don't say" in text or "rror" in text
        return msgs[n - 1] if finished and page_idle(d) else None
    return wait(driver, done, ANSWER_TIMEOUT, "the answer")


def test_ask_streams_a_cited_answer_with_a_kyiv_post_card(server, browser, out_dir):
    browser.get(f"{server}/?as_of={AS_OF}")
    wait(browser, lambda d: "Fact-check assistant" in d.find_element(By.TAG_NAME, "body").text, PAGE_TIMEOUT, "the page")
    screenshot(browser, out_dir, "start")
    ask(browser, QUESTION)
    saw_draft: list[str] = []
    msg = wait_for_answer(browser, 1, saw_draft)
    text = msg.text
    assert "2019" in text, text
    assert "The sources don't say" not in text
    cards = msg.find_elements(By.CSS_SELECTOR, "[class*='st-key-card-']")
    card = next(c for c in cards if "Kyiv Post" in c.text)
    assert "2026-01-28" in card.text and "have not met since 2019" in card.text
    assert saw_draft, "the draft was never seen while the model wrote it"
    assert "OPENAI_API_KEY" not in browser.page_source
    screenshot(browser, out_dir, "ask", height=1300)


def test_conversation_survives_a_page_refresh(server, browser):
    url = browser.current_url
    assert "c=" in url  # the conversation's id is in the address
    browser.refresh()
    text = wait(browser, lambda d: next((m.text for m in assistant_messages(d) if "Whole article" in m.text), None),
                PAGE_TIMEOUT, "the conversation and its source card after a refresh")
    assert "2019" in text and "Kyiv Post" in text and "2026-01-28" in text


def test_whole_article_opens_in_a_dialog(server, browser, out_dir):
    msg = assistant_messages(browser)[0]
    button = next(b for b in msg.find_elements(By.TAG_NAME, "button") if "Whole article" in b.text)
    button.click()
    dialog = wait(browser, lambda d: next(iter(d.find_elements(By.CSS_SELECTOR, "[role=dialog]")), None), PAGE_TIMEOUT, "dialog")
    wait(browser, lambda d: "Ushakov" in dialog.text, PAGE_TIMEOUT, "the article text")
    assert "Kyiv Post" in dialog.text
    screenshot(browser, out_dir, "article")
    closers = [b for b in dialog.find_elements(By.CSS_SELECTOR, "button[aria-label]")
               if "close" in (b.get_attribute("aria-label") or "").lower()]
    if closers:
        closers[0].click()
    else:
        webdriver.ActionChains(browser).send_keys(Keys.ESCAPE).perform()
    wait(browser, lambda d: not d.find_elements(By.CSS_SELECTOR, "[role=dialog]"), PAGE_TIMEOUT, "the dialog to close")


def test_upload_then_planted_markup_is_shown_as_text(server, browser, out_dir, tmp_path):
    planted = tmp_path / PLANTED_NAME
    planted.write_text(PLANTED, encoding="utf-8")
    open_tab(browser, "Add sources")
    panel = visible_panel(browser)  # the Check a draft tab has a file uploader of its own
    upload = wait(browser, lambda d: next(iter(panel.find_elements(By.CSS_SELECTOR, "[data-testid=stFileUploader] input[type=file]")), None),
                  what="the file input")
    upload.send_keys(str(planted))
    wait(browser, lambda d: PLANTED_NAME in panel.find_element(By.CSS_SELECTOR, "[data-testid=stFileUploader]").text,
         PAGE_TIMEOUT, "the file to be staged")
    submit = next(b for b in browser.find_elements(By.CSS_SELECTOR, "[data-testid=stBaseButton-primaryFormSubmit]")
                  if "Add to the corpus" in b.text)
    submit.click()
    wait(browser, lambda d: "searchable now" in d.find_element(By.TAG_NAME, "body").text and page_idle(d), PAGE_TIMEOUT,
         "the upload to finish")
    body = browser.find_element(By.TAG_NAME, "body").text
    assert "Added" in body and PLANTED_NAME in body
    screenshot(browser, out_dir, "add-sources", height=1200)

    open_tab(browser, "Ask")
    ask(browser, PLANTED_QUESTION)
    msg = wait_for_answer(browser, 2, [])
    assert "Planted Gazette" in msg.text, msg.text
    # The markup is on the page as characters...
    assert "<script>" in msg.text and "onerror" in msg.text and "![tracking pixel]" in msg.text
    # ... and nothing in it became an element or ran.
    assert browser.execute_script("return window.__pwned === undefined")
    assert browser.title != "pwned"
    assert not browser.find_elements(By.CSS_SELECTOR, "img[src='x'], img[src*='pixel.png'], a[href^='javascript'], "
                                                      "a[href*='pixel.png'], a[href^='mailto'], a[href*='example.org']")
    assert not [s for s in browser.find_elements(By.TAG_NAME, "script")
                if "__pwned" in (s.get_attribute("innerHTML") or "")]
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid=stMarkdownContainer] b, .katex")
    screenshot(browser, out_dir, "planted-markup", height=1400)


def test_check_a_claim_tab(server, browser, out_dir):
    open_tab(browser, "Check a claim")
    area = wait(browser, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=stTextArea] textarea")
                                         if e.is_displayed()), None), what="the claim box")
    area.send_keys("Putin and Zelensky met in Moscow in January 2026.")
    button = next(b for b in browser.find_elements(By.TAG_NAME, "button") if "Check the claim" in b.text and b.is_displayed())
    button.click()
    panel = visible_panel(browser)
    wait(browser, lambda d: "Download report" in panel.text or panel.find_elements(By.CSS_SELECTOR, "[data-testid=stAlert]"),
         ANSWER_TIMEOUT, "the verdict")
    time.sleep(1)
    body = panel.text
    screenshot(browser, out_dir, "check", height=1300)
    assert "Download report (JSON)" in body, body[-2000:]


def test_corpus_tab(server, browser, out_dir):
    open_tab(browser, "Corpus")
    wait(browser, lambda d: "2 articles" in d.find_element(By.TAG_NAME, "body").text, PAGE_TIMEOUT, "the corpus table")
    wait(browser, page_idle, PAGE_TIMEOUT, "the page to settle")  # the coverage chart draws after the table

    def article_list(d):
        """The list's Kyiv Post entry once the list is open; until then, open it (scrolled into view:
        the chart above it moves it as it draws)."""
        found = next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]") if "Kyiv Post" in o.text), None)
        if found is None:
            box = next(e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=stSelectbox]")
                       if "Open an article" in e.text and e.is_displayed())
            d.execute_script("arguments[0].scrollIntoView({block: 'center'})", box)
            box.find_element(By.CSS_SELECTOR, "input").click()
        return found

    option = wait(browser, article_list, PAGE_TIMEOUT, "the article list")
    option.click()
    wait(browser, lambda d: "Delete this article" in d.find_element(By.TAG_NAME, "body").text and page_idle(d), PAGE_TIMEOUT,
         "the open article")
    screenshot(browser, out_dir, "corpus", height=1300)


def test_served_on_the_network_without_a_password_the_corpus_is_read_only(browser, out_dir, tmp_path, embedder):
    """The app bound to every interface (0.0.0.0) with no editor password: no upload, no web-page
    fetch, no delete; a note says how to enable editing; asking and reading still work."""
    with streamlit_app(seeded_store(tmp_path / "data", embedder), "0.0.0.0", out_dir / "streamlit-exposed.log") as url:
        browser.get(f"{url}/?as_of={AS_OF}")
        wait(browser, lambda d: "Fact-check assistant" in d.find_element(By.TAG_NAME, "body").text, PAGE_TIMEOUT, "the page")
        open_tab(browser, "Add sources")
        panel = visible_panel(browser)
        wait(browser, lambda d: "Read-only corpus" in panel.text and page_idle(d), PAGE_TIMEOUT, "the read-only note")
        assert "To enable editing" in panel.text and "FACTCHECK_EDITOR_PASSWORD" in panel.text, panel.text
        assert not panel.find_elements(By.CSS_SELECTOR, "[data-testid=stFileUploader], input[type=file]")
        assert "address of a web page" not in panel.text and "Add to the corpus" not in panel.text
        screenshot(browser, out_dir, "read-only")

        open_tab(browser, "Corpus")
        box = wait(browser, lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, "[data-testid=stSelectbox]")
                                            if "Open an article" in e.text and e.is_displayed()), None),
                   PAGE_TIMEOUT, "the article picker")
        box.click()
        wait(browser, lambda d: next((o for o in d.find_elements(By.CSS_SELECTOR, "[role=option]")
                                      if "Kyiv Post" in o.text), None), PAGE_TIMEOUT, "the article list").click()
        wait(browser, lambda d: "have not met since 2019" in d.find_element(By.TAG_NAME, "body").text and page_idle(d),
             PAGE_TIMEOUT, "the open article")
        body = browser.find_element(By.TAG_NAME, "body").text
        assert "Delete this article" not in body and "Read-only corpus" in body  # the sidebar says it too
        assert any(t for t in browser.find_elements(By.CSS_SELECTOR, "[data-testid=stChatInputTextArea]"))
