"""Learning packs: a trainer's named set of cases and concerns, each case told with what
happened, what was done and the outcome so far, exported as Markdown, CSV or PDF that stand
alone. ``search.packs.packs`` holds the rules (names, limits, what may be added, how a pack
groups its entries into cases) over the rows of ``index.packs``; ``search.packs.export``
writes the exports. The pages (``/collections``), the CLI (``precedent packs``) and a
screen's "put in a pack" use the names below."""
from search.packs.export import clean_base_url, to_csv, to_markdown, to_pdf
from search.packs.packs import (
    PackError,
    add_document,
    add_finding,
    add_item,
    case_ids,
    create_pack,
    delete_pack,
    fill_from_screen,
    get_pack,
    item_label,
    list_packs,
    pack_by_name,
    remove_item,
    whole_id,
)

__all__ = [
    "PackError",
    "add_document",
    "add_finding",
    "add_item",
    "case_ids",
    "clean_base_url",
    "create_pack",
    "delete_pack",
    "fill_from_screen",
    "get_pack",
    "item_label",
    "list_packs",
    "pack_by_name",
    "remove_item",
    "to_csv",
    "to_markdown",
    "to_pdf",
    "whole_id",
]
