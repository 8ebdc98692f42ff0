"""The one route table: every page has its .json twin by one rule; packs answer under both names."""
from webui.routes import ROUTES, Route


def test_every_page_row_gets_its_json_twin(app):
    rules = {r.rule: r for r in app.url_map.iter_rules()}
    for routes in ROUTES.values():
        for route in routes:
            for rule, defaults, methods in route.rules():
                assert rule in rules and set(methods) <= rules[rule].methods, rule
    assert "/.json" in rules and "/search.json" in rules and "/commitments.csv" in rules
    assert Route("/x", print).rules()[1] == ("/x.json", {"fmt": "json"}, ("GET",))


def test_twin_methods_and_rows_without_a_twin(client):
    assert client.get("/precedents.json").status_code == 405  # a draft is posted
    assert client.get("/precedents").status_code == 200
    assert client.get("/collections/1/export.md.json").status_code == 404


def test_packs_answer_under_both_names(client):
    made = client.post("/packs.json", json={"name": "induction"})
    assert made.status_code == 201
    pid = made.get_json()["id"]
    assert client.get(f"/collections/{pid}.json").get_json()["name"] == "induction"
    assert client.get(f"/packs/{pid}.json").get_json() == client.get(f"/collections/{pid}.json").get_json()
    assert [p["id"] for p in client.get("/packs.json").get_json()["collections"]] == [pid]


def test_a_failed_check_is_a_400_in_the_one_error_shape(client):
    r = client.get("/search.json?q=MARAC&mode=fuzzy")
    assert r.status_code == 400 and r.get_json() == {"error": {"status": 400,
                                                               "message": "mode must be hybrid, dense or keyword"}}
    r = client.get("/search?q=MARAC&mode=fuzzy")
    assert r.status_code == 400 and "mode must be" in r.get_data(as_text=True)
    assert client.get("/documents/1?passage=abc").status_code == 400
