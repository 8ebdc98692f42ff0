"""Findings cut passages: a finding no longer than a passage is a passage of its own and
shares that passage's vector, so ingest encodes the text once, not twice."""
from __future__ import annotations

from corpus.chunk import chunk_document
from corpus.records import Block, Document
from index.ingest.pipeline import ingest
from index.ingest.worker import IngestWorker
from index.library import open_library


def _sentences(n: int, word: str) -> str:
    return " ".join(f"The {word} number {i} was not checked by staff." for i in range(n))  # 9 words each


def test_cuts_make_a_finding_its_own_passage():
    intro = _sentences(9, "intro")  # 81 words
    f1, f2 = "1. " + _sentences(5, "alarm"), "2. " + _sentences(6, "rail")
    text = f"{intro}\n\n{f1}\n\n{f2}\n\nEnd of the matters of concern for this report."
    doc = Document("t", "s", [Block(text, "Concerns", 2)])
    plain = chunk_document(doc)
    assert len(plain) == 1  # 190 words: one passage without cuts
    cuts = [(text.index(f1), text.index(f1) + len(f1)), (text.index(f2), text.index(f2) + len(f2))]
    chunks = chunk_document(doc, cuts=cuts)
    assert [c.text for c in chunks] == [intro, f1, f2 + "\n\nEnd of the matters of concern for this report."]
    for c in chunks:
        assert doc.text[c.start:c.end] == c.text and c.section == "Concerns" and c.page == 2


def test_a_short_heading_joins_the_finding_after_it_and_no_passage_crosses_a_cut():
    head = "CORONER'S CONCERNS"
    f1 = "1. " + _sentences(3, "door")
    tail = _sentences(20, "other")  # 180 words after the finding
    text = f"{head}\n\n{f1}\n\n{tail}"
    doc = Document("t", "s", [Block(text)])
    s = text.index(f1)
    chunks = chunk_document(doc, cuts=[(s, s + len(f1))])
    assert chunks[0].text == f"{head}\n\n{f1}"  # not a three-word passage of its own
    assert chunks[1].text == tail
    assert all(c.end <= s + len(f1) or c.start >= s + len(f1) for c in chunks)


def test_a_long_finding_is_split_like_any_text():
    f1 = _sentences(70, "ward")  # 630 words
    text = f"{_sentences(8, 'intro')}\n\n{f1}"
    s = text.index(f1)
    chunks = chunk_document(Document("t", "s", [Block(text)]), cuts=[(s, len(text))])
    inside = [c for c in chunks if c.start >= s]
    assert len(inside) >= 3 and all(len(c.text.split()) <= 250 for c in inside)
    assert all(c.start >= s or c.end <= s for c in chunks)


REPORT = ("Regulation 28 Report to Prevent Future Deaths\n\n"
          "CIRCUMSTANCES OF THE DEATH\n\n{story}\n\n"
          "CORONER'S CONCERNS\n\n"
          "During the inquest the evidence revealed matters giving rise to concern.\n\n"
          "1. The {a} at site {i} was not checked before the patient was discharged and no record was kept.\n\n"
          "2. Staff at site {i} had not been trained to use the {b} and did not know who to call.\n")


def _write(folder, n):
    folder.mkdir(parents=True, exist_ok=True)
    things = ["ligature cutter", "bed rail", "insulin pump", "fire door", "crossing light", "ward alarm"]
    for i in range(n):
        story = " ".join(f"On day {d} the patient at site {i} was seen by a nurse and a doctor." for d in range(12))
        (folder / f"r{i:02d}.txt").write_text(
            REPORT.format(story=story, a=things[i % 6], b=things[(i + 1) % 6], i=i), encoding="utf-8")
    return folder


def test_findings_share_their_passages_vectors_so_each_text_is_encoded_once(tmp_path, monkeypatch):
    monkeypatch.setattr("index.ingest.reader.CUT_WORDS", 5)  # these findings are short
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    counted, recounted = [], []

    def progress(event, **kw):
        if event == "counted":
            counted.append(kw["passages"])
        elif event == "recounted":
            recounted.append(kw["passages"])

    report = ingest(lib, [_write(tmp_path / "docs", 6)], progress=progress, processes=0).summary()
    c = lib.store.conn
    assert report["added"] == 6 and report["findings"] == 12
    passage_hashes = {r[0] for r in c.execute("SELECT text_hash FROM passages")}
    finding_hashes = [r[0] for r in c.execute("SELECT text_hash FROM findings")]
    # concern 2 takes its own passage's vector; concern 1 shares its passage with the section's
    # heading and first line (too short to stand alone), so it is encoded by itself
    shared = [h in passage_hashes for h in finding_hashes]
    assert shared == [False, True] * 6
    assert report["texts_encoded"] == len(passage_hashes) + 6
    # the finding keeps its own words (no number); its vector is the passage's ("1. The ...")
    row = c.execute("SELECT f.text, p.text FROM findings f JOIN passages p ON p.text_hash = f.text_hash "
                    "AND p.document_id = f.document_id WHERE f.seq = 1 LIMIT 1").fetchone()
    assert row[0].startswith("Staff ") and row[1] == "2. " + row[0]
    assert lib.findings.ntotal == 12  # and findings are in meaning search
    assert sum(counted) + sum(recounted) == report["passages"]  # progress totals follow the cuts
    lib.close()


def test_short_findings_leave_the_passages_as_they_were(tmp_path):
    from corpus.readers import sniff as readers
    from index.ingest.reader import prepare

    doc = readers.read_path(_write(tmp_path / "docs", 1) / "r00.txt").documents[0]
    p = prepare(doc, chunk_document(doc))
    assert len(p.extraction.findings) == 2 and p.recount == 0
    assert [c.text for c in p.chunks] == [c.text for c in chunk_document(doc)]


def test_worker_total_follows_the_recount(tmp_path, monkeypatch):
    monkeypatch.setattr("index.ingest.reader.CUT_WORDS", 5)
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    worker = IngestWorker(lib, [_write(tmp_path / "docs", 4)])
    worker.start()
    worker.join(60)
    st = worker.status()
    assert st["passages_total"] == lib.store.count("passages") == st["passages_embedded"]
    lib.close()


def test_encoder_batches_are_of_similar_length_and_feed_every_worker():
    from index.encoders.onnx_int8 import BATCH_TOKENS, length_batches

    lengths = [5, 200, 7, 256, 6, 30, 8, 250] * 8
    batches = length_batches(lengths, 2)
    assert sorted(i for b in batches for i in b) == list(range(len(lengths)))
    assert all(len(b) * max(lengths[i] for i in b) <= BATCH_TOKENS or len(b) == 1 for b in batches)
    assert [max(lengths[i] for i in b) for b in batches] == sorted(max(lengths[i] for i in b) for b in batches)
    assert len(length_batches([10] * 6, 2)) == 2  # a small call still gives both workers a batch


def test_small_files_share_a_batch_and_each_is_recorded_once_committed(tmp_path):
    lib = open_library(tmp_path / "lib", model="fake-hashing-384")
    folder = _write(tmp_path / "docs", 8)
    commits = []
    r = ingest(lib, [folder], processes=0, progress=lambda e, **kw: commits.append(kw) if e == "committed" else None)
    assert r.summary()["added"] == 8
    assert len(commits) < 8  # not one encode call per file
    assert lib.store.conn.execute("SELECT COUNT(*) FROM files").fetchone()[0] == 8
    again = ingest(lib, [folder], processes=0).summary()
    assert again["added"] == 0 and again["already_present"] == 8
    lib.close()
