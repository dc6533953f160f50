"""The retrained bundled networks against the ones they replace, in one run.

    python -m benchmarks.retrain [--old REV]

Both bundled networks (EEG + EMG, and EEG only) were retrained on a cohort that adds mice
recorded by random rigs (`slumbernet.rigs`). Here the networks of revision REV (default
7c1721c, before the retraining; read with `git show`) and the bundled ones score the same
recordings with `slumbernet.core.predict(..., method="network")`: the network alone, no checks
acting on its answer. EEG-only rows score the same recordings with the EMG taken out.

Data (say which with every figure):
- simulated, the simulator's rig: `benchmarks.auto_default`'s 12 recordings (6 new animals, 12-h
  baseline and sleep deprivation; none in either network's training), the simulated scorer's labels;
- simulated, random rigs: 6 new animals, 12-h baselines, each recorded by its own random rig;
- the surrogate: raw signals re-synthesised from the real Zfhx3 mouse's band powers, its real
  expert labels (needs ../shared/data);
- real, unlabelled (../shared/data/real_unlabelled: FASTER2's 8 mice of 248 s, MiSleep's 10-min
  example): no labels, so no accuracy. What each network's stages look like (stage mix, the
  physiology `check_network` reads) and how far it agrees with MiSleep's shipped model, which was
  trained on real mice (agreement, not accuracy).
Simulated and surrogate figures check the pipeline; they are not evidence about real mice.
"""
import argparse
import subprocess
import tempfile
import warnings
from pathlib import Path

import numpy as np

from benchmarks.auto_default import recordings as auto_default_recordings
from benchmarks.common import ROOT, machine, write_results
from benchmarks.misleep_real import FASTER2, mix, physiology, real_recordings
from slumbernet.core import predict
from slumbernet.evaluate import agreement
from slumbernet.model import load_model
from slumbernet.spectral import epoch_features

OLD_REV = "7c1721c"
MODELS = {"EEG + EMG": "slumbernet_default", "EEG only": "slumbernet_eeg_only"}
SEED = 7100


def old_models(rev: str, folder: Path) -> dict:
    "The bundled networks at git revision `rev`, written to `folder`: `{signals: model}`."
    out = {}
    for signals, name in MODELS.items():
        for ext in (".keras", ".json"):
            blob = subprocess.run(["git", "show", f"{rev}:slumbernet/models/{name}{ext}"], cwd=ROOT, capture_output=True, check=True).stdout
            (folder / f"{name}{ext}").write_bytes(blob)
        out[signals] = load_model(folder / f"{name}.keras")
    return out


def labelled_recordings() -> dict:
    "name -> (Recording, Hypnogram, data): auto_default's simulated and surrogate recordings, and 6 random-rig mice."
    from slumbernet.rigs import rig_cohort
    out = dict(auto_default_recordings())
    for s in rig_cohort(6, ("baseline",), hours=12, seed=SEED, prefix="heldrig"):
        out[s.recording.recording_id] = (s.recording, s.scores, "simulated, random rig")
    return out


def labelled_rows(models: dict) -> list:
    rows = []
    for name, (rec, hyp, data) in labelled_recordings().items():
        for signals in MODELS:
            r = rec if signals == "EEG + EMG" else rec.without_emg()
            row = {"recording": name, "data": data, "signals": signals}
            for which, model in models[signals].items():
                p = predict(r, model=model, method="network")
                a = agreement(hyp.stages[:len(p.stages)], p.stages)
                row[which] = {"kappa": round(a["kappa"], 4), "f1_R": round(a["f1_R"], 4)}
            rows.append(row)
            print(signals, name, row["old"]["kappa"], row["new"]["kappa"], flush=True)
    return rows


def real_rows(models: dict) -> list:
    from benchmarks.contenders import MiSleep
    misleep_ok = MiSleep().available()[0]
    rows = []
    for name, (rec, site) in real_recordings().items():
        feats = epoch_features(rec)
        ms = MiSleep(site).predict(rec) if misleep_ok else None
        for which in ("old", "new"):
            p = predict(rec, model=models["EEG + EMG"][which], method="network")
            n = min(len(p.stages), len(feats)) if ms is None else min(len(p.stages), len(feats), len(ms))
            phys = physiology(feats.iloc[:n], p.stages[:n], p.artefact[:n])
            rows.append({"recording": name, "model": which, "mix": mix(p.stages[:n]), **phys,
                         "kappa_with_misleep": None if ms is None else round(agreement(p.stages[:n], ms[:n])["kappa"], 3),
                         "misleep_mix": None if ms is None else mix(ms[:n])})
            print(name, which, rows[-1]["mix"], rows[-1]["problems"], rows[-1]["kappa_with_misleep"], flush=True)
    return rows


def summarise(rows: list) -> dict:
    "Mean kappa and REM F1 of old and new per (signals, data), and new minus old."
    out = {}
    for signals in MODELS:
        for data in dict.fromkeys(r["data"] for r in rows):
            rs = [r for r in rows if r["signals"] == signals and r["data"] == data]
            if not rs: continue
            m = {w: {k: round(float(np.mean([r[w][k] for r in rs])), 4) for k in ("kappa", "f1_R")} for w in ("old", "new")}
            out[f"{signals} | {data}"] = {**m, "n": len(rs), "kappa_change": round(m["new"]["kappa"] - m["old"]["kappa"], 4)}
    return out


def markdown(rev: str, rows: list, summary: dict, real: list) -> str:
    m = machine()
    md = [f"# {__doc__.splitlines()[0]}", "", f"`python -m benchmarks.retrain --old {rev}`, {m['date']}, {m['cpus']} cores "
          f"({m['processor']}, {m['platform']})", "",
          __doc__.split("\n\n", 2)[2].strip(), "", "## Labelled recordings: mean per group", "",
          "| signals, data | recordings | old kappa | new kappa | change | old REM F1 | new REM F1 |", "|---|---|---|---|---|---|---|"]
    md += [f"| {k} | {v['n']} | {v['old']['kappa']:.3f} | {v['new']['kappa']:.3f} | {v['kappa_change']:+.3f} | "
           f"{v['old']['f1_R']:.3f} | {v['new']['f1_R']:.3f} |" for k, v in summary.items()]
    md += ["", "## Labelled recordings: each", "", "| recording | data | signals | old kappa | new kappa | old REM F1 | new REM F1 |",
           "|---|---|---|---|---|---|---|"]
    md += [f"| {r['recording']} | {r['data']} | {r['signals']} | {r['old']['kappa']:.3f} | {r['new']['kappa']:.3f} | "
           f"{r['old']['f1_R']:.3f} | {r['new']['f1_R']:.3f} |" for r in rows]
    if real:
        md += ["", "## Real mice, no labels: the EEG + EMG network's stages (AGREEMENT and PHYSIOLOGY only)", "",
               "Stages with fewer than 10 epochs are not judged; ratios > 1 are what a textbook mouse shows. "
               "Kappa with MiSleep is agreement with another scorer, not accuracy.", "",
               "| recording | network | W/N/R % | stages judged | NREM/Wake delta | Wake/NREM EMG | REM/NREM theta:delta | "
               "expectations broken | kappa with MiSleep (its W/N/R %) |", "|---|---|---|---|---|---|---|---|---|"]
        f = lambda x: "-" if x is None or not np.isfinite(x) else f"{x:.2f}"
        md += [f"| {r['recording']} | {r['model']} | {'/'.join(f'{x:g}' for x in r['mix'])} | {r['stages_judged'] or '-'} | "
               f"{f(r['nrem_wake_delta'])} | {f(r['wake_nrem_emg'])} | {f(r['rem_nrem_theta_delta'])} | "
               f"{'; '.join(r['problems']) or ('none' if len(r['stages_judged']) > 1 else 'not judged')} | "
               f"{f(r['kappa_with_misleep'])} ({'/'.join(f'{x:g}' for x in r['misleep_mix'] or [])}) |" for r in real]
    return "\n".join(md) + "\n"


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--old", default=OLD_REV, help="git revision whose bundled networks are the old ones")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    with tempfile.TemporaryDirectory() as tmp:
        old = old_models(args.old, Path(tmp))
        models = {s: {"old": old[s], "new": load_model(ROOT / "slumbernet" / "models" / f"{name}.keras")} for s, name in MODELS.items()}
        rows = labelled_rows(models)
        real = real_rows(models) if FASTER2.exists() else []
    summary = summarise(rows)
    write_results("retrain", {"old": args.old, "summary": summary, "rows": rows, "real_unlabelled": real},
                  markdown(args.old, rows, summary, real))
    print(markdown(args.old, rows, summary, real))


if __name__ == "__main__":
    main()
