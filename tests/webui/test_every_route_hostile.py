"""Every route of ``webui/routes.py``, GET and POST, page and ``.json`` twin, with hostile values
for every parameter a view reads and for every id or name in the path (issue 28, item 6):
no answer is ever a 500 — bad input is a 4xx in the one error shape."""
from __future__ import annotations

import json
import re
import time
from urllib.parse import quote

import pytest

import tests.support.hostile_data as hostile_data

#: Every query-string or body parameter any view reads (a superset: extra ones are ignored).
PARAMS = ("q", "k", "per_page", "page", "mode", "type", "strength", "date_from", "date_to", "area", "recipient",
          "theme", "status", "has_response", "year", "limit", "offset", "passage", "as_of", "owner", "overdue",
          "due_from", "due_to", "kind", "sort", "level", "item_type", "item_id", "n", "query", "explain")
BODY = ("name", "purpose", "description", "item_type", "item_id", "note", "new_pack", "pack", "entry_id", "label",
        "other", "k", "document_id", "id", "collection_id", "query", "text", "type", "date_from", "date_to", "area",
        "recipient", "theme", "status", "has_response", "q", "organisation")

TEXT = ["²", "١", "-1", "0", "9" * 30, "1e30", "2.5", "\x00", "<script>alert(1)</script>", "x" * 3000, " ",
        "[]", "2020-13-45", "'; DROP TABLE documents; --", "é\u202e"]
JSON_ONLY = [2**70, -(2**70), 2**63, 1e30, 2.5, -1, 0, True, False, None, [1, 2], {"a": 1}, [], {}, ["document"],
             float("inf")]
PATH = ["²", "١", "-1", "0", "9" * 30, "1e30", "%00", "<script>", "x" * 500, "a.json", "..", " "]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from index.library import open_library
    from webui import create_app

    root = tmp_path_factory.mktemp("hostile-routes")
    lib = open_library(root / "lib", model="fake-hashing-384")
    hostile_data.build_themed(lib, root / "reports")
    app = create_app({"TESTING": True, "LIBRARY": lib})
    c = app.test_client()
    yield c
    lib.close()


def _real(c) -> dict[str, str]:
    """A real value for each path argument, so the views run past their lookups."""
    doc = c.get("/documents.json").get_json()["documents"][0]["id"]
    theme = c.get("/themes.json").get_json()["themes"][0]["id"]
    pack = c.post("/collections.json", json={"name": f"p{time.time_ns()}"}).get_json()["id"]
    c.post(f"/collections/{pack}/items.json", json={"item_type": "document", "item_id": doc})
    screen = c.post("/screens.json", json={"name": f"s{time.time_ns()}", "query": "MARAC minutes"}).get_json()["name"]
    org = (c.get("/organisations.json").get_json().get("organisations") or [{"key": "the-trust"}])[0]["key"]
    follow = c.post("/follows.json", json={"q": f"MARAC minutes {time.time_ns()}"}).get_json()["id"]
    return {"doc_id": str(doc), "theme_id": str(theme), "pack_id": str(pack), "name": screen, "key": org,
            "follow_id": str(follow),
            "ext": "md", "fmt": "json"}


def _path(rule, values: dict[str, str]) -> str:
    url = rule.rule
    for arg in rule.arguments:
        url = re.sub(r"<(?:[^>:]*:)?%s>" % re.escape(arg), quote(values[arg], safe=""), url)
    return url


SEARCH_PARAMS = ("q", "k", "per_page", "page", "mode", "type", "strength", "date_from", "date_to", "area", "recipient",
                 "theme", "status", "has_response", "year")


def _reads(view, names) -> list[str]:
    """The names among ``names`` the view's source reads (as a quoted literal), with the search
    request's when it builds one and the screen filters when it reads them."""
    import inspect

    src = inspect.getsource(view)
    out = [n for n in names if f'"{n}"' in src]
    if "SearchRequest" in src or "FILTER_KEYS" in src:
        out += [n for n in SEARCH_PARAMS if n in names and n not in out]
    return out


def _json_body(v) -> str:
    return json.dumps({k: v for k in BODY}, allow_nan=True)


def test_no_route_answers_500_to_hostile_input(client):
    c = client
    rules = [r for r in c.application.url_map.iter_rules() if r.endpoint != "static"]
    assert len(rules) >= 40, "every page and its twin"
    failures, sent = [], 0
    started = time.monotonic()

    def check(method, url, **kw):
        nonlocal sent
        sent += 1
        r = c.open(url, method=method, **kw)
        if r.status_code >= 500 and r.status_code != 503:  # 503: "another draft is being searched"
            failures.append((method, url[:120], str(kw.get("query_string") or kw.get("data"))[:120], r.status_code))
        elif r.status_code >= 400 and r.is_json:
            assert set(r.get_json()) == {"error"} and set(r.get_json()["error"]) == {"status", "message"}, url

    seen = set()
    for rule in sorted(rules, key=lambda r: r.rule):
        twin = (rule.endpoint, rule.rule.rsplit(".", 1)[-1] if "." in rule.rule.rsplit("/", 1)[-1] else "",
                tuple(sorted(rule.methods or ())))
        if twin in seen:  # /packs/... is /collections/... again: the same view, already walked
            continue
        seen.add(twin)
        methods = sorted((rule.methods or set()) & {"GET", "POST"})
        real = _real(c) if rule.arguments else {}
        # hostile path ids and names
        for v in PATH:
            for method in methods:
                check(method, _path(rule, {a: v if a not in ("ext", "fmt") else real[a] for a in rule.arguments}),
                      headers={"Accept": "application/json"})
        # real path, hostile parameters (query string, form and JSON bodies)
        url = _path(rule, real) if rule.arguments else rule.rule
        view = c.application.view_functions[rule.endpoint]
        reads_args = bool(_reads(view, PARAMS))
        for v in TEXT:
            for method in methods:
                if method == "GET" or reads_args:
                    check(method, url, query_string={k: v for k in PARAMS})
                if method == "POST":
                    check(method, url, data={k: v for k in BODY})
                    check(method, url, data=_json_body(v), content_type="application/json")
        # one field at a time, the others valid, so an earlier check cannot hide a later crash
        base = {"name": "n", "query": "MARAC minutes", "item_type": "document", "item_id": real.get("doc_id", "1"),
                "label": "yes", "document_id": real.get("doc_id", "1"), "other": real.get("theme_id", "1"), "k": 2,
                "pack": real.get("pack_id", "1")}
        one_at_a_time = JSON_ONLY + ["²", "١", "9" * 30, "1e30"]
        if "GET" in methods:
            for name in _reads(view, PARAMS):
                for v in TEXT[:8]:
                    check("GET", url, query_string={name: v})
        if "POST" in methods:
            for name in _reads(view, BODY):
                for v in one_at_a_time:
                    check("POST", url, data=json.dumps({**base, name: v}), content_type="application/json")
            for v in JSON_ONLY:
                check("POST", url, data=_json_body(v), content_type="application/json")
            for raw in ("[1, 2]", "null", "3", '"text"', "{", '{"k": NaN}', "\xff\xfe"):
                check("POST", url, data=raw, content_type="application/json")
    seconds = time.monotonic() - started
    assert not failures, f"{len(failures)} answers >= 500 of {sent}:\n" + "\n".join(map(str, failures[:60]))
    assert sent > 4000, sent


def test_the_cases_named_in_the_issue_are_400s_with_a_message(client):
    c = client
    pack = c.post("/collections.json", json={"name": f"named{time.time_ns()}"}).get_json()["id"]
    doc = c.get("/documents.json").get_json()["documents"][0]["id"]
    cases = [("GET", f"/documents/{doc}.json?passage=²", None), ("GET", "/search.json?q=x&theme=١", None),
             ("POST", f"/collections/{pack}/items.json", {"item_type": "document", "item_id": 2**70}),
             ("POST", f"/collections/{pack}/items.json", {"item_type": ["document"], "item_id": doc}),
             ("POST", f"/collections/{pack}/remove.json", {"item_type": {"a": 1}, "item_id": doc}),
             ("POST", f"/collections/{pack}/remove.json", {"entry_id": "²"}),
             ("POST", "/collections/add.json", {"pack": 1e30, "item_type": "document", "item_id": doc}),
             ("POST", "/collections/add.json", {"pack": "²", "item_type": "document", "item_id": doc})]
    for method, url, body in cases:
        r = c.open(url, method=method, json=body)
        assert r.status_code == 400, (url, body, r.status_code)
        assert r.get_json()["error"]["status"] == 400 and r.get_json()["error"]["message"], (url, body)
    assert c.get("/documents/١.json").status_code == 404  # only ASCII digits name a document
    r = c.post("/collections/add.json", json={"new_pack": "²", "item_type": "document", "item_id": doc})
    assert r.status_code == 200 and r.get_json()["name"] == "²"  # a pack may be called "²"


def test_a_store_damaged_while_serving_is_a_503_saying_so(filled_library, tmp_path):
    import shutil

    from webui import create_app

    src = filled_library.path
    filled_library.close()
    lib_dir = tmp_path / "copy"
    shutil.copytree(src, lib_dir)
    app = create_app({"TESTING": True, "LIBRARY": str(lib_dir)})
    c = app.test_client()
    assert c.get("/documents.json").status_code == 200
    store = lib_dir / "precedent.sqlite"
    store.write_bytes(store.read_bytes()[:4096] + b"\0" * 8192)  # the pages after the header zeroed
    for url in ("/documents.json", "/search.json?q=MARAC"):
        r = c.get(url)
        assert r.status_code in (200, 503), (url, r.status_code)  # 200 when the pages it reads were cached
        if r.status_code == 503:
            assert "damaged" in r.get_json()["error"]["message"] or "cannot use" in r.get_json()["error"]["message"]
    fresh = create_app({"TESTING": True, "LIBRARY": str(lib_dir)}).test_client()
    r = fresh.get("/documents.json")
    assert r.status_code == 503 and "is damaged" in r.get_json()["error"]["message"], r.get_data(as_text=True)[:300]
