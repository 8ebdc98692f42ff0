"""Benchmarks: scripts that print figures about the product (none is a test), run from the
repository root as modules, ``python -m benchmarks.NAME`` (``--help`` for the options).

Each script measures one thing: reading unseen documents against hand labels in ``gold/``
(``understanding_eval``, ``concerns_eval``, ``inspections_eval``, ``actions_eval``,
``recipients_eval``, ``orgs_report``), linking letters to reports (``linking_eval``,
``linking_robustness``, ``linking_cue_trials``), ranking and strength (``ranking_cv``,
``learned_rank_cv``, ``category_eval``, ``cross_type_eval``, ``strength_calibration``),
themes (``themes_eval`` with ``theme_eval_data``, ``theme_relabel``), screening
(``screening_eval``, ``screening_ceiling``) and cost (``ingest_bench``, ``scale_bench``,
``load_bench``). What they share (paths to the shared data, the letter library, metrics,
process measurements) is in ``benchmarks.common``; a script imports another only for its
public names (never a private one).
"""
