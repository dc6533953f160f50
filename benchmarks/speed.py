"""Whole-process speed of scoring 24 h of EEG+EMG at 256 Hz, default network against the paper's.

    python -m benchmarks.speed [--hours 24] [--skip-paper]

Each contender is one `slumbernet predict` process, timed with `/usr/bin/time -v` from start to
exit (Python and TensorFlow start-up, reading the EDF, preprocessing, scoring, writing the CSV):
the time a lab waits per file. The paper's network scores the same recording in the same run,
so the ratio holds even when the machine's speed drifts. A third process only reads the EDF
(the physical floor of any scorer). The recording is simulated (speed does not depend on the
data); the paper network's weights are untrained (same cost as trained ones).
"""
import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed, write_results

READ_ONLY = "import sys; from slumbernet.io import load_recording; load_recording(sys.argv[1])"
CLI = "from slumbernet.cli import console; console()"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, default=24.0)
    ap.add_argument("--skip-paper", action="store_true", help="leave out the paper network (it takes minutes)")
    args = ap.parse_args(argv)
    from slumbernet.io import write_recording
    from slumbernet.model import SleepModel, save_model
    from slumbernet.simulate import simulate_recording
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        edf = d / "day.edf"
        write_recording(simulate_recording(args.hours, seed=1).recording, edf)
        save_model(SleepModel.new("paper"), d / "paper")
        py = sys.executable
        runs = {"read EDF only": timed([py, "-c", READ_ONLY, edf])}
        runs["default"] = timed([py, "-c", CLI, "predict", edf, "--out", d / "out_default", "--quiet"])
        if not args.skip_paper:
            runs["paper"] = timed([py, "-c", CLI, "predict", edf, "--out", d / "out_paper", "--quiet",
                                   "--model", d / "paper.keras"], timeout=7200)
    for name, r in runs.items():
        if r["exit"]: raise SystemExit(f"{name} failed: {r['stderr_tail']}")
    res = {"hours": args.hours, "sfreq_hz": 256, "runs": runs,
           "default_vs_read": round(runs["default"]["wall_s"] / runs["read EDF only"]["wall_s"], 2)}
    if "paper" in runs: res["paper_vs_default"] = round(runs["paper"]["wall_s"] / runs["default"]["wall_s"], 1)
    lines = [f"# Scoring {args.hours:g} h of EEG+EMG at 256 Hz, whole process", "",
             "| process | wall s | CPU s | peak MB |", "|---|---|---|---|"]
    lines += [f"| {n} | {r['wall_s']} | {r['cpu_s']} | {r['peak_mb']} |" for n, r in runs.items()]
    lines += ["", f"default / read-only: {res['default_vs_read']}x"]
    if "paper_vs_default" in res: lines.append(f"paper / default: {res['paper_vs_default']}x")
    write_results("speed", res, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
