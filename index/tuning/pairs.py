"""Training pairs from the library's own structure: no outside labels, no LLM.

Each pair is (anchor, positive[, negative]) that the documents themselves say belong together:

``concern_context``
    a concern (a finding) ↔ another passage of its own report, from another section than the
    concern's own (the circumstances, the inquest: what happened, where the concern says what
    should change); the negative is a passage of *another* report from the same coroner area,
    coroner or recipient when there is one (a hard negative: same place, other death), else of
    any other report.
``concern_concern``
    a concern ↔ another concern of the same report.
``inverse_cloze``
    a sentence ↔ the rest of its passage (inverse cloze task).
``concern_action``
    an action ↔ the concern it answers (``action_findings``; response letters are few).

Pairs are split by document: a seeded hash puts ``HELD_PERCENT`` of the documents in the
held-back slice, whose pairs are never trained on and decide whether the tuned model is kept.
Everything is ordered and drawn from a ``random.Random(seed)``: the same library and seed give
the same pairs."""
from __future__ import annotations

import json
import random
import re
import zlib
from collections import defaultdict
from dataclasses import dataclass

KINDS = ("concern_context", "concern_concern", "inverse_cloze", "concern_action")
#: share of the pair budget each kind may take (a kind with fewer pairs leaves its share unused)
QUOTA = {"concern_context": 0.45, "concern_concern": 0.2, "inverse_cloze": 0.3, "concern_action": 0.05}
HELD_PERCENT = 10
HELD_MAX = 250  # held-back pairs per kind: enough for recall@10 to move, cheap to encode
TEXT_CHARS = 700  # a passage is cut here (about the 128 tokens training reads)
MIN_SENTENCE = 40
_SENTENCE = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


@dataclass(frozen=True)
class Pair:
    kind: str
    anchor: str
    positive: str
    negative: str | None
    document_id: int


@dataclass
class PairSet:
    train: dict[str, list[Pair]]
    held: dict[str, list[Pair]]
    available: dict[str, int]  # pairs the library offers per kind, before the budget

    def counts(self) -> dict[str, dict[str, int]]:
        return {k: {"available": self.available.get(k, 0), "train": len(self.train.get(k, [])),
                    "held": len(self.held.get(k, []))} for k in KINDS}

    def signature(self) -> str:
        """Changes when the training pairs change (a resumed training must see the same ones)."""
        h = 0
        for k in KINDS:
            for p in self.train.get(k, []):
                h = zlib.crc32(f"{p.kind}\x1f{p.anchor}\x1f{p.positive}\x1f{p.negative}".encode(), h)
        return f"{sum(len(v) for v in self.train.values())}-{h:08x}"


def held_back(document_id: int, seed: int) -> bool:
    return zlib.crc32(f"{seed}:{document_id}".encode()) % 100 < HELD_PERCENT


def cut(text: str, chars: int = TEXT_CHARS) -> str:
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    return text[:chars].rsplit(" ", 1)[0]


def _rows(conn):
    docs = {}
    for i, typ, meta in conn.execute("SELECT id, type, meta FROM documents ORDER BY id"):
        try:
            m = json.loads(meta or "{}")
        except ValueError:
            m = {}
        m = m if isinstance(m, dict) else {}
        keys = set()
        for field in ("area", "coroner"):
            if isinstance(m.get(field), str) and m[field].strip():
                keys.add(f"{field}:{m[field].strip().lower()}")
        for r in m.get("recipients") or []:
            if isinstance(r, str) and r.strip():
                keys.add("recipient:" + " ".join(r.lower().split()))
        docs[i] = {"type": typ, "keys": keys}
    # passages meaning search embeds (boilerplate is stored without a vector)
    passages = defaultdict(list)
    for pid, d, text, section, start, end in conn.execute(
            "SELECT p.id, p.document_id, p.text, p.section, p.start, p.end FROM passages p "
            "WHERE EXISTS (SELECT 1 FROM vectors v WHERE v.text_hash = p.text_hash) ORDER BY p.document_id, p.seq"):
        passages[d].append({"id": pid, "text": text, "section": section or "", "start": start, "end": end})
    findings = defaultdict(list)
    for fid, d, text, start, end in conn.execute(
            "SELECT id, document_id, text, start, end FROM findings ORDER BY document_id, seq"):
        if text and len(text.strip()) >= 15:
            findings[d].append({"id": fid, "text": text, "start": start, "end": end})
    actions = conn.execute(
        "SELECT a.text, f.text, f.document_id FROM action_findings af JOIN actions a ON a.id = af.action_id "
        "JOIN findings f ON f.id = af.finding_id ORDER BY af.action_id, af.finding_id").fetchall()
    return docs, passages, findings, actions


def _own_section(passages: list[dict], f: dict) -> str | None:
    if f["start"] is None:
        return None
    for p in passages:
        if p["start"] <= f["start"] < p["end"]:
            return p["section"]
    return None


def _context(passages: list[dict], f: dict, rng: random.Random) -> dict | None:
    """Another passage of the concern's report: not the one holding it, from another section;
    of those the longest (the substance of the report, not its formalities)."""
    own = _own_section(passages, f)
    far = [p for p in passages if not (f["start"] is not None and p["start"] <= f["start"] < p["end"])
           and (own is None or p["section"] != own) and f["text"][:60] not in p["text"]]
    return max(far, key=lambda p: (len(p["text"]), -p["id"])) if far else None


def build_pairs(lib, max_pairs: int, seed: int = 13, kinds: tuple[str, ...] = KINDS) -> PairSet:
    """The library's pairs, the training ones cut to ``max_pairs`` by ``QUOTA``."""
    rng = random.Random(seed)
    docs, passages, findings, actions = _rows(lib.store.conn)
    by_key = defaultdict(list)
    for d, info in docs.items():
        if passages.get(d):
            for k in sorted(info["keys"]):
                by_key[k].append(d)
    with_passages = [d for d in docs if passages.get(d)]
    out: dict[str, list[Pair]] = {k: [] for k in KINDS}

    def negative_for(d: int, section: str) -> str | None:
        near = sorted({o for k in sorted(docs[d]["keys"]) for o in by_key[k] if o != d})
        pool = near or [o for o in with_passages if o != d]
        if not pool:
            return None
        other = passages[rng.choice(pool)]
        same = [p for p in other if p["section"] == section]
        return cut(rng.choice(same or other)["text"])

    for d in sorted(findings):
        fs = findings[d]
        for f in fs:
            if "concern_context" in kinds and passages.get(d):
                p = _context(passages[d], f, rng)
                if p is not None:
                    out["concern_context"].append(Pair("concern_context", cut(f["text"]), cut(p["text"]),
                                                       negative_for(d, p["section"]), d))
            if "concern_concern" in kinds and len(fs) > 1:
                other = rng.choice([g for g in fs if g is not f])
                if other["text"] != f["text"]:
                    out["concern_concern"].append(Pair("concern_concern", cut(f["text"]), cut(other["text"]), None, d))
    if "inverse_cloze" in kinds:
        for d in sorted(passages):
            for p in passages[d]:
                sentences = [s for s in _SENTENCE.split(" ".join(p["text"].split())) if s]
                if len(sentences) < 3:
                    continue
                choices = [i for i, s in enumerate(sentences) if len(s) >= MIN_SENTENCE]
                if not choices:
                    continue
                i = rng.choice(choices)
                rest = " ".join(sentences[:i] + sentences[i + 1:])
                out["inverse_cloze"].append(Pair("inverse_cloze", cut(sentences[i]), cut(rest), None, d))
    if "concern_action" in kinds:
        for action, finding, d in actions:
            if action and finding and action != finding:
                out["concern_action"].append(Pair("concern_action", cut(action), cut(finding), None, d))
    if "concern_context" in kinds and any(p.negative is None for p in out["concern_context"]):
        out["concern_context"] = [p for p in out["concern_context"] if p.negative is not None]
    train: dict[str, list[Pair]] = {}
    held: dict[str, list[Pair]] = {}
    for k in KINDS:
        pairs = out[k]
        h = [p for p in pairs if held_back(p.document_id, seed)]
        t = [p for p in pairs if not held_back(p.document_id, seed)]
        rng.shuffle(h)
        rng.shuffle(t)
        held[k] = h[:HELD_MAX]
        train[k] = t[: int(max_pairs * QUOTA[k])]
    return PairSet(train=train, held=held, available={k: len(v) for k, v in out.items()})
