"""Issue 28, item 6 on the command line: every command of the ``precedent`` group (listed from
the group itself, so a new command is covered) answers bad input and a broken library in one
line — ``Error: …`` or a usage error — never a traceback, with a non-zero exit status."""
from __future__ import annotations

import shutil
import socket
from pathlib import Path

import click
import pytest

from precedent import cli

HOSTILE = ["²", "١", "-1", "0", "9" * 30, "1e30", "", "x" * 3000, "<script>", "--", "2020-13-45"]


def _leaves(group: click.Group, prefix=()) -> list[tuple[tuple[str, ...], click.Command]]:
    out = []
    for name, cmd in sorted(group.commands.items()):
        if isinstance(cmd, click.Group):
            out += _leaves(cmd, prefix + (name,))
        else:
            out.append((prefix + (name,), cmd))
    return out


COMMANDS = _leaves(cli)


def _value(p: click.Parameter, a_file: Path) -> str:
    t = p.type
    if isinstance(t, click.Path):
        return str(a_file)
    if isinstance(t, click.Choice):
        return str(t.choices[0])
    if getattr(t, "name", "").upper() in ("ID", "INTEGER", "INTEGER RANGE"):
        return "1"
    return "x"


def _argv(path: tuple[str, ...], cmd: click.Command, library: Path, a_file: Path, **override) -> list[str]:
    """The command with a value for each required argument and option, and ``--library``."""
    argv = list(path)
    for p in cmd.params:
        if isinstance(p, click.Argument) and (p.required or p.name in override):
            argv.append(override.get(p.name, _value(p, a_file)))
        elif isinstance(p, click.Option) and (p.required or p.name in override):
            argv += [p.opts[0], override.get(p.name, _value(p, a_file))]
    if any(p.name == "library_path" for p in cmd.params):
        argv += ["--library", str(library)]
    return argv


def _no_traceback(r, argv) -> None:
    out = r.output + (r.stderr if r.stderr_bytes is not None else "")
    assert "Traceback" not in out, (argv, out[-2000:])
    assert r.exception is None or isinstance(r.exception, SystemExit), (argv, repr(r.exception))


def test_every_command_is_listed():
    names = {" ".join(p) for p, _ in COMMANDS}
    assert {"ingest", "search", "show", "serve", "packs export", "screen judge", "themes merge"} <= names
    assert len(COMMANDS) >= 30


@pytest.fixture
def damaged_libraries(filled_library, tmp_path) -> dict[str, Path]:
    """The same library three ways broken: random bytes for its store, its store cut short, and
    a library.json that is not JSON."""
    src = filled_library.path
    filled_library.close()
    out = {}
    for kind in ("random", "truncated", "json", "json-array"):
        d = tmp_path / f"broken-{kind}"
        shutil.copytree(src, d)
        store = d / "precedent.sqlite"
        for extra in d.glob("precedent.sqlite-*"):  # WAL and shared memory: the store is the file itself
            extra.unlink()
        if kind == "random":
            store.write_bytes(bytes((i * 7919 + 13) % 256 for i in range(64 * 1024)))
        elif kind == "truncated":
            store.write_bytes(store.read_bytes()[:3000])
        elif kind == "json":
            (d / "library.json").write_text('{"format": "precedent-library", "model": ')
        else:
            (d / "library.json").write_text('["precedent-library"]')
        out[kind] = d
    return out


def test_every_command_on_a_damaged_library_says_so_in_one_line(runner, damaged_libraries, docs_dir, tmp_path,
                                                               monkeypatch):
    monkeypatch.chdir(tmp_path)
    a_file = docs_dir / "letter.txt"
    for kind, lib in damaged_libraries.items():
        for path, cmd in COMMANDS:
            argv = _argv(path, cmd, lib, a_file)
            r = runner.invoke(cli, argv)
            _no_traceback(r, argv)
            assert r.exit_code != 0, (kind, argv, r.output)
            out = r.output + r.stderr
            if r.exit_code == 1:  # it opened the library: what is wrong and how to recover
                assert out.strip().startswith("Error:") and str(lib) in out, (kind, argv, out)
                assert ("damaged" in out and "move it aside" in out) or "not a Precedent library" in out, (kind, argv, out)
            else:  # refused its arguments before opening anything
                assert r.exit_code == 2 and "Usage:" in out, (kind, argv, out)
    # most commands got as far as the library
    r = runner.invoke(cli, ["documents", "--library", str(damaged_libraries["truncated"])])
    assert r.exit_code == 1 and "is damaged (precedent.sqlite: " in r.stderr
    assert len(r.stderr.strip().splitlines()) == 1


def test_every_command_with_hostile_arguments(runner, filled_library, docs_dir, tmp_path, monkeypatch):
    """Each argument and option of every command gets each hostile value (the others valid):
    a usage error or an answer, never a traceback; a bad id or number is refused (exit 2)."""
    monkeypatch.chdir(tmp_path)  # an --out of "²" or "<script>" writes that file here, not in the checkout
    lib, a_file = filled_library.path, docs_dir / "letter.txt"
    sent = 0
    for path, cmd in COMMANDS:
        for p in cmd.params:
            if p.name in ("library_path", "help") or getattr(p, "is_flag", False) or p.nargs == -1:
                continue
            if path == ("serve",) and p.name not in ("port", "threads"):
                continue  # a serve that starts would not return
            for v in HOSTILE:
                if path == ("serve",) and v == "١":
                    continue  # click's INT reads it as 1: a server that would start
                argv = _argv(path, cmd, lib, a_file, **{p.name: v})
                r = runner.invoke(cli, argv)
                sent += 1
                _no_traceback(r, argv)
                kind = getattr(p.type, "name", "").upper()
                refused = ("²", "9" * 30, "1e30", "") + (("١",) if kind == "ID" else ())  # click's INT reads "١" as 1
                if kind in ("ID", "INTEGER RANGE", "INTEGER") and v in refused:
                    assert r.exit_code == 2, (argv, r.exit_code, r.output)
    assert sent > 300


def test_named_cases_of_the_issue(runner, filled_library, docs_dir, tmp_path):
    lib = str(filled_library.path)
    r = runner.invoke(cli, ["organisations", "--type", "bogus", "--library", lib])
    assert r.exit_code == 2 and "police" in r.output and "care_provider" in r.output
    r = runner.invoke(cli, ["ingest", str(docs_dir), "--columns", "finding=A,owner=B,finding=C", "--library", lib])
    assert r.exit_code == 2 and "finding more than once" in r.output
    runner.invoke(cli, ["packs", "new", "p", "--library", lib])
    for out in (tmp_path / "no" / "such" / "folder" / "p.md", Path("/dev/full")):
        if not out.parent.exists() or out.exists():
            r = runner.invoke(cli, ["packs", "export", "p", "--out", str(out), "--library", lib])
            assert r.exit_code == 1 and r.stderr.startswith(f"Error: cannot write {out}: "), r.output
            assert len(r.stderr.strip().splitlines()) == 1
    runner.invoke(cli, ["screen", "new", "s", "--query", "MARAC minutes", "--library", lib])
    bad = tmp_path / "judgements.csv"
    bad.write_bytes(b"\xff\xfe1,yes\n\x80\x81,no\n")
    r = runner.invoke(cli, ["screen", "judge", "s", "--file", str(bad), "--library", lib])
    assert r.exit_code == 2 and "not UTF-8" in r.output and "Traceback" not in r.output


def test_serve_on_a_port_in_use_or_a_host_that_does_not_resolve(runner, filled_library):
    lib = str(filled_library.path)
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        r = runner.invoke(cli, ["serve", "--port", str(port), "--library", lib])
    assert r.exit_code == 1 and f"Error: cannot serve on 127.0.0.1:{port}: " in r.stderr, r.output
    r = runner.invoke(cli, ["serve", "--host", "no-such-host.invalid", "--port", "1", "--library", lib])
    assert r.exit_code == 1 and "cannot serve on no-such-host.invalid:1" in r.stderr, r.output
    assert "Traceback" not in r.output
