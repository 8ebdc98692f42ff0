"""Theme pages blueprint (the themes themselves: index/themes/cluster.py): the list with per-year
sparklines, one theme in full, and edits (rename, merge, split) that survive rebuilds. JSON twins
as everywhere."""
from __future__ import annotations

from flask import Blueprint, abort, jsonify, redirect, render_template

from index.themes import get_theme, list_themes, merge_themes, rename_theme, split_theme, why_no_themes
from search.request import MAX_LABEL_CHARS, ParamError, check_id, check_int

from webui.args import arg, payload, required_field
from webui.pages import library, respond, wants_json

bp = Blueprint("themes", __name__)


def year_bars(by_year: dict[str, int], width: int = 120, height: int = 24) -> list[dict]:
    """Bars for a small inline SVG chart: one per year from the first to the last."""
    if not by_year:
        return []
    years = sorted(int(y) for y in by_year)
    span = list(range(years[0], years[-1] + 1))
    top = max(by_year.values()) or 1
    w = width / len(span)
    return [{"x": round(i * w, 2), "w": round(max(w - 1, 1), 2), "h": round(height * by_year.get(str(y), 0) / top, 2),
             "year": y, "n": by_year.get(str(y), 0)} for i, y in enumerate(span)]


def themes(fmt: str | None = None):
    raw = arg("level") or ""
    if raw not in ("", "1", "2"):  # was: "abc" ignored, 3 an empty list
        raise ParamError("level must be 1 (broad themes) or 2 (specific themes)")
    level = int(raw) if raw else None
    data = list_themes(library(), level=level)
    if not data["themes"] and (level is None or not list_themes(library())["themes"]):
        data["why_empty"] = why_no_themes(library())
    if fmt == "json":
        return respond("themes.html", data, True)
    return render_template("themes.html", data=data, bars=year_bars)


def theme(theme_id: int, fmt: str | None = None):
    data = get_theme(library(), theme_id)
    if data is None:
        abort(404, description=f"no theme {theme_id}")
    if "child_themes" not in data:  # get_theme names them; a reader without the names gets them here
        labels = {t["id"]: t["label"] for t in list_themes(library())["themes"]}
        data["parent_theme"] = {"id": data["parent"], "label": labels.get(data["parent"])} if data.get("parent") else None
        data["child_themes"] = [{"id": c, "label": labels.get(c)} for c in data.get("children") or []]
    if fmt == "json":
        return respond("theme.html", data, True)
    groups: dict[int, dict] = {}
    for m in data.get("members", []):
        g = groups.setdefault(m["document_id"], {"document_id": m["document_id"], "title": m["title"],
                                                 "date": m["date"], "type": m["type"], "members": []})
        g["members"].append(m)
    others = [t for t in list_themes(library(), level=data.get("level"))["themes"] if t["id"] != data["id"]]
    return render_template("theme.html", data=data, groups=list(groups.values()), bars=year_bars,
                           others=sorted(others, key=lambda t: (t["label"] or "").lower()))


def _edit(fn, theme_id: int, *args, fmt: str | None = None):
    try:
        out = fn(library(), theme_id, *args)
    except KeyError as e:  # index.themes.store raises KeyError("no theme N"); a bare id is named here
        what = str(e.args[0]) if e.args else str(theme_id)
        abort(404, description=what if what.startswith("no theme") else f"no theme {what}")
    except ValueError as e:
        abort(400, description=str(e))
    if fmt == "json" or wants_json():
        return jsonify(out)
    target = out.get("id") or (out.get("themes") or [{}])[0].get("id") or theme_id
    return redirect(f"/themes/{int(target)}", code=303)  # a form post lands on the HTML page


def rename(theme_id: int, fmt: str | None = None):
    return _edit(rename_theme, theme_id, required_field("label", MAX_LABEL_CHARS), fmt=fmt)


def merge(theme_id: int, fmt: str | None = None):
    return _edit(merge_themes, theme_id, check_id(required_field("other", MAX_LABEL_CHARS), "other"), fmt=fmt)


def split(theme_id: int, fmt: str | None = None):
    k = check_int(payload().get("k") or 2, "k", 2, 20)
    return _edit(split_theme, theme_id, k, fmt=fmt)
