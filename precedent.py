"""The `precedent` command: each command opens the library, calls one core function,
and prints the result (as text, or as JSON with --json). The commands live in cli/ by area;
this module is the entry point and the one top-level group they are registered on."""
from __future__ import annotations

import click

from cli import follow_cmds, ledger_cmds, library_cmds, screen_cmds, themes_cmds, tune_cmds
from cli import PrecedentGroup


@click.group(cls=PrecedentGroup)
@click.version_option(package_name="precedent")
def cli() -> None:
    """Precedent: search past concerns across PFD reports, reviews and inspections.

    \b
    Start here (the library is --library DIR, or $PRECEDENT_LIBRARY, or ./library):
      precedent ingest reports/ responses.csv      # build or grow the library
      precedent search "restraint by police"       # has this happened before?
      precedent precedents draft.pdf               # precedents for each concern of a draft
      precedent screen new NAME --query "…"        # find every document on a topic
      precedent commitments --status open          # what has been promised, and is it overdue?
      precedent follow search "…"; follow check    # what is new since you last looked
      precedent serve                              # the same as web pages, with JSON twins

    Each command's --help has its options; --json prints what the page's .json twin holds."""


def _copy(command, **changes):
    import copy

    c = copy.copy(command)
    for k, v in changes.items():
        setattr(c, k, v)
    return c


for _module in (library_cmds, ledger_cmds, themes_cmds, screen_cmds, follow_cmds, tune_cmds):
    for _command in _module.COMMANDS:
        cli.add_command(_command)
    for _name, _command in getattr(_module, "ALIASES", {}).items():
        cli.add_command(_copy(_command, hidden=True), name=_name)  # an older name: works, not listed twice


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
