from pathlib import Path

import pytest

from retrieval.cleaning import clean_text, normalise_for_identity

SEED = Path(__file__).resolve().parents[1].parent / "shared" / "seed"


def test_nfc_and_newlines():
    assert clean_text("Cafe\u0301\r\nline two\rline three") == "Café\nline two\nline three"


def test_control_characters_dropped_but_tab_kept():
    assert clean_text("a\x00b\x07c\td\x1b\ufeffe") == "abc\tde"


def test_trailing_spaces_and_blank_runs():
    text = "  first   \n\n\n\n\nsecond\t \n\nthird\n\n\n"
    assert clean_text(text) == "first\n\nsecond\n\nthird"


@pytest.mark.parametrize(
    "line",
    ["Advertisement", "ADVERTISEMENT", "  advertisement  ", "Sponsored", "Story continues below advertisement",
     "Scroll to continue", "Skip to content", "Share this article", "Read more"],
)
def test_lone_boilerplate_lines_dropped(line):
    assert clean_text(f"Para one.\n{line}\nPara two.") == "Para one.\nPara two."


def test_boilerplate_words_inside_sentences_kept():
    text = "Read more about the budget in our explainer.\nThe Advertisement Act passed."
    assert clean_text(text) == text


def test_trailing_source_lines_dropped_only_at_end():
    text = "Kyiv Post reported the talks.\nThe talks went on.\n kyiv post \n\nKyiv Post\n\n"
    assert clean_text(text, "Kyiv Post") == "Kyiv Post reported the talks.\nThe talks went on."
    assert clean_text(text).endswith("Kyiv Post")  # without a source nothing is guessed


def test_clean_is_idempotent():
    text = "A\r\n\r\n\r\nAdvertisement\r\nB  \x00\nKyiv Post\n"
    once = clean_text(text, "Kyiv Post")
    assert clean_text(once, "Kyiv Post") == once


def test_normalise_for_identity():
    assert normalise_for_identity("  Cafe\u0301 \n\n said\t\tno \u00a0 ") == "Café said no"
    assert normalise_for_identity("a\nb") == normalise_for_identity("a   b")


def test_seed_article_from_kyiv_post():
    raw = (SEED / "kyiv-post-putin-zelensky.txt").read_text(encoding="utf-8")
    assert "\nAdvertisement\n" in raw and "\nKyiv Post\n" in raw
    text = clean_text(raw, "Kyiv Post")
    assert "Advertisement" not in text.splitlines()
    assert not text.endswith("Kyiv Post")
    assert text.endswith("Putin and Zelensky have not met since 2019.")
    assert "Putin and Zelensky have not met since 2019." in text
    assert text.startswith("Russian President Vladimir Putin’s aide, Yuri Ushakov")


def test_video_ad_feedback_form_is_dropped():
    text = ("1. How relevant is this ad to you?\n\nVideo player was slow to load content Video content never loaded "
            "Ad froze or did not finish loading Video content did not start after ad Audio on ad was too loud Other issues\n\n"
            "The senate passed the bill on Tuesday.")
    assert clean_text(text) == "The senate passed the bill on Tuesday."
