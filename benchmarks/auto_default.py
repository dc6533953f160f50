"""`predict`'s default (method="auto") against the network alone and the adaptive scorer alone, per recording.

    python -m benchmarks.auto_default

Each recording is scored three times by `slumbernet.core.predict` (the whole pipeline: reading,
preparing, the checks), with `method="network"`, `"adaptive"` and `"auto"` (the network
calibrated on the epochs it and the adaptive scorer agree on when its checks pass, else the
adaptive scorer), and compared with its labels; then again with the EMG taken out (EEG only: the
bundled EEG-only model, the adaptive scorer on EEG alone).

Data (say which with every figure):
- 12 simulated recordings, 12 h each: baseline and 6-h sleep deprivation of 3 new animals of the
  simulator's reference lab and 3 of its "other" lab (none in the bundled model's training), the
  simulated scorer's labels. Simulated: this checks the pipeline, not that it works on mice.
- the surrogate: raw signals re-synthesised from the real Zfhx3 mouse's 24-h band powers, its real
  expert labels (needs ../shared/data; skipped without it).
"""
import time
import warnings

import numpy as np

from benchmarks.common import SHARED, write_results
from slumbernet.core import predict
from slumbernet.evaluate import agreement

METHODS = ("network", "adaptive", "auto")
SEED = 5000


def recordings():
    "name -> (Recording, Hypnogram, data)."
    from slumbernet.simulate import random_animal, simulate_recording
    out = {}
    for i, lab in enumerate(["reference"] * 3 + ["other"] * 3):
        for cond in ("baseline", "sleep_deprivation"):
            sim = simulate_recording(12, cond, animal=random_animal(SEED + i, lab), seed=SEED + 1000 + i, lab=lab,
                                     sd_hours=6, recording_id=f"{lab[:3]}{i}_{cond}")
            out[sim.recording.recording_id] = (sim.recording, sim.scores, "simulated")
    table = SHARED / "mouse_zfhx3" / "baseline_bandpower.csv"
    if table.exists():
        from slumbernet.io import load_bandpower_table
        from slumbernet.simulate import surrogate_from_bandpower
        powers, hyp = load_bandpower_table(table)
        sur = surrogate_from_bandpower(powers, hyp, seed=2026, recording_id="surrogate")
        out["surrogate"] = (sur.recording, sur.scores, "surrogate of the real mouse")
    return out


def score(rec, hyp) -> dict:
    "Each method's kappa and REM F1 on one recording, and what auto used."
    row = {}
    for m in METHODS:
        t0 = time.perf_counter()
        p = predict(rec, method=m)
        a = agreement(hyp.stages[:len(p.stages)], p.stages)
        row[m] = {"kappa": round(a["kappa"], 4), "f1_R": round(a["f1_R"], 4), "seconds": round(time.perf_counter() - t0, 2)}
        if m == "auto": row["auto_used"] = p.checks["method"]
    return row


def table(rows: list, signals: str) -> list:
    diff = [r["auto"]["kappa"] - r["network"]["kappa"] for r in rows]
    md = [f"## {signals}", "", "| recording | data | network kappa | adaptive kappa | auto kappa (used) | network REM F1 | "
          "adaptive REM F1 | auto REM F1 |", "|---|---|---|---|---|---|---|---|"]
    md += [f"| {r['recording']} | {r['data']} | {r['network']['kappa']:.3f} | {r['adaptive']['kappa']:.3f} | "
           f"{r['auto']['kappa']:.3f} ({r['auto_used']}) | {r['network']['f1_R']:.3f} | {r['adaptive']['f1_R']:.3f} | "
           f"{r['auto']['f1_R']:.3f} |" for r in rows]
    return md + ["", f"auto minus network, kappa: mean {np.mean(diff):+.3f}, lowest {min(diff):+.3f}, highest {max(diff):+.3f} "
                     f"over {len(rows)} recordings.", ""]


def main():
    warnings.simplefilter("ignore")
    rows = {"EEG + EMG": [], "EEG only": []}
    for name, (rec, hyp, data) in recordings().items():
        for signals, r in (("EEG + EMG", rec), ("EEG only", rec.without_emg())):
            rows[signals].append({"recording": name, "data": data, **score(r, hyp)})
            print(signals, name, {m: rows[signals][-1][m]["kappa"] for m in METHODS}, rows[signals][-1]["auto_used"], flush=True)
    md = [f"# {__doc__.splitlines()[0]}", "", "`python -m benchmarks.auto_default`", "", __doc__.split("\n\n", 2)[2].strip(), ""]
    for signals, rs in rows.items(): md += table(rs, signals)
    summary = {s: {"mean": round(float(np.mean(d)), 4), "min": round(min(d), 4), "max": round(max(d), 4)}
               for s, rs in rows.items() for d in [[r["auto"]["kappa"] - r["network"]["kappa"] for r in rs]]}
    write_results("auto_default", {"rows": rows, "auto_minus_network_kappa": summary}, "\n".join(md))
    print("\n".join(md))


if __name__ == "__main__":
    main()
