"""Commands over what was promised: commitments, organisations, organisation, packs."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from corpus.orgs import ORG_TYPES

from cli.options import ID, cli_settings, json_option, library_option, open_lib, print_json, print_rows


@click.command("commitments")
@click.option("--owner", default=None, help="Organisation (spellings normalised: WMP = West Midlands Police).")
@click.option("--status", default=None, help="completed, ongoing, not_started, red, amber, green, open or none.")
@click.option("--overdue", is_flag=True, help="Only commitments past their due date and not completed.")
@click.option("--as-of", "as_of", default=None, help="Date overdue is judged on, YYYY-MM-DD (default today).")
@click.option("--due-from", default=None, help="YYYY-MM-DD")
@click.option("--due-to", default=None, help="YYYY-MM-DD")
@click.option("--q", "q", default=None, help="Words that must appear in the action, owner or concern.")
@click.option("--claim", default=None, type=click.Choice(("asked_of", "promised", "answer")),
              help="Only rows asked of a body, promised by it, or its letters' answers (default: all three).")
@click.option("--org", default=None, help="An organisation key: exactly the rows its organisation page counts.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@library_option
@json_option
def commitments_cmd(owner, status, overdue, as_of, due_from, due_to, q, claim, org, as_csv, library_path, as_json):
    """The commitments ledger: actions with owner, due date, status, and what is overdue.

    \b
    e.g.  precedent commitments --overdue
          precedent commitments --claim promised --owner WMP --status open --csv > wmp.csv"""
    from search.ledger import list_commitments, to_csv

    try:
        data = list_commitments(open_lib(library_path), owner=owner, status=status, overdue=True if overdue else None,
                                as_of=as_of, due_from=due_from, due_to=due_to, q=q, claim=claim, org=org)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if as_csv:
        click.echo(to_csv(data["commitments"]), nl=False)
        return
    if as_json:
        print_json(data)
        return
    click.echo(data["title"])
    for c in data["commitments"]:
        flag = f"OVERDUE ({c['overdue_reason']}) " if c["overdue"] else ""
        click.echo(f"{c['claim'].replace('_', ' ').upper()} {flag}[{c['due'] or c['due_text'] or 'no date'}] {c['owner'] or '-'} · "
                   f"{(c['status'] or 'not stated')} · #{c['document_id']} {c['document_title'][:60]}")
        click.echo(f"   {' '.join(c['text'].split())[:200]}")
    s = data["summary"]
    k = s["by_claim"]
    click.echo(f"{data['total']} rows ({k['asked_of']} asked of, {k['promised']} promised, {k['answer']} answers), "
               f"{s['with_due_date']} with a due date, {s['overdue']} overdue as of {data['as_of']}")


@click.command("organisations")
@click.option("--q", "q", default=None, help="Words in the organisation's name.")
@click.option("--type", "org_type", default=None, type=click.Choice(ORG_TYPES),
              help="Only organisations of this type.")
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default today).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@library_option
@json_option
def organisations_cmd(q, org_type, as_of, limit, library_path, as_json):
    """Organisations: reports sent to them, responses, overdue responses and commitments."""
    from search.ledger import list_organisations

    try:
        data = list_organisations(open_lib(library_path), as_of=as_of, q=q, type=org_type, limit=limit)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if as_json:
        print_json(data)
        return
    click.echo("reports\tresp.\tresp.overdue\tasked\tasked.overdue\tpromised\tprom.overdue\tanswers\ttype\torganisation")
    for o in data["organisations"]:
        click.echo(f"{o['reports']}\t{o['responses']}\t{o['responses_overdue']}\t{o['asked_of']}\t{o['asked_of_overdue']}\t"
                   f"{o['commitments']}\t{o['commitments_overdue']}\t{o['answers']}\t{o['type']}\t{o['name']} ({o['key']})")
    click.echo(f"{data['total']} organisations as of {data['as_of']}")


@click.command("organisation")
@click.argument("key")
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default today).")
@library_option
@json_option
def organisation_cmd(key, as_of, library_path, as_json):
    """One organisation (by key or name): each report sent to it with its own status, and the
    response letters the library holds from it."""
    from search.ledger import get_organisation

    try:
        data = get_organisation(open_lib(library_path), key, as_of=as_of, warned_limit=0)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if data is None:
        raise click.ClickException(f"no organisation {key!r}")
    if as_json:
        print_json(data)
        return
    n = data["counts"]
    click.echo(f"{data['name']} ({data['type']}) as of {data['as_of']}: {n['reports']} reports, {n['responses']} "
               f"response letters, {n['responses_overdue']} responses overdue, {n['asked_of']} asked of it, "
               f"{n['commitments']} promised ({n['commitments_overdue']} overdue), {n['answers']} answers")
    for r in data["reports"]:
        how = f"letter #{r['response']['document_id']}" if r["response"] else r["status"].replace("_", " ")
        click.echo(f"  report #{r['id']} {r['date'] or ''} {r['title'][:70]} · due {r['response_due'] or '?'} · {how}")
    for r in data["responses"]:
        click.echo(f"  letter #{r['id']} {r['date'] or ''} {r['title'][:90]}")


@click.group("packs")
def packs_cmd() -> None:
    """Learning packs: cases and concerns with what happened and what was done, exported for
    training (Markdown, PDF, CSV). The same functions as the /collections pages."""


def _pack(lib, name: str) -> dict:
    from search.packs import pack_by_name

    found = pack_by_name(lib, name)
    if found is None:
        raise click.ClickException(f"no pack called {name!r} (precedent packs list)")
    return found


def _pack_call(fn, *args):
    from search.packs import PackError

    try:
        return fn(*args)
    except PackError as e:
        raise click.ClickException(str(e)) from e


@packs_cmd.command("new")
@click.argument("name")
@click.option("--purpose", default="", help="What the pack teaches; it opens every export.")
@library_option
@json_option
def packs_new(name, purpose, library_path, as_json):
    """Create a pack called NAME."""
    from search.packs import create_pack

    data = _pack_call(create_pack, open_lib(library_path), name, purpose)
    print_json(data) if as_json else click.echo(f"created pack {data['id']}: {data['name']}")


@packs_cmd.command("add")
@click.argument("name")
@click.option("--document", "document_id", type=ID, default=None,
              help="A document id: its whole case is added.")
@click.option("--finding", "finding_id", type=ID, default=None,
              help="A finding (concern) id.")
@click.option("--note", default="", help="A note for trainers, shown with the case.")
@library_option
def packs_add(name, document_id, finding_id, note, library_path):
    """Add a case (--document ID) or a concern (--finding ID) to the pack NAME."""
    from search.packs import add_document, add_finding, get_pack

    if (document_id is None) == (finding_id is None):
        raise click.UsageError("give exactly one of --document ID or --finding ID")
    lib = open_lib(library_path)
    pack = _pack(lib, name)
    before = (get_pack(lib, pack["id"]) or {}).get("total")
    if document_id is not None:
        data = _pack_call(add_document, lib, pack["id"], document_id, note)
    else:
        data = _pack_call(add_finding, lib, pack["id"], finding_id, note)
    what = f"--document {document_id}" if document_id is not None else f"--finding {finding_id}"
    already = f"{what} was already in it; " if before is not None and data["total"] == before else ""
    click.echo(f"pack {data['name']!r}: {already}{_n(data['total'], 'item')} in {_n(len(data['cases']), 'case')}")


def _n(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


@packs_cmd.command("remove")
@click.argument("name")
@click.option("--document", "document_id", type=ID, default=None)
@click.option("--finding", "finding_id", type=ID, default=None)
@library_option
def packs_remove(name, document_id, finding_id, library_path):
    """Remove a case or a concern from the pack NAME."""
    from search.packs import remove_item

    if (document_id is None) == (finding_id is None):
        raise click.UsageError("give exactly one of --document ID or --finding ID")
    lib = open_lib(library_path)
    pack = _pack(lib, name)
    kind, item = ("document", document_id) if document_id is not None else ("finding", finding_id)
    data = _pack_call(remove_item, lib, pack["id"], kind, item)
    click.echo(f"pack {data['name']!r} now has {_n(data['total'], 'item')}")


@packs_cmd.command("list")
@library_option
@json_option
def packs_list(library_path, as_json):
    """List packs."""
    from search.packs import list_packs

    print_rows(list_packs(open_lib(library_path)), as_json, "collections",
               lambda c: f"{c['id']}\t{c['case_count']} cases ({c['item_count']} items)\t{c['name']}")


@packs_cmd.command("show")
@click.argument("name")
@library_option
@json_option
def packs_show(name, library_path, as_json):
    """One pack: its purpose and cases, each with its concerns and outcome."""
    from search.packs import get_pack

    lib = open_lib(library_path)
    data = get_pack(lib, _pack(lib, name)["id"])
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['name']} ({len(data['cases'])} cases)")
    if data["purpose"]:
        click.echo(f"Purpose: {data['purpose']}")
    for n, case in enumerate(data["cases"], 1):
        d = case["document"]
        click.echo(f"{n}. #{d['id']} {d['title']} [{d['type']}, {d['date'] or 'no date'}]")
        if d["source_url"] or d["source_name"]:
            click.echo(f"   source: {d['source_url'] or d['source_name']}")
        for f in case["concerns"]:
            click.echo(f"   - {f['label'] or f['kind']}: {' '.join(f['text'].split())[:160]}"
                       f" ({len(f['actions'])} actions)")
        click.echo(f"   outcome: {case['outcome']['summary']}")


@packs_cmd.command("export")
@click.argument("name")
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "pdf", "json"]), default="md", show_default=True)
@click.option("--out", "--output", "-o", "output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (standard output when not given).")
@click.option("--base-url", default=None,
              help="Where this library is published, for links to its case pages (default $PRECEDENT_BASE_URL;"
                   " none when unset).")
@library_option
def packs_export(name, fmt, output, base_url, library_path):
    """Export the pack NAME as Markdown, CSV, PDF or JSON."""
    from search.packs import clean_base_url, to_csv, to_markdown, to_pdf
    from search.packs import get_pack

    raw = base_url if base_url is not None else cli_settings().base_url
    base = clean_base_url(raw)
    if raw and not base:
        raise click.UsageError(f"--base-url must be an http(s) URL, not {raw!r}")
    lib = open_lib(library_path)
    pack = get_pack(lib, _pack(lib, name)["id"])
    if fmt == "pdf":
        body: bytes = to_pdf(pack, base)
    elif fmt == "csv":
        body = to_csv(pack, base).encode("utf-8")
    elif fmt == "json":
        body = json.dumps(pack, ensure_ascii=False, indent=2).encode("utf-8")
    else:
        body = to_markdown(pack, base).encode("utf-8")
    if output:
        try:
            output.write_bytes(body)
        except OSError as e:  # a missing folder, a full disk (/dev/full), no permission
            raise click.ClickException(f"cannot write {output}: {e.strerror or e}") from e
        click.echo(f"wrote {output}", err=True)
    elif fmt == "pdf":
        sys.stdout.buffer.write(body)
        sys.stdout.buffer.flush()
    else:
        click.echo(body.decode("utf-8"), nl=False)


@packs_cmd.command("delete")
@click.argument("name")
@library_option
def packs_delete(name, library_path):
    """Delete the pack NAME."""
    from search.packs import delete_pack

    lib = open_lib(library_path)
    pack = _pack(lib, name)
    delete_pack(lib, pack["id"])
    click.echo(f"deleted pack {pack['name']!r}")


COMMANDS = [commitments_cmd, organisations_cmd, organisation_cmd, packs_cmd]
ALIASES = {"collections": packs_cmd}  # the older name of the same group
