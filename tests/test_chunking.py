from hypothesis import given, settings, strategies as st

from retrieval.chunking import chunk_article, sentence_spans
from retrieval.models import Article


def test_sentences_keep_abbreviations_together():
    text = "Mr. Smith went to Washington. He met Dr. Jones at 5 p.m. on Jan. 3. It rained!"
    sents = [text[s:e] for s, e in sentence_spans(text)]
    assert sents[0] == "Mr. Smith went to Washington."
    assert sents[-1] == "It rained!"
    text = "The court overturned Roe v. Wade on Friday. Sgt. Lee spoke. Residents of Ft. Myers left."
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "The court overturned Roe v. Wade on Friday.", "Sgt. Lee spoke.", "Residents of Ft. Myers left."]


def test_one_splitter_keeps_initials_and_state_abbreviations_whole():
    """Chunking, evidence and drafts share this splitter: a name cut in two is a false sentence."""
    def sents(text):
        return [text[s:e] for s, e in sentence_spans(text)]
    assert sents("President George W. Bush spoke at the U.N. Security Council. Then he left.") == [
        "President George W. Bush spoke at the U.N. Security Council.", "Then he left."]
    assert sents("George Santos, R-N.Y., was expelled. Tim Scott, R-S.C., ran. Ms. Lee moved to Washington, D.C. She stayed.") == [
        "George Santos, R-N.Y., was expelled.", "Tim Scott, R-S.C., ran.", "Ms. Lee moved to Washington, D.C.", "She stayed."]
    # A stop with no space after it ends nothing: code and addresses in a source stay in their sentence.
    assert sents("It ran window.__x = 1 here. ![pixel](http://h/p.png) and more.") == [
        "It ran window.__x = 1 here.", "![pixel](http://h/p.png) and more."]
    # A quotation starts with its opening mark, and a dotted name is one word.
    assert sents("“It was too hot,” he tells CNN. “The foreman complained.” It was at PowerOutage.US. Then it ended.") == [
        "“It was too hot,” he tells CNN.", "“The foreman complained.”", "It was at PowerOutage.US.", "Then it ended."]


def test_a_line_break_ends_a_sentence_unless_the_line_goes_on_in_lower_case():
    text = "Storm hits the coast\nThe storm came ashore at\nnight. It weakened.\n\n- first item\n- second item"
    assert [text[s:e] for s, e in sentence_spans(text)] == [
        "Storm hits the coast", "The storm came ashore at\nnight.", "It weakened.", "- first item", "- second item"]


def test_chunks_are_exact_slices_with_overlap():
    sentences = [f"Sentence number {i} says something about topic {i % 7}." for i in range(60)]
    a = Article(doc_id="d", text=" ".join(sentences))
    chunks = chunk_article(a, size=300, overlap=80)
    assert len(chunks) > 5
    for c in chunks:
        assert c.text == a.text[c.start : c.end]
        assert len(c.text) <= 300
        assert c.text[0].isupper() and c.text.endswith(".")  # starts and ends on sentence boundaries
    for prev, nxt in zip(chunks, chunks[1:]):
        assert nxt.start < prev.end  # overlap
        assert nxt.start > prev.start  # progress
    assert [c.chunk_id for c in chunks] == [f"d:{i}" for i in range(len(chunks))]


def test_chunk_size_setting_is_honoured():
    a = Article(doc_id="d", text=" ".join(f"Word{i} is here." for i in range(400)))
    small = chunk_article(a, size=200, overlap=0)
    big = chunk_article(a, size=2000, overlap=0)
    assert max(len(c.text) for c in small) <= 200
    assert len(small) > 4 * len(big)


def test_overlong_sentence_is_cut_at_words():
    a = Article(doc_id="d", text="word " * 1000)
    chunks = chunk_article(a, size=500, overlap=100)
    assert all(len(c.text) <= 500 for c in chunks)
    assert all(c.text == a.text[c.start:c.end] for c in chunks)


@settings(max_examples=60, deadline=None)
@given(st.text(min_size=1, max_size=3000), st.integers(100, 1200), st.integers(0, 400))
def test_any_text_chunks_cover_every_word(text, size, overlap):
    a = Article(doc_id="d", text=text)
    chunks = chunk_article(a, size=size, overlap=overlap)
    covered = set()
    for c in chunks:
        assert c.text == text[c.start : c.end] and len(c.text) <= size
        covered.update(range(c.start, c.end))
    assert all(i in covered for i, ch in enumerate(text) if not ch.isspace())
