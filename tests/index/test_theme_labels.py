"""Theme labels a person would write, and the content a concern is clustered on (issue 13)."""
from __future__ import annotations

import random

import numpy as np

from index.themes import cluster as core
from index.themes.labels import content_text, key_clause, label_problems, phrase_labels, tidy_label


def test_content_text_drops_names_places_dates_and_redactions():
    t = ("On 3 March 2021 Mr John Smith was seen by Dr Patel at Royal Derby Hospital; [REDACTED] said "
         "the referral to CAMHS was delayed for 14 weeks.")
    c = content_text(t)
    for gone in ("John", "Smith", "Patel", "Derby", "2021", "March", "REDACTED", "14"):
        assert gone not in c, (gone, c)
    for kept in ("referral", "CAMHS", "delayed", "weeks"):
        assert kept in c


def _groups():
    rng = random.Random(0)
    names = ["Alice Brown", "Tom Jones", "Sara Khan", "Ian Wood", "Mo Ali", "Jo Lee"]
    camhs = [f"{rng.choice(['Sadly', 'Further', 'Also'])}, {names[i]} waited while the referral to CAMHS was "
             f"delayed and the delays in CAMHS referrals were not escalated by the GP ([REDACTED] redacted)."
             for i in range(6)]
    risk = [f"The risk assessment for {names[i]} was not shared between agencies, and risk assessments "
            f"were not shared with the police in {['Leeds', 'York', 'Hull', 'Bath', 'Ely', 'Wells'][i]}."
            for i in range(6)]
    generic = ["Staff staff staff training training was lacking.", "The concern concern is noted.",
               "Redacted redacted redacted.", "It was heard in evidence that the matter concerned the coroner."]
    texts = camhs + risk + generic
    docs = [f"a{i}" for i in range(6)] + [f"b{i}" for i in range(6)] + ["g1", "g2", "g3", "g4"]
    return texts, docs, [list(range(6)), list(range(6, 12)), [12, 13], [14, 15]]


def test_labels_name_the_failure_from_the_groups_own_text():
    texts, docs, groups = _groups()
    labels = phrase_labels(texts, groups, docs)
    assert "camhs" in labels[0].lower() and ("referral" in labels[0].lower() or "delay" in labels[0].lower())
    assert "CAMHS" in labels[0]                                  # acronyms keep their case
    assert "risk assessment" in labels[1].lower() or "shared" in labels[1].lower()
    for lab in labels:
        assert label_problems(lab) == [], lab                   # no single word, repeat or redaction
        assert not any(n in lab for n in ("Alice", "Leeds", "Jones", "redacted", "REDACTED"))


def test_label_checks_and_tidying():
    assert label_problems("Training") == ["single word"]
    assert "repeated word" in label_problems("Unit unit and night shift")
    assert "redaction marker" in label_problems("Redacted known consultant")
    assert label_problems("Delays in CAMHS referrals") == []
    assert tidy_label("unit unit night shift [REDACTED]") == "Unit night shift"
    assert tidy_label(key_clause(["Evidence was heard that the ward had no ligature audit, and staff were new."])) == \
        "The ward had no ligature audit"


def test_fit_labels_and_second_themes():
    """Fitted themes' labels pass the checks; a finding between two themes sits in both."""
    from index.encoders.embed import get_embedder

    texts, docs, _ = _groups()
    texts, docs = texts[:12], docs[:12]
    v = get_embedder("fake-hashing-384").encode(texts)
    m = core.fit_themes(texts, v, documents=docs, fine_threshold=0.5, broad_threshold=0.75)
    assert len(m.specific()) >= 2
    for t in m.themes:
        assert label_problems(t.label) == [], t.label
    # two tight groups and one finding half way between them
    rng = np.random.default_rng(1)
    a, b = core.unit(rng.normal(size=(1, 32)))[0], core.unit(rng.normal(size=(1, 32)))[0]
    x = core.unit(np.vstack([a + 0.2 * rng.normal(size=32) for _ in range(20)] +
                             [b + 0.2 * rng.normal(size=32) for _ in range(20)] + [a + b, a - b]))
    out = core.second_themes([list(range(20)), list(range(20, 40))], x, ratio=0.9)
    assert 40 in out[0] and 40 in out[1]           # the even mix of both failures is in both themes
    assert 41 not in out[0] + out[1]               # a finding like neither stays out
    assert sorted(out[0]) == list(range(20)) + [40] and sorted(out[1]) == list(range(20, 41))


def test_content_vectors_remove_shared_case_context():
    rng = np.random.default_rng(0)
    case = rng.normal(size=16)
    a, b = rng.normal(size=16), rng.normal(size=16)
    v = core.unit(np.vstack([case * 3 + a, case * 3 + b, rng.normal(size=16), rng.normal(size=16)]))
    docs = ["d1", "d1", "d2", "d3"]
    raw = float(v[0] @ v[1])
    x = core.content_vectors(v, docs, alpha=0.5)
    assert float(x[0] @ x[1]) < raw - 0.3          # two concerns of one case no longer look alike


def test_theme_page_quotes_orgs_and_chart(library, tmp_path):
    """The theme page: label, quotes linking to their place, canonical organisations,
    a chart whose axes are labelled and whose bars carry their counts."""
    import re as _re

    from index.ingest.pipeline import ingest
    from index.themes import get_theme, list_themes
    from webui import create_app

    d = tmp_path / "docs"
    d.mkdir()
    for i in range(8):
        (d / f"r{i}.txt").write_text(
            "Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nTHIS REPORT IS BEING SENT TO: "
            "The Chief Executive, NHS England\n\nCORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as follows:\n\n"
            f"1. The referral to CAMHS was delayed for weeks and delays in CAMHS referrals were not escalated ({i}).\n\n"
            f"ACTION SHOULD BE TAKEN\n\nDate: 1{i} March 20{16 + i % 4}\n")
    ingest(library, [d])            # themes come from ingest alone
    themes = list_themes(library, level=2)["themes"]
    assert themes
    t = get_theme(library, themes[0]["id"])
    assert "CAMHS" in t["label"]
    # the two most representative quotes, from two documents, each a sentence of its finding
    assert len(t["exemplars"]) == 2 and len({e["document_id"] for e in t["exemplars"]}) == 2
    for e in t["exemplars"]:
        assert e["quote"] and e["quote"].rstrip("…") in e["text"] and "CAMHS" in e["quote"]
    html = create_app({"TESTING": True, "LIBRARY": library}).test_client().get(f"/themes/{t['id']}").get_data(as_text=True)
    e = t["exemplars"][0]
    assert f'href="/documents/{e["document_id"]}#f{e["finding_id"]}"' in html
    assert "Year of the document" in html and ">Documents<" in html
    for y, n in t["by_year"].items():
        assert f">{y}<" in html
    assert _re.search(r'text-anchor="middle">\d+</text>', html)   # counts on the bars
    if t["top_recipients"]:
        assert t["top_recipients"][0]["name"] == "NHS England" and "Chief Executive" not in html.split("Sent to")[1][:300]


def test_bad_edit_input_is_a_400(library, tmp_path):
    from index.ingest.pipeline import ingest
    from index.themes import list_themes
    from webui import create_app

    d = tmp_path / "docs"
    d.mkdir()
    for i in range(6):
        (d / f"r{i}.txt").write_text(
            "Regulation 28 REPORT TO PREVENT FUTURE DEATHS\n\nCORONER'S CONCERNS\n\nThe MATTERS OF CONCERN are as "
            f"follows:\n\n1. Ligature points on the ward were not removed after the ligature audit ({i}).\n\n")
    ingest(library, [d])
    tid = list_themes(library, level=2)["themes"][0]["id"]
    c = create_app({"TESTING": True, "LIBRARY": library}).test_client()
    for k in ("abc", "1", "999", "-3"):
        r = c.post(f"/themes/{tid}/split", json={"k": k}, headers={"Accept": "application/json"})
        assert r.status_code == 400 and r.get_json()["error"]["status"] == 400, k
    r = c.post(f"/themes/{tid}/rename", json={"label": "x" * 1_000_000}, headers={"Accept": "application/json"})
    assert r.status_code == 400 and "200" in r.get_json()["error"]["message"]


def test_two_themes_never_share_a_label():
    from index.themes.labels import phrase_labels

    a = [f"The offender managers did not review the risk assessment in case {i}." for i in range(4)]
    b = [f"The offender managers did not review the risk assessment in matter {i}." for i in range(4)] + \
        [f"The offender managers did not check the licence conditions in matter {i}." for i in range(4, 6)]
    other = [f"Unrelated finding about ambulance handover delays number {i}." for i in range(20)]
    texts = a + b + other
    labels = phrase_labels(texts, [list(range(4)), list(range(4, 10))], documents=list(range(len(texts))))
    assert len({x.lower() for x in labels}) == 2, labels


def _template_library():
    """Groups of concerns about distinct matters, every document wrapped in the same stock
    wording (a document kind's template) and a narrative of what happened."""
    rng = random.Random(4)
    matters = [("ligature risk assessment", "ligature points on the ward"),
               ("information sharing between agencies", "safeguarding referrals"),
               ("observation levels", "night staff"),
               ("discharge planning", "community follow-up")]
    texts, docs, groups = [], [], []
    for m, (a, b) in enumerate(matters):
        g = []
        for j in range(8):
            who = rng.choice(["The trust", "The council", "The service", "The board"])
            own = f"There was no {a} and {b} were not reviewed." if j % 3 == 0 else \
                f"The {rng.choice(['audit', 'policy', 'rota', 'budget', 'contract'])} {rng.randint(1, 9)} was late."
            texts.append(f"{who} was served with papers concerning the death. After treatment he subsequently dies "
                         f"on the ward. {own}")
            docs.append(f"d{m}-{j}")
            g.append(len(texts) - 1)
        groups.append(g)
    for j in range(40):   # the rest of the library: same template, other matters
        texts.append(f"The provider was served with papers concerning the death. After treatment she subsequently "
                     f"dies at home. Concern number {j} is about {rng.choice(['ambulance handover', 'bed capacity', 'GP records', 'pharmacy stock'])} delays.")
        docs.append(f"o{j}")
    return texts, docs, groups


def test_labels_skip_template_and_narrative_phrases():
    from index.themes.labels import label_form_problems

    texts, docs, groups = _template_library()
    labels = phrase_labels(texts, groups, docs)
    assert len({x.lower() for x in labels}) == len(labels), labels
    for lab, (a, b) in zip(labels, [("ligature risk assessment", "ligature points on the ward"),
                                     ("information sharing between agencies", "safeguarding referrals"),
                                     ("observation levels", "night staff"),
                                     ("discharge planning", "community follow-up")]):
        low = lab.lower()
        # only the group's own matter, and what the members say went wrong with it ("There was no ...")
        assert set(low.split()) <= set(f"{a} {b} and".split()) | {"no"}, labels
        assert not {"served", "papers", "concerning", "dies", "subsequently", "treatment"} & set(low.split()), lab
        assert label_form_problems(lab) == [], (lab, label_form_problems(lab))
    assert labels == phrase_labels(texts, groups, docs)            # deterministic


def test_label_form_checks():
    from index.themes.labels import label_form_problems

    assert "ends in a function word" in label_form_problems("Served with papers concerning")
    assert "starts with an -ed word" in label_form_problems("Served with papers concerning")
    assert "narrative verb or adverb" in label_form_problems("Treatment and subsequently dies")
    assert label_form_problems("Information sharing between agencies") == []
    assert label_form_problems("Ligature risk assessment") == []


def test_many_groups_on_one_matter_get_distinct_labels():
    texts = [f"Mental health staff in unit {k} lacked training on {w}." for k, w in
             enumerate(["triage", "handover", "records", "referrals", "escalation", "medication"] * 3)]
    texts += [f"Ambulance delays number {i}." for i in range(10)]
    groups = [[k, k + 6, k + 12] for k in range(6)]
    labels = phrase_labels(texts, groups, documents=list(range(len(texts))))
    assert len({x.lower() for x in labels}) == 6, labels
    for lab in labels:
        assert label_problems(lab) == [], lab


def test_weak_group_label_is_no_narrative_or_dangling_phrase():
    """A group whose members share only narrative wording ("... transferred for treatment and
    subsequently dies", "was served with papers concerning") still gets a noun phrase."""
    texts = ["The patient was transferred for treatment and subsequently dies; the tertiary centre audit "
             "of adverse outcomes was missing.",
             "After transfer for treatment and subsequently dies the trust had no tertiary centre audit trail.",
             "The trust was served with papers concerning the handover of care between agencies.",
             "The council was served with papers concerning the handover of care between the two hospitals."]
    texts += [f"Ambulance handover delays at hospital {i} and bed capacity shortfalls." for i in range(20)]
    docs = list(range(len(texts)))
    from index.themes.labels import label_form_problems

    labels = phrase_labels(texts, [[0, 1], [2, 3]], docs)
    for lab in labels:
        assert label_form_problems(lab) == [], (lab, label_form_problems(lab))
        assert not {"dies", "subsequently", "served", "concerning"} & set(lab.lower().split()), lab
