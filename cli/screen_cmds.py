"""The `precedent screen` group: a screening of documents judged one at a time."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.options import ID, json_option, library_option, open_lib, print_json, print_rows


@click.group("screen")
def screen_cmd() -> None:
    """Find every document on a topic: judge what it proposes, it learns, it estimates recall.

    \b
    A session:
      precedent screen new restraint --query "a death after restraint by police"
      precedent screen next restraint            # ids to judge, most useful first
      precedent screen judge restraint 106 yes   # or no; many at once with --file
      precedent screen show restraint            # may you stop? progress and estimated recall
      precedent screen pack restraint            # the included documents into a learning pack

    "You can stop" comes from a stopping rule with a statistical guarantee (Callaghan &
    Muller-Hansen 2020): at 95% confidence you have found at least 95% of the relevant
    documents (--target-recall, --confidence on `show`). "Estimated recall" is the share of all
    the relevant documents you have found so far by judging; "included" is what the screen would hand over now: the documents judged relevant
    plus the unjudged ones the model thinks likely enough to be relevant."""


def _screen_call(fn, *args, **kw):
    from search.screening import ScreenError

    try:
        return fn(*args, **kw)
    except ScreenError as e:
        raise click.ClickException(str(e)) from e


def _stop_line(d: dict) -> str:
    """The stopping rule's verdict in words."""
    stop = d.get("stop") or {}
    if not stop:
        return ""
    if stop["recommended"]:
        return (f"STOP: you can stop: at {stop['confidence']:.0%} confidence you have found at least "
                f"{stop['target_recall']:.0%} of the relevant documents\n")
    more = ("" if stop.get("judged_needed_estimate") is None else
            f"; about {stop['judged_needed_estimate']} more judgements expected before it can say so")
    return (f"KEEP JUDGING: not yet {stop['target_recall']:.0%} at {stop['confidence']:.0%} confidence{more}\n"
            f"  ({stop['reason']})\n")


def _screen_summary(d: dict) -> str:
    rec = "not yet estimable" if d.get("estimated_recall") is None else f"{d['estimated_recall']:.0%}"
    if d.get("estimated_recall_range") and None not in d["estimated_recall_range"]:
        lo, hi = d["estimated_recall_range"]
        rec += f" (range {lo:.0%}-{hi:.0%})"
    return _stop_line(d) + (f"{d['judged']} judged, {d['relevant_found']} relevant found{_in_cases(d['relevant_found'], d.get('relevant_found_cases'))},"
            f" about {round(d['estimated_relevant'])} more"
            f" relevant estimated among {d['unjudged']} unjudged; estimated recall {rec}; {d['included']} included"
            f"{_in_cases(d['included'], d.get('included_cases'))}"
            + (f" (about {d['estimated_included_precision']:.0%} of them relevant)"
               if d.get("estimated_included_precision") is not None else "") + "\n"
            f"  ({d['method']})")


def _in_cases(documents: int, cases: int | None) -> str:
    """" in 1 case" when documents and cases differ (a response counts with the report it answers)."""
    if cases is None or cases == documents:
        return ""
    return f" in {cases} case{'' if cases == 1 else 's'}, a response counting with the report it answers"


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
    """Start a screen called NAME (1-80 letters, digits, '-' or '_'; e.g. restraint-deaths)."""
    from search.screening import create_screen

    filters = {"type": doc_type, "date_from": date_from, "date_to": date_to, "area": area, "recipient": recipient}
    data = _screen_call(create_screen, open_lib(library_path), name, query, filters)
    if as_json:
        print_json(data)
    else:
        if not data.get("documents_in_screen"):
            click.echo(f"screen {data['name']}: no document in the library matches its filters, so there is "
                       f"nothing to judge; start another with wider filters")
        else:
            click.echo(f"screen {data['name']}: {data['documents_in_screen']} documents; "
                       f"`precedent screen next {data['name']}` to start judging")


@screen_cmd.command("list")
@library_option
@json_option
def screen_list(library_path, as_json):
    """List screens."""
    from search.screening import list_screens

    print_rows(list_screens(open_lib(library_path)), as_json, "screens",
               lambda s: f"{s['name']}\t{s['judged']} judged\t{s['relevant_found']} relevant\t{s['query']}")


@screen_cmd.command("next")
@click.argument("name")
@click.option("--n", default=10, show_default=True, type=click.IntRange(1, 500))
@click.option("--concerns", is_flag=True, help="Also show each document's concerns.")
@library_option
@json_option
def screen_next(name, n, concerns, library_path, as_json):
    """The documents to judge next, most likely first, with the age, date, area and what happened."""
    from search.screening import next_documents

    data = _screen_call(next_documents, open_lib(library_path), name, n, concerns=concerns)
    if as_json:
        print_json({"documents": data["documents"]})
        return
    if not data["documents"]:
        click.echo("nothing to judge: every document in this screen has been judged, or none matches its filters",
                   err=True)
    for d in data["documents"]:
        click.echo(f"{d['id']}\tp={d['p']:.2f}\t{d['why']}\t{d['reference'] or ''}\t{d['title']}")
        facts = [f"aged {d['age_text']}" if d.get("age_text") else "age not stated", d.get("date") or "",
                 d.get("area") or ""]
        click.echo("\t\t" + " · ".join(f for f in facts if f))
        if d.get("what_happened"):
            click.echo(f"\t\twhat happened: {d['what_happened']}")
        for c in d.get("concerns", []):
            click.echo(f"\t\t- {' '.join(c['text'].split())[:200]}")
    if data["documents"]:
        click.echo(f"(id, p = the model's chance it is relevant, why proposed: likely (uncertain / sample only when "
                   f"asked for), reference, title)\n"
                   f"judge with: precedent screen judge {data['screen']} ID yes|no", err=True)


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
    """Judge a document relevant (yes) or not (no), or many from --file.

    \b
    e.g.  precedent screen judge restraint 106 yes --note "restraint in custody"
          precedent screen judge restraint --file judgements.csv"""
    from search.screening import judge_many, read_judgements_csv

    if file_ is not None:
        if doc_id or label:
            raise click.UsageError("give DOC_ID and LABEL, or --file, not both")
        try:
            text = file_.read_text(encoding="utf-8-sig")
        except UnicodeDecodeError as e:
            raise click.BadParameter(f"{file_} is not UTF-8 text ({e.reason} at byte {e.start}); save it as UTF-8 CSV",
                                     param_hint="--file") from e
        items = read_judgements_csv(text)
    elif doc_id is None or label is None:
        raise click.UsageError("give DOC_ID and yes|no (or --file judgements.csv)")
    else:
        items = [(doc_id, label, note)]
    data = _screen_call(judge_many, open_lib(library_path), name, items)
    if as_json:
        print_json(data)
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
@click.option("--target-recall", default=0.95, show_default=True, type=click.FloatRange(0.5, 1.0),
              help="The recall the stopping rule must guarantee.")
@click.option("--confidence", default=0.95, show_default=True, type=click.FloatRange(0.5, 0.99),
              help="The confidence of that guarantee.")
@library_option
@json_option
def screen_show(name, as_csv, limit, target_recall, confidence, library_path, as_json):
    """Whether you may stop, progress, estimated recall and the documents, most likely first."""
    from search.screening import show_screen, to_csv

    data = _screen_call(show_screen, open_lib(library_path), name, target_recall=target_recall,
                        confidence=confidence)
    if as_json:
        print_json(data)
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
@click.option("--pack", "--collection", "pack_id", type=ID, default=None,
              help="Add to the learning pack with this id (default: a new one named after the screen).")
@library_option
@json_option
def screen_pack(name, pack_id, library_path, as_json):
    """Put the included documents in a learning pack."""
    from search.screening import add_to_pack

    data = _screen_call(add_to_pack, open_lib(library_path), name, pack_id)
    print_json(data) if as_json else click.echo(
        f"added {data['added']} document{'' if data['added'] == 1 else 's'} to learning pack {data['collection_id']}"
        + (f" ({data['cases']} case{'' if data['cases'] == 1 else 's'}: a response counts with the report it answers)"
           if data.get("cases") not in (None, data["added"]) else "")
        + (f"; removed {data['removed']} it no longer includes" if data.get("removed") else "")
        + " (`precedent packs list` shows it)")


COMMANDS = [screen_cmd]
