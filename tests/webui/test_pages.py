def test_search_page_escapes_document_html_and_marks_terms(client):
    r = client.get("/search?q=risk+assessment+reviewed")
    assert r.status_code == 200
    html = r.get_data(as_text=True)
    assert "score &lt;15 &amp; falling" in html  # document text is escaped
    assert "<b>risk" not in html  # the reader dropped the fragment's tags
    assert "<mark>risk</mark> <mark>assessment</mark>" in html


def test_highlight_filter_escapes_everything():
    from webui import highlight

    out = str(highlight("<script>alert(1)</script> MARAC", [[8, 13], [26, 31]]))
    assert out == "&lt;script&gt;<mark>alert</mark>(1)&lt;/script&gt; <mark>MARAC</mark>"


def test_search_json_shape(client):
    data = client.get("/search.json?q=MARAC+minutes&k=3").get_json()
    assert data["query"] == "MARAC minutes"
    assert 1 <= len({r["document"]["id"] for r in data["results"]}) <= 3  # k counts cases
    r = data["results"][0]
    assert isinstance(r["score"], float)
    assert set(r["document"]) >= {"id", "title", "type", "date", "reference", "source"}
    assert set(r["passage"]) >= {"text", "section", "page"}


def test_document_page_and_twin(client):
    hit = client.get("/search.json?q=MARAC").get_json()["results"][0]
    doc_id, pid = hit["document"]["id"], hit["passage"]["id"]
    page = client.get(f"/documents/{doc_id}?passage={pid}").get_data(as_text=True)
    assert f'id="p{pid}"' in page
    data = client.get(f"/documents/{doc_id}.json").get_json()
    assert data["id"] == doc_id and "MARAC" in data["text"] and data["passages"]


def test_errors_share_one_json_shape(client):
    r = client.get("/documents/99999.json")
    assert r.status_code == 404
    assert r.get_json() == {"error": {"status": 404, "message": "no document 99999"}}
    r = client.get("/search.json?q=x&k=lots")
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400
    assert client.get("/documents/99999").status_code == 404


def test_documents_list_and_no_file_serving(client):
    data = client.get("/documents.json").get_json()
    assert data["total"] == 2 and len(data["documents"]) == 2
    assert client.get("/documents/../../etc/passwd").status_code == 404
    assert client.get("/static/../../pyproject.toml").status_code == 404
