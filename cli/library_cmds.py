"""Commands over the library itself: ingest, remove, search, documents, show, serve, eval, precedents, unlinked, relink."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.options import DATE, cli_settings, ID, json_option, library_option, model_option, open_lib, print_json


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--columns", default=None, metavar="ROLE=COL,...",
              help="Import CSV/XLSX tables of recommendations: finding=COL,action=COL,owner=COL,date=COL,"
                   "status=COL,reference=COL (rows sharing a reference form one document).")
@click.option("--sync", is_flag=True,
              help="Then remove the documents whose files under the given folders are gone.")
@library_option
@model_option
@json_option
def ingest(paths, columns, sync, library_path, model, as_json):
    """Add documents (files or folders) to the library. A file ingested before and changed
    since replaces its old version (packs and judgements follow it).

    \b
    e.g.  precedent ingest reports/                       # PDFs, DOCX, text, in any folders
          precedent ingest --sync reports/                # and remove those whose files were deleted
          precedent ingest pfd/reports.csv pfd/responses.csv
          precedent ingest plan.xlsx --columns finding=Recommendation,action=Action,owner=Lead"""
    from tqdm import tqdm

    from corpus.readers import parse_columns

    try:
        mapping = parse_columns(columns) if columns else None
    except ValueError as e:
        raise click.BadParameter(str(e), param_hint="--columns") from e
    if sync and not any(p.is_dir() for p in paths):
        raise click.BadParameter("--sync needs a folder: it removes the documents whose files under it are gone",
                                 param_hint="--sync")
    from index.ingest import ingest as run_ingest

    lib = open_lib(library_path, model, create=True)
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
        elif event == "step":  # after the last document: linking, themes (index.ingest.finish)
            from index.ingest import STEP_LABELS

            label = STEP_LABELS.get(kw["name"], kw["name"])
            if kw["state"] == "running":
                bar.refresh()
                tqdm.write(f"{label}: {kw.get('documents') or 0} documents …", file=sys.stderr)
            elif kw.get("detail") != "nothing to do":
                tqdm.write(f"{label}: {kw['state']} in {kw.get('seconds') or 0:.1f}s"
                           + (f" ({kw['detail']})" if kw.get("detail") else ""), file=sys.stderr)

    try:
        report = run_ingest(lib, paths, progress=progress, columns=mapping, sync=sync)
    finally:
        bar.close()
        lib.close()
    summary = report.summary()
    if as_json:
        print_json(summary)
    else:
        click.echo(
            f"added {summary['added']} documents ({summary['passages']} passages, {summary['findings']} findings,"
            f" {summary['actions']} actions), already present {summary['already_present']},"
            f" failed {summary['failed_count']}, annotations {summary['annotations']}"
            f", replaced {summary['replaced']}" + (f", removed {summary['removed']}" if sync else "") +
            f" in {summary['seconds']:.1f}s"
        )
        for r in summary["replaced_documents"]:
            click.echo(f"  replaced: [doc {r['id']}] {r['title']} by its new version [doc {r['replaced_by']}]")
            _echo_followers(r)
        for m in summary["moved"]:
            click.echo(f"  moved: [doc {m['id']}] {m['title']} to {m['source']}")
        for r in summary["removed_documents"]:
            click.echo(f"  removed: [doc {r['id']}] {r['title']} ({r['source']}: file gone)")
            _echo_followers(r)
        for f in summary["failed"]:  # the path as given on the command line, with why
            click.echo(f"  failed: {f['path']}: {f['reason']}")
        for w in summary["warnings"]:
            click.echo(f"  warning: {w['source']}: {w['warning']}")
    if summary["failed_count"]:
        sys.exit(1)


def _echo_followers(r: dict) -> None:
    """What became of the packs and judgements of a replaced or removed document."""
    says = {"changed": "follows the new version, flagged: changed since added",
            "followed": "follows the same finding in the new version",
            "finding_changed": "follows the finding in the new version, flagged: changed since added",
            "finding_gone": "kept, flagged: the finding is not in the new version",
            "removed": "kept, flagged: no longer in the library"}
    for p in r.get("packs", []):
        click.echo(f"    pack {p['pack']!r}: {p['item_type']} {p['item_id']} {says[p['what']]}")
    if r.get("judgements_followed"):
        click.echo(f"    {r['judgements_followed']} screen judgement(s) follow the new version")
    if r.get("judgements"):
        click.echo(f"    {r['judgements']} screen judgement(s) of it were removed with it")


@click.command("remove")
@click.argument("sources", nargs=-1, required=True)
@click.option("--yes", is_flag=True, help="Remove without asking first.")
@library_option
@json_option
def remove_cmd(sources, yes, library_path, as_json):
    """Remove documents by id, by source (a file: its documents; a folder: every document
    read from under it) or by stored source (a dataset row's `file.csv#row=3`).

    \b
    e.g.  precedent remove 42
          precedent remove reports/old-report.pdf --yes"""
    from index.ingest import documents_for, remove_documents

    lib = open_lib(library_path)
    try:
        ids, unmatched = documents_for(lib, sources)
        if unmatched:
            raise click.UsageError("no document matches " + ", ".join(repr(u) for u in unmatched) +
                                   " (nothing was removed; `precedent documents` lists ids and sources)")
        if not yes:
            for d in (lib.store.document(i) for i in ids):
                click.echo(f"  [doc {d['id']}] {d['title']} ({d['source']})", err=as_json)
            click.confirm(f"Remove {len(ids)} document{'' if len(ids) == 1 else 's'}?", abort=True, err=as_json)
        out = remove_documents(lib, ids)
    finally:
        lib.close()
    if as_json:
        print_json(out)
        return
    for r in out["removed"]:
        click.echo(f"removed: [doc {r['id']}] {r['title']} ({r['source']})")
        _echo_followers(r)
    click.echo(f"removed {len(out['removed'])} document{'' if len(out['removed']) == 1 else 's'}")


@click.command("search")
@click.argument("query")
@click.option("--k", default=10, show_default=True, type=click.IntRange(1, 1000),
              help="Cases (documents) a page, each shown by its best hits.")
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
@click.option("--page", default=1, show_default=True, type=click.IntRange(1, 10**6), help="Page of --k cases.")
@library_option
@json_option
def search_cmd(query, k, mode, doc_type, date_from, date_to, area, recipient, theme, status, has_response,
               strength, page, library_path, as_json):
    """Find past concerns (and passages) most like QUERY, with the actions taken.

    \b
    e.g.  precedent search "restraint by police officers"
          precedent search "ligature points" --type pfd_report --date-from 2019"""
    from search.request import SearchRequest

    # the /search page's own request and checks: a filter no document can pass is an error
    # (PrecedentGroup prints it), not an empty answer
    req = SearchRequest.from_args({
        "q": query, "k": k, "page": page, "mode": mode, "type": doc_type, "date_from": date_from,
        "date_to": date_to, "area": area, "recipient": recipient, "theme": theme, "status": status,
        "has_response": has_response, "strength": strength})
    if req.notice:
        click.echo(req.notice, err=True)
    lib = open_lib(library_path)
    req = req.check(lib)
    filters = req.filters
    data = req.run(lib)  # with each result's case page, as /search.json
    if as_json:
        print_json(data)
        return
    if data.get("notice"):  # e.g. a query of punctuation alone
        click.echo(data["notice"], err=True)
    if data.get("nothing_matches"):  # a mash or a question from another field: no weak "best" hits
        click.echo(f"Nothing in the library matches “{data['query']}”." + (f" {data['reason']}" if data.get("reason") else ""))
        return
    if not data["results"]:
        used = [f"--{k.replace('_', '-')} {v}" for k, v in (filters or {}).items() if v not in (None, "", [])]
        if data["total"] and page > 1:
            click.echo(f"no results on page {page}: there are {data['total']} in all")
        else:
            click.echo("no results" + (f" with {' '.join(used)}; try without some of them" if used else ""))
    else:
        pg = data["paging"]
        click.echo(f"cases {pg['first']}–{pg['last']} of {data['total']}; {data['close']} close"
                   + (f" (next: --page {pg['next']})" if pg["next"] else ""))
        if not data["close"]:
            click.echo(f"No close precedent among {lib.store.count('documents')} documents;"
                       " the nearest related concerns are below.")
    case = None
    for r in data["results"]:  # one numbered case (document) each, its hits below it
        d, p, f = r["document"], r["passage"] or {}, r["finding"]
        where = ", ".join(x for x in (d["type"], d["date"], d["reference"], p.get("section"),
                                      f"page {p['page']}" if p.get("page") else None) if x)
        if r["case"] != case:
            case = r["case"]
            click.echo(f"{case}. [{r['strength']}] {d['title']} (#{d['id']}; {where})")
        else:
            inside = ", ".join(x for x in (p.get("section"), f"page {p['page']}" if p.get("page") else None) if x)
            click.echo(f"   also [{r['strength']}]" + (f" ({inside})" if inside else ""))
        text = f["text"] if f else p.get("text", "")
        label = f"{f['label'] or f['kind']}: " if f else ""
        snippet = " ".join(text.split())
        click.echo(f"   {label}{snippet[:300]}{'…' if len(snippet) > 300 else ''}")
        for a in r["actions"][:3]:
            click.echo(f"   → {' '.join(a['text'].split())[:160]} [owner: {a['owner'] or '-'}; due: "
                       f"{a['due'] or a['due_text'] or '-'}; status: {a['status'] or 'not stated'}]")
        if r["similar_count"]:
            click.echo(f"   and {r['similar_count']} similar")


@click.command()
@click.option("--type", "doc_type", default=None, help="Only this document type, e.g. pfd_report, pfd_response.")
@click.option("--date-from", default=None, type=DATE, help="YYYY[-MM[-DD]]")
@click.option("--date-to", default=None, type=DATE, help="YYYY[-MM[-DD]] (a year or month counts whole)")
@click.option("--area", default=None, help="Coroner area (or any part of it).")
@click.option("--title", "q", default=None, help="Words in the title (use `precedent search` for the text).")
@click.option("--limit", default=0, show_default=True, type=click.IntRange(0, 10**6), help="At most this many (0: all).")
@click.option("--offset", default=0, show_default=True, type=click.IntRange(0, 10**9), help="Skip this many first.")
@library_option
@json_option
def documents(doc_type, date_from, date_to, area, q, limit, offset, library_path, as_json):
    """List the library's documents, newest first (the /documents page and its JSON).

    \b
    e.g.  precedent documents --type pfd_report --date-from 2020 --area Surrey
          precedent documents --title restraint --json"""
    from search.browse import browse_documents

    try:
        data = browse_documents(open_lib(library_path), type=doc_type, date_from=date_from, date_to=date_to,
                                area=area, q=q, limit=limit or 10**9, offset=offset)
    except ValueError as e:
        raise click.UsageError(str(e)) from e
    if as_json:
        print_json(data)
        return
    for d in data["documents"]:
        click.echo(f"{d['id']}\t{d['type']}\t{d['date'] or '-'}\t{d['reference'] or '-'}\t{d['title']}\t{d['source']}")
    shown = len(data["documents"])
    click.echo(f"{data['total']} documents" + (f" ({shown} shown from {offset + 1})" if shown < data["total"] and shown else "")
               + (" (none at this offset)" if not shown and data["total"] else ""))


@click.command()
@click.argument("doc_id", type=ID)
@library_option
@json_option
def show(doc_id, library_path, as_json):
    """Show one document."""
    from search.documents import get_document

    lib = open_lib(library_path)
    data = get_document(lib, doc_id)
    if data is None:
        from index.ingest import what_became_of

        fate = what_became_of(lib, doc_id)
        if fate and fate.get("replaced_by"):
            raise click.ClickException(f"no document {doc_id}: its file changed and it was replaced by its new "
                                       f"version, document {fate['replaced_by']} ({fate['at']} UTC)")
        if fate:
            raise click.ClickException(f"no document {doc_id}: it was removed ({fate['at']} UTC)")
        raise click.ClickException(f"no document {doc_id}")
    if data.get("type") == "pfd_response" or data.get("responds_to"):
        from search.responses import response_view  # respondent, and each action with the concerns it answers

        view = response_view(lib, doc_id)
        data.update(respondent=view.get("respondent"), actions=view.get("actions", []))
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['title']}\n{data['type']} · {data['date'] or 'no date'} · {data['source']}\n")
    if "respondent" in data:  # a response: who said it and what it did, before its text
        click.echo(f"Respondent: {data['respondent'] or 'not identified'}")
        for x in data["links"]["responds_to"]:
            click.echo(f"Responds to: [doc {x['id']}] {x['title']} (confidence {x['confidence']})")
        if not data["links"]["responds_to"]:
            click.echo("Responds to: no report linked (`precedent unlinked` shows the closest)")
        click.echo(f"Actions ({len(data['actions'])}):")
        for a in data["actions"]:
            if a.get("kind") == "response":  # the letter's own words on a concern, no stated action
                bits = ["the letter's answer, not a stated action"]
            else:
                bits = [f"owner: {a['owner'] or 'not stated'}"] + ([f"due {a['due']}"] if a["due"] else [])
                bits.append(f"status: {(a['status'] or 'not stated').replace('_', ' ')}")
            answers = ", ".join(f"{f['label'] or 'a concern'} [doc {f['document_id']}]" for f in a.get("answers_detail", []))
            if answers:
                bits.append(f"answers {answers}")
            elif a.get("answers_report"):
                bits.append(f"answers report [doc {a['answers_report']}] as a whole")
            click.echo(f"  - {' '.join(a['text'].split())}\n    ({'; '.join(bits)})")
        click.echo("")
    click.echo(data["text"])


@click.command()
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
    from waitress import create_server

    from index.ingest import IngestWorker
    from webui import create_app

    lib = open_lib(library_path, create=bool(paths))
    click.echo(f"loading model {lib.model} ({lib.encoder}) …", err=True)
    lib.embedder  # load once, before the first request (a LibraryError is one line: PrecedentGroup)
    app = create_app({"LIBRARY": lib, "SERVE_HOST": host}, settings=cli_settings())
    try:  # bind first: a port in use or a host that does not resolve is one line, before any ingest starts
        server = create_server(app, host=host, port=port, threads=threads)
    except (OSError, ValueError) as e:  # in use, not ours to bind; waitress: ValueError for a host that does not resolve
        lib.close()
        why = (e.strerror or str(e)) if isinstance(e, OSError) else "the host name does not resolve to an address here"
        raise click.ClickException(f"cannot serve on {host}:{port}: {why}") from e
    after = [_themes_if_missing]
    if cli_settings().tune == "auto":  # PRECEDENT_TUNE=auto: tune the encoder once the first ingest is in
        from index.tuning import tune_encoder

        after.append(tune_encoder)
    app.config["INGEST_WORKER"] = IngestWorker(lib, paths, after=after).start()
    click.echo(f"Precedent: {lib.store.count('documents')} documents at http://{host}:{port}/"
               + (f" (ingesting {len(paths)} path(s) in the background; see /status)" if paths else ""), err=True)
    server.run()


def _themes_if_missing(lib) -> None:
    """After a background ingest: build the recurring themes once, if the library has none."""
    from index.themes import has_themes, rebuild_themes

    if lib.store.count("findings") and not has_themes(lib):
        rebuild_themes(lib)


@click.command("eval")
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
            lib = open_lib(library_path, model)
        else:
            if not (labels and reports):
                raise click.UsageError("--themes needs --labels and --reports")
            queries, labelled = ev.load_theme_labels(themes, labels)
            if library_path is None:
                tmpdir = tempfile.mkdtemp(prefix="precedent-eval-")
                library_path = Path(tmpdir) / "library"
            lib = open_lib(library_path, model, create=True)
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
        print_json(result)
    else:
        click.echo(ev.format_table(result, verbose=verbose))


@click.command("precedents")
@click.argument("draft", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 50))
@library_option
@json_option
def precedents_cmd(draft, k, library_path, as_json):
    """Precedents for each concern in a DRAFT document (PDF, DOCX, text).

    \b
    e.g.  precedent precedents draft-report.docx --k 3"""
    from corpus.records import ReadError
    from search.draft import document_from_upload, precedents

    try:
        doc = document_from_upload(draft.read_bytes(), draft.name)
    except ReadError as e:
        raise click.ClickException(f"{draft}: {e}") from e
    data = precedents(open_lib(library_path), doc, k=k)
    if as_json:
        print_json(data)
        return
    if not data["concerns"]:
        click.echo("no concerns or paragraphs of 12 words or more found in the draft")
    for c in data["concerns"]:
        click.echo(f"{c['label']}: {' '.join(c['text'].split())[:200]}")
        if not c["results"]:
            click.echo("   no precedent found")
        elif not c["close"]:
            click.echo("   no close precedent; the nearest:")
        previous = None
        for r in c["results"]:
            text = (r["finding"] or r["passage"] or {}).get("text", "")
            doc = r["document"]
            where = ("same document" if doc["id"] == previous
                     else f"{doc['title']} [doc {doc['id']}] ({doc['date'] or 'no date'})")
            click.echo(f"   - {r['strength']}: {where}: {' '.join(text.split())[:140]}")
            previous = doc["id"]


@click.command("unlinked")
@click.option("--explain", is_flag=True, help="Also say why each response is unlinked.")
@library_option
@json_option
def unlinked_cmd(explain, library_path, as_json):
    """Responses that could not be linked to the report they answer, each with the reports that
    came closest (the /responses/unlinked.json shape)."""
    from search.responses import unlinked_view

    data = unlinked_view(open_lib(library_path))
    if as_json:
        print_json(data)
        return
    for r in data["responses"]:
        why = f" — {r['reason']}" if explain and r.get("reason") else ""
        maybe = " (possibly a response)" if r.get("possible") else ""
        click.echo(f"{r['id']}\t{r['title']}{maybe}{why}")
        for c in r["candidates"]:
            click.echo(f"\tclosest: [doc {c['id']}] {c['title']} ({c['date'] or 'no date'})")
        if not r["candidates"]:
            click.echo("\tno report comes close")
    click.echo(f"{data['total']} unlinked response{'' if data['total'] == 1 else 's'}")


@click.command("relink")
@click.option("--all", "retry_all", is_flag=True, help="Also try again every response that is still unlinked.")
@library_option
@json_option
def relink_cmd(retry_all, library_path, as_json):
    """Finish post-ingest steps (links, themes) for every document lacking them."""
    from index.ingest import relink

    lib = open_lib(library_path)
    try:
        out = relink(lib, retry_unlinked=retry_all)
    finally:
        lib.close()
    if as_json:
        print_json(out)
        return
    for step, r in out["steps"].items():
        click.echo(f"{step}: {r.get('documents', 0)} documents" +
                   "".join(f", {k} {v}" for k, v in r.items() if k != "documents"))
    if "retried" in out:
        click.echo(f"retried unlinked responses: {out['retried']['linked']} linked of {out['retried']['checked']}")
    click.echo(f"{out['links']} links in the library")
    for w in out["warnings"]:
        click.echo(f"  warning: {w['source']}: {w['warning']}")


COMMANDS = [ingest, remove_cmd, search_cmd, documents, show, serve, eval_cmd, precedents_cmd, unlinked_cmd, relink_cmd]
