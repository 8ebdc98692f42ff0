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


class _Checked(click.ParamType):
    """A value checked by the web's own rules (``webui.params``): bad input is a clear
    usage error (exit status 2), never a traceback or a silent empty answer."""

    def __init__(self, name: str, check: str):
        self.name, self._check = name, check

    def convert(self, value, param, ctx):
        from webui import params

        try:
            return getattr(params, self._check)(value, param.name if param else self.name)
        except params.ParamError as e:
            self.fail(str(e), param, ctx)


ID = _Checked("ID", "check_id")  # 1 .. 2**63-1, SQLite's integers
DATE = _Checked("DATE", "check_date")  # YYYY, YYYY-MM or YYYY-MM-DD, a real day


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
        elif event == "counted":  # the reader counts files ahead of the encoder
            bar.total += kw["documents"]
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
@click.option("--date-from", default=None, type=DATE, help="YYYY[-MM[-DD]]")
@click.option("--date-to", default=None, type=DATE, help="YYYY[-MM[-DD]]")
@click.option("--area", default=None, help="Coroner area.")
@click.option("--recipient", default=None, help="Recipient/agency (spellings normalised).")
@click.option("--theme", default=None, type=ID, help="Theme id.")
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
    from webui.params import bound_query

    query, notice = bound_query(query.strip())
    if notice:
        click.echo(notice, err=True)
    filters = {"type": doc_type, "date_from": date_from, "date_to": date_to, "area": area, "recipient": recipient,
               "theme": str(theme) if theme else None, "status": status, "has_response": has_response,
               "strength": strength}
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
@click.argument("doc_id", type=ID)
@library_option
@json_option
def show(doc_id, library_path, as_json):
    """Show one document."""
    from search.engine import get_document

    lib = _open(library_path)
    data = get_document(lib, doc_id)
    if data is None:
        raise click.ClickException(f"no document {doc_id}")
    if data.get("type") == "pfd_response" or data.get("responds_to"):
        from search.responses import response_view  # respondent, and each action with the concerns it answers

        view = response_view(lib, doc_id)
        data.update(respondent=view.get("respondent"), actions=view.get("actions", []))
    if as_json:
        _print_json(data)
        return
    click.echo(f"{data['title']}\n{data['type']} · {data['date'] or 'no date'} · {data['source']}\n")
    click.echo(data["text"])


@cli.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64))
@library_option
def serve(paths, host, port, threads, library_path):
    """Serve the search pages and JSON API with a production WSGI server (waitress).

    PATHS (files or folders) are ingested in the background while the server answers:
    every page shows the progress, /status.json reports it, keyword search covers each
    batch as it commits and meaning search the passages embedded so far."""
    from waitress import serve as waitress_serve

    from index.ingest_worker import IngestWorker
    from webui import create_app

    lib = _open(library_path, create=bool(paths))
    click.echo(f"loading model {lib.model} ({lib.encoder}) …", err=True)
    try:
        lib.embedder  # load once, before the first request
    except LibraryError as e:
        raise click.ClickException(str(e)) from e
    worker = IngestWorker(lib, paths, after=[_themes_if_missing]).start()
    app = create_app({"LIBRARY": lib, "INGEST_WORKER": worker})
    click.echo(f"Precedent: {lib.store.count('documents')} documents at http://{host}:{port}/"
               + (f" (ingesting {len(paths)} path(s) in the background; see /status)" if paths else ""), err=True)
    waitress_serve(app, host=host, port=port, threads=threads)


def _themes_if_missing(lib) -> None:
    """After a background ingest: build the recurring themes once, if the library has none."""
    from index.themes_store import has_themes, rebuild_themes

    if lib.store.count("findings") and not has_themes(lib):
        rebuild_themes(lib)


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
    from search.organisations import list_organisations

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


@cli.group("packs")
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
    from search.packs import CollectionError

    try:
        return fn(*args)
    except CollectionError as e:
        raise click.ClickException(str(e)) from e


@packs_cmd.command("new")
@click.argument("name")
@click.option("--purpose", default="", help="What the pack teaches; it opens every export.")
@library_option
@json_option
def packs_new(name, purpose, library_path, as_json):
    """Create a pack called NAME."""
    from search.packs import create_pack

    data = _pack_call(create_pack, _open(library_path), name, purpose)
    _print_json(data) if as_json else click.echo(f"created pack {data['id']}: {data['name']}")


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
    from search.packs import add_document, add_finding

    if (document_id is None) == (finding_id is None):
        raise click.UsageError("give exactly one of --document ID or --finding ID")
    lib = _open(library_path)
    pack = _pack(lib, name)
    if document_id is not None:
        data = _pack_call(add_document, lib, pack["id"], document_id, note)
    else:
        data = _pack_call(add_finding, lib, pack["id"], finding_id, note)
    click.echo(f"pack {data['name']!r} now has {data['total']} items in {len(data['cases'])} cases")


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
    lib = _open(library_path)
    pack = _pack(lib, name)
    kind, item = ("document", document_id) if document_id is not None else ("finding", finding_id)
    data = _pack_call(remove_item, lib, pack["id"], kind, item)
    click.echo(f"pack {data['name']!r} now has {data['total']} items")


@packs_cmd.command("list")
@library_option
@json_option
def packs_list(library_path, as_json):
    """List packs."""
    from search.packs import list_packs

    data = list_packs(_open(library_path))
    if as_json:
        _print_json(data)
        return
    for c in data["collections"]:
        click.echo(f"{c['id']}\t{c['item_count']} items\t{c['name']}")


@packs_cmd.command("show")
@click.argument("name")
@library_option
@json_option
def packs_show(name, library_path, as_json):
    """One pack: its purpose and cases, each with its concerns and outcome."""
    from search.packs import get_pack

    lib = _open(library_path)
    data = get_pack(lib, _pack(lib, name)["id"])
    if as_json:
        _print_json(data)
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
    import os

    from search.pack_export import clean_base_url, to_csv, to_markdown, to_pdf
    from search.packs import get_pack

    raw = base_url if base_url is not None else os.environ.get("PRECEDENT_BASE_URL", "")
    base = clean_base_url(raw)
    if raw and not base:
        raise click.UsageError(f"--base-url must be an http(s) URL, not {raw!r}")
    lib = _open(library_path)
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
        output.write_bytes(body)
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

    lib = _open(library_path)
    pack = _pack(lib, name)
    delete_pack(lib, pack["id"])
    click.echo(f"deleted pack {pack['name']!r}")


cli.add_command(packs_cmd, name="collections")  # the older name of the same group


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
        click.echo("no themes yet: ingest builds them once findings recur (`precedent themes rebuild` forces one)")
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
@click.argument("theme_id", type=ID)
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
@click.argument("theme_id", type=ID)
@click.argument("label")
@library_option
@click.pass_context
def themes_rename(ctx, theme_id, label, library_path):
    """Give a theme a name that survives rebuilds."""
    from index.themes_store import rename_theme

    out = _theme_edit(rename_theme, _theme_lib(ctx, library_path), theme_id, label)
    click.echo(f"{out['id']} {out['label']}")


@themes.command("merge")
@click.argument("keep_id", type=ID)
@click.argument("other_id", type=ID)
@library_option
@click.pass_context
def themes_merge(ctx, keep_id, other_id, library_path):
    """Merge OTHER_ID into KEEP_ID."""
    from index.themes_store import merge_themes

    out = _theme_edit(merge_themes, _theme_lib(ctx, library_path), keep_id, other_id)
    click.echo(f"{out['id']} {out['label']}: {out['size']} findings")


@themes.command("split")
@click.argument("theme_id", type=ID)
@click.option("--k", default=2, show_default=True, type=click.IntRange(2, 20))
@library_option
@click.pass_context
def themes_split(ctx, theme_id, k, library_path):
    """Split a theme into K new ones."""
    from index.themes_store import split_theme

    out = _theme_edit(split_theme, _theme_lib(ctx, library_path), theme_id, k)
    for t in out["themes"]:
        click.echo(f"{t['id']} {t['label']}: {t['size']} findings")


@cli.command("organisation")
@click.argument("key")
@click.option("--as-of", "as_of", default=None, help="YYYY-MM-DD (default today).")
@library_option
@json_option
def organisation_cmd(key, as_of, library_path, as_json):
    """One organisation (by key or name): each report sent to it with its own status, and the
    response letters the library holds from it (issue 10)."""
    from search.organisations import get_organisation

    try:
        data = get_organisation(_open(library_path), key, as_of=as_of, warned_limit=0)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if data is None:
        raise click.ClickException(f"no organisation {key!r}")
    if as_json:
        _print_json(data)
        return
    n = data["counts"]
    click.echo(f"{data['name']} ({data['type']}) as of {data['as_of']}: {n['reports']} reports, {n['responses']} "
               f"response letters, {n['responses_overdue']} responses overdue, {n['commitments']} commitments")
    for r in data["reports"]:
        how = f"letter #{r['response']['document_id']}" if r["response"] else r["status"].replace("_", " ")
        click.echo(f"  report #{r['id']} {r['date'] or ''} {r['title'][:70]} · due {r['response_due'] or '?'} · {how}")
    for r in data["responses"]:
        click.echo(f"  letter #{r['id']} {r['date'] or ''} {r['title'][:90]}")

@cli.group("screen")
def screen_cmd() -> None:
    """Find every document on a topic: judge what it proposes, it learns, it estimates recall."""


def _screen_call(fn, *args, **kw):
    from search.screening import ScreenError

    try:
        return fn(*args, **kw)
    except ScreenError as e:
        raise click.ClickException(str(e)) from e


def _screen_summary(d: dict) -> str:
    rec = "n/a" if d.get("estimated_recall") is None else f"{d['estimated_recall']:.0%}"
    if d.get("estimated_recall_range") and None not in d["estimated_recall_range"]:
        lo, hi = d["estimated_recall_range"]
        rec += f" (range {lo:.0%}-{hi:.0%})"
    return (f"{d['judged']} judged, {d['relevant_found']} relevant found, about {d['estimated_relevant']:g} more"
            f" estimated among {d['unjudged']} unjudged; estimated recall {rec}; {d['included']} included\n"
            f"  ({d['method']})")


@screen_cmd.command("new")
@click.argument("name")
@click.option("--query", required=True, help="What a relevant document is about, in a sentence.")
@click.option("--type", "doc_type", default=None, help="Only documents of this type, e.g. pfd_report.")
@click.option("--date-from", default=None, help="YYYY[-MM[-DD]]")
@click.option("--date-to", default=None, help="YYYY[-MM[-DD]]")
@click.option("--area", default=None, help="Coroner area (words of it).")
@click.option("--recipient", default=None, help="Recipient organisation (spellings normalised).")
@library_option
@json_option
def screen_new(name, query, doc_type, date_from, date_to, area, recipient, library_path, as_json):
    """Start a screen called NAME."""
    from search.screening import create_screen

    filters = {"type": doc_type, "date_from": date_from, "date_to": date_to, "area": area, "recipient": recipient}
    data = _screen_call(create_screen, _open(library_path), name, query, filters)
    if as_json:
        _print_json(data)
    else:
        click.echo(f"screen {data['name']}: {data['documents_in_screen']} documents; "
                   f"`precedent screen next {data['name']}` to start judging")


@screen_cmd.command("list")
@library_option
@json_option
def screen_list(library_path, as_json):
    """List screens."""
    from search.screening import list_screens

    data = list_screens(_open(library_path))
    if as_json:
        _print_json(data)
        return
    for s in data["screens"]:
        click.echo(f"{s['name']}\t{s['judged']} judged\t{s['relevant_found']} relevant\t{s['query']}")


@screen_cmd.command("next")
@click.argument("name")
@click.option("--n", default=10, show_default=True, type=click.IntRange(1, 500))
@click.option("--concerns", is_flag=True, help="Also show each document's concerns.")
@library_option
@json_option
def screen_next(name, n, concerns, library_path, as_json):
    """The documents to judge next (most likely first, some uncertain or random ones mixed in)."""
    from search.screening import next_documents

    data = _screen_call(next_documents, _open(library_path), name, n, concerns=concerns)
    if as_json:
        _print_json({"documents": [{k: d[k] for k in ("id", "reference", "title", "p", "why")}
                                   | ({"concerns": d["concerns"]} if concerns else {})
                                   for d in data["documents"]]})
        return
    for d in data["documents"]:
        click.echo(f"{d['id']}\tp={d['p']:.2f}\t{d['why']}\t{d['reference'] or ''}\t{d['title']}")
        for c in d.get("concerns", []):
            click.echo(f"\t\t- {' '.join(c['text'].split())[:200]}")


@screen_cmd.command("judge")
@click.argument("name")
@click.argument("doc_id", required=False)
@click.argument("label", required=False, type=click.Choice(["yes", "no"], case_sensitive=False))
@click.option("--note", default="", help="Why (kept with the judgement).")
@click.option("--file", "file_", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="A CSV of judgements: id,label[,note] (header optional).")
@library_option
@json_option
def screen_judge(name, doc_id, label, note, file_, library_path, as_json):
    """Judge a document relevant (yes) or not (no), or many from --file."""
    from search.screening import judge_many, read_judgements_csv

    if file_ is not None:
        if doc_id or label:
            raise click.UsageError("give DOC_ID and LABEL, or --file, not both")
        items = read_judgements_csv(file_.read_text(encoding="utf-8-sig"))
    elif doc_id is None or label is None:
        raise click.UsageError("give DOC_ID and yes|no (or --file judgements.csv)")
    else:
        items = [(doc_id, label, note)]
    data = _screen_call(judge_many, _open(library_path), name, items)
    if as_json:
        _print_json(data)
    else:
        click.echo(f"recorded {data['recorded']} judgement{'s' if data['recorded'] != 1 else ''}")
        for e in data["errors"]:
            click.echo(f"  row {e['row']} ({e['id']}): {e['error']}", err=True)
        click.echo(_screen_summary(data))
    if data["errors"]:
        sys.exit(1)


@screen_cmd.command("show")
@click.argument("name")
@click.option("--csv", "as_csv", is_flag=True, help="Print the included documents as CSV.")
@click.option("--limit", default=20, show_default=True, type=click.IntRange(0, 10**7),
              help="Documents listed in the text view (JSON and CSV list all).")
@library_option
@json_option
def screen_show(name, as_csv, limit, library_path, as_json):
    """Progress, estimated recall and the documents, most likely first."""
    from search.screening import show_screen, to_csv

    data = _screen_call(show_screen, _open(library_path), name)
    if as_json:
        _print_json(data)
        return
    if as_csv:
        click.echo(to_csv([d for d in data["documents"] if d["included"]]), nl=False)
        return
    click.echo(f"{data['name']}: {data['query']}")
    if data["filters"]:
        click.echo("  filters: " + ", ".join(f"{k}={v}" for k, v in data["filters"].items()))
    click.echo(_screen_summary(data))
    for d in data["documents"][:limit]:
        click.echo(f"{d['id']}\tp={d['p']:.2f}\t{d['label'] or '-'}\t{'included' if d['included'] else ''}\t"
                   f"{d['reference'] or ''}\t{d['title']}")


@screen_cmd.command("pack")
@click.argument("name")
@click.option("--collection", "collection_id", type=int, default=None,
              help="Add to this learning pack (default: a new one named after the screen).")
@library_option
@json_option
def screen_pack(name, collection_id, library_path, as_json):
    """Put the included documents in a learning pack."""
    from search.screening import add_to_pack

    data = _screen_call(add_to_pack, _open(library_path), name, collection_id)
    _print_json(data) if as_json else click.echo(f"added {data['added']} documents to collection {data['collection_id']}")


@cli.command("relink")
@click.option("--all", "retry_all", is_flag=True, help="Also try again every response that is still unlinked.")
@library_option
@json_option
def relink_cmd(retry_all, library_path, as_json):
    """Finish post-ingest steps (links, themes) for every document lacking them."""
    from index.post_ingest import relink

    lib = _open(library_path)
    try:
        out = relink(lib, retry_unlinked=retry_all)
    finally:
        lib.close()
    if as_json:
        _print_json(out)
        return
    for step, r in out["steps"].items():
        click.echo(f"{step}: {r.get('documents', 0)} documents" +
                   "".join(f", {k} {v}" for k, v in r.items() if k != "documents"))
    if "retried" in out:
        click.echo(f"retried unlinked responses: {out['retried']['linked']} linked of {out['retried']['checked']}")
    click.echo(f"{out['links']} links in the library")
    for w in out["warnings"]:
        click.echo(f"  warning: {w['source']}: {w['warning']}")

def main() -> None:
    cli()


if __name__ == "__main__":
    main()
