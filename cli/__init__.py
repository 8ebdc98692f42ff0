"""The command line's rooms: the commands of `precedent`, one module per area, each listing its
``COMMANDS`` (registered on the top group in ``precedent.py``): ``library_cmds`` (ingest,
search, documents, show, serve, eval, precedents, unlinked, relink), ``ledger_cmds``
(commitments, organisations, packs), ``themes_cmds``, ``screen_cmds``; what they share is
``cli.options`` (the top group class, options, checked ID/DATE types, opening the library).
A command calls one ``search/`` or ``index/`` function and prints its dict; it imports
``webui`` only to serve it."""
from cli.options import DATE, ID, PrecedentGroup

__all__ = ["DATE", "ID", "PrecedentGroup"]
