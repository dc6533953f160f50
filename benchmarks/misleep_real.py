"""MiSleep's shipped model beside SlumberNet's default on real mouse signals without scores, and on the samples.

    python -m benchmarks.misleep_real

1. Real, unlabelled (../shared/data/real_unlabelled): FASTER2's test EDF (8 mice, 248 s each, 128 Hz)
   and MiSleep's own 10-min example (305 Hz, parietal EEG). For each recording: the stages of
   MiSleep (`benchmarks.contenders.MiSleep`, out of the box) and of `slumbernet.core.predict` (its
   default: the bundled network, or the adaptive scorer when the network fails its checks), their
   stage mix, how often they agree (fraction of epochs and Cohen's kappa), and the physiology of
   each scorer's stages (as `slumbernet.checks.check_network` judges it). AGREEMENT ONLY: there are
   no scores, so nothing here is an accuracy.
2. Simulated: MiSleep's kappa against the simulator's true stages on the bundled samples
   (data_samples/): checks the pipeline, not evidence about mice.
"""
import time
import warnings

import numpy as np

from benchmarks.common import ROOT, SHARED, machine, write_results
from benchmarks.contenders import MiSleep, n_epochs
from slumbernet.adaptive import physiology_problems, stage_physiology, state_features
from slumbernet.checks import MIN_STAGE_EPOCHS
from slumbernet.core import predict
from slumbernet.evaluate import agreement
from slumbernet.io import Recording, align, load_recording, load_scores
from slumbernet.spectral import epoch_features

UNLABELLED = SHARED / "real_unlabelled"
FASTER2, MISLEEP_MAT = UNLABELLED / "faster2_8mice_248s.edf", UNLABELLED / "misleep_10min_example.mat"


def misleep_example() -> Recording:
    """MiSleep's 10-min example as a Recording. Its units are not stated: EEG SD 0.049, read as mV (49 µV, a
    mouse EEG's size). Both scorers normalise per recording, so this changes only the µV figures."""
    from scipy.io import loadmat
    d = loadmat(MISLEEP_MAT, squeeze_me=True, struct_as_record=False)["data"]
    return Recording(d.EEG_P * 1000.0, float(np.atleast_1d(d.sf)[0]), d.EMG_DIFF * 1000.0, eeg_channel="EEG_P",
                     emg_channel="EMG_DIFF", source=MISLEEP_MAT, recording_id="misleep_10min_example")


def real_recordings() -> dict:
    "`{name: (Recording, MiSleep's electrode site)}` of every real unlabelled recording (FASTER2's EEG site is not stated)."
    recs = {f"faster2 EEG{i:02d}/EMG{i:02d}": (load_recording(FASTER2, eeg=f"EEG{i:02d}", emg=f"EMG{i:02d}"), "F")
            for i in range(9, 17)}
    return recs | {"misleep_10min_example": (misleep_example(), "P")}


def physiology(feats, stages, artefact) -> dict:
    """What `check_network` reads of a scorer's stages: per-stage medians (stages with fewer than MIN_STAGE_EPOCHS
    epochs, and the epochs SlumberNet's signal checks flag as artefacts, left out), three ratios of them, and the
    expectations they break (`physiology_problems`)."""
    stages = np.asarray(stages)
    counts = np.bincount(stages, minlength=3)
    judged = np.where((counts[stages] >= MIN_STAGE_EPOCHS) & ~artefact, stages, -1)
    phys = stage_physiology(state_features(feats), judged)
    def ratio(col, a, b): return float(np.exp(phys.loc[a, col] - phys.loc[b, col]))
    return {"stages_judged": "".join(s for s, k in zip("WNR", range(3)) if (judged == k).any()),
            "nrem_wake_delta": ratio("log_delta", "N", "W"), "wake_nrem_emg": ratio("log_emg", "W", "N"),
            "rem_nrem_theta_delta": ratio("log_theta_delta", "R", "N"), "problems": physiology_problems(phys)}


def mix(stages) -> list:
    "Percent of epochs in W, N, R."
    return [round(100 * float(f), 1) for f in np.bincount(stages, minlength=3) / len(stages)]


def real_row(rec: Recording, site: str) -> dict:
    n = n_epochs(rec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # its checks' verdict is kept below
        pred = predict(rec)
    ms = MiSleep(site).predict(rec)
    n = min(n, len(pred), len(ms))
    sn, ms, art = pred.stages[:n], ms[:n], pred.artefact[:n]
    feats = epoch_features(rec).iloc[:n]
    a = agreement(sn, ms)
    return {"epochs": n, "seconds": rec.duration_s, "sfreq_hz": rec.sfreq_hz, "misleep_site": site,
            "mix_misleep": mix(ms), "mix_slumbernet": mix(sn),
            "slumbernet_method": pred.checks["method"], "slumbernet_checks_passed": pred.checks["passed"],
            "slumbernet_verdict": pred.verdict, "slumbernet_message": pred.checks["message"],
            "agreement_fraction": round(a["accuracy"], 3), "agreement_kappa": round(a["kappa"], 3),
            "confusion_slumbernet_rows_misleep_columns": a["confusion"],
            "physiology_misleep": physiology(feats, ms, art), "physiology_slumbernet": physiology(feats, sn, art)}


def sample_rows() -> dict:
    "MiSleep against the simulator's true stages on each bundled sample, and pooled."
    rows, truth, preds = {}, [], []
    for edf in sorted((ROOT / "data_samples").glob("*.edf")):
        rec, hyp = align(load_recording(edf), load_scores(edf.with_name(edf.stem + "_scores.csv")))
        y, p = np.where(hyp.scored & ~hyp.artefact, hyp.stages, -1), MiSleep().predict(rec)
        a = agreement(y, p)
        rows[edf.stem] = {"epochs": a["n"], "kappa": round(a["kappa"], 3), "accuracy": round(a["accuracy"], 3),
                          "f1_R": round(a["f1_R"], 3)}
        truth.append(y); preds.append(p)
    a = agreement(np.concatenate(truth), np.concatenate(preds))
    rows["pooled"] = {"epochs": a["n"], "kappa": round(a["kappa"], 3), "accuracy": round(a["accuracy"], 3),
                      "f1_R": round(a["f1_R"], 3), "confusion_truth_rows": a["confusion"]}
    return rows


def report(real: dict | str, samples: dict, seconds: float) -> str:
    m = machine()
    f = lambda x: "-" if x is None or not np.isfinite(x) else f"{x:.2f}"
    md = ["# MiSleep out of the box: real unlabelled mice (agreement only) and the simulated samples", "",
          f"`python -m benchmarks.misleep_real`, {m['date']}, {m['cpus']} cores ({m['processor']}, {m['platform']}); "
          f"{seconds:.0f} s. MiSleep: `misleep.analysis.auto_stage_gbm`, its shipped LightGBM model (never trained "
          "or calibrated here), per-second states -> 4-s epochs by majority. SlumberNet: `slumbernet.core.predict` "
          "with its defaults.", "",
          "## Real mice, no scores: AGREEMENT ONLY, no accuracy", ""]
    if isinstance(real, str):
        md += [f"skipped: {real}", ""]
    else:
        md += ["Neither scorer is a reference: kappa here is how much the two agree, not how right either is. "
               "FASTER2's EDF: 8 mice, 248 s each (62 epochs); MiSleep's example: 10 min, MiSleep's own test recording. "
               "Both are shorter than SlumberNet's adaptive scorer needs (20 min), so SlumberNet's checks read only the "
               "physiology of the network's stages (not judged: fewer than two stages of "
               f"{MIN_STAGE_EPOCHS} epochs).", "",
               "| recording | epochs | MiSleep W/N/R % | SlumberNet W/N/R % | SlumberNet method, checks | agree | kappa |",
               "|---|---|---|---|---|---|---|"]
        for k, r in real.items():
            md.append(f"| {k} | {r['epochs']} | {'/'.join(f'{x:g}' for x in r['mix_misleep'])} | "
                      f"{'/'.join(f'{x:g}' for x in r['mix_slumbernet'])} | {r['slumbernet_method']}, "
                      f"{r['slumbernet_verdict']} | {r['agreement_fraction']:.2f} | {r['agreement_kappa']:.2f} |")
        md += ["", "**Physiology of each scorer's stages** (medians per stage, stages with fewer than "
               f"{MIN_STAGE_EPOCHS} epochs left out, as SlumberNet's checks read them; textbook mouse: NREM delta > "
               "Wake's, Wake EMG > NREM's, REM theta/delta > NREM's, so each ratio > 1):", "",
               "| recording | scorer | stages judged | NREM/Wake delta | Wake/NREM EMG | REM/NREM theta:delta | "
               "expectations broken |", "|---|---|---|---|---|---|---|"]
        for k, r in real.items():
            for who in ("misleep", "slumbernet"):
                p = r[f"physiology_{who}"]
                broken = "not judged" if len(p["stages_judged"]) < 2 else "; ".join(p["problems"]) or "none"
                md.append(f"| {k} | {'MiSleep' if who == 'misleep' else 'SlumberNet'} | {p['stages_judged'] or '-'} | "
                          f"{f(p['nrem_wake_delta'])} | {f(p['wake_nrem_emg'])} | {f(p['rem_nrem_theta_delta'])} | {broken} |")
    md += ["", "## Simulated samples: checks the pipeline, not evidence about mice", "",
           "MiSleep against the simulator's true stages on data_samples/ (4 simulated mice, 30-min baseline and "
           "recovery recordings at 256 Hz; MiSleep's frontal-EEG model).", "",
           "| recording | epochs | kappa | accuracy | REM F1 |", "|---|---|---|---|---|"]
    md += [f"| {k} | {r['epochs']} | {r['kappa']:.3f} | {r['accuracy']:.3f} | {f(r['f1_R'])} |" for k, r in samples.items()]
    return "\n".join(md) + "\n"


def main():
    t0 = time.perf_counter()
    ok, why = MiSleep().available()
    if not ok: raise SystemExit(f"MiSleep cannot run: {why}")
    if UNLABELLED.exists():
        real = {name: real_row(rec, site) for name, (rec, site) in real_recordings().items()}
    else:
        real = f"real data absent ({UNLABELLED})"
        print("real unlabelled recordings skipped:", real)
    samples = sample_rows()
    md = report(real, samples, time.perf_counter() - t0)
    print(md)
    write_results("misleep_real", {"real_unlabelled_agreement_only": real, "simulated_samples": samples}, md)


if __name__ == "__main__":
    main()
