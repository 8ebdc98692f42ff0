"""A learning pack as Markdown, CSV or PDF that stands alone: it opens with the pack's
purpose, then tells each case — title, date, area, coroner or review body, recipients,
what happened (quoted), each concern with the actions taken (owner, date, status), the
outcome so far, and the source's own URL.

Links into this library (``/cases/<id>``) are written only when ``base_url`` is given (a
configured setting, never a request's Host header); without it the export names the
library's document ids as plain text, so nothing points at a machine the reader cannot reach.
"""
from __future__ import annotations

from datetime import datetime, timezone

from search.sources import http_url
from search.csv_cells import write_csv

CSV_COLUMNS = ["pack", "purpose", "case", "case_title", "reference", "date", "area", "coroner_or_body", "recipients",
               "what_happened", "concern_label", "concern", "section", "page", "actions", "outcome", "responses",
               "source_url", "source_file", "library_case", "library_link", "note"]


def clean_base_url(base_url: str | None) -> str:
    """An http(s) base URL without its trailing slash, or "" (anything else is ignored)."""
    base = http_url((base_url or "").strip())
    return base.rstrip("/") if base else ""


def _today() -> str:
    return datetime.now(timezone.utc).date().isoformat()


def action_line(a: dict) -> str:
    text = " ".join((a.get("text") or "").split())
    extra = []
    if a.get("owner"):
        extra.append(f"owner: {' '.join(a['owner'].split())}")
    if a.get("due") or a.get("due_text"):
        extra.append(f"due: {a.get('due') or a.get('due_text')}")
    extra.append(f"status: {(a.get('status') or 'not stated').replace('_', ' ')}")
    if a.get("overdue"):
        extra.append("OVERDUE")
    return f"{text} ({'; '.join(extra)})"


def _facts(case: dict) -> list[tuple[str, str]]:
    d = case["document"]
    out = []
    if d.get("date"):
        out.append(("Date", d["date"]))
    if d.get("reference"):
        out.append(("Reference", d["reference"]))
    if d.get("area"):
        out.append(("Area", d["area"]))
    if d.get("body"):
        out.append((d["body"]["role"], d["body"]["name"]))
    if d.get("recipients"):
        out.append(("Sent to", "; ".join(d["recipients"])))
    return out


def _concern_head(f: dict) -> str:
    where = ", ".join(x for x in (f.get("section"), f"page {f['page']}" if f.get("page") else None) if x)
    return (f.get("label") or (f.get("kind") or "concern").replace("_", " ").capitalize()) + (f" ({where})" if where else "")


def _library_link(case: dict, base: str) -> str | None:
    return f"{base}{case['document']['case_link']}" if base else None


def _md(s: str | None) -> str:
    """Document text as Markdown text: no markup, links or HTML of its own."""
    return (s or "").replace("\\", "\\\\").replace("<", "&lt;").replace(">", "&gt;").replace("*", "\\*") \
        .replace("_", "\\_").replace("`", "\\`").replace("[", "\\[").replace("]", "\\]").replace("#", "\\#")


def to_markdown(pack: dict, base_url: str = "") -> str:
    base = clean_base_url(base_url)
    n_cases = len(pack.get("cases") or [])
    out = [f"# {_md(pack['name'])}", ""]
    if pack.get("purpose"):
        out += [f"**Purpose:** {_md(pack['purpose'])}", ""]
    out += [f"{n_cases} case{'s' if n_cases != 1 else ''} · exported {_today()}", ""]
    for n, case in enumerate(pack.get("cases") or [], 1):
        d = case["document"]
        out += [f"## {n}. {_md(d['title'])}", ""]
        out += [f"- **{k}:** {_md(v)}" for k, v in _facts(case)]
        if d.get("source_url"):
            out.append(f"- **Source:** <{d['source_url']}>")
        elif d.get("source_name"):
            out.append(f"- **Source:** {_md(d['source_name'])}")
        link = _library_link(case, base)
        out.append(f"- **In the library:** <{link}>" if link else f"- **In the library:** case {d['id']}")
        out.append("")
        for note in case.get("notes") or []:
            out += [f"> **Note:** {_md(note)}", ""]
        if case.get("account"):
            out += ["### What happened", ""]
            out += [f"> {_md(case['account']['text'])}", ""]
        out += ["### Concerns and what was done", ""]
        if not case["concerns"]:
            out += ["No concerns were extracted from this document.", ""]
        for f in case["concerns"]:
            out += [f"**{_md(_concern_head(f))}:** {_md(' '.join(f['text'].split()))}", ""]
            if f["actions"]:
                out += [f"- {_md(action_line(a))}" for a in f["actions"]]
            else:
                out.append(f"- {_md(case['outcome'].get('no_action') or 'No action in this library.')}")
            out.append("")
        if case.get("other_actions"):
            out += ["Other actions recorded in the case:", ""]
            out += [f"- {_md(action_line(a))}" for a in case["other_actions"]]
            out.append("")
        out += ["### Outcome so far", "", _md(case["outcome"]["summary"]) + "."]
        for r in case["outcome"]["responses"]:
            out.append(f"- Response: {_md(response_line(r))}")
        for p in case["outcome"].get("published") or []:
            out.append(f"- Response published{' by ' + _md(p['recipient']) if p['recipient'] else ''} "
                       f"(not held in this library): <{p['url']}>")
        out.append("")
    if pack.get("missing"):
        out += [f"{len(pack['missing'])} item(s) added to this pack are no longer in the library.", ""]
    return "\n".join(out)


def response_line(r: dict) -> str:
    return r["title"] + (f" ({r['date']})" if r.get("date") else "")


def to_csv(pack: dict, base_url: str = "") -> str:
    """One row per concern (a case without concerns still gets a row); every row carries the
    pack's name and purpose first, the case's reference, the responses received and the case's
    id in the library (``case`` is its position in the pack); cells that a spreadsheet would
    run as formulas are neutralised."""
    base = clean_base_url(base_url)
    rows = []
    for n, case in enumerate(pack.get("cases") or [], 1):
        d = case["document"]
        common = [pack["name"], pack.get("purpose") or "", n, d["title"], d.get("reference"), d.get("date"), d.get("area"),
                  (d.get("body") or {}).get("name"), "; ".join(d.get("recipients") or []),
                  (case.get("account") or {}).get("text")]
        tail = [case["outcome"]["summary"], "\n".join([response_line(r) for r in case["outcome"]["responses"]]
                                                      + [f"published{' by ' + p['recipient'] if p['recipient'] else ''}: "
                                                         f"{p['url']}" for p in case["outcome"].get("published") or []]),
                d.get("source_url"), d.get("source_name"), d["id"], _library_link(case, base),
                " | ".join(case.get("notes") or [])]
        concerns = case["concerns"] or [None]
        for f in concerns:
            if f is None:
                acts = case.get("other_actions") or []
                rows.append(common + ["", "", "", "", "\n".join(action_line(a) for a in acts)] + tail)
            else:
                rows.append(common + [f.get("label") or f.get("kind"), " ".join(f["text"].split()), f.get("section"),
                                      f.get("page"), "\n".join(action_line(a) for a in f["actions"])] + tail)
    return write_csv(CSV_COLUMNS, rows)


def _pdf_text(s: str) -> str:
    """The core PDF fonts speak Latin-1: map common typography, replace the rest."""
    table = {"\u2018": "'", "\u2019": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-", "\u2014": "-",
             "\u2026": "...", "\u2022": "-", "\u00a0": " ", "\uf0b7": "-", "\u2192": "->", "\u00b7": "-"}
    s = "".join(table.get(ch, ch) for ch in s or "")
    return s.encode("latin-1", "replace").decode("latin-1")


def to_pdf(pack: dict, base_url: str = "") -> bytes:
    from fpdf import FPDF

    base = clean_base_url(base_url)
    pdf = FPDF(format="A4")
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(_pdf_text(pack["name"]))
    pdf.set_creator("Precedent")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def para(text: str, size: float = 10, style: str = "", gap: float = 1.5, indent: float = 0,
             link: str | None = None) -> None:
        pdf.set_font("Helvetica", style, size)
        pdf.set_x(pdf.l_margin + indent)
        pdf.multi_cell(width - indent, size * 0.5, _pdf_text(text), new_x="LMARGIN", new_y="NEXT",
                       link=link or "")
        pdf.ln(gap)

    para(pack["name"], 18, "B", 2)
    if pack.get("purpose"):
        para(f"Purpose: {pack['purpose']}", 11, "I", 2)
    n_cases = len(pack.get("cases") or [])
    para(f"{n_cases} case{'s' if n_cases != 1 else ''} - exported {_today()}", 9, "", 4)
    for n, case in enumerate(pack.get("cases") or [], 1):
        d = case["document"]
        para(f"{n}. {d['title']}", 13, "B", 1)
        for k, v in _facts(case):
            para(f"{k}: {v}", 9.5, "", 0.5)
        if d.get("source_url"):
            para(f"Source: {d['source_url']}", 9.5, "", 0.5, link=d["source_url"])
        elif d.get("source_name"):
            para(f"Source: {d['source_name']}", 9.5, "", 0.5)
        link = _library_link(case, base)
        para(f"In the library: {link}" if link else f"In the library: case {d['id']}", 9.5, "", 2, link=link)
        for note in case.get("notes") or []:
            para(f"Note: {note}", 9.5, "I", 1)
        if case.get("account"):
            para("What happened", 11, "B", 0.5)
            para(f"\"{case['account']['text']}\"", 9.5, "I", 2, indent=4)
        para("Concerns and what was done", 11, "B", 0.5)
        if not case["concerns"]:
            para("No concerns were extracted from this document.", 9.5, "I")
        for f in case["concerns"]:
            para(f"{_concern_head(f)}: {' '.join(f['text'].split())}", 9.5, "", 0.8)
            for a in f["actions"]:
                para(f"- {action_line(a)}", 9, "", 0.6, indent=4)
            if not f["actions"]:
                para(f"- {case['outcome'].get('no_action') or 'No action in this library.'}", 9, "I", 0.6, indent=4)
            pdf.ln(1)
        if case.get("other_actions"):
            para("Other actions recorded in the case:", 9.5, "B", 0.5)
            for a in case["other_actions"]:
                para(f"- {action_line(a)}", 9, "", 0.6, indent=4)
        para(f"Outcome so far: {case['outcome']['summary']}.", 10, "B", 0.8)
        for r in case["outcome"]["responses"]:
            para(f"- Response: {response_line(r)}", 9, "", 0.6, indent=4)
        for p in case["outcome"].get("published") or []:
            para(f"- Response published{' by ' + p['recipient'] if p['recipient'] else ''} (not held in this library): "
                 f"{p['url']}", 9, "", 0.6, indent=4)
        pdf.ln(4)
    return bytes(pdf.output())
