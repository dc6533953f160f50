"""The experiment report at a lab's scale: 40 mice x 3 days (120 recordings of 24 h), whole process.

    python -m benchmarks.report_scale [--animals 40] [--distinct 12] [--jobs 2]
    python -m benchmarks.report_scale --quick        # 4 mice x 3 days of 2 h: checks the harness, ranks nothing

Simulates `--distinct` 24-h recordings (reference lab, 128 Hz, a third each of baseline, 6 h of sleep deprivation
then recovery, and recovery), with the simulator's scorer's hypnograms, and lays out an experiment of `--animals`
mice in two groups, each mouse on the three days: each recording of the table is a hard link to one of the
simulated recordings of its condition (so setting up 120 days takes minutes and no disk, and every group still has
animal-to-animal variation), with the lab's scores beside it (the report's heaviest case: every table and test for
both scorers). Then three `slumbernet report` processes, each timed with `/usr/bin/time -v` from start to exit, its
memory sampled each second over all its processes (the workers' included, shared pages counted once):

1. the first: scores every recording in `--jobs` processes, then writes the report;
2. the same into another folder, scoring on a local Dask cluster of `--jobs` workers (`--scheduler local`): the
   scoring step spread over workers as on a lab's cluster, whose tables must be the first run's;
3. the report again (`--overwrite`, the first folder): every result kept, read back with its saved spectra: the
   report once scored, which the issue's target is about (under 10 min on 2 cores, under 2 GB).

Simulated data: timings of the pipeline, no figure about mice.
"""
import argparse
import hashlib
import os
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed, write_results

CLI = "from slumbernet.cli import console; console()"
CONDITIONS = ("baseline", "sleep_deprivation", "recovery")


def simulate_days(folder: Path, distinct: int, hours: float) -> dict:
    "`distinct` simulated recordings with their scores, a third per condition: {condition: [(edf, scores), ...]}."
    from slumbernet.io import write_recording, write_scores
    from slumbernet.simulate import simulate_recording
    days = {c: [] for c in CONDITIONS}
    for k in range(distinct):
        cond = CONDITIONS[k % len(CONDITIONS)]
        sim = simulate_recording(hours, cond, sfreq_hz=128.0, seed=1000 + k, recording_id=f"day{k:02d}")
        edf, scores = folder / f"day{k:02d}.edf", folder / f"day{k:02d}_scores.csv"
        write_recording(sim.recording, edf); write_scores(sim.scores, scores)
        days[cond].append((edf, scores))
    return days


def experiment_table(folder: Path, days: dict, animals: int) -> Path:
    "The experiment table: `animals` mice in groups WT and MUT, each on every condition; recordings hard-linked."
    from slumbernet.experiment import write_experiment
    rows = []
    for i in range(animals):
        animal, group = f"m{i + 1:03d}", "WT" if i % 2 == 0 else "MUT"
        for day, cond in enumerate(CONDITIONS):
            src_edf, src_scores = days[cond][i % len(days[cond])]
            edf, scores = folder / f"{animal}_{cond}.edf", folder / f"{animal}_{cond}_scores.csv"
            for src, dst in ((src_edf, edf), (src_scores, scores)):
                os.link(src, dst)
            rows.append({"file": edf.name, "scores": scores.name, "animal": animal, "group": group, "condition": cond,
                         "day": day + 1, "light_on": "07:00"})
    return write_experiment(rows, folder / "experiment.csv")


def tables_digest(report: Path) -> dict:
    "SHA-256 of each of a report's tables, by name."
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((report / "tables").glob("*.csv"))}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--animals", type=int, default=40)
    ap.add_argument("--distinct", type=int, default=12, help="simulated recordings the table's recordings link to")
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--jobs", type=int, default=2, help="scoring processes (or Dask workers) in the first runs")
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args(argv)
    if args.quick: args.animals, args.distinct, args.hours = 4, 6, 2.0
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        (tmp / "sim").mkdir(); (tmp / "exp").mkdir()
        table = experiment_table(tmp / "exp", simulate_days(tmp / "sim", args.distinct, args.hours), args.animals)
        out, out_dask = tmp / "report", tmp / "report_dask"
        base = [sys.executable, "-c", CLI, "report", table, "--quiet"]
        runs = {"first (scoring in processes, then the report)":
                    timed(base + ["--out", out, "--jobs", str(args.jobs)], timeout=7200, tree=True),
                "first, scoring on a local Dask cluster":
                    timed(base + ["--out", out_dask, "--scheduler", "local", "--jobs", str(args.jobs)], timeout=7200, tree=True),
                "again (the report once scored)": timed(base + ["--out", out, "--overwrite"], timeout=7200, tree=True)}
        files = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file() and "scored" not in p.parts)
        same_tables = tables_digest(out) == tables_digest(out_dask)
    failed = {name: r["stderr_tail"] for name, r in runs.items() if r["exit"]}
    if failed: raise SystemExit("\n\n".join(f"{name} failed:\n{tail}" for name, tail in failed.items()))
    n = 3 * args.animals
    first, dask = runs["first (scoring in processes, then the report)"], runs["first, scoring on a local Dask cluster"]
    lines = [f"# The experiment report at scale{' (--quick: ranks nothing)' if args.quick else ''}", "",
             f"{args.animals} simulated mice (WT, MUT) x {', '.join(CONDITIONS)}: {n} recordings of {args.hours:g} h at 128 Hz "
             f"(hard links to {args.distinct} distinct simulated recordings), each with the simulated scorer's scores beside it "
             "(every table and test for both scorers). Each run is one `slumbernet report` process, start to exit; "
             f"scoring with `--jobs {args.jobs}` (processes, or the workers of `--scheduler local`). Peak memory: of the "
             "largest process (the kernel's count), and of all the run's processes together (sampled each second, so a "
             "shorter peak can be missed; pages the processes share counted once).",
             "", "| run | wall | CPU | peak, largest process | peak, all processes | exit |", "|---|---|---|---|---|---|"]
    for name, r in runs.items():
        tree = f"{r['tree_peak_mb'] / 1024:.2f} GB" if r["tree_peak_mb"] is not None else "n/a"
        lines.append(f"| {name} | {r['wall_s'] / 60:.1f} min | {r['cpu_s'] / 60:.1f} min | {r['peak_mb'] / 1024:.2f} GB "
                     f"| {tree} | {r['exit']} |")
    lines += ["", f"The first run scoring on the Dask cluster took {dask['wall_s'] / first['wall_s']:.2f}x the wall time of the "
              f"first run scoring in processes (same benchmark run, same machine); its tables are {'identical to' if same_tables else 'NOT the same as'} "
              "the first run's.", "",
              f"The report folder holds {len(files)} files besides the scored results (tables, figures, report.html).",
              "", "Simulated data: timings of the pipeline, no figure about mice."]
    write_results("report_scale_quick" if args.quick else "report_scale",
                  {"args": vars(args), "runs": runs, "report_files": files, "dask_tables_identical": same_tables}, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
