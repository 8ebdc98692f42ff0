"""Theme names judged blind against names a person wrote (issue 27).

    python -m benchmarks.theme_blind freeze LIBRARY [--n 40] [--seed 27] [--out DIR]
    python -m benchmarks.theme_blind blind LIBRARY [--split heldout] [--frozen DIR] [--out DIR]
    python -m benchmarks.theme_blind score JUDGEMENTS KEY

``freeze`` draws ``--n`` specific themes at random (seeded) from a built library, keeps each
one's members (finding ids and their documents' references) and 10 of them drawn at random
(seeded) to read, splits the themes into a dev half and a held-out half (seeded), and writes
``themes.json`` (no product name in it, and no text: the members by id; the person naming them reads
``/tmp/theme-blind-to_name.md``, written with the texts read from the library),
``old_labels.json`` (the names the product gave when frozen, kept apart) and an empty
``hand_names.json`` for the person's names. Run once, before any change; never again.

``blind`` names each frozen theme of one half with the product's current labeller
(``index.themes.name_groups``: the frozen member sets are named in the context of the library's
own themes, so the comparison is of names, not of clusterings), then writes, for that half,
``blind-<split>.md`` (the 10 members' concern texts and two names, the product's and the hand
name, in a random order labelled A and B, with nothing saying which is which) and
``judgements-<split>.json`` (one empty answer per theme: "A", "B" or "same"), and, apart,
``key-<split>.json`` (which letter is the product's). The lead gives the .md and the empty
judgements to a separate judge and keeps the key.

``score`` reads the filled judgements and the key: the share of themes where the product's
name was judged as fitting as well as or better than the hand-written one (target 70%).
"""
from __future__ import annotations

import argparse
import json
import random
import sqlite3
from pathlib import Path

import numpy as np

from benchmarks.common import ROOT

FROZEN = ROOT / "benchmarks" / "heldout" / "2026-12-08" / "themes"
TO_NAME = Path("/tmp/theme-blind-to_name.md")  # holds concern texts (shared data): never in git
SHOWN = 10


def _connect(lib: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{lib / 'precedent.sqlite'}?mode=ro", uri=True)


def freeze(lib: Path, out: Path, n: int, seed: int) -> None:
    con = _connect(lib)
    if (out / "themes.json").exists():
        raise SystemExit(f"{out / 'themes.json'} exists: a frozen set is never drawn again")
    spec = [r for r in con.execute("SELECT id, label FROM themes WHERE level=2 ORDER BY id")]
    rng = random.Random(seed)
    pick = sorted(rng.sample(spec, min(n, len(spec))))
    keys = [f"t{k + 1:02d}" for k in range(len(pick))]
    order = keys[:]
    rng.shuffle(order)
    dev = set(order[: len(order) // 2])
    themes, old = [], {}
    for key, (tid, label) in zip(keys, pick):
        rows = con.execute(
            "SELECT f.id, d.reference, f.text FROM theme_members tm JOIN findings f ON f.id=tm.finding_id "
            "JOIN documents d ON d.id=f.document_id WHERE tm.theme_id=? ORDER BY f.id", (tid,)).fetchall()
        shown = sorted(rng.sample(rows, min(SHOWN, len(rows))))
        themes.append({"key": key, "split": "dev" if key in dev else "heldout", "theme_id": tid,
                       "size": len(rows), "documents": len({r[1] for r in rows}),
                       "members": [r[0] for r in rows], "member_references": [r[1] for r in rows],
                       # the shown members by id only: their text is shared data, read from the library
                       "shown": [{"finding_id": r[0], "reference": r[1]} for r in shown]})
        old[key] = label
    out.mkdir(parents=True, exist_ok=True)
    (out / "themes.json").write_text(json.dumps({"library": str(lib), "seed": seed, "themes": themes}, indent=1))
    (out / "old_labels.json").write_text(json.dumps(old, indent=1))
    (out / "hand_names.json").write_text(json.dumps({k: "" for k in keys}, indent=1))
    lines = ["# Themes to name (read the members, write a name in hand_names.json)", ""]
    for t in themes:
        lines += [f"## {t['key']} ({t['size']} concerns in {t['documents']} documents)", ""]
        lines += [f"{i + 1}. {_clip(_text(con, m))}" for i, m in enumerate(t["shown"])] + [""]
    (TO_NAME).write_text("\n".join(lines))  # concern texts: outside the repository
    print(f"froze {len(themes)} themes ({len(dev)} dev, {len(themes) - len(dev)} held out) in {out}")


def _text(con: sqlite3.Connection, member: dict) -> str:
    """A shown member's concern text, read from the library (the frozen files hold only its id)."""
    row = con.execute("SELECT text FROM findings WHERE id=?", (member["finding_id"],)).fetchone()
    return row[0] if row else f"(finding {member['finding_id']} is not in this library)"


def _clip(t: str, n: int = 700) -> str:
    t = " ".join((t or "").split())
    return t if len(t) <= n else t[: n - 1].rsplit(" ", 1)[0] + "…"


def product_names(lib: Path, frozen: list[dict]) -> list[str]:
    """The product's names for the frozen member sets, given in the context of the library's
    own specific themes (the labeller weighs a phrase against the other themes)."""
    from index.themes import name_groups

    con = _connect(lib)
    rows = con.execute("SELECT f.id, f.text, f.document_id, v.vector FROM findings f "
                       "JOIN vectors v ON v.text_hash=f.text_hash ORDER BY f.id").fetchall()
    idx = {r[0]: i for i, r in enumerate(rows)}
    texts = [r[1] for r in rows]
    docs = [r[2] for r in rows]
    vecs = np.vstack([np.frombuffer(r[3], dtype=np.float32) for r in rows])
    own = [[idx[f] for (f,) in con.execute("SELECT finding_id FROM theme_members WHERE theme_id=?", (tid,)) if f in idx]
           for (tid,) in con.execute("SELECT id FROM themes WHERE level=2 ORDER BY id")]
    groups = [[idx[f] for f in t["members"] if f in idx] for t in frozen]
    from index.library import open_library

    encode = open_library(lib).embedder.encode   # the library's own encoder, as a rebuild uses
    names = name_groups(texts, vecs, groups + [g for g in own if g], docs, encode=encode)
    return names[: len(groups)]


def blind(lib: Path, frozen_dir: Path, split: str, out: Path, seed: int) -> None:
    data = json.loads((frozen_dir / "themes.json").read_text())
    hand = json.loads((frozen_dir / "hand_names.json").read_text())
    themes = [t for t in data["themes"] if split == "all" or t["split"] == split]
    missing = [t["key"] for t in themes if not hand.get(t["key"])]
    if missing:
        raise SystemExit(f"no hand name for {missing}")
    names = product_names(lib, themes)
    rng = random.Random(seed)
    lines = ["# Which name fits these concerns better?", "",
             "Each item shows ten concerns (from coroners' Prevention of Future Deaths reports) that a tool grouped "
             "together, and two candidate names for the group, A and B. Read the concerns, then answer in the "
             "judgements file, for each item: \"A\" if A fits the group better, \"B\" if B fits better, or "
             "\"same\" if they fit equally well (or equally badly). A good name says what went wrong, and where, in "
             "the words a trainer would use, and covers most of the ten.", ""]
    key, judge = {}, {}
    for t, name in zip(themes, names):
        product_first = rng.random() < 0.5
        a, b = (name, hand[t["key"]]) if product_first else (hand[t["key"]], name)
        item = f"item-{t['key']}"
        key[item] = {"product": "A" if product_first else "B", "product_name": name, "hand_name": hand[t["key"]]}
        judge[item] = ""
        con = _connect(lib)
        lines += [f"## {item}", ""] + [f"{i + 1}. {_clip(_text(con, m))}" for i, m in enumerate(t["shown"])]
        lines += ["", f"- **A**: {a}", f"- **B**: {b}", ""]
    out.mkdir(parents=True, exist_ok=True)
    (out / f"blind-{split}.md").write_text("\n".join(lines))
    (out / f"judgements-{split}.json").write_text(json.dumps(judge, indent=1))
    (out / f"key-{split}.json").write_text(json.dumps(key, indent=1))
    print(f"{len(themes)} themes: {out / f'blind-{split}.md'}, {out / f'judgements-{split}.json'} (for the judge), "
          f"{out / f'key-{split}.json'} (kept apart)")


def score(judgements: Path, key: Path) -> dict:
    j = json.loads(judgements.read_text())
    k = json.loads(key.read_text())
    counts = {"product better": 0, "same": 0, "hand better": 0, "unanswered": 0}
    for item, v in k.items():
        ans = str(j.get(item, "")).strip().lower()
        if ans == "same":
            counts["same"] += 1
        elif ans in ("a", "b"):
            counts["product better" if ans.upper() == v["product"] else "hand better"] += 1
        else:
            counts["unanswered"] += 1
    answered = len(k) - counts["unanswered"]
    ok = counts["product better"] + counts["same"]
    res = {**counts, "themes": len(k), "as_good_or_better": round(ok / answered, 3) if answered else None}
    print(json.dumps(res, indent=1))
    return res


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    f = sub.add_parser("freeze")
    f.add_argument("library")
    f.add_argument("--n", type=int, default=40)
    f.add_argument("--seed", type=int, default=27)
    f.add_argument("--out", default=str(FROZEN))
    b = sub.add_parser("blind")
    b.add_argument("library")
    b.add_argument("--split", choices=("dev", "heldout", "all"), default="heldout")
    b.add_argument("--frozen", default=str(FROZEN))
    b.add_argument("--out", default="/tmp/theme-blind")
    b.add_argument("--seed", type=int, default=1208)
    s = sub.add_parser("score")
    s.add_argument("judgements")
    s.add_argument("key")
    a = ap.parse_args(argv)
    if a.cmd == "freeze":
        freeze(Path(a.library), Path(a.out), a.n, a.seed)
    elif a.cmd == "blind":
        blind(Path(a.library), Path(a.frozen), a.split, Path(a.out), a.seed)
    else:
        score(Path(a.judgements), Path(a.key))


if __name__ == "__main__":
    main()
