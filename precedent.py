"""The `precedent` command: each command opens the library, calls one core function,
and prints the result (as text, or as JSON with --json)."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from index.library import LIBRARY_ENV, LibraryError, default_path, open_library

library_option = click.option(
    "--library", "library_path", type=click.Path(file_okay=False, path_type=Path), default=None,
    help=f"Library directory (default: ${LIBRARY_ENV} or ./library).",
)
model_option = click.option("--model", default=None, help="Embedding model (a library refuses any but its own).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def _open(library_path: Path | None, model: str | None = None, create: bool = False):
    try:
        return open_library(library_path or default_path(), model=model, create=create)
    except LibraryError as e:
        raise click.ClickException(str(e)) from e


def _print_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


@click.group()
@click.version_option(package_name="precedent")
def cli() -> None:
    """Precedent: search past concerns across PFD reports, reviews and inspections."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--columns", default=None, metavar="ROLE=COL,...",
              help="Import CSV/XLSX tables of recommendations: finding=COL,action=COL,owner=COL,date=COL,"
                   "status=COL,reference=COL (rows sharing a reference form one document).")
@library_option
@model_option
@json_option
def ingest(paths, columns, library_path, model, as_json):
    """Add documents (files or folders) to the library."""
    from tqdm import tqdm

    from corpus.spreadsheet import parse_columns

    try:
        mapping = parse_columns(columns) if columns else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--columns") from e
    from index.ingest import ingest as run_ingest

    lib = _open(library_path, model, create=True)
    bar = tqdm(total=0, unit="doc", desc="ingest", disable=not sys.stderr.isatty() and as_json, file=sys.stderr)
    state = {"files": 0}

    def progress(event: str, **kw) -> None:
        if event == "files":
            state["files"] = kw["total"]
        elif event == "file":
            bar.set_postfix_str(f"file {kw['number']}/{state['files']} {Path(kw['path']).name[:40]}")
        elif event == "documents":
            bar.total += kw["count"]
            bar.refresh()
        elif event == "document":
            bar.update(1)

    try:
        report = run_ingest(lib, paths, progress=progress, columns=mapping)
    finally:
        bar.close()
        lib.close()
    summary = report.summary()
    if as_json:
        _print_json(summary)
    else:
        click.echo(
            f"added {summary['added']} documents ({summary['passages']} passages, {summary['findings']} findings,"
            f" {summary['actions']} actions), already present {summary['already_present']},"
            f" failed {summary['failed_count']}, annotations {summary['annotations']}"
            f" in {summary['seconds']:.1f}s"
        )
        for f in summary["failed"]:
            click.echo(f"  failed: {f['path']}: {f['reason']}")
        for w in summary["warnings"]:
            click.echo(f"  warning: {w['source']}: {w['warning']}")
    if summary["failed_count"]:
        sys.exit(1)


@cli.command("search")
@click.argument("query")
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 1000))
@click.option("--mode", type=click.Choice(["hybrid", "dense", "keyword"]), default="hybrid", show_default=True)
@click.option("--type", "doc_type", default=None, help="Document type, e.g. pfd_report, action_plan.")
@click.option("--date-from", default=None, help="YYYY[-MM[-DD]]")
@click.option("--date-to", default=None, help="YYYY[-MM[-DD]]")
@click.option("--area", default=None, help="Coroner area.")
@click.option("--recipient", default=None, help="Recipient/agency (spellings normalised).")
@click.option("--theme", default=None, help="Theme id.")
@click.option("--status", default=None, help="Action status: completed, ongoing, not_started, red, amber, green.")
@click.option("--has-response", type=click.Choice(["yes", "no"]), default=None)
@click.option("--strength", type=click.Choice(["close", "related", "weak"]), default=None,
              help="Only hits of this strength.")
@click.option("--page", default=1, show_default=True, type=click.IntRange(1, 10**6), help="Page of --k results.")
@library_option
@json_option
def search_cmd(query, k, mode, doc_type, date_from, date_to, area, recipient, theme, status, has_response,
               strength, page, library_path, as_json):
    """Find past concerns (and passages) most like QUERY, with the actions taken."""
    from search.query import run_search

    filters = {"type": doc_type, "date_from": date_from, "date_to": date_to, "area": area, "recipient": recipient,
               "theme": theme, "status": status, "has_response": has_response, "strength": strength}
    lib = _open(library_path)
    data = run_search(lib, query, k=k, mode=mode, filters=filters, page=page)
    if as_json:
        _print_json(data)
        return
    if not data["results"]:
        click.echo("no results")
    else:
        pg = data["paging"]
        click.echo(f"results {pg['first']}–{pg['last']} of {data['total']}; {data['close']} close"
                   + (f" (next: --page {pg['next']})" if pg["next"] else ""))
        if not data["close"]:
            click.echo(f"No close precedent among {lib.store.count('documents')} documents;"
                       " the nearest related concerns are below.")
    for i, r in enumerate(data["results"], data["paging"]["first"] or 1):
        d, p, f = r["document"], r["passage"] or {}, r["finding"]
        where = ", ".join(x for x in (d["type"], d["date"], d["reference"], p.get("section"),
                                      f"page {p['page']}" if p.get("page") else None) if x)
        click.echo(f"{i}. [{r['strength']}] {d['title']} (#{d['id']}; {where})")
        text = f["text"] if f else p.get("text", "")
        label = f"{f['label'] or f['kind']}: " if f else ""
        snippet = " ".join(text.split())
        click.echo(f"   {label}{snippet[:300]}{'…' if len(snippet) > 300 else ''}")
        for a in r["actions"][:3]:
            click.echo(f"   → {' '.join(a['text'].split())[:160]} [owner: {a['owner'] or '-'}; due: "
                       f"{a['due'] or a['due_text'] or '-'}; status: {a['status'] or 'not stated'}]")
        if r["similar_count"]:
            click.echo(f"   and {r['similar_count']} similar")


@cli.command()
@library_option
@json_option
def documents(library_path, as_json):
    """List the library's documents."""
    from search.engine import list_documents

    data = list_documents(_open(library_path))
    if as_json:
        _print_json(data)
        return
    for d in data["documents"]:
        click.echo(f"{d['id']}\t{d['type']}\t{d['date'] or '-'}\t{d['reference'] or '-'}\t{d['title']}\t{d['source']}")
    click.echo(f"{data['total']} documents")


@cli.command()
@click.argument("doc_id", type=int)
@library_option
@json_option
def show(doc_id, library_path, as_json):
    """Show one document."""
    from search.engine import get_document

    data = get_document(_open(library_path), doc_id)
    if data is None:
        raise click.ClickException(f"no document {doc_id}")
    if as_json:
        _print_json(data)
        return
    click.echo(f"{data['title']}\n{data['type']} · {data['date'] or 'no date'} · {data['source']}\n")
    click.echo(data["text"])


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--threads", default=4, show_default=True, type=int)
@library_option
def serve(host, port, threads, library_path):
    """Serve the search pages and JSON API with a production WSGI server (waitress)."""
    from waitress import serve as waitress_serve

    from webui import create_app

    lib = _open(library_path)
    click.echo(f"loading model {lib.model} …", err=True)
    lib.embedder  # load once, before the first request
    app = create_app({"LIBRARY": lib})
    click.echo(f"Precedent: {lib.store.count('documents')} documents at http://{host}:{port}/", err=True)
    waitress_serve(app, host=host, port=port, threads=threads)


@cli.command("eval")
@click.option("--qrels", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="TSV/CSV with columns query, relevant (one row per relevant document), run against the library.")
@click.option("--themes", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Labelled reports CSV (id,url,<label>... True/False), e.g. eval/themes-dev.csv.")
@click.option("--labels", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="JSON {label: definition}; each definition is a query (with --themes).")
@click.option("--reports", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="PFD-toolkit reports.csv holding the labelled reports' text (with --themes).")
@click.option("--depth", default=1000, show_default=True, type=click.IntRange(10, 100_000),
              help="Candidates per list (the product's ranker; the search page uses 100).")
@click.option("--verbose", "-v", is_flag=True, help="Also print average precision per query.")
@library_option
@model_option
@json_option
def eval_cmd(qrels, themes, labels, reports, depth, verbose, library_path, model, as_json):
    """Score plain BM25 and the product's keyword, dense and hybrid ranking (MAP, nDCG@10, P@10, Recall@50).

    With --qrels, against the library. With --themes/--labels/--reports, against a library of
    just the labelled reports: built in --library DIR if empty (kept for the next run, which
    reuses it), else in a temporary directory."""
    import shutil
    import tempfile

    from search import evaluate as ev

    if bool(qrels) == bool(themes):
        raise click.UsageError("give either --qrels FILE or --themes CSV --labels JSON --reports CSV")
    tmpdir = None
    try:
        if qrels:
            queries = ev.load_qrels(qrels)
            lib = _open(library_path, model)
        else:
            if not (labels and reports):
                raise click.UsageError("--themes needs --labels and --reports")
            queries, labelled = ev.load_theme_labels(themes, labels)
            if library_path is None:
                tmpdir = tempfile.mkdtemp(prefix="precedent-eval-")
                library_path = Path(tmpdir) / "library"
            lib = _open(library_path, model, create=True)
            if lib.store.count("documents") == 0:
                click.echo(f"building a library of the {len(labelled)} labelled reports in {library_path} …", err=True)
                built = ev.build_theme_library(lib, reports, labelled)
                click.echo(f"  {built['added']} documents, {built['passages']} passages in {built['seconds']:.0f}s", err=True)
            elif not ev.library_holds_exactly(lib, labelled):
                raise click.ClickException(
                    f"library {library_path} holds other documents than the labelled reports; name an empty or new --library")
        result = ev.evaluate(lib, queries, depth=depth)
    except ev.EvalError as e:
        raise click.ClickException(str(e)) from e
    finally:
        if tmpdir:
            shutil.rmtree(tmpdir, ignore_errors=True)
    if as_json:
        _print_json(result)
    else:
        click.echo(ev.format_table(result, verbose=verbose))


@cli.command("commitments")
@click.option("--owner", default=None, help="Organisation (spellings normalised: WMP = West Midlands Police).")
@click.option("--status", default=None, help="completed, ongoing, not_started, red, amber, green, open or none.")
@click.option("--overdue", is_flag=True, help="Only commitments past their due date and not completed.")
@click.option("--as-of", "as_of", default=None, help="Date overdue is judged on, YYYY-MM-DD (default today).")
@click.option("--due-from", default=None, help="YYYY-MM-DD")
@click.option("--due-to", default=None, help="YYYY-MM-DD")
@click.option("--q", "q", default=None, help="Words that must appear in the action, owner or concern.")
@click.option("--csv", "as_csv", is_flag=True, help="Print CSV.")
@library_option
@json_option
def commitments_cmd(owner, status, overdue, as_of, due_from, due_to, q, as_csv, library_path, as_json):
    """The commitments ledger: actions with owner, due date, status, and what is overdue."""
    from search.commitments import list_commitments, to_csv

    try:
        data = list_commitments(_open(library_path), owner=owner, status=status, overdue=True if overdue else None,
                                as_of=as_of, due_from=due_from, due_to=due_to, q=q)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if as_csv:
        click.echo(to_csv(data["commitments"]), nl=False)
        return
    if as_json:
        _print_json(data)
        return
    for c in data["commitments"]:
        flag = "OVERDUE " if c["overdue"] else ""
        click.echo(f"{flag}[{c['due'] or c['due_text'] or 'no date'}] {c['owner'] or '-'} · "
                   f"{(c['status'] or 'not stated')} · #{c['document_id']} {c['document_title'][:60]}")
        click.echo(f"   {' '.join(c['text'].split())[:200]}")
    s = data["summary"]
    click.echo(f"{data['total']} commitments, {s['with_due_date']} with a due date, {s['overdue']} overdue"
               f" as of {data['as_of']}")


@cli.command("organisations")
@click.option("--q", "q", default=None, help="Words in the organisation's name.")
@click.option("--type", "org_type", default=None, help="police, nhs_trust, nhs_national, local_authority, ...")
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default today).")
@click.option("--limit", default=50, show_default=True, type=click.IntRange(1, 100_000))
@library_option
@json_option
def organisations_cmd(q, org_type, as_of, limit, library_path, as_json):
    """Organisations: reports sent to them, responses, overdue responses and commitments."""
    from search.tracking import list_organisations

    try:
        data = list_organisations(_open(library_path), as_of=as_of, q=q, type=org_type, limit=limit)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if as_json:
        _print_json(data)
        return
    click.echo("reports\tresp.\tresp.overdue\tcommit.\tcommit.overdue\ttype\torganisation")
    for o in data["organisations"]:
        click.echo(f"{o['reports']}\t{o['responses']}\t{o['responses_overdue']}\t{o['commitments']}\t"
                   f"{o['commitments_overdue']}\t{o['type']}\t{o['name']} ({o['key']})")
    click.echo(f"{data['total']} organisations as of {data['as_of']}")


@cli.group("collections")
def collections_cmd() -> None:
    """Learning packs: named collections of findings and cases, exported for training."""


@collections_cmd.command("create")
@click.argument("name")
@click.option("--description", default="")
@library_option
@json_option
def collections_create(name, description, library_path, as_json):
    """Create a collection called NAME."""
    from search.collections import CollectionError, create_collection

    try:
        data = create_collection(_open(library_path), name, description)
    except CollectionError as e:
        raise click.ClickException(str(e)) from e
    _print_json(data) if as_json else click.echo(f"created collection {data['id']}: {data['name']}")


@collections_cmd.command("add")
@click.argument("collection_id", type=int)
@click.argument("item_type", type=click.Choice(["finding", "document", "case"]))
@click.argument("item_id", type=int)
@click.option("--note", default="")
@library_option
def collections_add(collection_id, item_type, item_id, note, library_path):
    """Add a finding or a case (document) to a collection."""
    from search.collections import CollectionError, add_item

    try:
        data = add_item(_open(library_path), collection_id, item_type, item_id, note)
    except CollectionError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"collection {data['id']} now has {data['total']} items")


@collections_cmd.command("remove")
@click.argument("collection_id", type=int)
@click.argument("item_type", type=click.Choice(["finding", "document", "case"]))
@click.argument("item_id", type=int)
@library_option
def collections_remove(collection_id, item_type, item_id, library_path):
    """Remove a finding or a case from a collection."""
    from search.collections import CollectionError, remove_item

    try:
        data = remove_item(_open(library_path), collection_id, item_type, item_id)
    except CollectionError as e:
        raise click.ClickException(str(e)) from e
    click.echo(f"collection {data['id']} now has {data['total']} items")


@collections_cmd.command("list")
@library_option
@json_option
def collections_list(library_path, as_json):
    """List collections."""
    from search.collections import list_collections

    data = list_collections(_open(library_path))
    if as_json:
        _print_json(data)
        return
    for c in data["collections"]:
        click.echo(f"{c['id']}\t{c['items']} items\t{c['name']}")


@collections_cmd.command("export")
@click.argument("collection_id", type=int)
@click.option("--format", "fmt", type=click.Choice(["md", "csv", "pdf", "json"]), default="md", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write to this file (required for pdf unless stdout is redirected).")
@click.option("--base-url", default="", help="Prefix for /documents/<id> links, e.g. http://127.0.0.1:5000")
@library_option
def collections_export(collection_id, fmt, output, base_url, library_path):
    """Export a collection as Markdown, CSV, PDF or JSON."""
    from search.collections import get_collection, to_csv, to_markdown, to_pdf

    coll = get_collection(_open(library_path), collection_id)
    if coll is None:
        raise click.ClickException(f"no collection {collection_id}")
    if fmt == "pdf":
        body: bytes = to_pdf(coll, base_url)
    elif fmt == "csv":
        body = to_csv(coll, base_url).encode("utf-8")
    elif fmt == "json":
        body = json.dumps(coll, ensure_ascii=False, indent=2).encode("utf-8")
    else:
        body = to_markdown(coll, base_url).encode("utf-8")
    if output:
        output.write_bytes(body)
        click.echo(f"wrote {output}", err=True)
    elif fmt == "pdf" and sys.stdout.isatty():
        raise click.UsageError("a PDF goes to a file: use --output FILE")
    elif fmt == "pdf":
        sys.stdout.buffer.write(body)
    else:
        click.echo(body.decode("utf-8"), nl=False)


@cli.command("precedents")
@click.argument("draft", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@library_option
@json_option
def precedents_cmd(draft, k, library_path, as_json):
    """Precedents for each concern in a DRAFT document (PDF, DOCX, text)."""
    from corpus.records import ReadError
    from search.by_document import document_from_upload, precedents

    try:
        doc = document_from_upload(draft.read_bytes(), draft.name)
    except ReadError as e:
        raise click.ClickException(f"{draft}: {e}") from e
    data = precedents(_open(library_path), doc, k=k)
    if as_json:
        _print_json(data)
        return
    for c in data["concerns"]:
        click.echo(f"{c['label']}: {' '.join(c['text'].split())[:200]}")
        for r in c["results"]:
            text = (r["finding"] or r["passage"] or {}).get("text", "")
            click.echo(f"   - {r['document']['title']} ({r['document']['date'] or 'no date'}): {' '.join(text.split())[:140]}")


@cli.command("unlinked")
@click.option("--explain", is_flag=True, help="Say why each response is unlinked, and its best candidate.")
@library_option
@json_option
def unlinked_cmd(explain, library_path, as_json):
    """Responses that could not be linked to the report they answer."""
    from index.linking import unlinked_responses

    items = unlinked_responses(_open(library_path), explain=explain)
    if as_json:
        _print_json({"responses": items, "total": len(items)})
        return
    for r in items:
        why = f" — {r['reason']}" if explain and r.get("reason") else ""
        click.echo(f"{r['id']}\t{r['title']}{why}")
    click.echo(f"{len(items)} unlinked responses")


@cli.group(invoke_without_command=True)
@library_option
@json_option
@click.option("--level", type=click.IntRange(1, 2), default=None, help="1 broad, 2 specific.")
@click.pass_context
def themes(ctx, library_path, as_json, level):
    """Recurring themes: list them, or rebuild / rename / merge / split."""
    ctx.ensure_object(dict)
    ctx.obj["library_path"] = library_path
    if ctx.invoked_subcommand:
        return
    from index.themes_store import list_themes

    data = list_themes(_open(library_path), level=level)
    if as_json:
        _print_json(data)
        return
    if not data["themes"]:
        click.echo("no themes yet: run `precedent themes rebuild`")
    for t in data["themes"]:
        indent = "  " if t.get("parent") else ""
        click.echo(f"{indent}{t['id']}\t{t['label']}\t{t['size']} findings, {t['documents']} documents,"
                   f" {t['first_seen'] or '?'} – {t['last_seen'] or '?'}")


def _theme_lib(ctx, library_path):
    return _open(library_path or ctx.obj.get("library_path"))


def _theme_edit(fn, *args):
    try:
        return fn(*args)
    except KeyError as e:
        raise click.ClickException(f"no theme {e.args[0] if e.args else ''}") from e
    except ValueError as e:
        raise click.ClickException(str(e)) from e


@themes.command("rebuild")
@click.option("--if-missing", is_flag=True, help="Only when the library has no themes yet.")
@library_option
@json_option
@click.pass_context
def themes_rebuild(ctx, if_missing, library_path, as_json):
    """Re-cluster every finding (ids and people's edits are kept)."""
    from index.themes_store import has_themes, rebuild_themes

    lib = _theme_lib(ctx, library_path)
    if if_missing and has_themes(lib):
        click.echo("themes already built (new findings join them at ingest)")
        return
    out = rebuild_themes(lib)
    if as_json:
        _print_json(out)
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in out.items()))


@themes.command("show")
@click.argument("theme_id", type=int)
@library_option
@json_option
@click.pass_context
def themes_show(ctx, theme_id, library_path, as_json):
    """One theme in full."""
    from index.themes_store import get_theme

    data = get_theme(_theme_lib(ctx, library_path), theme_id)
    if data is None:
        raise click.ClickException(f"no theme {theme_id}")
    if as_json:
        _print_json(data)
        return
    click.echo(f"{data['id']} {data['label']}: {data['size']} findings in {data['documents']} documents")
    for m in data.get("members", [])[:20]:
        click.echo(f"  - [{m['date'] or '?'}] {' '.join(m['text'].split())[:160]}")


@themes.command("rename")
@click.argument("theme_id", type=int)
@click.argument("label")
@library_option
@click.pass_context
def themes_rename(ctx, theme_id, label, library_path):
    """Give a theme a name that survives rebuilds."""
    from index.themes_store import rename_theme

    out = _theme_edit(rename_theme, _theme_lib(ctx, library_path), theme_id, label)
    click.echo(f"{out['id']} {out['label']}")


@themes.command("merge")
@click.argument("keep_id", type=int)
@click.argument("other_id", type=int)
@library_option
@click.pass_context
def themes_merge(ctx, keep_id, other_id, library_path):
    """Merge OTHER_ID into KEEP_ID."""
    from index.themes_store import merge_themes

    out = _theme_edit(merge_themes, _theme_lib(ctx, library_path), keep_id, other_id)
    click.echo(f"{out['id']} {out['label']}: {out['size']} findings")


@themes.command("split")
@click.argument("theme_id", type=int)
@click.option("--k", default=2, show_default=True, type=click.IntRange(2, 20))
@library_option
@click.pass_context
def themes_split(ctx, theme_id, k, library_path):
    """Split a theme into K new ones."""
    from index.themes_store import split_theme

    out = _theme_edit(split_theme, _theme_lib(ctx, library_path), theme_id, k)
    for t in out["themes"]:
        click.echo(f"{t['id']} {t['label']}: {t['size']} findings")


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
