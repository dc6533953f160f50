"""Whole-process speed of scoring 24 h of EEG+EMG at 256 Hz, default network against the paper's, in 4-s and 10-s epochs.

    python -m benchmarks.speed [--hours 24] [--repeat 5] [--skip-paper] [--against REV]

Each contender is one `slumbernet predict` process, timed with `/usr/bin/time -v` from start to
exit (Python start-up, reading the EDF, preprocessing, scoring, writing the CSV): the time a lab
waits per file. Two reference processes run in the same loop:

- `read EDF only`: start Python and read the EDF, nothing else (the physical floor of any scorer).
- `default, 10-s epochs`: the same `predict` reporting in 10-s epochs (`--epoch-s 10`, Sirenia's
  default): the network's 4-s windows weighted into the lab's epochs; target: at most 1.3x `default`.
- `read + network only`: read the EDF, load the bundled model and run its network on every epoch
  of the day, with no filtering, resampling, quality checks or output (the EEG and EMG merely
  decimated to 64 Hz). No scorer built on this network can be faster: it is the floor of the
  `default` process, and `default` minus it is what preprocessing and writing cost.

The fast processes run `--repeat` times, interleaved (read, network, default, read, ...) so that
drift in the machine's speed reaches all of them alike; the tables give medians and the range.
The paper's network scores the same recording once, in the same run, so the ratio holds even
when the machine's speed drifts. `--against REV` adds `default at REV`: the same command run by the
package as it was at git revision REV (extracted with `git archive`), interleaved with the others,
so that a change's cost is a ratio measured in one run. The recording is simulated (speed does not depend on the data);
the paper network's weights are untrained (same cost as trained ones).
"""
import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed, write_results

READ_ONLY = "import sys; from slumbernet.io import load_recording; load_recording(sys.argv[1])"
NETWORK_ONLY = """import sys
import numpy as np
from slumbernet.core import resolve_model
from slumbernet.io import load_recording
from slumbernet.preprocess import Epochs
rec = load_recording(sys.argv[1])
n, step = int(rec.duration_s // 4), int(rec.sfreq_hz // 64)
x = np.stack([rec.eeg[::step][:n * 256], rec.emg[::step][:n * 256]], -1).reshape(n, 256, 2).astype(np.float32)
resolve_model(None).predict_proba(Epochs(x, 64.0, 4.0, "envelope", True))
"""
CLI = "from slumbernet.cli import console; console()"


def summarise(runs: list) -> dict:
    "Median wall time, CPU time and peak memory of repeated runs of one process, with the range of wall times."
    walls = [r["wall_s"] for r in runs]
    return {"command": runs[0]["command"], "runs": len(runs), "wall_s": round(statistics.median(walls), 2),
            "wall_range_s": [min(walls), max(walls)], "cpu_s": round(statistics.median(r["cpu_s"] for r in runs), 2),
            "peak_mb": round(statistics.median(r["peak_mb"] for r in runs), 1)}


def ratios(res: dict) -> dict:
    "Each process's median wall time over the read-only one's, and the default's over the network floor's."
    read, floor, default = (res[k]["wall_s"] for k in ("read EDF only", "read + network only", "default"))
    out = {"default_vs_read": round(default / read, 2), "network_floor_vs_read": round(floor / read, 2),
           "default_vs_network_floor": round(default / floor, 2),
           "epoch_10s_vs_4s": round(res["default, 10-s epochs"]["wall_s"] / default, 2)}
    if "paper" in res: out["paper_vs_default"] = round(res["paper"]["wall_s"] / default, 1)
    against = [k for k in res if k.startswith("default at ")]
    if against: out["default_vs_against"] = round(default / res[against[0]]["wall_s"], 2)
    return out


def report(hours: float, res: dict, r: dict) -> str:
    lines = [f"# Scoring {hours:g} h of EEG+EMG at 256 Hz, whole process", "",
             "| process | runs | wall s (median) | wall s (range) | CPU s | peak MB |", "|---|---|---|---|---|---|"]
    lines += [f"| {n} | {p['runs']} | {p['wall_s']} | {p['wall_range_s'][0]}-{p['wall_range_s'][1]} | {p['cpu_s']} | "
              f"{p['peak_mb']} |" for n, p in res.items()]
    lines += ["", f"- default / read-only: {r['default_vs_read']}x",
              f"- read + network only / read-only: {r['network_floor_vs_read']}x (no scorer built on this network "
              "can do better)", f"- default / read + network only: {r['default_vs_network_floor']}x"]
    lines.append(f"- default in 10-s epochs / default (4-s): {r['epoch_10s_vs_4s']}x (target: at most 1.3x)")
    if "paper_vs_default" in r: lines.append(f"- paper / default: {r['paper_vs_default']}x")
    if "default_vs_against" in r:
        lines.append(f"- default / {next(k for k in res if k.startswith('default at '))}: {r['default_vs_against']}x")
    return "\n".join(lines) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--repeat", type=int, default=5, help="runs of each fast process (medians are reported)")
    ap.add_argument("--skip-paper", action="store_true", help="leave out the paper network (it takes minutes)")
    ap.add_argument("--against", metavar="REV", help="also time `predict` as the package was at this git revision")
    args = ap.parse_args(argv)
    if args.repeat < 1: ap.error("--repeat must be at least 1")
    from slumbernet.io import write_recording
    from slumbernet.model import SleepModel, save_model
    from slumbernet.simulate import simulate_recording
    py = sys.executable
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        edf = d / "day.edf"
        write_recording(simulate_recording(args.hours, seed=1).recording, edf)
        fast = {"read EDF only": lambda i: [py, "-c", READ_ONLY, edf],
                "read + network only": lambda i: [py, "-c", NETWORK_ONLY, edf],
                "default": lambda i: [py, "-c", CLI, "predict", edf, "--out", d / f"out_default{i}", "--quiet"],
                "default, 10-s epochs": lambda i: [py, "-c", CLI, "predict", edf, "--out", d / f"out_ten{i}", "--quiet",
                                                   "--epoch-s", "10"]}
        where = {}
        if args.against:  # the package at REV, imported from its own folder (cwd: `python -c` puts it first on sys.path)
            old = d / "against"
            old.mkdir()
            tar = subprocess.run(["git", "archive", args.against, "slumbernet"], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", old], input=tar, check=True)
            name = f"default at {args.against}"
            fast[name] = lambda i: [py, "-c", CLI, "predict", edf, "--out", d / f"out_against{i}", "--quiet"]
            where[name] = old
        runs = {name: [] for name in fast}
        for i in range(args.repeat):
            for name, cmd in fast.items(): runs[name].append(timed(cmd(i), cwd=where.get(name)))
        if not args.skip_paper:
            save_model(SleepModel.new("paper"), d / "paper")
            runs["paper"] = [timed([py, "-c", CLI, "predict", edf, "--out", d / "out_paper", "--quiet",
                                    "--model", d / "paper.keras"], timeout=7200)]
    for name, rs in runs.items():
        for r in rs:
            if r["exit"]: raise SystemExit(f"{name} failed: {r['stderr_tail']}")
    res = {name: summarise(rs) for name, rs in runs.items()}
    r = ratios(res)
    md = report(args.hours, res, r)
    write_results("speed_against" if args.against else "speed_skip_paper" if args.skip_paper else "speed",
                  {"hours": args.hours, "sfreq_hz": 256, "repeat": args.repeat, "runs": res, **r}, md)
    print(md)


if __name__ == "__main__":
    main()
