"""Commands over follow-up: follow a search or an organisation, list follows, check what is new
since the last check, print a follow's Atom feed, stop following."""
from __future__ import annotations

import click

from cli.options import ID, cli_settings, json_option, library_option, open_lib, print_json


@click.group("follow")
def follow_cmd() -> None:
    """Follow a search or an organisation, and list what is new since you last checked.

    \b
    e.g.  precedent follow search "restraint in police custody"
          precedent follow organisation "West Midlands Police"
          precedent follow check                 # what is new since the last check, for every follow
          precedent follow feed 1 > follow-1.atom"""


def _call(fn, *args, **kw):
    from search.follow import FollowError

    try:
        return fn(*args, **kw)
    except FollowError as e:
        raise click.ClickException(str(e)) from e


def _shown(data: dict, as_json: bool) -> None:
    if as_json:
        print_json(data)
        return
    click.echo(f"following #{data['id']}: {data['label']} ({data['kind']}); "
               f"{data['new']} new since followed — `precedent follow check` lists what is new")


@follow_cmd.command("search")
@click.argument("query")
@click.option("--type", "doc_type", default=None, help="Only documents of this type (as the search page's filter).")
@click.option("--area", default=None, help="Only documents from this coroner area.")
@click.option("--recipient", default=None, help="Only reports sent to this organisation.")
@library_option
@json_option
def follow_search_cmd(query, doc_type, area, recipient, library_path, as_json):
    """Follow a search: new documents that match it (close or related) are listed as they arrive."""
    from search.follow import follow_search

    filters = {k: v for k, v in (("type", doc_type), ("area", area), ("recipient", recipient)) if v}
    _shown(_call(follow_search, open_lib(library_path), query, filters), as_json)


@follow_cmd.command("organisation")
@click.argument("name")
@library_option
@json_option
def follow_organisation_cmd(name, library_path, as_json):
    """Follow an organisation (its key or any spelling): its new reports, responses and commitments,
    and responses or commitments that become overdue."""
    from search.follow import follow_organisation

    _shown(_call(follow_organisation, open_lib(library_path), name), as_json)


@follow_cmd.command("list")
@library_option
@json_option
def follow_list(library_path, as_json):
    """The follows, with how many new items each has seen since it was followed."""
    from search.follow import list_follows

    data = list_follows(open_lib(library_path))
    if as_json:
        print_json(data)
        return
    if not data["follows"]:
        click.echo("You follow nothing yet: `precedent follow search QUERY` or `precedent follow organisation NAME`.")
    for f in data["follows"]:
        click.echo(f"{f['id']}\t{f['kind']}\t{f['new']} new\tlast checked {(f['checked'] or 'never')[:16]}\t{f['label']}")


@follow_cmd.command("check")
@click.argument("follow_id", type=ID, required=False)
@library_option
@json_option
def follow_check(follow_id, library_path, as_json):
    """What is new since the last check, for one follow or all; the check is remembered."""
    from search.follow import check_follows

    data = _call(check_follows, open_lib(library_path), follow_id)
    if as_json:
        print_json(data)
        return
    if not data["follows"]:
        click.echo("You follow nothing yet.")
    for f in data["follows"]:
        click.echo(f"#{f['id']} {f['label']} ({f['kind']}): {len(f['new'])} new since {f['previous_check'][:16]}")
        for i in f["new"]:
            ref = f" (#{i['document_id']})" if i["document_id"] else ""
            click.echo(f"  - {i['what_label']}: {i['title']}{ref}{' — ' + i['detail'] if i['detail'] else ''}")


@follow_cmd.command("feed")
@click.argument("follow_id", type=ID)
@library_option
def follow_feed(follow_id, library_path):
    """Print the follow's Atom feed (links back only when PRECEDENT_BASE_URL is set)."""
    from search.follow import get_follow, to_atom

    click.echo(to_atom(_call(get_follow, open_lib(library_path), follow_id), cli_settings().base_url))


@follow_cmd.command("remove")
@click.argument("follow_id", type=ID)
@library_option
def follow_remove(follow_id, library_path):
    """Stop following."""
    from search.follow import unfollow

    _call(unfollow, open_lib(library_path), follow_id)
    click.echo(f"no longer following #{follow_id}")


COMMANDS = [follow_cmd]
