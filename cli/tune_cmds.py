"""`precedent tune`: adapt the library's encoder to its own documents (``index.tuning.tune``)."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from cli.options import cli_settings, json_option, library_option, open_lib, print_json


@click.command("tune")
@click.option("--minutes", type=click.FloatRange(0.1, 24 * 60), default=None,
              help="Training time budget [$PRECEDENT_TUNE_MINUTES, 25]; a resumed run counts what it spent.")
@click.option("--pairs", "max_pairs", type=click.IntRange(64, 10**6), default=None,
              help="Training pairs at most [$PRECEDENT_TUNE_PAIRS, 6000].")
@click.option("--seed", type=click.IntRange(0, 2**31 - 1), default=None, help="Seed of the pairs and the training [13].")
@click.option("--kinds", default=None, metavar="KIND,...",
              help="Kinds of pair: concern_context, concern_concern, inverse_cloze, concern_action [all].")
@library_option
@json_option
def tune(minutes, max_pairs, seed, kinds, library_path: Path | None, as_json):
    """Tune the library's encoder on pairs its own documents provide, keep it only if it finds
    held-back partners better than the current one, then re-embed and swap it in at once.

    The library answers with its current encoder until the swap; a run stopped (Ctrl-C, a kill)
    resumes from its checkpoint when started again.

    \b
    e.g.  precedent tune --library lib/
          precedent tune --minutes 10 --json"""
    from tqdm import tqdm

    from index.tuning import KINDS, TuneOptions
    from index.tuning import tune as run_tune

    chosen = None
    if kinds:
        chosen = tuple(k.strip() for k in kinds.split(",") if k.strip())
        wrong = [k for k in chosen if k not in KINDS]
        if wrong or not chosen:
            raise click.BadParameter(f"unknown kind {', '.join(wrong) or kinds!r}; known: {', '.join(KINDS)}",
                                     param_hint="--kinds")
    options = TuneOptions.from_settings(cli_settings(), minutes=minutes, max_pairs=max_pairs, seed=seed, kinds=chosen)
    lib = open_lib(library_path)
    bars: dict = {}
    quiet = as_json and not sys.stderr.isatty()

    def progress(event: str, **kw) -> None:
        if event == "stage":
            for b in bars.values():
                b.close()
            bars.clear()
            if not quiet:
                tqdm.write(f"tune: {STAGES.get(kw['name'], kw['name'])} …", file=sys.stderr)
        elif event in ("train", "embed"):
            total = kw.get("steps") if event == "train" else kw.get("total")
            bar = bars.get(event)
            if bar is None:
                bar = bars[event] = tqdm(total=total, unit="step" if event == "train" else "text",
                                         desc="train" if event == "train" else "re-embed", disable=quiet,
                                         file=sys.stderr)
            bar.total = total
            bar.n = kw.get("step") if event == "train" else kw.get("done")
            bar.refresh()

    try:
        summary = run_tune(lib, options, progress=progress)
    finally:
        for b in bars.values():
            b.close()
        lib.close()
    if as_json:
        print_json(summary)
        return
    held = summary["held_back"]
    click.echo(f"pairs: " + ", ".join(f"{k} {v['train']}+{v['held']}" for k, v in summary["pairs"].items() if v["available"]))
    t = summary["training"]
    click.echo(f"training: {t.get('steps')} of {t.get('max_steps')} steps in {t.get('seconds', 0):.0f}s"
               + (" (time budget reached)" if t.get("stopped_by_budget") else ""))
    click.echo(f"held-back recall@10: base {held['base']['overall']['recall@10']:.3f}, "
               f"tuned {held['tuned']['overall']['recall@10']:.3f} ({held['base']['overall']['pairs']} pairs)")
    if summary["kept"]:
        click.echo(f"kept: the library now answers with {summary['encoder_after']} "
                   f"({summary['embedded']['texts']} texts re-embedded in {summary['embed_seconds']:.0f}s)")
    else:
        click.echo(f"not kept: the tuned model is no better; the library keeps {summary['encoder_before']}")


STAGES = {"pairs": "gathering pairs from the library", "train": "training", "check": "checking on held-back pairs",
          "export": "exporting to int8 ONNX", "embed": "re-embedding passages and findings", "swap": "swapping"}

COMMANDS = [tune]
