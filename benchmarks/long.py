"""Time and peak memory of scoring long and fast-sampled recordings (EEG+EMG), whole process.

    python -m benchmarks.long [--runs 1h@256 24h@256 24h@1000 35h@1000 168h@256 168h@256-open]

A run is HOURS@RATE (Hz); `-open` writes the EDF with its number of data records left open (-1,
as a recorder still writing leaves it), so that it is read leniently (through MNE). Each
recording is one `slumbernet predict` process, timed with `/usr/bin/time -v` from start to exit
(reading the EDF, preprocessing, scoring, writing the CSV). Recordings of up to
`core.STREAM_ABOVE_SAMPLES` samples per channel (26 h at 256 Hz) are scored in one piece; longer
or faster ones chunk by chunk (`preprocess.EpochStream`), reading the EDF lazily, so their peak
memory should grow neither with their length nor with their rate (target: under 1.5 GB for any
file). The EDFs are simulated: one simulated hour at each rate, written over and over as
consecutive EDF+ data records (so writing a week takes an hour's memory); they live in a
temporary folder (a week at 256 Hz is 620 MB, a day at 1 kHz 330 MB).
"""
import argparse
import sys
import tempfile
from pathlib import Path

from benchmarks.common import timed, write_results

CLI = "from slumbernet.cli import console; console()"


def parse_run(spec: str) -> tuple[float, int, bool]:
    "HOURS@RATE[-open] as (hours, rate in Hz, whether the record count is left open)."
    hours, rest = spec.lower().split("@")
    rate, _, open_ = rest.partition("-")
    return float(hours.rstrip("h")), int(rate), open_ == "open"


def write_hours(path: Path, hour, hours: float, open_count: bool = False):
    """Write `hours` of signal to an EDF+ file: `hour` (a simulated Recording of one hour) repeated, in 1-s records.
    With `open_count`, the header's number of data records is then set to -1 (unknown)."""
    import numpy as np
    import pyedflib
    from slumbernet.io.write import edf_signal_header
    fs = int(hour.sfreq_hz)
    w = pyedflib.EdfWriter(str(path), 2, file_type=pyedflib.FILETYPE_EDFPLUS)
    try:
        w.setSignalHeaders([edf_signal_header("EEG", hour.eeg, fs), edf_signal_header("EMG", hour.emg, fs)])
        w.setStartdatetime(hour.start)
        n, per = int(round(hours * 3600)) * fs, 3600 * fs
        for a in range(0, n, per):
            k = min(per, n - a)
            w.writeSamples([np.asarray(hour.eeg[:k], np.float64), np.asarray(hour.emg[:k], np.float64)])
    finally:
        w.close()
    if open_count:
        with open(path, "r+b") as f:
            f.seek(236)
            f.write(b"-1      ")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", nargs="+", default=["1h@256", "24h@256", "24h@1000", "35h@1000", "168h@256",
                                                 "168h@256-open"])
    args = ap.parse_args(argv)
    from slumbernet.simulate import simulate_recording
    py, runs, hours_at = sys.executable, {}, {}
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        for spec in args.runs:
            hours, rate, open_count = parse_run(spec)
            if rate not in hours_at: hours_at[rate] = simulate_recording(1.0, sfreq_hz=rate, seed=1).recording
            edf = d / f"{spec}.edf"
            write_hours(edf, hours_at[rate], hours, open_count)
            r = timed([py, "-c", CLI, "predict", edf, "--out", d / f"out_{spec}", "--quiet"], timeout=3600)
            if r["exit"]: raise SystemExit(f"{spec} failed: {r['stderr_tail']}")
            runs[spec] = {"hours": hours, "sfreq_hz": rate, "record_count_open": open_count,
                          "edf_mb": round(edf.stat().st_size / 2 ** 20, 1), **r}
            edf.unlink()
            print(f"{spec}: {r['wall_s']} s, {r['peak_mb']} MB", flush=True)
    lines = ["# Scoring long and fast-sampled recordings (EEG+EMG), whole process", "",
             "Simulated signals. In one piece up to 26 h at 256 Hz (`core.STREAM_ABOVE_SAMPLES` samples per channel); "
             "longer or faster, in chunks of 6 h at 256 Hz (as many samples at faster rates) read lazily from the EDF. "
             "\"open\": the header leaves the number of data records open (-1), so MNE reads it. Target: peak under "
             "1.5 GB for any file.", "",
             "| recording | rate Hz | record count | EDF MB | wall s | CPU s | peak MB |", "|---|---|---|---|---|---|---|"]
    lines += [f"| {r['hours']:g} h | {r['sfreq_hz']} | {'open (-1)' if r['record_count_open'] else 'stated'} | "
              f"{r['edf_mb']} | {r['wall_s']} | {r['cpu_s']} | {r['peak_mb']} |" for r in runs.values()]
    write_results("long", {"runs": runs}, "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
