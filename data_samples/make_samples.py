"""Write the bundled sample cohort: simulated mice, EDF recordings with score CSVs.

Four simulated mice (reference lab). For each, a 6-h baseline day segment from lights-on
(07:00) and 6 h of recovery sleep right after 6 h of sleep deprivation (07:00-13:00) are
simulated; of each, the 30-min stretch (starting on a 5-min mark) whose stages are most evenly
mixed is kept, so that every file shows wake, NREM and, in most, REM. EEG and EMG at 256 Hz in
EDF+; the simulated human's scores in SlumberNet's CSV format. Everything is fixed by the seed,
so running this again reproduces the files byte for byte.

    python data_samples/make_samples.py [--out DIR] [--overwrite]

These are simulated data (see nbs/01_simulate.ipynb), not recordings of real mice.
"""
import argparse
from pathlib import Path

import numpy as np

import sys

from slumbernet.io import OutputExistsError, SlumberNetError, write_recording, write_scores
from slumbernet.simulate import simulate_cohort

SEED = 2026
N_ANIMALS = 4
KEEP_MIN = 30
CONDITIONS = ("baseline", "recovery")
NAMES = [f"mouse{i:02d}_{c}" for i in range(1, N_ANIMALS + 1) for c in CONDITIONS]
"The recordings written (simulate_cohort's ids for the reference lab), each as `{name}.edf` and `{name}_scores.csv`."


def most_mixed_window(stages: np.ndarray, n: int, step: int) -> int:
    "First epoch of the n-epoch window (starting on multiples of step) with the highest stage entropy."
    def entropy(s):
        p = np.bincount(s, minlength=3) / len(s)
        return -(p[p > 0] * np.log(p[p > 0])).sum()
    starts = range(0, len(stages) - n + 1, step)
    return max(starts, key=lambda i: entropy(stages[i:i + n]))


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent, help="folder to write to")
    ap.add_argument("--overwrite", action="store_true", help="replace existing sample files")
    args = ap.parse_args(argv)
    if not args.overwrite:  # refuse before minutes of simulation, and before writing any file
        for name in NAMES:
            for path in (args.out / f"{name}.edf", args.out / f"{name}_scores.csv"):
                if path.exists(): raise OutputExistsError("already exists; pass --overwrite to replace it", path)
    cohort = simulate_cohort(N_ANIMALS, conditions=CONDITIONS, hours=6, seed=SEED)
    assert [sim.recording.recording_id for sim in cohort] == NAMES, "simulate_cohort names recordings differently"
    for sim in cohort:
        ep = sim.scores.epoch_s
        n, step = int(KEEP_MIN * 60 / ep), int(5 * 60 / ep)
        i0 = most_mixed_window(sim.scores.stages, n, step)
        rec = sim.recording.crop(i0 * ep, (i0 + n) * ep)
        scores = sim.scores[i0:i0 + n]
        rid = rec.recording_id
        write_recording(rec, args.out / f"{rid}.edf", overwrite=args.overwrite)
        write_scores(scores, args.out / f"{rid}_scores.csv", overwrite=args.overwrite)
        print(f"{rid}: {scores}")


if __name__ == "__main__":
    try:
        main()
    except SlumberNetError as e:
        sys.exit(f"error: {e}")
