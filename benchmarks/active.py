"""Few labels, done well: kappa against labelled epochs spent, for the calibration loop, random picks and accusleepy.

    python -m benchmarks.active [--quick]

One recording at a time, as a lab calibrates on a new animal. At each budget (10, 30, 100, 300
labelled epochs, cumulative) the loop asks for the epochs that bring the total to the budget, is
given the scorer's labels of those epochs, and calibrates on all the labels so far
(`slumbernet.calibrate.calibrate`: a logistic regression on the scorer's log-probabilities and
the recording's own features). Picks are `propose_epochs`' (spread over stages and time, 30 % by
doubt), the same with every pick by doubt ("doubt-only": textbook uncertainty sampling), or
random among the scored epochs. Kappa is over all scored epochs (the calibrated
scores, not the labels given). Five seeds: the picks change. Where fewer than 3 labels of a stage
are known, nothing is calibrated: the scorer's own scores stand.

Also measured: fine-tuning the bundled network on the same active picks (`train.fine_tune`, its
defaults, 3 labels of each stage at least), and accusleepy (AccuSleep's Python port; optional,
needs torch) trained on 4 simulated mice of both labs and calibrated with the random picks (its
`get_mixture_values`; it too needs 3 labels of each stage, and otherwise uses its training data's
calibration).

Data (each figure says which):
- `other-lab mouse (simulated)`: a new animal of the simulator's "other" lab profile, 12 h
  baseline, scored by the network. Simulated: this checks the loop, it is not evidence about mice.
- `surrogate (re-synthesised real mouse)`: raw signals re-synthesised from the real Zfhx3 mouse's
  band powers, its real expert labels; scored by the network.
- `real Zfhx3 mouse (band powers)`: the real mouse's own features and expert labels (no raw
  signals, so no network): the loop starts from the adaptive scorer's probabilities.
The last two need ../shared/data and are skipped without it.
"""
import argparse
import functools
import time
import warnings

import numpy as np
import pandas as pd

from benchmarks.common import SHARED, write_results
from slumbernet.calibrate import DOUBT_FRACTION, MIN_LABELS_PER_STAGE, calibrate, propose_epochs
from slumbernet.evaluate import agreement

BUDGETS = (10, 30, 100, 300)
SEEDS = 5
SEED = 2026


def recordings(quick: bool) -> dict:
    "name -> (Recording or None, per-epoch features, Hypnogram)."
    from slumbernet.io import load_bandpower_table
    from slumbernet.spectral import epoch_features
    from slumbernet.simulate import random_animal, simulate_recording, surrogate_from_bandpower
    hours = 2 if quick else 12
    sim = simulate_recording(hours, "baseline", animal=random_animal(SEED + 1, "other"), seed=SEED + 2, lab="other",
                             recording_id="other_lab_mouse")
    out = {"other-lab mouse (simulated)": (sim.recording, epoch_features(sim.recording), sim.scores)}
    table = SHARED / "mouse_zfhx3" / "baseline_bandpower.csv"
    if table.exists():
        powers, hyp = load_bandpower_table(table)
        n = int(hours * 3600 / hyp.epoch_s) if quick else len(hyp)
        powers, hyp = powers.iloc[:n].reset_index(drop=True), hyp[:n]
        sur = surrogate_from_bandpower(powers, hyp, seed=SEED, recording_id="surrogate")
        out["surrogate (re-synthesised real mouse)"] = (sur.recording, epoch_features(sur.recording), sur.scores)
        out["real Zfhx3 mouse (band powers)"] = (
            None, pd.DataFrame({"delta": powers.Delta, "theta": powers.Theta, "emg_rms": np.sqrt(powers.EMG)}), hyp)
    return out


def loop(probs, feats, truth, strategy: str, seed: int, other, budgets=BUDGETS, tune=None) -> list:
    """One calibration loop; per budget, the labels per stage, whether it calibrated, kappa and REM F1.

    `tune`: (model, Epochs) to fine-tune the network on the labels instead of `calibrate`."""
    rng, labels, current, rows = np.random.default_rng(seed), np.full(len(truth), -1), probs, []
    for budget in budgets:
        need = budget - int((labels >= 0).sum())
        if strategy.startswith("random"): picks = rng.choice(np.flatnonzero((truth >= 0) & (labels < 0)), need, replace=False)
        else: picks = propose_epochs(current, need, labels, other, seed=seed,
                                     doubt_fraction=1.0 if strategy.startswith("doubt") else DOUBT_FRACTION)
        labels[picks] = truth[picks]
        per_stage = np.bincount(labels[labels >= 0], minlength=3)
        t0, ok = time.perf_counter(), bool((per_stage >= MIN_LABELS_PER_STAGE).all())
        if ok and tune:
            from slumbernet.preprocess import Epochs
            from slumbernet.train import fine_tune
            model, ep = tune
            ep = Epochs(ep.data, ep.sfreq_hz, ep.epoch_s, ep.emg_mode, ep.has_emg, ep.scaling, labels)
            current = fine_tune(model, ep, seed=seed, min_per_stage=MIN_LABELS_PER_STAGE).predict_proba(ep)
        elif ok: current = calibrate(probs, feats, labels)
        a = agreement(truth, current.argmax(1))
        rows.append({"strategy": strategy, "seed": seed, "labels": budget, "calibrated": ok, "per_stage": per_stage.tolist(),
                     "kappa": round(a["kappa"], 4), "f1_R": round(a["f1_R"], 4),
                     "seconds": round(time.perf_counter() - t0, 2), "picks": picks.tolist()})
    return rows


@functools.lru_cache
def trained_accusleepy(quick: bool):
    "accusleepy trained (once) on 4 simulated mice of both labs, or why it cannot run."
    from benchmarks.contenders import AccuSleepy
    from slumbernet.simulate import random_animal, simulate_recording
    c = AccuSleepy(calibrated=True, training_epochs=1 if quick else None, seed=SEED)
    ok, why = c.available()
    if not ok: return why
    train = [simulate_recording(2 if quick else 12, "baseline", animal=random_animal(SEED + 10 + i, lab), seed=SEED + 20 + i,
                                lab=lab, recording_id=f"train{i}") for i, lab in enumerate(["reference", "other"] * 2)]
    return c.fit([(s.recording, s.scores) for s in train])


def accusleepy_rows(rec, truth, label_sets: list, quick: bool) -> list:
    "accusleepy calibrated on each (seed, budget, labels); a skip row when it cannot run."
    from slumbernet.io import Hypnogram
    c = trained_accusleepy(quick)
    if isinstance(c, str): return [{"strategy": "accusleepy, random picks", "skipped": c}]
    rows = []
    for seed, budget, labels in label_sets:
        c.uncalibrated = []
        pred = np.asarray(c.predict(rec, Hypnogram(labels, 4.0)))[:len(truth)]
        a = agreement(truth[:len(pred)], pred)
        rows.append({"strategy": "accusleepy, random picks", "seed": seed, "labels": budget,
                     "calibrated": not c.uncalibrated, "kappa": round(a["kappa"], 4), "f1_R": round(a["f1_R"], 4)})
    return rows


def summary(rows: list) -> list:
    "Mean, lowest and highest kappa and REM F1 over seeds, per strategy and budget."
    out = {}
    for r in rows:
        if "kappa" in r: out.setdefault((r["strategy"], r["labels"]), []).append(r)
    return [{"strategy": s, "labels": b, "seeds": len(rs), "calibrated": sum(r["calibrated"] for r in rs),
             **{f"{m}_{k}": round(float(f([r[m] for r in rs])), 3) for m in ("kappa", "f1_R")
                for k, f in {"mean": np.mean, "min": np.min, "max": np.max}.items()}} for (s, b), rs in out.items()]


def score(name, rec, feats, hyp, budgets, seeds, quick) -> dict:
    "Every loop on one recording."
    from slumbernet.adaptive import fit_states
    from slumbernet.core import default_model
    from slumbernet.preprocess import prepare_epochs
    t0 = time.perf_counter()
    truth = hyp.stages.astype(int)
    fit = fit_states(feats, hyp.epoch_s)
    zero, ep, model = {"adaptive scorer": agreement(truth, fit.stages)}, None, None
    if rec is not None:
        model = default_model()
        ep = prepare_epochs(rec, emg=model.metadata["input"]["emg"])
        truth, probs = truth[:len(ep)], model.predict_proba(ep)
        zero["network"] = agreement(truth, probs.argmax(1))
    else: probs = fit.probabilities
    other = fit.stages[:len(truth)] if rec is not None else None
    start = "network" if rec is not None else "adaptive scorer"
    rows = [r for strategy in ("active", "doubt-only", "random") for s in range(seeds)
            for r in loop(probs, feats.iloc[:len(truth)], truth, f"{strategy} picks, calibrate ({start})", SEED + s, other, budgets)]
    if name.startswith("surrogate"):
        rows += [r for s in range(seeds) for r in loop(probs, None, truth, "active picks, fine-tune the network", SEED + s,
                                                        other, budgets[1::2], tune=(model, ep))]
    if rec is not None:
        label_sets = []
        for s in range(seeds):  # the random loop's cumulative label sets, rebuilt from its picks
            labels = np.full(len(truth), -1)
            for r in rows:
                if r["strategy"].startswith("random") and r["seed"] == SEED + s:
                    labels[r["picks"]] = truth[r["picks"]]; label_sets.append((SEED + s, r["labels"], labels.copy()))
        rows += accusleepy_rows(rec, truth, label_sets, quick)
    return {"epochs": len(truth), "zero_labels": {k: {m: round(v[m], 4) for m in ("kappa", "f1_R")} for k, v in zero.items()},
            "summary": summary(rows), "rows": rows, "seconds": round(time.perf_counter() - t0, 1)}


def markdown(name: str, res: dict) -> list:
    md = [f"## {name}", "", f"{res['epochs']:,} epochs of 4 s. With no labels: "
          + "; ".join(f"{k} kappa {v['kappa']:.3f}, REM F1 {v['f1_R']:.3f}" for k, v in res["zero_labels"].items()) + ".", "",
          "| picks, adaptation | labels | calibrated (of seeds) | kappa mean [min, max] | REM F1 mean [min, max] |",
          "|---|---|---|---|---|"]
    md += [f"| {t['strategy']} | {t['labels']} | {t['calibrated']} of {t['seeds']} | {t['kappa_mean']:.3f} "
           f"[{t['kappa_min']:.3f}, {t['kappa_max']:.3f}] | {t['f1_R_mean']:.3f} [{t['f1_R_min']:.3f}, {t['f1_R_max']:.3f}] |"
           for t in res["summary"]]
    return md + [f"- {r['strategy']}: skipped ({r['skipped']})" for r in res["rows"] if "skipped" in r] + [""]


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2-h recordings, 2 seeds, 10 and 30 labels: checks the harness")
    args = ap.parse_args(argv)
    warnings.simplefilter("ignore")
    budgets, seeds = ((10, 30), 2) if args.quick else (BUDGETS, SEEDS)
    results = {}
    md = [f"# {__doc__.splitlines()[0]}", "", "`python -m benchmarks.active" + (" --quick`" if args.quick else "`"),
          "", __doc__.split("\n\n", 2)[2].strip(), ""]
    for name, (rec, feats, hyp) in recordings(args.quick).items():
        results[name] = score(name, rec, feats, hyp, budgets, seeds, args.quick)
        md += markdown(name, results[name])
        print("\n".join(markdown(name, results[name])), flush=True)
    if not args.quick: write_results("active", {"budgets": list(budgets), "seeds": seeds, "recordings": results}, "\n".join(md) + "\n")
    return results


if __name__ == "__main__":
    main()
