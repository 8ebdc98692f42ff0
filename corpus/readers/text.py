"""Plain text, Markdown and HTML: decoding, tag stripping, headings → sections.

Used by ``corpus.readers.sniff`` (the public entry point) and by the PDF/DOCX readers for the
shared helpers (whitespace clean-up, heading detection, titles)."""
from __future__ import annotations

import codecs
import html
import re
from html.parser import HTMLParser
from pathlib import Path

from corpus.dates import parse_date
from corpus.records import Block, Document, ReadError

# ---------------------------------------------------------------- decoding

_CONTROL = set(range(0, 32)) - {9, 10, 12, 13}


def looks_binary(data: bytes) -> bool:
    """True when ``data`` (a prefix of a file) is not text in any usual encoding."""
    if not data:
        return False
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF8)):
        return False
    if b"\x00" in data:
        return not _looks_utf16(data)
    try:
        data.decode("utf-8")
        return False
    except UnicodeDecodeError as e:
        # a multi-byte character cut at the end of the sample is still text
        if e.start >= len(data) - 3 and e.reason == "unexpected end of data":
            return False
    bad = sum(1 for b in data if b in _CONTROL or b == 0x7F)
    return bad > len(data) * 0.02


def _looks_utf16(data: bytes) -> bool:
    """UTF-16 without a BOM: mostly-ASCII text has a NUL in every other byte."""
    sample = data[:4000]
    if len(sample) < 4:
        return False
    even = sample[0::2].count(0)
    odd = sample[1::2].count(0)
    half = len(sample) // 2
    return max(even, odd) > half * 0.7 and min(even, odd) < half * 0.1


def decode_bytes(data: bytes) -> str:
    """Decode text: BOMs first (UTF-8, UTF-16), then UTF-8, then cp1252/latin-1."""
    try:
        if data.startswith(codecs.BOM_UTF8):
            return data[len(codecs.BOM_UTF8):].decode("utf-8", errors="replace")
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return data.decode("utf-16", errors="replace")
        if b"\x00" in data[:4000] and _looks_utf16(data):
            even_nuls = data[:4000][0::2].count(0)
            odd_nuls = data[:4000][1::2].count(0)
            return data.decode("utf-16-be" if even_nuls > odd_nuls else "utf-16-le", errors="replace")
    except (UnicodeDecodeError, LookupError) as e:  # pragma: no cover - errors="replace"
        raise ReadError(f"text file with an undecodable encoding ({e})") from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


# ---------------------------------------------------------------- whitespace

_NBSP = {"\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u200b": "", "\ufeff": "", "\u00ad": ""}
_NBSP_RE = re.compile("|".join(map(re.escape, _NBSP)))


def clean_whitespace(text: str) -> str:
    """Normalise line endings and spaces; keep paragraph breaks as one blank line."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n\n")
    text = _NBSP_RE.sub(lambda m: _NBSP[m.group(0)], text)
    lines = [re.sub(r"[ \u3000]+", " ", ln).rstrip() for ln in text.split("\n")]
    lines = [ln if ln.strip() else "" for ln in lines]
    out = "\n".join(lines)
    out = re.sub(r"\n{3,}", "\n\n", out)
    return out.strip("\n")


_LIST_START = re.compile(
    r"^\s*(?:[-•◼▪●◦‣∙*–—]\s|\(?\d{1,3}[.)]\s|\(?\d{1,3}\.\d|\(?[a-zA-Z][.)]\s|\([ivxlc]+\)\s|[ivx]+\.\s|\d{1,2}\s+[A-Z])"
)


def unwrap_lines(text: str) -> str:
    """Join soft-wrapped lines (from PDFs) inside paragraphs; keep list items,
    short lines (tables, headings, addresses) and paragraph breaks as they are.
    A line ending in a hyphen is joined to the next without a space."""
    out: list[str] = []
    for line in text.split("\n"):
        if out and out[-1] and line.strip():
            prev = out[-1]
            nxt = line.strip()
            if prev.endswith("-") and len(prev) > 1 and prev[-2].isalpha() and nxt[:1].isalpha():
                out[-1] = prev + nxt
                continue
            if not _LIST_START.match(line) and not prev.rstrip().endswith((":", ";")):
                starts_lower = nxt[:1].islower() or nxt[:1] in "(,"
                wrapped = len(prev) >= 55 and not prev.rstrip().endswith((".", "?", "!"))
                if starts_lower or wrapped:
                    out[-1] = prev.rstrip() + " " + nxt
                    continue
        out.append(line.rstrip())
    return "\n".join(out)


# ---------------------------------------------------------------- HTML fragments in text

_INLINE_TAGS = r"p|br|b|i|u|em|strong|sup|sub|span|div|a|font|ul|ol|li|table|tbody|thead|tr|td|th|h[1-6]|blockquote|small|big|mark|s|strike|del|ins|code|pre|hr|img|center"
_TAG = re.compile(rf"</?(?:{_INLINE_TAGS})\b[^<>]*/?>", re.I)
_BREAK_TAG = re.compile(r"<(?:br|hr)\b[^<>]*/?>|</?(?:p|div|ul|ol|li|tr|table|blockquote|h[1-6]|pre)\b[^<>]*>", re.I)
_SUP = re.compile(r"\s*<sup\b[^<>]*>(.*?)</sup>", re.I | re.S)
_AUTOLINK = re.compile(r"<((?:https?|mailto):[^<>\s]+)>", re.I)


def strip_html_fragments(text: str) -> str:
    """Remove HTML tags embedded in plain text, keeping their words.

    Block tags (<p>, <br>, <li>, ...) become line breaks, except inside tab-separated
    table rows, where they become spaces so the row stays one line."""
    if "<" not in text and "&" not in text:
        return text
    text = _AUTOLINK.sub(r"\1", text)
    text = _SUP.sub(r"\1", text)  # "25 <sup>th</sup>" -> "25th"
    out = []
    for line in text.split("\n"):
        if "<" in line:
            if "\t" in line:
                line = _TAG.sub(" ", line)
            else:
                line = _BREAK_TAG.sub("\x00", line)
                line = _TAG.sub("", line)
                line = re.sub(r"\s*\x00(?:\s*\x00)*\s*", "\n", line).strip("\n")
        out.append(line)
    text = "\n".join(out)
    if "&" in text:
        text = html.unescape(text)
    # tidy the spaces the tags left behind, without touching tabs
    text = re.sub(r"[ ]{2,}", " ", text)
    text = re.sub(r" *\t *", "\t", text)
    text = re.sub(r"(?m)^ +| +$", "", text)
    return text


_MD_BOLD = re.compile(r"\*\*|__(?=\w)|(?<=\w)__")
_MD_ITALIC = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")
_MD_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+")
_TABLE_RULE = re.compile(r"^[\s|:+\-–—=\t]*$")


def strip_markdown(text: str) -> tuple[str, set[int]]:
    """Strip emphasis markers; return the text and the line numbers that were
    Markdown headings (``#``)."""
    headings: set[int] = set()
    out = []
    for i, line in enumerate(text.split("\n")):
        if _MD_HEADING.match(line):
            line = _MD_HEADING.sub("", line).rstrip("# ").rstrip()
            headings.add(i)
        if "*" in line or "_" in line:
            line = _MD_BOLD.sub("", line)
            line = _MD_ITALIC.sub(r"\1", line)
        if line.strip() and _TABLE_RULE.match(line) and re.search(r"[-=]{2,}", line):
            line = ""  # markdown table rule "--\t--\t--" / "|---|---|"
        out.append(line)
    return "\n".join(out), headings


# ---------------------------------------------------------------- headings

_REDACTION = re.compile(r"^[\s█▇▆▅▄▃▂■□▒▓░xX*_\-]*$|\[REDACTED\]", re.I)
_NUMBERED_HEADING = re.compile(r"^(?:\d{1,2}(?:\.\d{1,2})*\.?|[A-Z]\.|[IVX]{1,4}\.)\s+(?P<h>[A-Z][^\t]{2,90})$")
_NOT_HEADING = re.compile(
    r"^(?:dear\b|yours\b|tel\b|telephone\b|email\b|e-mail\b|fax\b|switchboard\b|date\b|your ref|our ref|ref\b|po box\b|www\.|https?:)"
    r"|@|\b[A-Z]{1,2}\d[A-Z\d]?\s*\d[A-Z]{2}\b",  # postcodes
    re.I,
)
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "from", "in", "into", "of", "on", "or", "the", "to", "with", "our", "its", "their", "per", "vs", "v"}


def _letters(s: str) -> int:
    return sum(ch.isalpha() for ch in s)


def is_substantive(line: str) -> bool:
    s = line.strip()
    return _letters(s) >= 3 and not _REDACTION.search(s)


def heading_text(line: str) -> str | None:
    """The heading a line states, or None if it reads as body text.

    Headings: numbered ("3. National Published Reports"), ALL CAPS, or Title Case
    short lines that do not end like a sentence."""
    s = line.strip()
    if not s or "\t" in s or len(s) > 100 or len(s) < 3:
        return None
    if not is_substantive(s) or _NOT_HEADING.search(s):
        return None
    if s[-1] in ".,;!" or s.endswith(("-", "–")):
        return None
    if parse_date(s) and _letters(s) < 20:
        return None  # a date line
    m = _NUMBERED_HEADING.match(s)
    body = m.group("h").strip() if m else s
    if body[-1] in ".,;" or len(body) > 80:
        return None
    words = re.findall(r"[A-Za-z][A-Za-z'’\-]*", body)
    if not words or len(words) > 12:
        return None
    letters = [ch for ch in body if ch.isalpha()]
    if sum(ch.isupper() for ch in letters) >= 0.8 * len(letters) and len(letters) >= 4:
        return s  # ALL CAPS
    if not body[0].isupper():
        return None
    content = [w for w in words if w.lower() not in _SMALL_WORDS]
    capped = sum(1 for w in content if w[0].isupper())
    if content and capped >= 0.6 * len(content):  # Title Case
        return s
    if m and len(words) <= 8:
        return s  # "3. Summary of findings"
    return None


# ---------------------------------------------------------------- titles

_SUBJECT = re.compile(
    r"^(?:re:?\s*|subject:?\s*)?(?:regulation 28\b|prevention of future deaths?\b|report to prevent future deaths\b)",
    re.I,
)


def pick_title(lines: list[str], headings: set[int], fallback: str) -> str:
    """A title from the top of a text: a PFD subject line, else the first
    Markdown/ALL CAPS heading, else the first heading-ish line, else the first
    substantive line, else ``fallback``."""
    top = [(i, ln.strip()) for i, ln in enumerate(lines[:80]) if ln.strip()]
    for i, s in top:
        if _SUBJECT.match(s) and len(s) <= 120:
            return s.rstrip(".")
    for i, s in top:
        if i in headings and is_substantive(s):
            return s[:150]
    for i, s in top[:40]:
        h = heading_text(s)
        if h and not _NUMBERED_HEADING.match(s) and not re.match(r"(?:agenda\s+)?item\s+\d", s, re.I) and sum(w[0].isupper() for w in s.split()) >= 2 and len(s.split()) >= 2:
            return h[:150]
    for i, s in top:
        if is_substantive(s):
            return (s[:147] + "…") if len(s) > 150 else s
    return fallback


def head_date(text: str, max_chars: int = 3000) -> str | None:
    """The first date written on a short line near the top (a letter or meeting date),
    ignoring dates buried in long table rows or prose."""
    for line in text[:max_chars].split("\n"):
        s = line.strip()
        if s and len(s) <= 90 and "\t" not in s:
            d = parse_date(s)
            if d:
                return d
    return None


# ---------------------------------------------------------------- blocks

def split_sections(text: str, md_headings: set[int] | None = None, max_block: int = 6000) -> list[Block]:
    """One Block per section; a heading line starts a new section (and stays in its text).

    A heading must start a paragraph and be the whole paragraph (or be a Markdown
    heading), so letterheads and addresses do not become sections."""
    md_headings = md_headings or set()
    lines = text.split("\n")
    blocks: list[Block] = []
    section: str | None = None
    buf: list[str] = []

    def flush(final: bool = False):
        body = "\n".join(buf).strip("\n")
        if not final and not any(is_substantive(ln) for ln in buf):
            return  # only redaction bars / punctuation: keep it with the next section
        if body.strip():
            for part in _split_long(body, max_block):
                blocks.append(Block(text=part, section=section))
        buf.clear()

    for i, line in enumerate(lines):
        prev_blank = i == 0 or not lines[i - 1].strip()
        next_blank = i + 1 >= len(lines) or not lines[i + 1].strip()
        h = None
        if i in md_headings and line.strip():
            h = line.strip()
        elif prev_blank and next_blank:
            h = heading_text(line)
        if h:
            flush()
            section = h
        buf.append(line)
    flush(final=True)
    return blocks


def _split_long(text: str, limit: int) -> list[str]:
    """Split an over-long section at paragraph breaks (never inside a paragraph)."""
    if len(text) <= limit:
        return [text]
    parts, cur = [], ""
    for para in text.split("\n\n"):
        if cur and len(cur) + len(para) + 2 > limit:
            parts.append(cur)
            cur = para
        else:
            cur = f"{cur}\n\n{para}" if cur else para
    if cur:
        parts.append(cur)
    return [p for p in parts if p.strip()]


def clean_text(raw: str) -> tuple[str, set[int]]:
    """Plain text / Markdown with stray HTML → clean text and Markdown heading lines."""
    text = clean_whitespace(raw)
    text = strip_html_fragments(text)
    text, md = strip_markdown(text)
    # only strip trailing spaces: line numbers must stay aligned with ``md``
    return "\n".join(ln.rstrip() for ln in text.split("\n")), md


def read_text_document(raw: str, path: Path) -> Document:
    text, md = clean_text(raw)
    # collapse runs of blank lines while remapping markdown heading line numbers
    lines, new_md, blank_run = [], set(), 0
    for i, ln in enumerate(text.split("\n")):
        if not ln.strip():
            blank_run += 1
            if blank_run > 1 or not lines:
                continue
            lines.append("")
            continue
        blank_run = 0
        if i in md:
            new_md.add(len(lines))
        lines.append(ln)
    while lines and not lines[-1].strip():
        lines.pop()
    if not any(is_substantive(ln) for ln in lines):
        raise ReadError("text file has no readable text")
    body = "\n".join(lines)
    blocks = split_sections(body, new_md)
    if not blocks:
        raise ReadError("text file has no readable text")
    title = pick_title(lines, new_md, path.stem)
    return Document(title=title, source=str(path), blocks=blocks, date=head_date(body))


# ---------------------------------------------------------------- HTML pages

_BLOCK_ELEMS = {
    "p", "div", "br", "li", "ul", "ol", "tr", "table", "section", "article", "header", "footer",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "dt", "dd", "main", "form", "nav", "aside",
}
_SKIP_ELEMS = {"script", "style", "noscript", "template", "svg", "head", "button", "select", "iframe"}
_CHROME_ELEMS = {"nav", "header", "footer", "aside", "form"}
_VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}


class _HTMLText(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self.headings: list[str] = []
        self._skip = 0
        self._chrome = 0
        self._stack: list[str] = []
        self._in_title = False
        self._cur_heading: list[str] | None = None
        self._cell = False

    def handle_starttag(self, tag, attrs):
        if tag == "title":
            self._in_title = True
        if tag in _VOID:
            if tag in ("br", "hr"):
                self.parts.append("\n")
            return
        self._stack.append(tag)
        if tag in _SKIP_ELEMS:
            self._skip += 1
        cls = " ".join(v or "" for k, v in attrs if k in ("class", "id")).lower()
        if tag in _CHROME_ELEMS or "cookie" in cls or "breadcrumb" in cls or "skip-link" in cls:
            self._chrome += 1
            self._stack[-1] = tag + "#chrome"
        if tag in ("td", "th"):
            self.parts.append("\t")
        elif tag in _BLOCK_ELEMS:
            self.parts.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table") else "\n")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and not self._skip:
            self._cur_heading = []

    def handle_endtag(self, tag):
        if tag == "title":
            self._in_title = False
        if tag in _VOID:
            return
        # pop to the matching tag (tolerate unclosed tags)
        for j in range(len(self._stack) - 1, -1, -1):
            if self._stack[j].split("#")[0] == tag:
                for t in self._stack[j:]:
                    if t.split("#")[0] in _SKIP_ELEMS:
                        self._skip -= 1
                    if t.endswith("#chrome"):
                        self._chrome -= 1
                del self._stack[j:]
                break
        if tag in _BLOCK_ELEMS:
            self.parts.append("\n\n" if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table") else "\n")
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6") and self._cur_heading is not None:
            h = " ".join("".join(self._cur_heading).split())
            if h:
                self.headings.append(h)
                if tag == "h1" and not self.h1:
                    self.h1 = h
            self._cur_heading = None

    def handle_data(self, data):
        if self._in_title:
            self.title += data
            return
        if self._skip or self._chrome:
            return
        if self._cur_heading is not None:
            self._cur_heading.append(data)
        self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(raw: str) -> tuple[str, str, str, list[str]]:
    """(text, <title>, first <h1>, headings) of an HTML page, without scripts,
    styles and page chrome (navigation, header, footer, cookie banners)."""
    p = _HTMLText()
    try:
        p.feed(raw)
        p.close()
    except Exception as e:  # html.parser is lenient, but be safe
        raise ReadError(f"HTML page could not be parsed ({e})") from None
    text = "".join(p.parts)
    text = re.sub(r"[ ]*\n[ ]*", "\n", text)
    text = re.sub(r"\n\t", "\n", text)
    text = clean_whitespace(text)
    return text, " ".join(p.title.split()), p.h1, p.headings


_ERROR_PAGE = re.compile(r"\b(not found|404|page (?:cannot|can't|could not) be found|access denied|forbidden|error)\b", re.I)


def html_is_substantive(text: str, title: str) -> bool:
    words = len(re.findall(r"[A-Za-z]{2,}", text))
    if _ERROR_PAGE.search(title) or _ERROR_PAGE.search(text[:300]):
        return words >= 400
    return words >= 60


def read_html_document(raw: str, path: Path, note: str | None = None) -> Document:
    text, title, h1, headings = html_to_text(raw)
    if not any(is_substantive(ln) for ln in text.split("\n")):
        raise ReadError("HTML page with no document text")
    heads = set()
    lines = text.split("\n")
    hset = set(headings)
    for i, ln in enumerate(lines):
        if ln.strip() in hset:
            heads.add(i)
    blocks = split_sections(text, heads)
    t = h1 or title or pick_title(lines, heads, path.stem)
    doc = Document(title=t[:150], source=str(path), blocks=blocks, date=head_date(text))
    if note:
        doc.meta["note"] = note
    return doc
