"""Readers: every supported format, the bad inputs users actually have, and the real
corpus in ../shared (skipped when it is not there)."""
from __future__ import annotations

import csv
import io
import os
import re
import zipfile
from pathlib import Path

import pytest

from corpus.readers.sniff import iter_files, read_path, sniff
from corpus.records import Document, ReadError, ReadResult

REPO = Path(__file__).resolve().parents[2]


def _corpus() -> Path | None:
    for base in (os.environ.get("PRECEDENT_SHARED"), REPO.parent / "shared"):
        if not base:
            continue
        base = Path(base)
        for cand in (base / "corpus", base):
            if (cand / "pfd").is_dir() or (cand / "seeds").is_dir():
                return cand
    return None


CORPUS = _corpus()
needs_corpus = pytest.mark.skipif(CORPUS is None, reason="shared corpus not available")


# ---------------------------------------------------------------- helpers

def make_pdf(pages: list[str], title: str | None = None) -> bytes:
    """A small valid PDF with one Helvetica text line per input line."""
    objs: list[bytes] = []
    n_pages = len(pages)
    # 1 catalog, 2 pages, 3 font, then (page, content) pairs, then optional info
    kids = " ".join(f"{4 + 2 * i} 0 R" for i in range(n_pages))
    objs.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objs.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objs.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    for i, text in enumerate(pages):
        lines = []
        y = 780
        for ln in text.split("\n"):
            esc = ln.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
            lines.append(f"BT /F1 11 Tf 50 {y} Td ({esc}) Tj ET")
            y -= 14
        stream = "\n".join(lines).encode("cp1252")
        objs.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents {5 + 2 * i} 0 R >>".encode())
        objs.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info_ref = ""
    if title:
        objs.append(f"<< /Title ({title}) >>".encode())
        info_ref = f" /Info {len(objs)} 0 R"
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for i, body in enumerate(objs, start=1):
        offsets.append(out.tell())
        out.write(f"{i} 0 obj\n".encode() + body + b"\nendobj\n")
    xref = out.tell()
    out.write(f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode())
    for off in offsets:
        out.write(f"{off:010d} 00000 n \n".encode())
    out.write(f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R{info_ref} >>\nstartxref\n{xref}\n%%EOF\n".encode())
    return out.getvalue()


BODY = (
    "Inspection of Testshire local authority\n"
    "children's services\n"
    "Inspection dates: 3 to 14 June 2024\n"
    "\n"
    "What needs to improve?\n"
    "The quality of multi-\n"
    "agency risk assessments for children who go missing.\n"
)


def one(result: ReadResult) -> Document:
    assert isinstance(result, ReadResult)
    assert len(result.documents) == 1, result
    return result.documents[0]


def check_doc(d: Document):
    assert d.title.strip()
    assert d.source
    assert d.blocks and all(b.text.strip() for b in d.blocks)
    assert d.date is None or re.fullmatch(r"\d{4}-\d\d-\d\d", d.date)


def reject(path: Path) -> str:
    with pytest.raises(ReadError) as e:
        read_path(path)
    return str(e.value)


# ---------------------------------------------------------------- bad inputs

def test_empty_and_whitespace_files(tmp_path):
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.pdf").write_bytes(b"")
    (tmp_path / "c.txt").write_bytes(b"  \n\n\t ")
    assert reject(tmp_path / "a.txt") == "empty file"
    assert reject(tmp_path / "b.pdf") == "empty file"
    assert "empty file" in reject(tmp_path / "c.txt")


def test_random_binary(tmp_path):
    p = tmp_path / "noise.docx"
    p.write_bytes(os.urandom(4096) + b"\x00\x01\x02" * 50)
    assert reject(p) == "not a recognised document format (binary data)"
    q = tmp_path / "noise"
    q.write_bytes(bytes(range(256)) * 8)
    assert "binary" in reject(q)


def test_missing_file_and_folder(tmp_path):
    assert reject(tmp_path / "nope.pdf") == "file not found"
    assert "folder" in reject(tmp_path)


def test_image_zip_and_legacy_office(tmp_path):
    (tmp_path / "scan.pdf").write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(100))
    assert "PNG image" in reject(tmp_path / "scan.pdf")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("notes.txt", "hello")
    (tmp_path / "x.docx").write_bytes(buf.getvalue())
    assert "zip archive" in reject(tmp_path / "x.docx")
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert ".doc" in reject(tmp_path / "old.doc")
    (tmp_path / "broken.docx").write_bytes(b"PK\x03\x04" + os.urandom(200))
    assert "corrupt" in reject(tmp_path / "broken.docx")


def test_html_saved_as_pdf_is_rejected(tmp_path):
    page = ("<!DOCTYPE html><html><head><title>Report not found - Ofsted</title>"
            "<script>var x = 1;</script></head><body><nav>Home</nav><h1>Report not found</h1>"
            "<p>Sorry, the document you requested no longer exists.</p></body></html>")
    p = tmp_path / "report.pdf"
    p.write_text(page, encoding="utf-8")
    msg = reject(p)
    assert "HTML page" in msg and "not a PDF" in msg and "Report not found" in msg


def test_text_saved_as_pdf_is_rejected(tmp_path):
    p = tmp_path / "notes.pdf"
    p.write_text("Some plain notes about a meeting.\n", encoding="utf-8")
    assert "named .pdf but is not a PDF" in reject(p)


# ---------------------------------------------------------------- PDF

def test_pdf_pages_title_date(tmp_path):
    p = tmp_path / "testshire-children-s-services-inspection-23-july-2024.pdf"
    p.write_bytes(make_pdf([BODY, "Page two text about the MASH and strategy meetings.\nMore text here."]))
    d = one(read_path(p))
    check_doc(d)
    assert [b.page for b in d.blocks][0] == 1 and d.blocks[-1].page == 2
    assert d.title == "Inspection of Testshire local authority children's services"
    assert d.date == "2024-07-23"  # from the file name
    assert "multi-agency risk assessments" in d.text  # hyphenated line break joined
    assert any(b.section == "What needs to improve" for b in d.blocks)
    assert d.meta["pages"] == 2


def test_pdf_meaningful_metadata_title(tmp_path):
    p = tmp_path / "x.pdf"
    p.write_bytes(make_pdf(["Body text of the report with enough words to count."], title="Annual safeguarding review"))
    assert one(read_path(p)).title == "Annual safeguarding review"
    q = tmp_path / "y.pdf"
    q.write_bytes(make_pdf(["Actual first line of text\nand more of it here."], title="Microsoft Word - draft3.doc"))
    assert one(read_path(q)).title == "Actual first line of text and more of it here."


def test_pdf_date_from_first_page_when_name_has_none(tmp_path):
    p = tmp_path / "report.pdf"
    p.write_bytes(make_pdf([BODY]))
    assert one(read_path(p)).date == "2024-06-14"  # "3 to 14 June 2024": first full date


def test_encrypted_pdf(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    src = tmp_path / "plain.pdf"
    src.write_bytes(make_pdf([BODY]))
    for algo in ("RC4-128", "AES-256"):
        w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(src))
        try:
            w.encrypt(user_password="secret", owner_password="owner", algorithm=algo)
        except pypdf.errors.DependencyError:
            pytest.skip("cryptography not installed")
        p = tmp_path / f"locked-{algo}.pdf"
        with open(p, "wb") as f:
            w.write(f)
        assert reject(p) == "encrypted PDF (password protected)"
    # owner-password only (empty user password): opens and reads
    w = pypdf.PdfWriter(clone_from=pypdf.PdfReader(src))
    w.encrypt(user_password="", owner_password="owner", algorithm="AES-128")
    p = tmp_path / "owner-only.pdf"
    with open(p, "wb") as f:
        w.write(f)
    assert "What needs to improve" in one(read_path(p)).text


def test_truncated_pdf(tmp_path):
    data = make_pdf([BODY, "second page"])
    p = tmp_path / "cut.pdf"
    p.write_bytes(data[: len(data) // 2])
    msg = reject(p)
    assert "truncated" in msg.lower() or "corrupt" in msg.lower()
    q = tmp_path / "garbage.pdf"
    q.write_bytes(b"%PDF-1.7\n" + os.urandom(3000))
    assert "PDF" in reject(q)


def test_pdf_without_text_layer(tmp_path):
    pypdf = pytest.importorskip("pypdf")
    w = pypdf.PdfWriter()
    w.add_blank_page(width=595, height=842)
    w.add_blank_page(width=595, height=842)
    p = tmp_path / "scan.pdf"
    with open(p, "wb") as f:
        w.write(f)
    assert reject(p) == "PDF has no text layer (scanned image?); OCR not supported"


def test_pfd_report_pdf_sections(tmp_path):
    page1 = (
        "REGULATION 28 REPORT TO PREVENT FUTURE DEATHS\n"
        "Ref: 2024-0621\n"
        "THIS REPORT IS BEING SENT TO:\n1. NHS England\n"
        "1 CORONER\nI am Jane Doe, senior coroner for the area of Testshire\n"
        "2 CORONER'S LEGAL POWERS\nI make this report under paragraph 7.\n"
        "3 INVESTIGATION and INQUEST\nOn 1 March 2024 I commenced an investigation into the death of John Alan Smith.\n"
        "4 CIRCUMSTANCES OF THE DEATH\nHe fell.\n"
    )
    page2 = (
        "5 CORONER'S CONCERNS\nThe MATTERS OF CONCERN are as follows:\n(1) There was no falls policy.\n"
        "6 ACTION SHOULD BE TAKEN\nIn my opinion action should be taken.\n"
        "7 YOUR RESPONSE\nYou are under a duty to respond within 56 days.\n"
        "8 COPIES and PUBLICATION\nI have sent a copy to the family.\n9 12 June 2024 Jane Doe\n"
    )
    p = tmp_path / "pfd.pdf"
    p.write_bytes(make_pdf([page1, page2]))
    d = one(read_path(p))
    check_doc(d)
    assert d.type == "pfd_report" and d.reference == "2024-0621"
    assert d.date == "2024-06-12"
    secs = {b.section: b.page for b in d.blocks}
    assert secs["Investigation and inquest"] == 1
    assert secs["Coroner's concerns"] == 2
    assert "Recipients" in secs and "Copies and publication" in secs
    assert d.title == "John Alan Smith — PFD report 2024-0621"


# ---------------------------------------------------------------- text / html / docx

def test_text_encodings(tmp_path):
    body = "Action Plan Update\n\nThe café’s risk assessment – reviewed on 3 May 2023.\n"
    for enc in ("utf-8", "utf-8-sig", "utf-16", "cp1252"):
        p = tmp_path / f"t-{enc}.txt"
        p.write_bytes(body.encode(enc))
        d = one(read_path(p))
        check_doc(d)
        assert "café’s risk assessment – reviewed" in d.text, enc
        assert d.title == "Action Plan Update"
        assert d.date == "2023-05-03"


def test_text_html_fragments_markdown_and_sections(tmp_path):
    raw = (
        "████████\n\n## **Joint Review Action Plan**\n\n"
        "Intro <b>bold</b> &amp; <i>italic</i> text on the 25 <sup>th</sup> July 2017.<br>Next line\n\n"
        "Rec\tAgency\tAction\n"
        "<b>Recommendation 1.</b> Do it.\tPolice\t<p>1.1 First</p> <p>1.2 Second</p>\n"
        "--\t--\t--\n\n"
        "3. National Published Reports\n\n"
        "<ul><li>One item</li><li>Two item</li></ul>\n"
        "See <https://example.org/x> for more.\n"
    )
    p = tmp_path / "plan.md"
    p.write_text(raw, encoding="utf-8")
    d = one(read_path(p))
    check_doc(d)
    t = d.text
    for tag in ("<p>", "<b>", "<sup>", "<li>", "<br>", "&amp;", "**", "##"):
        assert tag not in t
    assert "25th July 2017" in t and "bold & italic" in t
    assert "Recommendation 1. Do it.\tPolice\t1.1 First 1.2 Second" in t  # row kept as one line
    assert "Next line" in t.split("Intro")[1].split("\n")[1]
    assert "One item\nTwo item" in t
    assert "https://example.org/x" in t
    assert d.title == "Joint Review Action Plan"
    assert [b.section for b in d.blocks] == ["Joint Review Action Plan", "3. National Published Reports"]


def test_html_file(tmp_path):
    p = tmp_path / "page.html"
    p.write_text(
        "<html><head><title>Board minutes</title><style>p{color:red}</style></head><body>"
        "<header>Site header</header><h1>Safeguarding Board minutes</h1><p>Held on 4 March 2024.</p>"
        "<h2>Actions</h2><p>ACTION – the chair will write to the ICB.</p><script>alert(1)</script>"
        "<footer>Cookie policy</footer></body></html>",
        encoding="utf-8",
    )
    d = one(read_path(p))
    check_doc(d)
    assert d.title == "Safeguarding Board minutes"
    assert "alert" not in d.text and "color" not in d.text and "Site header" not in d.text
    assert d.date == "2024-03-04"
    assert any(b.section == "Actions" for b in d.blocks)


def test_docx(tmp_path):
    docx = pytest.importorskip("docx")
    doc = docx.Document()
    doc.add_heading("Serious Case Review Action Plan", level=0)
    doc.add_paragraph("Agreed on 1 April 2022.")
    doc.add_heading("Recommendations", level=1)
    doc.add_paragraph("Recommendation 1. Improve information sharing.")
    t = doc.add_table(rows=2, cols=3)
    for i, v in enumerate(("Recommendation", "Lead", "Target date")):
        t.rows[0].cells[i].text = v
    for i, v in enumerate(("Share MARAC minutes", "Police", "30/06/2022")):
        t.rows[1].cells[i].text = v
    doc.add_heading("Progress", level=1)
    doc.add_paragraph("Completed.")
    p = tmp_path / "plan.docx"
    doc.save(p)
    d = one(read_path(p))
    check_doc(d)
    assert d.title == "Serious Case Review Action Plan"
    assert "Share MARAC minutes\tPolice\t30/06/2022" in d.text
    secs = [b.section for b in d.blocks]
    assert "Recommendations" in secs and "Progress" in secs
    assert d.date == "2022-04-01"


# ---------------------------------------------------------------- CSV / XLSX

PFD_HEADER = ["url", "id", "date", "coroner", "area", "receiver", "investigation", "circumstances", "concerns"]


def _write_csv(path: Path, header, rows):
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def test_pfd_csv_synthetic(tmp_path):
    p = tmp_path / "whatever.txt"  # recognised by header, not extension
    _write_csv(p, PFD_HEADER, [
        ["https://www.judiciary.uk/prevention-of-future-death-reports/jane-roe-prevention-of-future-deaths-report/",
         "2024-0001", "2024-01-05", "A. Coroner", "Testshire", "NHS England; ; Testshire Council ",
         "On 1 May 2023 I commenced an investigation into the death of Jane Mary Roe.", "", "1. Concern one."],
        ["https://www.judiciary.uk/prevention-of-future-death-reports/sam-poe/", "", "", "", "", "", "", "", ""],
        ["https://www.judiciary.uk/prevention-of-future-death-reports/sam-poe/", "N/A: Not found", "2017-8-29",
         "", "", "", "", "He died.", ""],
    ])
    r = read_path(p)
    assert r.annotations == []
    assert len(r.documents) == 2  # the row with no text is skipped
    d, e = r.documents
    check_doc(d)
    assert d.type == "pfd_report" and d.reference == "2024-0001" and d.date == "2024-01-05"
    assert d.title == "Jane Mary Roe — PFD report 2024-0001"
    assert d.meta["recipients"] == ["NHS England", "Testshire Council"]
    assert d.source == f"{p}#row=1"
    assert [b.section for b in d.blocks] == ["Recipients", "Investigation and inquest", "Coroner's concerns"]
    assert e.reference is None and e.date == "2017-08-29" and e.source.endswith("#row=3")
    assert e.title == "Sam Poe — PFD report (2017-08-29)"


def test_unrecognised_spreadsheets(tmp_path):
    p = tmp_path / "plan.csv"
    _write_csv(p, ["Recommendation", "Owner", "Due"], [["Do X", "Police", "2024-01-01"]])
    msg = reject(p)
    assert msg.startswith("spreadsheet with unrecognised columns: recommendation, owner, due")
    assert "--columns" in msg
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(["Recommendation", "Owner"])
    wb.active.append(["Do X", "Police"])
    x = tmp_path / "plan.xlsx"
    wb.save(x)
    assert "unrecognised columns" in reject(x)


def test_pfd_xlsx(tmp_path):
    openpyxl = pytest.importorskip("openpyxl")
    wb = openpyxl.Workbook()
    wb.active.append(PFD_HEADER)
    wb.active.append(["https://x/jo-bloggs/", "2023-0100", "2023-02-01", "C", "A", "CQC",
                      "Inquest into the death of Jo Bloggs.", "Circ.", "Concern."])
    x = tmp_path / "pfd.xlsx"
    wb.save(x)
    d = one(read_path(x))
    assert d.reference == "2023-0100" and d.meta["recipients"] == ["CQC"]


def test_responses_and_tracker_synthetic(tmp_path):
    p = tmp_path / "responses.csv"
    _write_csv(p, ["parent_id", "parent_url", "response_url", "respondent", "response"], [
        ["2024-0620", "https://x/r/", "https://x/2024-0620-Update-from-NICE-10-June-2025.pdf", "NICE",
         "I write in response to your regulation 28 report dated 8 November 2024.\n\nWe will review CG113."],
        ["2024-0619", "https://x/r/", "https://x/2024-0619-Response-from-NHS.pdf", "NHS England", "Thank you."],
    ])
    r = read_path(p)
    a, b = r.documents
    check_doc(a)
    assert a.type == "pfd_response" and a.reference is None
    assert a.title == "Response from NICE to PFD report 2024-0620"
    assert a.meta["parent_reference"] == "2024-0620" and a.meta["respondent"] == "NICE"
    assert a.date == "2025-06-10" and a.meta["report_date"] == "2024-11-08"
    assert b.date is None
    t = tmp_path / "tracker.csv"
    _write_csv(t, ["response status", "ref", "deceased_name", "category", "this_report_is_being_sent_to",
                   "no. recipients", "no. replies", "report_url", "pdf_url", "reply_urls"], [
        ["partial", "2023-0524", "A B", "Other", "Dept for Education | Ofsted", "2", "1", "https://r", "https://p",
         "https://x/1.pdf"],
        ["overdue", "", "no ref", "", "", "0", "0", "", "", ""],
    ])
    r = read_path(t)
    assert r.documents == [] and len(r.annotations) == 1
    ann = r.annotations[0]
    assert ann.reference == "2023-0524"
    assert ann.data["status"] == "partial" and ann.data["recipients"] == ["Dept for Education", "Ofsted"]
    assert ann.data["replies"] == 1 and ann.data["recipients_count"] == 2 and ann.data["reply_urls"] == ["https://x/1.pdf"]


def test_sniff():
    assert sniff(b"%PDF-1.4 ...") == "pdf"
    assert sniff(b"<!DOCTYPE html><html></html>") == "html"
    assert sniff(b"a,b,c\n1,2,3\n") == "csv"
    assert sniff(b"Dear Sir, thank you, for the letter.\nRegards") == "text"


# ---------------------------------------------------------------- iter_files

def test_iter_files(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "z.pdf").write_text("x")
    (tmp_path / "b" / "a.weird").write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / ".hidden.txt").write_text("x")
    (tmp_path / "a.txt").write_text("x")
    (tmp_path / "c.csv").write_text("x")
    got = [p.relative_to(tmp_path).as_posix() for p in iter_files([tmp_path])]
    assert got == ["a.txt", "b/a.weird", "b/z.pdf", "c.csv"]
    assert list(iter_files(tmp_path / "a.txt")) == [tmp_path / "a.txt"]


# ---------------------------------------------------------------- real corpus

@needs_corpus
def test_seed_texts_lose_html():
    seeds = sorted((CORPUS / "seeds").glob("*.txt"))
    assert len(seeds) == 5
    docs = {p.name[:3]: one(read_path(p)) for p in seeds}
    for d in docs.values():
        check_doc(d)
        for tag in ("<p>", "</p>", "<b>", "<i>", "<sup>", "<li", "<ul", "&amp;", "**"):
            assert tag not in d.text, (d.source, tag)
    plan = docs["003"]
    assert "Recommendation 1." in plan.text
    assert plan.title.startswith("Joint Review Action Plan")
    # table rows stay tab-separated on one line each
    assert any(line.startswith("Recommendation 1.") and line.count("\t") >= 4 for line in plan.text.split("\n"))
    assert docs["001"].date == "2024-05-08"
    assert docs["004"].date == "2020-01-21"
    assert "1. PURPOSE OF REPORT" in {b.section for b in docs["002"].blocks}


@needs_corpus
def test_real_pfd_csv_first_rows():
    path = CORPUS / "pfd" / "reports.csv"
    r = read_path(path)  # its speed: benchmarks.ingest_bench, not a timed test
    docs = r.documents
    assert len(docs) > 5000 and not r.annotations
    d = docs[0]
    check_doc(d)
    assert d.reference == "2014-0005" and d.date == "2013-01-07"
    assert d.title == "Andrew John Fallon — PFD report 2014-0005"
    assert d.meta["recipients"] == ["The Chief Executive, Stockport NHS Foundation Trust"]
    assert d.meta["coroner"] == "J. Pollard" and d.meta["area"] == "Greater Manchester South"
    assert [b.section for b in d.blocks] == ["Recipients", "Investigation and inquest", "Circumstances of the death", "Coroner's concerns"]
    assert docs[1].meta["recipients"] == ["Chief Executive, Pennine Care NHS Foundation Trust", "Chief Executive, Oldham Borough Council"]
    for d in docs[:300]:
        check_doc(d)
        assert d.type == "pfd_report" and d.source.startswith(str(path) + "#row=")


@needs_corpus
def test_real_tracker_annotations():
    r = read_path(CORPUS / "pfd" / "reports-analysed.csv")
    assert not r.documents and len(r.annotations) > 4000
    statuses = {a.data["status"] for a in r.annotations}
    assert {"completed", "overdue", "partial", "pending"} <= statuses
    first = r.annotations[0]
    assert first.reference == "2024-0055" and first.data["status"] == "pending"
    assert first.data["recipients"] == ["HM Prison and Probation Service"] and first.data["replies"] == 0
    multi = [a for a in r.annotations if len(a.data["reply_urls"]) > 1]
    assert multi and all(u.startswith("http") for u in multi[0].data["reply_urls"])


@needs_corpus
def test_real_responses():
    r = read_path(CORPUS / "pfd" / "responses.csv")
    assert len(r.documents) == 23
    d = r.documents[0]
    check_doc(d)
    assert d.type == "pfd_response" and d.meta["parent_reference"] == "2024-0620"
    assert d.title.startswith("Response from National Institute for Health & Care Excellence (NICE) to PFD report 2024-0620")


@needs_corpus
def test_fake_ofsted_pdfs_rejected():
    fakes = [p for p in sorted((CORPUS / "pdf" / "ofsted").glob("*.pdf")) if p.stat().st_size == 7116]
    assert len(fakes) == 4
    for p in fakes:
        msg = reject(p)
        assert "HTML" in msg and ".pdf" in msg


@needs_corpus
def test_real_ofsted_pdfs():
    names = ["bury-children-s-services-inspection-17-december-2021.pdf",
             "ealing-children-s-services-inspection-12-july-2024.pdf"]
    for name in names:
        d = one(read_path(CORPUS / "pdf" / "ofsted" / name))
        check_doc(d)
        pages = [b.page for b in d.blocks]
        assert pages[0] == 1 and pages == sorted(pages) and max(pages) == d.meta["pages"] > 5
        assert d.title.startswith("Inspection of") and "children’s services" in d.title
        assert "What needs to improve" in {b.section for b in d.blocks}
    assert d.date == "2024-07-12"


@needs_corpus
def test_real_pfd_pdfs():
    folder = CORPUS / "pdf" / "pfd"
    d = one(read_path(folder / "Amy_Henderson.pdf"))
    check_doc(d)
    assert d.type == "pfd_report" and d.reference == "2023-0129" and d.date == "2023-04-21"
    secs = [b.section for b in d.blocks]
    for s in ("Investigation and inquest", "Circumstances of the death", "Coroner's concerns"):
        assert s in secs
    concerns = " ".join(b.text for b in d.blocks if b.section == "Coroner's concerns")
    assert "no quick method to obtain NHS records" in concerns
    ocr = one(read_path(folder / "Chris_Evans.pdf"))  # OCR'd scan: "CORONER'S CONCERNS5"
    assert "Coroner's concerns" in {b.section for b in ocr.blocks}
    poor = one(read_path(folder / "Jodie_McCann.pdf"))  # print-to-PDF with whitespace junk
    assert "Coroner's concerns" in {b.section for b in poor.blocks}
    assert "\n\n\n" not in poor.text
    assert "template" in reject(folder / "Template.pdf")


def test_pfd_pdf_titles_say_who_and_which_report(shared):
    """Every real PFD PDF is titled "<Name> — PFD report <ref>", whatever its producer wrote."""
    import re

    from corpus.readers.sniff import ReadError, read_path

    titles = []
    for pdf in sorted((shared / "corpus" / "pdf" / "pfd").glob("*.pdf")):
        try:
            titles += [d.title for d in read_path(pdf).documents]
        except ReadError:
            continue  # the blank template
    assert len(titles) >= 5
    for t in titles:
        assert re.fullmatch(r"[A-Z][\w'’ -]+ — PFD report \d{4}-\d{4}", t), t
