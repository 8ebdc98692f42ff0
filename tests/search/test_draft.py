import io
import json

from precedent import cli

DRAFT = ("Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nCORONER'S CONCERNS\n\n"
         "The MATTERS OF CONCERN are as follows:\n\n"
         "1. Information shared at the MARAC meeting was not minuted and officers never saw it.\n\n"
         "2. Staff had no training in professional curiosity and did not ask about the injuries.\n")


def test_pasted_draft_gives_precedents_per_concern(client):
    data = client.post("/precedents.json", json={"text": DRAFT}).get_json()
    assert len(data["concerns"]) == 2
    first, second = data["concerns"]
    assert "MARAC" in first["text"] and first["results"]
    assert "MARAC" in (first["results"][0]["finding"] or first["results"][0]["passage"])["text"]
    assert any("professional curiosity" in json.dumps(r) for r in second["results"])


def test_uploaded_draft_and_errors(client):
    r = client.post("/precedents", data={"file": (io.BytesIO(DRAFT.encode()), "draft.txt")},
                    content_type="multipart/form-data")
    assert r.status_code == 200 and "2 concerns" in r.get_data(as_text=True)
    r = client.post("/precedents.json", json={"text": "  "})
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400
    r = client.post("/precedents.json", data={"file": (io.BytesIO(b"\x00\x01\x02" * 100), "x.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    assert client.get("/precedents").status_code == 200


def test_cli_precedents(filled_library, runner, tmp_path):
    p = tmp_path / "draft.txt"
    p.write_text(DRAFT)
    r = runner.invoke(cli, ["precedents", str(p), "--json", "--library", str(filled_library.path)])
    assert r.exit_code == 0, r.output
    assert len(json.loads(r.stdout)["concerns"]) == 2
