from corpus.chunk import chunk_document
from corpus.records import Block, Document


def _para(n: int, word: str = "word") -> str:
    return " ".join([word] * (n - 1)) + " end."


def test_passages_respect_blocks_and_offsets():
    doc = Document("t", "s", [Block(_para(80) + "\n\n" + _para(90), "Concerns", 1), Block(_para(60), "Response", 2)])
    chunks = chunk_document(doc)
    assert [c.section for c in chunks] == ["Concerns", "Response"]
    assert [c.page for c in chunks] == [1, 2]
    for c in chunks:
        assert doc.text[c.start : c.end] == c.text


def test_long_text_is_split_between_100_and_250_words():
    paras = "\n\n".join(_para(60, f"w{i}") for i in range(12))  # 720 words
    chunks = chunk_document(Document("t", "s", [Block(paras)]))
    sizes = [len(c.text.split()) for c in chunks]
    assert len(chunks) >= 3
    assert all(s <= 250 for s in sizes)
    assert all(s >= 100 for s in sizes[:-1])
    # paragraphs are never cut: every chunk starts at a paragraph start
    assert all(c.text.split()[0].startswith("w") for c in chunks)


def test_huge_paragraph_is_split_at_sentences_not_mid_sentence():
    sentences = " ".join(f"Sentence {i} has exactly seven words here." for i in range(80))  # 560 words
    chunks = chunk_document(Document("t", "s", [Block(sentences)]))
    assert len(chunks) >= 3
    for c in chunks:
        assert c.text.startswith("Sentence") and c.text.endswith(".")


def test_single_giant_sentence_is_cut_by_words():
    chunks = chunk_document(Document("t", "s", [Block(" ".join(["x"] * 700))]))
    assert [len(c.text.split()) for c in chunks] == [250, 250, 200]
