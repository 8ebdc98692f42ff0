"""DNS rebinding (issue 28, item 4): the app answers only the hosts it is allowed to — the
loopback names, the host ``serve`` binds and ``$PRECEDENT_ALLOWED_HOSTS`` — and a post's
Origin is compared with those hosts, not with the request's own Host header."""
from __future__ import annotations

import pytest

from index.settings import ENV, Settings


def _client(lib, settings: Settings | None = None, **config):
    from webui import create_app

    return create_app({"TESTING": True, "LIBRARY": lib, **config}, settings=settings).test_client()


FOREIGN = ("evil.example", "evil.example:5000", "127.0.0.1.evil.example", "localhost.evil.example:80",
           "user@localhost", "localhost:99999", "", "  ", "[::2]:5000", "10.0.0.1")


def test_a_foreign_host_gets_the_json_error_never_the_page(filled_library):
    c = _client(filled_library)
    for host in FOREIGN:
        for url in ("/", "/documents.json", "/documents", "/collections", "/no/such/page", "/status.json"):
            r = c.get(url, headers={"Host": host, "Accept": "text/html"})
            assert r.status_code == 400, (host, url, r.status_code)
            assert r.is_json and set(r.get_json()) == {"error"}, (host, url)
            assert r.get_json()["error"]["status"] == 400 and r.get_json()["error"]["message"]
            assert "document" not in r.get_data(as_text=True).lower().replace("documents.json", "")


def test_the_loopback_names_on_any_port_are_served(filled_library):
    c = _client(filled_library)
    for host in ("localhost", "LOCALHOST", "localhost:5000", "127.0.0.1", "127.0.0.1:8123", "[::1]", "[::1]:5000",
                 "localhost."):
        r = c.get("/documents.json", headers={"Host": host})
        assert r.status_code == 200, (host, r.status_code)


def test_a_rebound_page_can_neither_read_nor_post(filled_library):
    """The attack: evil.example resolves to 127.0.0.1; its page reads and posts with matching Origin."""
    c = _client(filled_library)
    evil = {"Host": "evil.example:5000", "Origin": "http://evil.example:5000"}
    assert c.get("/documents.json", headers=evil).status_code == 400
    r = c.post("/collections.json", json={"name": "stolen"}, headers=evil)
    assert r.status_code == 400 and r.get_json()["error"]["status"] == 400
    assert c.get("/collections.json").get_json()["collections"] == [], "no pack was made"


def test_origin_is_compared_with_the_allowed_hosts(filled_library):
    c = _client(filled_library)
    ok = c.post("/collections.json", json={"name": "mine"},
                headers={"Host": "localhost:5000", "Origin": "http://localhost:5000"})
    assert ok.status_code == 201
    # another port on this machine is another application; a name not allowed is refused
    for origin in ("http://localhost:6000", "http://evil.example:5000", "http://127.0.0.1.evil.example:5000",
                   "ftp://localhost:5000", "http://user@evil.example:5000"):
        r = c.post("/collections.json", json={"name": "x"}, headers={"Host": "localhost:5000", "Origin": origin})
        assert r.status_code == 403, (origin, r.status_code)
    # without an Origin, a Referer from elsewhere is refused too; our own page's is fine
    r = c.post("/collections.json", json={"name": "x"}, headers={"Host": "localhost", "Referer": "http://evil.example/a"})
    assert r.status_code == 403
    r = c.post("/collections.json", json={"name": "y"}, headers={"Host": "localhost", "Referer": "http://localhost/collections"})
    assert r.status_code == 201
    # a proxy that keeps the public name: allowed when configured, with its own origin
    s = Settings(allowed_hosts=("precedent.example.org",))
    p = _client(filled_library, settings=s)
    r = p.post("/collections.json", json={"name": "z"},
               headers={"Host": "precedent.example.org", "Origin": "https://precedent.example.org"})
    assert r.status_code == 201


def test_allowed_hosts_setting_and_the_bound_host(filled_library, monkeypatch):
    monkeypatch.setenv(ENV["allowed_hosts"], " Precedent.Example.org , intranet:8080,,")
    s = Settings.from_env()
    assert s.allowed_hosts == ("precedent.example.org", "intranet:8080")
    c = _client(filled_library, settings=s)
    for host in ("precedent.example.org", "PRECEDENT.example.org:443", "intranet", "intranet:9000", "localhost"):
        assert c.get("/documents.json", headers={"Host": host}).status_code == 200, host
    assert c.get("/documents.json", headers={"Host": "example.org"}).status_code == 400
    # `serve --host 192.168.1.5` answers that address; a wildcard bind opens no name by itself
    bound = _client(filled_library, SERVE_HOST="192.168.1.5")
    assert bound.get("/documents.json", headers={"Host": "192.168.1.5:5000"}).status_code == 200
    wild = _client(filled_library, SERVE_HOST="0.0.0.0")
    assert wild.get("/documents.json", headers={"Host": "0.0.0.0:5000"}).status_code == 400
    assert wild.get("/documents.json", headers={"Host": "192.168.1.5:5000"}).status_code == 400
    v6 = _client(filled_library, SERVE_HOST="fe80::1")
    assert v6.get("/documents.json", headers={"Host": "[fe80::1]:5000"}).status_code == 200


@pytest.mark.parametrize("value,expected", [("localhost:5000", ("localhost", "5000")), ("[::1]:80", ("::1", "80")),
                                            ("Example.ORG.", ("example.org", None)), ("a@b", None), ("a b", None),
                                            ("x:0", None), ("x:70000", None), ("", None)])
def test_split_host(value, expected):
    from webui.guard import split_host

    assert split_host(value) == expected
