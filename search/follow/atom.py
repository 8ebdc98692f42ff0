"""A follow's Atom feed (RFC 4287): the feed's id, title, updated and author; one entry per item
seen since the follow was made (id, title, updated, the item's kind and detail as text content).
Links to the library's pages are written only when a base URL is set (``PRECEDENT_BASE_URL``):
without one, a feed read elsewhere would point at the reader's own machine."""
from __future__ import annotations

from xml.etree import ElementTree as ET

from search.packs import clean_base_url

ATOM = "http://www.w3.org/2005/Atom"
#: tag URIs (RFC 4151) name the feed and its entries: stable, and never a server path
TAG = "tag:precedent.invalid,2026:"


def _sub(parent: ET.Element, name: str, text: str | None = None, **attrs) -> ET.Element:
    el = ET.SubElement(parent, f"{{{ATOM}}}{name}", {k: v for k, v in attrs.items() if v is not None})
    if text is not None:
        el.text = text
    return el


def to_atom(data: dict, base_url: str = "") -> str:
    """The feed of a follow's page (``search.follow.get_follow``) as Atom XML text."""
    base = clean_base_url(base_url)
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    _sub(feed, "id", f"{TAG}follow/{data['id']}/{data['created']}")
    _sub(feed, "title", f"Precedent — following {data['kind']}: {data['label']}")
    items = data.get("items") or []
    _sub(feed, "updated", items[0]["first_seen"] if items else (data.get("checked") or data["created"]))
    author = _sub(feed, "author")
    _sub(author, "name", "Precedent")
    _sub(feed, "generator", "Precedent")
    if base:
        _sub(feed, "link", rel="self", href=f"{base}/follows/{data['id']}.atom", type="application/atom+xml")
        _sub(feed, "link", rel="alternate", href=f"{base}{data['link']}", type="text/html")
    for i in items:
        entry = _sub(feed, "entry")
        _sub(entry, "id", f"{TAG}follow/{data['id']}/{data['created']}/{i['item']}")
        _sub(entry, "title", f"{i['what_label']}: {i['title'] or '(untitled)'}")
        _sub(entry, "updated", i["first_seen"])
        if base and i.get("link"):
            _sub(entry, "link", rel="alternate", href=f"{base}{i['link']}", type="text/html")
        _sub(entry, "content", " · ".join(x for x in (i["what_label"], i["title"], i["detail"]) if x), type="text")
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")
