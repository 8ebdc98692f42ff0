"""Screening: find *every* document on a topic, with a person's judgements and no language model.

``screens`` is the workflow (a named screen's question and filters, judgements, what to judge
next, progress with its estimated recall, the ``included`` set and its CSV / pack exports);
``model`` ranks the library's documents from the judgements so far and estimates what is left
(``rank``, ``estimates``); ``features`` builds and caches the per-library features the model
reads; ``stopping`` says when the person may stop, with a statistical guarantee on recall
(Callaghan & Müller-Hansen 2020); ``conditions`` reads a description as a conjunction;
``proposal`` gives a judge the age and what happened; ``sample`` is the optional sampled check
of the unjudged documents. The rows (screens,
judgements, draws) are kept by ``index.screens``."""
from search.screening.features import features_for, ready, warm
from search.screening.screens import (
    FILTER_KEYS, ScreenError, add_to_pack, create_screen, delete_screen, included_documents, judge, judge_many,
    list_screens, next_documents, read_judgements_csv, screen_by_name, show_screen, to_csv)

__all__ = [
    "FILTER_KEYS", "ScreenError", "add_to_pack", "create_screen", "delete_screen", "features_for",
    "included_documents", "judge", "judge_many", "list_screens", "next_documents", "read_judgements_csv", "ready",
    "screen_by_name", "show_screen", "to_csv", "warm",
]
