"""Bounded files and no silent losses: zip bombs, huge texts, giant tokens, unclosed CSV quotes,
garbage dataset rows and very deep folders (issue 28, items 1 and 2)."""
import csv
import os
import time
import zipfile
from pathlib import Path

import pytest

from corpus.readers import Limits, ReadError, bound_document, list_files, read_mapped_table, read_path
from corpus.records import Block, Document

PFD_HEADER = "url,id,date,coroner,area,receiver,investigation,circumstances,concerns\n"


def _bomb(path, member="word/document.xml", mb=24, prefix=b""):
    """An Office-looking zip whose one member inflates to ``mb`` MB (written in 1 MB pieces)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open(member, "w", force_zip64=True) as f:
            f.write(prefix)
            block = b"<w:p/>" * (1 << 18)
            for _ in range(mb * (1 << 20) // len(block)):
                f.write(block)
    return path


def test_zip_bomb_docx_is_refused_in_well_under_a_second(tmp_path):
    p = _bomb(tmp_path / "bomb.docx", prefix=b'<w:document xmlns:w="x"><w:body>')
    assert p.stat().st_size < 1 << 20
    t0 = time.perf_counter()
    with pytest.raises(ReadError, match="zip bomb"):
        read_path(p)
    assert time.perf_counter() - t0 < 1.0


def test_zip_bomb_xlsx_is_refused_also_for_mapped_tables(tmp_path):
    p = _bomb(tmp_path / "bomb.xlsx", member="xl/workbook.xml")
    with pytest.raises(ReadError, match="zip bomb"):
        read_path(p)
    with pytest.raises(ReadError, match="zip bomb"):
        read_mapped_table(p, {"finding": "Finding"})


def test_member_inflating_past_its_declared_size_is_refused(tmp_path):
    p = _bomb(tmp_path / "liar.docx", mb=4)
    data = bytearray(p.read_bytes())
    with zipfile.ZipFile(p) as z:
        info = z.getinfo("word/document.xml")
    # declare a small size in the central directory's zip64 field (the member stays 4 MB inside)
    real = info.file_size.to_bytes(8, "little")
    at = data.rfind(real)
    data[at:at + 8] = (1000).to_bytes(8, "little")
    p.write_bytes(bytes(data))
    with pytest.raises(ReadError):
        read_path(p, Limits(max_zip_ratio=10_000))


def test_file_over_the_size_limit_is_refused_before_reading(tmp_path):
    p = tmp_path / "big.txt"
    p.write_text("Words of a report. " * 200)
    with pytest.raises(ReadError, match="too large"):
        read_path(p, Limits(max_file_mb=0.001))


def test_huge_text_is_cut_before_parsing_with_a_note(tmp_path):
    p = tmp_path / "huge.txt"
    p.write_text("The trust did not review the policy.\n" * 5000)
    doc = read_path(p, Limits(max_text_chars=2000)).documents[0]
    assert len(doc.text) <= 2000
    assert "truncated" in doc.meta["note"]


def test_giant_token_is_not_a_word():
    doc = Document("t", "s", [Block("The GP was not told. " + "A" * 2_000_000 + " Nobody checked.")])
    kept, notes = bound_document(doc, Limits())
    assert "AAAA" not in kept.text and "Nobody checked." in kept.text and "dropped" in notes[0]
    only, _ = bound_document(Document("t", "s", [Block("x" * 2_000_000)]), Limits())
    assert only is None


def test_long_urls_of_real_reports_are_kept():
    url = "https://www.judiciary.uk/prevention-of-future-death-reports/" + "-".join(["name"] * 36)
    assert 200 < len(url) < 500
    doc = Document("t", "s", [Block(f"See {url} for the report.")])
    kept, notes = bound_document(doc, Limits())
    assert kept is doc and notes == []


def test_document_text_is_bounded_across_blocks():
    doc = Document("t", "s", [Block("First block. " * 100), Block("Second block. " * 100)])
    kept, notes = bound_document(doc, Limits(max_text_chars=1500))
    assert len(kept.text) <= 1500 and kept.blocks[0].text == doc.blocks[0].text
    assert "truncated" in notes[0] and "truncated" in kept.meta["note"]


def test_unclosed_quote_costs_its_own_row_not_the_next_good_report(tmp_path):
    rows = [
        '{u}/a/,2024-0001,2024-01-05,A. Coroner,Testshire,NHS England,"Death of Ann Ash.","She died.","1. Concern one."',
        '{u}/b/,2024-0002,2024-01-06,B. Coroner,Testshire,NHS England,"Death of Bob Birch.","He died.","1. Concern two',
        '{u}/c/,2024-0003,2024-01-07,C. Coroner,Testshire,NHS England,"Death of Cat Cole.","She died.","1. Concern three."',
        '{u}/d/,2024-0004,2024-01-08,D. Coroner,Testshire,NHS England,"Death of Dan Dale.","He died.","1. Concern\nfour."',
    ]
    p = tmp_path / "reports.csv"
    p.write_text(PFD_HEADER + "\n".join(r.format(u="https://www.judiciary.uk/pfd") for r in rows) + "\n")
    r = read_path(p)
    refs = [d.reference for d in r.documents]
    assert refs == ["2024-0001", "2024-0003", "2024-0004"]
    assert [d.source.rsplit("=", 1)[1] for d in r.documents] == ["1", "3", "4"]
    assert len(r.problems) == 1 and r.problems[0]["source"].endswith("#line=3")
    assert "unclosed quote" in r.problems[0]["reason"]
    assert r.documents[2].blocks[-1].text == "1. Concern\nfour."  # a real multi-line field is not a problem


def test_garbage_responses_row_is_reported_not_stored(tmp_path):
    p = tmp_path / "responses.csv"
    with open(p, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["parent_id", "parent_url", "response_url", "respondent", "response"])
        w.writerow(["2024-0001", "https://x.example/r", "https://x.example/a.pdf", "NHS England",
                    "Thank you for your report dated 1 May 2024. We have reviewed the guidance and changed it."])
        w.writerow(["2024-0002", "", "", "dGhpcyBpcyBub3QgYSByZXNwb25kZW50IDEyMw==",
                    "aGVsbG8gd29ybGQgMTIzNDU2Nzg5MA== ZGF0YSBkYXRhIGRhdGE0NTY3ODkw"])
    r = read_path(p)
    assert [d.meta["respondent"] for d in r.documents] == ["NHS England"]
    assert len(r.problems) == 1 and r.problems[0]["source"].endswith("#row=2")
    assert "not a record" in r.problems[0]["reason"]


def test_folder_nested_1100_deep_is_walked(tmp_path):
    (tmp_path / "top.txt").write_text("top")
    d = str(tmp_path)
    for _ in range(1100):  # one at a time: Path.mkdir(parents=True) itself recurses
        d += "/d"
        os.mkdir(d)
    try:
        (Path(d) / "bottom.txt").write_text("bottom")
        failed: list = []
        files = list_files(tmp_path, failed)
        assert [f.name for f in files] == ["bottom.txt", "top.txt"] and failed == []
    finally:  # from the bottom up: pytest's clean-up of old temporary folders recurses
        os.unlink(os.path.join(d, "bottom.txt"))
        while d != str(tmp_path):
            os.rmdir(d)
            d = os.path.dirname(d)


@pytest.mark.slow
def test_fifty_megabyte_text_is_read_within_the_default_limit(tmp_path):
    p = tmp_path / "huge.txt"
    line = "The ward did not record the observations, and the nurse in charge was not told.\n"
    with open(p, "w") as f:
        for _ in range((50 << 20) // len(line)):
            f.write(line)
    doc = read_path(p).documents[0]
    assert len(doc.text) <= Limits().max_text_chars and "truncated" in doc.meta["note"]
    kept, notes = bound_document(doc, Limits())
    assert kept.text == doc.text and notes == []
