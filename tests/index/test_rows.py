"""index.rows: one writer of a document's rows, one document summary."""
from index import rows


def test_rows_round_trip(library):
    text = "Concern: the policy was not followed. We will retrain staff by May 2024."
    with library.store.transaction() as t:
        did = rows.insert_document(t, content_hash=rows.text_hash(text), title="A plan", type="action_plan",
                                   date="2024-01-02", reference="R-1", source="x/plan.txt", text=text,
                                   blocks=[[0, len(text), None, 1]], meta={"area": "Leeds"})
        assert rows.insert_passages(t, did, [(text, None, 1, 0, len(text))]) == 1
        fid = rows.insert_finding(t, did, 0, "concern", "Concern 1", text[:38], ["NHS England"], None, 1, 0, 38)
        aid = rows.insert_action(t, did, 0, "commitment", text[39:], "NHS England", "2024-05-31", "May 2024",
                                 None, None, 1, 39, len(text), finding_ids=[fid])
    c = library.store.conn
    doc = rows.document_by_id(c, did)
    assert doc["meta"] and doc["text"] == text and rows.document_by_id(c, did + 1000) is None
    assert rows.document_summary(doc) == {"id": did, "title": "A plan", "type": "action_plan", "date": "2024-01-02",
                                          "reference": "R-1", "source": "x/plan.txt"}
    assert c.execute("SELECT finding_id FROM action_findings WHERE action_id=?", (aid,)).fetchone()[0] == fid
    got = rows.findings_with_documents(c, [fid, 999999])
    assert list(got) == [fid]
    f = got[fid]
    assert f["text_hash"] == rows.text_hash(text[:38]) and f["reference"] == "R-1"
    assert rows.document_summary(f, id_column="document_id")["id"] == did
    p = c.execute("SELECT seq, text_hash FROM passages WHERE document_id=?", (did,)).fetchone()
    assert (p[0], p[1]) == (0, rows.text_hash(text))


def test_ingest_and_rows_hash_texts_alike():
    from index.ingest.pipeline import text_hash

    assert rows.text_hash("Café — 2024") == text_hash("Café — 2024")
