"""A small library for the ledger / tracking / collections tests, written with
``index.rows`` (the row writers ingest's rows follow; no extractor, no linker needed).

Documents
  1  PFD report 2019-0100 (2019-03-01) to "Chief Executive, NHS England" and "WMP":
     concern about MARAC minutes; NHS England's response (doc 2) is linked and promises
     minute takers. Tracker says "partial".
  2  Response from "NHS England & NHS Improvement" (2019-04-10), linked to 1, one commitment.
  3  PFD report 2023-0200 (2023-06-01) to "The Chief Executive, NHS England" and
     "Stockport NHS Foundation Trust": a concern very like report 1's. No response.
  4  Action plan for case BDHR/2013-14/02 (2014-01-10): rows owned by West Midlands Police
     (completed), "the CoP" (due 31/10/23, open), Birmingham City Council ("by the end of Q3
     2023", due not parsed at extraction), and "With immediate effect" (undated).
  5  Board minutes (2015-02-02) that mention BDHR/2013-14/02.
  6  PFD report 2023-0300 (2023-11-20) to the Chief Coroner; tracker says "completed".
"""
from __future__ import annotations

import hashlib
import json

import pytest

from index import rows

MARAC = ("Information shared at the MARAC meeting was not properly minuted and the minutes were not "
         "shared with the agencies attending the meeting")
MARAC_AGAIN = ("Information shared at the MARAC meeting was not minuted properly and minutes were not "
               "shared with the agencies who attended the meeting")


def _h(s: str) -> str:
    return hashlib.sha256(s.encode()).hexdigest()


def build(lib) -> dict:
    """Fill ``lib`` (a fake-embedder library); returns ids of interest."""
    docs = [
        (1, "Jane Doe — PFD report 2019-0100", "pfd_report", "2019-03-01", "2019-0100",
         f"Sent to: Chief Executive, NHS England; WMP\n\nCONCERNS\n\n{MARAC}.",
         {"recipients": ["Chief Executive, NHS England", "WMP"], "deceased_name": "Jane Doe", "area": "Birmingham"}),
        (2, "Response from NHS England & NHS Improvement to PFD report 2019-0100", "pfd_response", "2019-04-10", None,
         "Dear coroner, thank you for your report about Jane Doe. We will fund trained minute takers for every MARAC.",
         {"respondent": "NHS England & NHS Improvement", "parent_reference": "2019-0100"}),
        (3, "John Roe — PFD report 2023-0200", "pfd_report", "2023-06-01", "2023-0200",
         f"Sent to: The Chief Executive, NHS England; Stockport NHS Foundation Trust\n\nCONCERNS\n\n{MARAC_AGAIN}.",
         {"recipients": ["The Chief Executive, NHS England", "Stockport NHS Foundation Trust"],
          "deceased_name": "John Roe"}),
        (4, "Joint Review Action Plan in respect of Case BDHR/2013-14/02", "action_plan", "2014-01-10", None,
         "Joint Review Action Plan in respect of Case BDHR/2013-14/02. Recommendations and actions.", {}),
        (5, "Strategic Policing and Crime Board minutes", "minutes", "2015-02-02", None,
         "Item 4. Lessons learned from the domestic homicide review BDHR/2013-14/02 were presented to the board.",
         {}),
        (6, "Sam Poe — PFD report 2023-0300", "pfd_report", "2023-11-20", "2023-0300",
         "Sent to: Chief Coroner\n\nCONCERNS\n\nThe guidance on inquests is unclear.",
         {"recipients": ["Chief Coroner"], "deceased_name": "Sam Poe"}),
    ]
    findings = [
        # id, doc, seq, kind, label, text, addressees
        (1, 1, 0, "concern", "Concern 1", MARAC, []),
        (2, 3, 0, "concern", "Concern 1", MARAC_AGAIN, []),
        (3, 4, 0, "recommendation", "Recommendation 1",
         "Probation and police should share risk information about perpetrators before release.",
         ["West Midlands Police"]),
        (4, 6, 0, "concern", "Concern 1", "The guidance on inquests is unclear.", []),
    ]
    actions = [
        # id, doc, seq, kind, text, owner, due, due_text, updated, status, finding
        (1, 2, 0, "commitment", "We will fund trained minute takers for every MARAC meeting by June 2019.",
         "NHS England", "2019-06-30", "June 2019", None, None, 1),
        (2, 4, 0, "action_required", "Review the MAPPA referral process with probation.", "West Midlands Police",
         "2014-04-30", "30/04/14", "2014-05-23", "completed", 3),
        (3, 4, 1, "action_required", "Issue national guidance on risk information sharing.", "the CoP",
         "2023-10-31", "31/10/23", None, "ongoing", 3),
        (4, 4, 2, "action_required", "Audit referrals to the MASH by the children's team.", "Birmingham City Council",
         None, "by the end of Q3 2023", None, None, 3),
        (5, 4, 3, "action_required", "Brief all officers on the new domestic abuse policy.", "WMP",
         None, "With immediate effect", None, "amber", 3),
    ]
    c = lib.store.conn
    with lib.store.transaction() as t:
        for did, title, typ, dt, ref, text, meta in docs:
            rows.insert_document(t, id=did, content_hash=_h(text), title=title, type=typ, date=dt, reference=ref,
                                 source=f"test/{did}.txt", text=text, blocks=[[0, len(text), None, 1]], meta=meta)
            rows.insert_passages(t, did, [(text, None, 1, 0, len(text))])
        for fid, did, seq, kind, label, text, addr in findings:
            rows.insert_finding(t, did, seq, kind, label, text, addr, None, 1, 0, len(text), id=fid)
        for aid, did, seq, kind, text, owner, due, due_text, updated, status, fid in actions:
            rows.insert_action(t, did, seq, kind, text, owner, due, due_text, updated, status, 1, 0, len(text),
                               finding_ids=[fid], id=aid)
        t.execute("INSERT INTO links(response_id, report_id, confidence, evidence) VALUES (2, 1, 1.0, '{}')")
        t.execute("INSERT INTO annotations(reference, source, data) VALUES (?,?,?)",
                  ("2019-0100", "reports-analysed.csv", json.dumps({"status": "partial", "replies": 1})))
        t.execute("INSERT INTO annotations(reference, source, data) VALUES (?,?,?)",
                  ("2023-0300", "reports-analysed.csv", json.dumps({"status": "completed", "replies": 1})))
        texts = [f[5] for f in findings]
        vecs = lib.embedder.encode(texts)
        t.executemany("INSERT OR IGNORE INTO vectors(text_hash, vector) VALUES (?,?)",
                      [(_h(s), vecs[i].tobytes()) for i, s in enumerate(texts)])
    lib.findings.sync(lib.store)
    assert c.execute("SELECT COUNT(*) FROM findings").fetchone()[0] == len(findings)
    return {"report_2019": 1, "response": 2, "report_2023": 3, "plan": 4, "minutes": 5, "report_coroner": 6}


@pytest.fixture
def lib(library):
    """A library holding the ledger fixture documents (``library`` is conftest's)."""
    build(library)
    return library


@pytest.fixture
def client(lib):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": lib}).test_client()


def insert_text_document(c, title, type, text, reference=None, date=None, meta=None) -> int:
    """One document of a single passage, written through ``index.rows`` (for linking tests)."""
    from index.rows import insert_document, insert_passages

    doc = insert_document(c, content_hash=f"h{title}", title=title, type=type, date=date, reference=reference,
                          source="test", text=text, blocks=[[0, len(text), None, None]], meta=meta or {})
    insert_passages(c, doc, [(text, None, None, 0, len(text))])
    return doc
