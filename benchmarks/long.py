"""Time and peak memory of scoring 1 h, 24 h and a week of EEG+EMG at 256 Hz, whole process.

    python -m benchmarks.long [--hours 1 24 168]

Each recording is one `slumbernet predict` process, timed with `/usr/bin/time -v` from start to
exit (reading the EDF, preprocessing, scoring, writing the CSV). Recordings up to 36 h are
scored in one piece; longer ones chunk by chunk (`preprocess.EpochStream`), reading the EDF
lazily, so their peak memory should not grow with their length. The EDFs are simulated: a
simulated day, written once for each day asked for as consecutive EDF+ data records (so
writing a week takes a day's memory too); they live in a temporary folder (a week is 620 MB).
"""
import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed, write_results

CLI = "from slumbernet.cli import console; console()"


def write_days(path: Path, day, hours: float):
    """Write `hours` of signal to an EDF+ file: `day` (a simulated Recording of 24 h or more) repeated, in 1-s records,
    one day at a time."""
    import numpy as np
    import pyedflib
    from slumbernet.io import _phys_range
    fs = int(day.sfreq_hz)
    n = int(round(hours * 3600)) * fs
    w = pyedflib.EdfWriter(str(path), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        w.setSignalHeaders([dict(label=name, dimension="uV", sample_frequency=fs, physical_min=lo, physical_max=hi,
                                 digital_min=-32768, digital_max=32767)
                            for name, (lo, hi) in (("EEG", _phys_range(day.eeg)), ("EMG", _phys_range(day.emg)))])
        w.setStartdatetime(day.start)
        per_day = 86400 * fs
        for a in range(0, n, per_day):
            k = min(per_day, n - a)
            w.writeSamples([np.asarray(day.eeg[:k], np.float64), np.asarray(day.emg[:k], np.float64)])
    finally:
        w.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hours", type=float, nargs="+", default=[1.0, 24.0, 168.0])
    args = ap.parse_args(argv)
    from slumbernet.simulate import simulate_recording
    day = simulate_recording(min(24.0, max(args.hours)), seed=1).recording
    py, runs = sys.executable, {}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for hours in args.hours:
            edf = d / f"{hours:g}h.edf"
            write_days(edf, day, hours)
            r = timed([py, "-c", CLI, "predict", edf, "--out", d / f"out_{hours:g}h", "--quiet"], timeout=3600)
            if r["exit"]: raise SystemExit(f"{hours:g} h failed: {r['stderr_tail']}")
            runs[f"{hours:g} h"] = {"hours": hours, "edf_mb": round(edf.stat().st_size / 2 ** 20, 1), **r}
            edf.unlink()
            print(f"{hours:g} h: {r['wall_s']} s, {r['peak_mb']} MB", flush=True)
    lines = ["# Scoring long recordings (EEG+EMG at 256 Hz), whole process", "",
             "Up to 36 h in one piece; longer, in 6-h chunks read lazily from the EDF.", "",
             "| recording | EDF MB | wall s | CPU s | peak MB |", "|---|---|---|---|---|"]
    lines += [f"| {n} | {r['edf_mb']} | {r['wall_s']} | {r['cpu_s']} | {r['peak_mb']} |" for n, r in runs.items()]
    write_results("long", {"sfreq_hz": 256, "runs": runs}, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
