"""The `precedent themes` group: list, rebuild, show, rename, merge, split."""
from __future__ import annotations


import click

from cli.options import ID, json_option, library_option, open_lib, print_json


@click.group(invoke_without_command=True)
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
    from index.themes import list_themes

    lib = open_lib(library_path)
    data = list_themes(lib, level=level)
    if not data["themes"] and (level is None or not list_themes(lib)["themes"]):
        from index.themes import why_no_themes

        data["why_empty"] = why_no_themes(lib)
    if as_json:
        print_json(data)
        return
    if not data["themes"]:
        click.echo(data.get("why_empty") or f"no level-{level} themes")
    ids = {t["id"] for t in data["themes"]}
    kids: dict = {}
    for t in data["themes"]:
        if t.get("parent") in ids:
            kids.setdefault(t["parent"], []).append(t)
    for t in data["themes"]:   # the tree: each top-level theme, then its subthemes indented
        if t.get("parent") in ids:
            continue
        for row, indent in [(t, "")] + [(c, "  ") for c in kids.get(t["id"], [])]:
            click.echo(f"{indent}{row['id']}\t{row['label']}\t{row['size']} findings, {row['documents']} documents,"
                       f" {row['first_seen'] or '?'} – {row['last_seen'] or '?'}")


def _theme_lib(ctx, library_path):
    return open_lib(library_path or ctx.obj.get("library_path"))


def _theme_edit(fn, *args):
    try:
        return fn(*args)
    except KeyError as e:
        what = str(e.args[0]) if e.args else ""
        raise click.ClickException(what if what.startswith("no theme") else f"no theme {what}".strip()) from e
    except ValueError as e:
        raise click.ClickException(str(e)) from e


@themes.command("rebuild")
@click.option("--if-missing", is_flag=True, help="Only when the library has no themes yet.")
@library_option
@json_option
@click.pass_context
def themes_rebuild(ctx, if_missing, library_path, as_json):
    """Re-cluster every finding (ids and people's edits are kept)."""
    from index.themes import has_themes, rebuild_themes

    lib = _theme_lib(ctx, library_path)
    if if_missing and has_themes(lib):
        click.echo("themes already built (new findings join them at ingest)")
        return
    out = rebuild_themes(lib)
    if as_json:
        print_json(out)
    else:
        click.echo(", ".join(f"{k}: {v}" for k, v in out.items()))


@themes.command("show")
@click.argument("theme_id", type=ID)
@library_option
@json_option
@click.pass_context
def themes_show(ctx, theme_id, library_path, as_json):
    """One theme in full."""
    from index.themes import get_theme

    data = get_theme(_theme_lib(ctx, library_path), theme_id)
    if data is None:
        raise click.ClickException(f"no theme {theme_id}")
    if as_json:
        print_json(data)
        return
    click.echo(f"{data['id']} {data['label']}: {data['size']} findings in {data['documents']} documents")
    for m in data.get("members", [])[:20]:
        click.echo(f"  - [{m['date'] or 'undated'}] doc {m['document_id']}: {' '.join(m['text'].split())[:160]}")
    if len(data.get("members", [])) > 20:
        click.echo(f"  … {len(data['members']) - 20} more (--json lists all)")
    if data.get("parent_theme"):
        click.echo(f"  within: {data['parent_theme']['id']} {data['parent_theme']['label'] or ''}")
    for c in data.get("child_themes") or []:
        click.echo(f"  specific theme: {c['id']} {c['label'] or ''}")


@themes.command("rename")
@click.argument("theme_id", type=ID)
@click.argument("label")
@library_option
@click.pass_context
def themes_rename(ctx, theme_id, label, library_path):
    """Give a theme a name that survives rebuilds."""
    from index.themes import rename_theme

    out = _theme_edit(rename_theme, _theme_lib(ctx, library_path), theme_id, label)
    click.echo(f"{out['id']} {out['label']}")


@themes.command("merge")
@click.argument("keep_id", type=ID)
@click.argument("other_id", type=ID)
@library_option
@click.pass_context
def themes_merge(ctx, keep_id, other_id, library_path):
    """Merge OTHER_ID into KEEP_ID."""
    from index.themes import merge_themes

    out = _theme_edit(merge_themes, _theme_lib(ctx, library_path), keep_id, other_id)
    click.echo(f"{out['id']} {out['label']}: {out['size']} findings")


@themes.command("split")
@click.argument("theme_id", type=ID)
@click.option("--k", default=2, show_default=True, type=click.IntRange(2, 20))
@library_option
@click.pass_context
def themes_split(ctx, theme_id, k, library_path):
    """Split a theme into K new ones."""
    from index.themes import split_theme

    out = _theme_edit(split_theme, _theme_lib(ctx, library_path), theme_id, k)
    for t in out["themes"]:
        click.echo(f"{t['id']} {t['label']}: {t['size']} findings")


COMMANDS = [themes]
