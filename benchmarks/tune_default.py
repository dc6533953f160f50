"""Choose the learning rate of the default contender's fine-tuning on development cohorts, not on the benchmark's animals.

    python -m benchmarks.tune_default --seed 9091 --rates 2e-4,1e-4,5e-5,2e-5 [--gbm]

`benchmarks.run` fine-tunes the bundled model on each fold's training recordings (the
"SlumberNet default" row). Choosing that recipe by the benchmark's own test animals would tune on
them; this script runs the same protocol (the simulated cohort's plan, folds and code) on a cohort
simulated with another seed, whose animals the benchmark never sees, for each learning rate in
`--rates` (and the band-power GBM with `--gbm`, for reference). Each run adds its rows to
`benchmarks/results/tune_default.json` (keyed by seed) and rewrites `tune_default.md` from all rows.
Figures on simulated mice: a check of the method, not of real mice.
"""
import argparse
import json
import sys
import time

import numpy as np

from benchmarks import run
from benchmarks.common import RESULTS, write_results

BENCHMARK_SEED = run.SEED
"The seed of `benchmarks.run`'s own cohort, which this script refuses."


def cohort_rows(seed: int, rates: list, gbm: bool) -> dict:
    "Kappa, REM F1, accuracy and the REM/wake confusions of each contender on the cohort and folds of `seed`."
    run.SEED = seed  # the benchmark's code, with its seed (cohort, folds, fine-tuning) replaced
    try:
        return _rows(seed, rates, gbm)
    finally:
        run.SEED = BENCHMARK_SEED


def _rows(seed: int, rates: list, gbm: bool) -> dict:
    plan = run.Plan.make(False)
    folds = run.animal_folds(run.sim_dataset(plan), plan.folds)
    cands = [run.SlumberNet("default", plan.tune_steps, plan.tune_rounds, from_bundled=True, learning_rate=lr,
                            name=f"default, fine-tuned at {lr:g}") for lr in rates]
    if gbm:
        from benchmarks import contenders
        cands += [c for c in contenders.mouse_contenders(seed) if c.name == "band-power GBM"]
    rows = {}
    for c in cands:
        t0 = time.perf_counter()
        row = run.run_mouse_contender(c, folds, plan)
        if row["status"] != "ok": raise SystemExit(f"{c.name}: {row['status']}: {row.get('reason')}")
        C = np.array(row["confusion"])
        rows[c.name] = {**{k: row[k] for k in ("kappa", "f1_R", "accuracy")}, "rem_as_wake": int(C[2, 0]),
                        "wake_as_rem": int(C[0, 2]), "seconds": round(time.perf_counter() - t0)}
        print(seed, c.name, rows[c.name], flush=True)
    return rows


def _rate(name: str) -> float:
    "The learning rate in a contender's name ('default, fine-tuned at 5e-05'), or -1 for the GBM."
    return float(name.rsplit(" ", 1)[1]) if name.startswith("default, fine-tuned at ") else -1.0


def report(all_rows: dict) -> str:
    names = sorted({n for rows in all_rows.values() for n in rows}, key=_rate, reverse=True)
    seeds = sorted(all_rows)
    lines = ["# The default contender's fine-tuning rate, chosen on development cohorts", "",
             f"Simulated cohorts with seeds the benchmark does not use (`benchmarks.run` uses {BENCHMARK_SEED}), each run "
             "through the benchmark's simulated-cohort protocol (8 mice, 4 folds by animal). Kappa / REM F1 (REM scored "
             "as wake). Simulated mice: a check of the method, not of real mice.", "",
             "| contender | " + " | ".join(f"seed {s}" for s in seeds) + " | mean kappa | mean REM F1 |",
             "|---|" + "---|" * (len(seeds) + 2)]
    for n in names:
        cells = [all_rows[s].get(n) for s in seeds]
        full = all(cells)
        means = [f"{np.mean([c[k] for c in cells]):.4f}" if full else "-" for k in ("kappa", "f1_R")]
        lines.append(f"| {n} | " + " | ".join(f"{c['kappa']:.3f} / {c['f1_R']:.3f} ({c['rem_as_wake']})" if c else "-"
                                              for c in cells) + f" | {' | '.join(means)} |")
    lines += ["", f"`benchmarks.run` fine-tunes at {run.TUNE_LEARNING_RATE:g} (`TUNE_LEARNING_RATE`)."]
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True, help="the development cohort's seed (not the benchmark's)")
    ap.add_argument("--rates", required=True, help="comma-separated learning rates")
    ap.add_argument("--gbm", action="store_true", help="also run the band-power GBM")
    args = ap.parse_args(argv)
    if args.seed == BENCHMARK_SEED: ap.error(f"seed {BENCHMARK_SEED} is the benchmark's own cohort: choose another")
    path = RESULTS / "tune_default.json"
    old = json.loads(path.read_text()) if path.exists() else {"cohorts": {}, "commands": []}
    all_rows = {int(k): v for k, v in old["cohorts"].items()}
    all_rows.setdefault(args.seed, {}).update(cohort_rows(args.seed, [float(r) for r in args.rates.split(",")], args.gbm))
    commands = old["commands"] + [" ".join(["python -m benchmarks.tune_default"] + (argv if argv is not None else sys.argv[1:]))]
    md = report(all_rows) + "\nCommands, in order:\n\n" + "\n".join(f"    {c}" for c in commands) + "\n"
    write_results("tune_default", {"cohorts": all_rows, "commands": commands}, md)
    print(md)


if __name__ == "__main__":
    main()
