"""Organisations: one key per organisation however a report, letter or action plan writes it
("Chief Executive, NHS England", "NHSE" and "NHS England & NHS Improvement" are one body), its
type (police, NHS trust, council …), where a text names it (by its words, acronym or a short
form), and which bodies a recipient cell or an action plan's owner cell names. Rules and a list
of known bodies (``keys.CANON``), no model and no database; it imports nothing else of corpus,
so the letter readers (``corpus.extract``) and linking (``corpus.responses``) both build on it.
"""
from __future__ import annotations

from corpus.orgs.cells import action_owner, bodies_named_in, is_body_name, known_bodies_named_in
from corpus.orgs.keys import (
    ALIAS,
    CANON,
    ORG_TYPES,
    PARTS,
    ROLE_ABBREV,
    ROLE_WORD,
    OrgName,
    normalise_org,
    org_aliases,
    org_type,
    org_type_evidence,
    split_orgs,
)
from corpus.orgs.mentions import acronyms, defined_acronyms, known_org_counts, mentions, short_name
from corpus.orgs.recipients import part_score, split_comma_list

__all__ = [
    "ALIAS", "CANON", "ORG_TYPES", "PARTS", "ROLE_ABBREV", "ROLE_WORD", "OrgName",
    "acronyms", "action_owner", "bodies_named_in", "defined_acronyms", "is_body_name", "known_bodies_named_in",
    "known_org_counts", "mentions", "normalise_org", "org_aliases", "org_type", "org_type_evidence", "part_score",
    "short_name",
    "split_comma_list", "split_orgs",
]
