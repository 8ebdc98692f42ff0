"""Recurring themes (issue 4): clustering without a given k, generic vs specific findings,
stable ids across rebuilds, edits that survive rebuilds, incremental assignment, JSON shape.
Fast: the fake hashing embedder and synthetic findings written straight into the store."""
from __future__ import annotations

import json
import random

import numpy as np
import pytest

from index.encoders.embed import get_embedder
from index.rows import text_hash
from index.themes import cluster as core
from index import themes as ts

TOPICS = {
    "marac": ("MARAC meeting minutes were not recorded", ["MARAC", "minutes", "minute taker", "meeting",
              "referral to MARAC", "actions from MARAC", "chair of the MARAC"]),
    "insulin": ("insulin doses were prescribed wrongly on the ward", ["insulin", "diabetic", "glucose",
                "prescribing", "insulin chart", "hypoglycaemia", "blood sugar"]),
    "railway": ("level crossing barriers did not lower for the train", ["level crossing", "barrier",
                "railway", "train driver", "Network Rail", "signal", "crossing keeper"]),
    "ligature": ("ligature points in the prison cell were not removed", ["ligature", "cell", "prison",
                 "ligature point", "anchor point", "safer cell", "shower rail"]),
}
GENERIC = ["staff should be trained", "training for staff was not provided", "staff were not trained",
           "there was no training", "staff training should be improved"]


def _topic_text(rng: random.Random, topic: str, generic: bool = False) -> str:
    base, words = TOPICS[topic]
    picked = rng.sample(words, 4)
    s = f"The {picked[0]} issue: {base}; the {picked[1]} and {picked[2]} were also relevant, as was the {picked[3]}."
    if generic:
        s += " " + rng.choice(GENERIC).capitalize() + "."
    return s


def _generic_text(rng: random.Random) -> str:
    a, b = rng.sample(GENERIC, 2)
    return f"{a.capitalize()} and {b}; the trust accepted that staff training was lacking."


def _corpus(seed=0, per_topic=8, generic=8, topics=TOPICS):
    """[(document key, date, text)]: each topic recurs across documents; some topic
    findings also carry a generic 'staff should be trained' sentence."""
    rng = random.Random(seed)
    out = []
    for ti, t in enumerate(topics):
        for i in range(per_topic):
            out.append((f"{t}-{i}", f"{2015 + i % 6}-0{1 + ti}-1{i % 9}", _topic_text(rng, t, generic=i % 2 == 0)))
    for i in range(generic):
        out.append((f"generic-{i}", f"{2016 + i % 5}-05-01", _generic_text(rng)))
    return out


FAKE = ts.MODEL_PARAMS["fake-hashing-384"]  # thresholds for the fake embedder's spread


def _vectors(texts):
    return get_embedder("fake-hashing-384").encode(texts)


# ---- pure core ------------------------------------------------------------------------------
def test_fit_finds_topics_without_k():
    rows = _corpus()
    texts = [r[2] for r in rows]
    m = core.fit_themes(texts, _vectors(texts), documents=[r[0] for r in rows], **FAKE)
    topics_of = [r[0].split("-")[0] for r in rows]
    spec = m.specific()
    assert len(spec) >= len(TOPICS)            # the data decides how many, not a constant
    for t in TOPICS:                           # each topic lands mostly in one pure theme
        best = max(spec, key=lambda th: sum(topics_of[i] == t for i in th.members))
        hits = sum(topics_of[i] == t for i in best.members)
        assert hits >= 6 and hits / len(best.members) >= 0.8, (t, best.label)
    # labels come from the members' words, not boilerplate
    marac = max(spec, key=lambda th: sum(topics_of[i] == "marac" for i in th.members))
    assert "marac" in marac.label.lower()
    for th in spec:
        assert th.centroid is not None and 0 < th.radius <= 1
        assert len(th.scores) == len(th.members)


def test_generic_findings_do_not_swallow_specific_ones():
    rows = _corpus(per_topic=8, generic=12)
    texts = [r[2] for r in rows]
    m = core.fit_themes(texts, _vectors(texts), documents=[r[0] for r in rows], **FAKE)
    topics_of = [r[0].split("-")[0] for r in rows]
    for th in m.specific():
        counts = {t: sum(topics_of[i] == t for i in th.members) for t in set(topics_of)}
        # no specific theme mixes two specific topics, and none is mostly generic + specific
        specific_topics = [t for t, n in counts.items() if t != "generic" and n >= 2]
        assert len(specific_topics) <= 1, (th.label, counts)
    largest = max(len(th.members) for th in m.specific())
    assert largest <= 14


def test_two_levels_and_parents():
    rng = random.Random(3)
    # two related sub-topics (insulin ward / insulin community) under one broad subject
    texts, docs = [], []
    for i in range(6):
        texts.append(f"Insulin prescribing on the hospital ward: insulin chart and ward pharmacist errors {rng.random():.3f}")
        docs.append(f"w{i}")
        texts.append(f"Insulin prescribing in the community: insulin pen and district nurse visits {rng.random():.3f}")
        docs.append(f"c{i}")
        texts.append(f"Level crossing barrier failed for the train at the railway crossing {rng.random():.3f}")
        docs.append(f"r{i}")
    m = core.fit_themes(texts, _vectors(texts), documents=docs, fine_threshold=0.35, broad_threshold=0.86)
    broad = m.broad()
    assert broad, "expected a broad theme"
    for b in broad:
        assert len(b.children) >= 2
        for k in b.children:
            assert m.themes[k].parent == b.key
            assert set(m.themes[k].members) <= set(b.members)


def test_match_themes_jaccard():
    old = {1: {1, 2, 3, 4}, 2: {10, 11, 12}, 3: {20, 21}}
    new = {"a": {1, 2, 3, 4, 5}, "b": {10, 30, 31, 32}, "c": {20, 21, 22}}
    assert core.match_themes(old, new) == {"a": 1, "c": 3}


def test_split_members_is_deterministic():
    rows = [r for r in _corpus() if r[0].startswith(("marac", "railway"))]
    texts = [r[2] for r in rows]
    v = _vectors(texts)
    a = core.split_members(v, 2, texts)
    b = core.split_members(v, 2, texts)
    assert (a == b).all() and set(a) == {0, 1}
    topics = [r[0].split("-")[0] for r in rows]
    assert len({(t, p) for t, p in zip(topics, a)}) == 2   # the split follows the topics


# ---- store ------------------------------------------------------------------------------------
def _add(lib, rows, recipients=("NHS England",)):
    """Insert documents with one finding each (and their fake vectors); returns finding ids."""
    emb = get_embedder("fake-hashing-384")
    vecs = emb.encode([r[2] for r in rows])
    fids = []
    with lib.store.transaction() as c:
        for (key, date, text), v in zip(rows, vecs):
            d = c.execute(
                "INSERT INTO documents(content_hash, title, type, date, reference, source, text, blocks, meta)"
                " VALUES (?,?,?,?,?,?,?,?,?)",
                (text_hash(key + text), f"Report {key}", "pfd_report", date, key, f"test#{key}", text, "[]",
                 json.dumps({"recipients": list(recipients)})),
            ).lastrowid
            h = text_hash(text)
            c.execute("INSERT OR IGNORE INTO vectors(text_hash, vector) VALUES (?,?)", (h, v.tobytes()))
            f = c.execute(
                "INSERT INTO findings(document_id, seq, kind, label, text, addressees, text_hash) VALUES (?,?,?,?,?,?,?)",
                (d, 0, "concern", "1", text, json.dumps(["The Chief Executive, " + recipients[0]]), h),
            ).lastrowid
            fids.append(f)
            if key.endswith("-0"):
                a = c.execute("INSERT INTO actions(document_id, seq, kind, text, status) VALUES (?,?,?,?,?)",
                              (d, 0, "commitment", "We will review this.", "completed")).lastrowid
                c.execute("INSERT INTO action_findings(action_id, finding_id) VALUES (?,?)", (a, f))
    return fids


def _theme_with(lib, finding_id):
    return ts.theme_of_finding(lib, finding_id)


def test_rebuild_list_json_shape(library):
    fids = _add(library, _corpus())
    summary = ts.rebuild_themes(library)
    assert summary["themes"] >= len(TOPICS) and summary["findings"] == len(fids)
    data = ts.list_themes(library)
    json.dumps(data)  # JSON-ready
    assert set(data) == {"themes"}
    for t in data["themes"]:
        for k in ("id", "label", "parent", "size", "documents", "first_seen", "last_seen", "by_year", "finding_ids"):
            assert k in t
        assert isinstance(t["id"], int) and isinstance(t["label"], str) and t["label"]
        assert t["size"] == len(t["finding_ids"])
        assert all(isinstance(y, str) and len(y) == 4 and isinstance(n, int) for y, n in t["by_year"].items())
        assert sum(t["by_year"].values()) == t["documents"]
        assert t["first_seen"] <= t["last_seen"]
        assert t["exemplars"] and t["top_recipients"][0]["name"] == "NHS England"
        assert t["document_types"] == {"pfd_report": t["documents"]}
    with_actions = [t for t in data["themes"] if t["actions"]["count"]]
    assert with_actions and with_actions[0]["actions"]["by_status"].get("completed")
    one = ts.get_theme(library, data["themes"][0]["id"])
    json.dumps(one)
    assert one["members"] and "action_items" in one and one["edits"] == []
    hit = _theme_with(library, fids[0])
    assert hit and hit["documents"] >= 2 and hit["since"] >= 2015
    assert ts.get_theme(library, 999999) is None


def test_ids_stable_after_adding_documents(library):
    _add(library, _corpus(seed=0))
    ts.rebuild_themes(library)
    before = {t["id"]: set(t["finding_ids"]) for t in ts.list_themes(library, level=2)["themes"]}
    # new documents: more of the same topics and a brand-new topic
    extra = _corpus(seed=1, per_topic=2, generic=0)
    extra = [(k + "-new", d, t) for k, d, t in extra]
    rng = random.Random(5)
    extra += [(f"fire-{i}", "2024-01-01", f"Fire doors and smoke alarms in the tower block were faulty; "
               f"fire risk assessment of cladding {rng.random():.3f}") for i in range(5)]
    _add(library, extra)
    s = ts.rebuild_themes(library)
    after = {t["id"]: set(t["finding_ids"]) for t in ts.list_themes(library, level=2)["themes"]}
    assert s["kept"] >= len(TOPICS)
    for tid, members in before.items():
        if len(members) >= 4:
            assert tid in after and members <= after[tid], tid
    assert s["new"] >= 1                                   # the fire theme
    assert max(after) > max(before)


def test_edits_survive_rebuild(library):
    fids = _add(library, _corpus())
    ts.rebuild_themes(library)
    spec = ts.list_themes(library, level=2)["themes"]
    by_topic = {}
    for t in spec:
        texts = " ".join(library.store.conn.execute(
            f"SELECT text FROM findings WHERE id IN ({','.join(map(str, t['finding_ids']))})").fetchall()[0])
        for topic, (base, _) in TOPICS.items():
            if base in texts:
                by_topic.setdefault(topic, t["id"])
    marac, insulin, railway = by_topic["marac"], by_topic["insulin"], by_topic["railway"]
    r = ts.rename_theme(library, marac, "MARAC minute-taking")
    assert r["label"] == "MARAC minute-taking" and r["renamed"]
    m = ts.merge_themes(library, insulin, railway)
    assert m["id"] == insulin and ts.get_theme(library, railway) is None
    merged_size = m["size"]
    sp = ts.split_theme(library, insulin, 2)
    parts = [t["id"] for t in sp["themes"]]
    assert len(parts) == 2 and ts.get_theme(library, insulin) is None
    assert sum(t["size"] for t in sp["themes"]) == merged_size

    # rebuild with a few new findings: the edits are re-applied to the fresh clustering
    _add(library, [(f"marac-x{i}", "2025-01-01", _topic_text(random.Random(i), "marac")) for i in range(2)])
    s = ts.rebuild_themes(library)
    assert s["edits"] == {"applied": 3, "orphaned": 0}
    assert ts.get_theme(library, marac)["label"] == "MARAC minute-taking"
    assert ts.get_theme(library, railway) is None and ts.get_theme(library, insulin) is None
    got = [ts.get_theme(library, p) for p in parts]
    assert all(got) and sum(g["size"] for g in got) >= merged_size
    # a second rebuild changes nothing
    s2 = ts.rebuild_themes(library)
    assert s2["new"] == 0 and s2["retired"] == []
    assert ts.get_theme(library, marac)["edits"][0]["op"] == "rename"
    with pytest.raises(KeyError):
        ts.rename_theme(library, 424242, "x")
    with pytest.raises(ValueError):
        ts.merge_themes(library, marac, marac)
    assert fids


def test_incremental_assignment(library):
    _add(library, _corpus())
    ts.rebuild_themes(library)
    rng = random.Random(9)
    new = _add(library, [("marac-late", "2026-01-01", _topic_text(rng, "marac")),
                         ("odd-1", "2026-01-02", "Completely unrelated words about spacecraft telemetry orbits")])
    out = ts.assign_new_findings(library, new)
    assert [a["finding_id"] for a in out["assigned"]] == [new[0]]
    assert out["unassigned"] == [new[1]]
    hit = ts.theme_of_finding(library, new[0])
    assert hit is not None and "marac" in hit["label"].lower()
    assert ts.theme_of_finding(library, new[1]) is None
    # idempotent
    assert ts.assign_new_findings(library, new)["assigned"] == []


def test_normalise_recipient():
    assert ts.normalise_recipient("The Chief Executive, NHS England") == "NHS England"
    assert ts.normalise_recipient("Secretary of State for Health and Social Care") == \
        "Secretary of State for Health and Social Care"


def test_empty_library(library):
    s = ts.rebuild_themes(library)
    assert s["themes"] == 0 and ts.list_themes(library) == {"themes": []}
