"""The top level of the theme tree (issue 27): a browsable number of groups, none holding more
than its share of the documents, lone themes in a miscellaneous bucket, names that join nothing."""
from __future__ import annotations

import numpy as np

from index.themes import cluster as core
from index.themes.labels import phrase_labels
from index.themes.tree import TOP_MAX, top_groups


def _topics(n_topics=30, per_topic=12, dim=48, seed=0, docs_per_theme=20, n_docs=3000):
    """Specific themes' centroids around ``n_topics`` subjects, each theme with its own documents."""
    rng = np.random.default_rng(seed)
    subjects = core.unit(rng.normal(size=(n_topics, dim)))
    cents, docs = [], []
    for s in range(n_topics):
        for _ in range(per_topic):
            cents.append(subjects[s] + 0.08 * rng.normal(size=dim))
            docs.append(set(rng.choice(n_docs, size=docs_per_theme, replace=False).tolist()))
    return core.unit(np.vstack(cents)), docs, n_docs


def _docs(groups, docs, g):
    return set().union(*(docs[t] for t in np.flatnonzero(groups == g)))


def test_top_groups_browsable_and_capped():
    cents, docs, n_docs = _topics()
    groups = top_groups(cents, docs, n_docs, share=0.08)
    real = sorted(set(groups.tolist()) - {-1})
    assert 15 <= len(real) <= TOP_MAX
    for g in real:
        assert len(_docs(groups, docs, g)) <= 0.08 * n_docs          # no catch-all
        assert (groups == g).sum() >= 2                              # each has subthemes
    if (groups == -1).any():
        assert len(_docs(groups, docs, -1)) <= 0.08 * n_docs         # the bucket is no catch-all either
    # like themes stay together: most subjects sit mostly in one group
    subj = np.repeat(np.arange(30), 12)
    purity = [np.bincount(groups[subj == s] + 1).max() / 12 for s in range(30)]
    assert np.median(purity) >= 0.75, purity


def test_top_groups_deterministic_and_small_inputs():
    cents, docs, n_docs = _topics(n_topics=5, per_topic=4)
    a = top_groups(cents, docs, n_docs)
    assert (a == top_groups(cents, docs, n_docs)).all()
    assert len(top_groups(cents[:3], docs[:3], n_docs)) == 3
    assert len(top_groups(cents[:0], [], n_docs)) == 0


def test_labels_never_join_phrases_and_siblings_told_apart():
    texts = ([f"The nurse in charge did not escalate the deterioration on shift {i}." for i in range(6)]
             + [f"The nurse in charge and the nursing staff did not record observations, case {i}." for i in range(6)]
             + [f"Ambulance handover delays at the emergency department, number {i}." for i in range(20)])
    docs = list(range(len(texts)))
    labels = phrase_labels(texts, [list(range(6)), list(range(6, 12))], docs, parents=[1, 1])
    assert len({x.lower() for x in labels}) == 2, labels
    for lab in labels:
        assert " and " not in f" {lab.lower()} ", lab
    words = [set(x.lower().split()) - {"in", "of", "the"} for x in labels]
    assert not (words[0] <= words[1] or words[1] <= words[0]), labels   # neither name inside the other


def test_fit_gives_every_specific_theme_a_parent():
    from index.encoders.embed import get_embedder

    rng = np.random.default_rng(2)
    subjects = ["insulin doses on the ward", "level crossing barriers", "ligature points in cells",
                "MARAC referrals after domestic abuse", "ambulance response to falls", "bed rails in care homes"]
    texts, docs = [], []
    for s, subj in enumerate(subjects):
        for i in range(8):
            texts.append(f"Concern about {subj}: {subj} were not checked, audit {rng.integers(1000)}.")
            docs.append(f"d{s}-{i}")
    v = get_embedder("fake-hashing-384").encode(texts)
    m = core.fit_themes(texts, v, documents=docs, fine_threshold=0.5, broad_threshold=0.75)
    spec = m.specific()
    assert spec and all(t.parent is not None for t in spec)
    for b in m.broad():
        assert b.label and " and " not in f" {b.label.lower()} "
        assert set(b.members) == {i for k in b.children for i in m.themes[k].members}


def test_name_says_what_went_wrong_when_the_members_do():
    texts = ([f"There was no risk management plan for patient {w}." for w in "abc"]
             + [f"The lack of a risk management plan for patient {w} left staff unsure." for w in "def"]
             + [f"Ambulance handover delays at the emergency department, number {i}." for i in range(20)])
    labels = phrase_labels(texts, [list(range(6))], list(range(len(texts))))
    assert labels[0].lower().startswith(("lack of ", "no ")) and "management plan" in labels[0].lower(), labels
    plain = [f"The risk management plan for patient {w} was reviewed weekly." for w in "abcdef"]
    label = phrase_labels(plain + texts[6:], [list(range(6))], list(range(len(texts))))[0]
    assert "management plan" in label.lower() and not label.lower().startswith(("lack", "no ")), label
