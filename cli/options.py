"""What every command shares: the top group (``PrecedentGroup``: the one place a failed check
becomes a usage error), the --library/--model/--json options, checked ID and DATE types,
opening the library and printing JSON."""
from __future__ import annotations

import errno
import json
from pathlib import Path

import click

from index.library import LIBRARY_ENV, STORE_ERRORS, LibraryError, damaged, open_library
from index.settings import Settings
from search import request as checks
from search.request import ParamError

library_option = click.option(
    "--library", "library_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help=f"Library directory (default: ${LIBRARY_ENV} or ./library).",
)
model_option = click.option("--model", default=None, help="Embedding model (a library refuses any but its own).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


class PrecedentGroup(click.Group):
    """The `precedent` group: the one place the command line turns what went wrong into one
    line, never a traceback.

    - a ``ParamError`` — a value that fails the search layer's checks (``search.request``), the
      same the web answers with a 400 — is a usage error (exit status 2) with its message;
    - a ``LibraryError`` (no library, another model, a damaged ``library.json``), or a store
      that turns out unreadable part-way through a command (``index.library.damaged``: a
      corrupt or truncated ``precedent.sqlite``), says what is wrong and how to recover;
    - a file that cannot be written or read (``--out`` into a missing folder, a full disk)
      or is not UTF-8 text is ``Error: …`` naming it.

    Those are exit status 1 (``click.ClickException``). Anything else is a bug and keeps its
    traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except ParamError as e:
            raise click.UsageError(str(e)) from e
        except LibraryError as e:
            raise click.ClickException(str(e)) from e
        except STORE_ERRORS as e:
            where = ctx.meta.get(_OPENED) or cli_settings().library
            raise click.ClickException(str(damaged(where, e))) from e
        except UnicodeDecodeError as e:
            raise click.ClickException(f"a file given is not UTF-8 text ({e.reason} at byte {e.start}); "
                                       "save it as UTF-8 and try again") from e
        except OSError as e:
            if e.errno == errno.EPIPE:  # output piped into `head`: click ends quietly
                raise
            what = f"cannot use {e.filename}: " if e.filename else ""
            raise click.ClickException(f"{what}{e.strerror or e}") from e


class Checked(click.ParamType):
    """An option or argument checked by the search layer's rules (``search.request``), the
    web's own: bad input is "Invalid value for …" (exit status 2), never a traceback or a
    silent empty answer."""

    def __init__(self, name: str, check):
        self.name, self.check = name, check

    def convert(self, value, param, ctx):
        try:
            return self.check(value, param.name if param else self.name)
        except ParamError as e:
            self.fail(str(e), param, ctx)


ID = Checked("ID", checks.check_id)  # 1 .. 2**63-1, SQLite's integers
DATE = Checked("DATE", checks.check_date)  # YYYY, YYYY-MM or YYYY-MM-DD, a real day


def cli_settings() -> Settings:
    """The settings of the running command, read from the environment once per command."""
    ctx = click.get_current_context(silent=True)
    if ctx is None:
        return _settings()
    if "precedent.settings" not in ctx.meta:
        ctx.meta["precedent.settings"] = _settings()
    return ctx.meta["precedent.settings"]


def _settings() -> Settings:
    try:
        return Settings.from_env()
    except ValueError as e:
        raise click.UsageError(str(e)) from e


_OPENED = "precedent.library_path"


def open_lib(library_path: Path | None, model: str | None = None, create: bool = False):
    """Open (or create) the library. Its ``LibraryError`` (none there, another model, damaged)
    is one line through ``PrecedentGroup``; the path is remembered, so a store found damaged
    later in the command is named."""
    path = library_path or cli_settings().library
    ctx = click.get_current_context(silent=True)
    if ctx is not None:
        ctx.meta[_OPENED] = path
    return open_library(path, model=model, create=create)


def print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def print_rows(data: dict, as_json: bool, key: str, line) -> None:
    """A listing: the whole dict as JSON, or one tab-separated ``line(row)`` per row of ``data[key]``."""
    if as_json:
        print_json(data)
        return
    for row in data[key]:
        click.echo(line(row))
