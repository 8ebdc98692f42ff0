"""Themes: findings that recur across documents, grouped into specific themes and broad ones
above them. ``cluster`` is the pure clustering (no SQLite) and ``labels`` names a group by a
phrase frequent in it and rare elsewhere; ``store`` keeps a library's themes in SQLite with ids
that survive rebuilds, assigns new findings at ingest, and applies and replays people's renames,
merges and splits; ``reads`` gives pages, the CLI and search hits their JSON-ready themes.
Tables: ``index/schema.py`` (migration 2)."""
from index.themes.cluster import (
    Theme, ThemeModel, content_vectors, fit_themes, match_themes, second_themes, split_members, theme_geometry,
    unit)
from index.themes.labels import (
    content_text, key_clause, label_form_problems, label_problems, name_groups, phrase_labels, tidy_label)
from index.themes.tree import top_groups
from index.themes.reads import (
    built_findings, edit_log, get_theme, has_themes, list_themes, normalise_recipient, theme_of_finding,
    themes_of_findings, why_no_themes)
from index.themes.store import (
    MODEL_PARAMS, assign_new_findings, merge_themes, rebuild_themes, rename_theme, split_theme)

__all__ = [
    # clustering and labels (pure)
    "Theme", "ThemeModel", "content_text", "content_vectors", "fit_themes", "key_clause", "label_form_problems",
    "label_problems", "match_themes", "name_groups", "phrase_labels", "top_groups", "second_themes", "split_members", "theme_geometry",
    "tidy_label", "unit",
    # the store: build, keep current, people's edits
    "MODEL_PARAMS", "assign_new_findings", "merge_themes", "rebuild_themes", "rename_theme", "split_theme",
    # reads
    "built_findings", "edit_log", "get_theme", "has_themes", "list_themes", "normalise_recipient",
    "theme_of_finding", "themes_of_findings", "why_no_themes",
]
