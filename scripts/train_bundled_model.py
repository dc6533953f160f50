"""Train the model bundled with SlumberNet, cross-validate it by animal, and write both results.

    python scripts/train_bundled_model.py [--out slumbernet/models] [--quick] [--overwrite] [--eeg-only [--no-cv]]

Data: simulated mice only (SlumberNet's simulator, calibrated on a real mouse; no real raw
recordings can be redistributed): 8 mice from the reference lab profile and 4 from the
"other" lab profile as the simulator records them, and 8 more (4 of each profile) each recorded
by its own random rig (`slumbernet.rigs`: 100-1000 Hz, amplifier filters from 0.1-100 Hz to
1-40 Hz, 1/f slope, rectified or weak-contrast EMG, EEG crosstalk, active-wake theta); each
mouse for 24 h at baseline and for 24 h starting with 6 h of sleep deprivation. Each rig
mouse's baseline is also given as a 20-min and a 2-h piece, normalised on their own, as a lab's
short recordings are. Everything is seeded.

1. Cross-validation: 4 folds by animal (each fold's animals never seen in its training; one
   training animal per fold held out for early stopping). Pooled test metrics go into the
   model's metadata and the README.
2. The bundled model: trained on 17 animals, early-stopped on three others (one of each lab
   profile and one rig mouse: one validation animal alone proved a noisy guide to when to stop).
3. An out-of-distribution check: the bundled model scores the surrogate of the real mouse
   (raw signals re-synthesised from ../shared/data/mouse_zfhx3, never used for training),
   when that file is present (`--recheck-surrogate` re-runs only this step, `--recheck-cv` only
   step 1: both update the saved model's metadata and leave its network as it is).

`--cv-from MODEL.json` takes step 1's results from an earlier run's metadata instead of
re-running it (the same cohort and settings: only step 2's choice of validation animals
changed since).

`--eeg-only` trains the EEG-only model (`slumbernet_eeg_only`, for recordings without EMG) on the
same cohort with the EMG left out (its input channel stays zero: no EMG augmentation either);
`--no-cv` skips step 1 (the model's metadata then says so, and its figures come from
`benchmarks.auto_default`-style held-out checks instead).

It takes about an hour on two CPU cores (`--no-cv`: 15 min; `--quick`: a few minutes, for testing the script).
"""
import dataclasses
import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

from slumbernet.model import SleepModel, load_model, save_model, write_metadata
from slumbernet.rigs import rig_cohort
from slumbernet.simulate import simulate_cohort, surrogate_from_bandpower
from slumbernet.train import Augmenter, TrainConfig, cross_validate, evaluate_model, prepare_training_data, train_model

ROOT = Path(__file__).resolve().parents[1]
SEED = 20261125


def cohort(quick: bool):
    hours = 2 if quick else 24
    n_ref, n_other, n_rig = (3, 1, 1) if quick else (8, 4, 4)
    conditions = ("baseline", "sleep_deprivation")
    sims = simulate_cohort(n_ref, conditions, hours=hours, seed=SEED)
    sims += simulate_cohort(n_other, conditions, hours=hours, seed=SEED + 1, lab="other")
    sims += rig_cohort(n_rig, conditions, hours=hours, seed=SEED + 2, prefix="rigmouse")
    sims += rig_cohort(n_rig, conditions, hours=hours, seed=SEED + 3, lab="other", prefix="rigother")
    return sims


def short_pieces(sims, seed: int = SEED) -> list:
    "A 20-min and a 2-h piece of each rig mouse's baseline, as (Recording, Hypnogram) pairs."
    rng = np.random.default_rng(seed)
    out = []
    for s in sims:
        if s.rig is None or s.condition != "baseline": continue
        for minutes in (20, 120):
            n = int(minutes * 60 / s.scores.epoch_s)
            e0 = int(rng.integers(0, len(s.scores) - n + 1))
            rec = s.recording.crop(e0 * s.scores.epoch_s, (e0 + n) * s.scores.epoch_s)
            out.append((dataclasses.replace(rec, recording_id=f"{rec.recording_id}_{minutes}min"), s.scores[e0:e0 + n]))
    return out


def surrogate_check(model, eeg_only: bool = False) -> dict | None:
    "Scores of `model` on the surrogate of the real mouse, when ../shared/data is present."
    shared = Path(os.environ.get("SLUMBERNET_DATA", ROOT.parent / "shared" / "data"))
    table = shared / "mouse_zfhx3" / "baseline_bandpower.csv"
    if not table.exists(): return None
    sur = surrogate_from_bandpower(table, seed=SEED)
    ev = evaluate_model(model, prepare_training_data([(sur.recording.without_emg() if eeg_only else sur.recording, sur.scores)]))
    print("surrogate of the real mouse:", {k: round(ev[k], 3) for k in ("accuracy", "kappa", "f1_R")})
    return {"data": "raw signals re-synthesised from the real Zfhx3 mouse's band powers (slumbernet."
                    "simulate.surrogate_from_bandpower), expert labels; never used for training", **ev}


def cross_validation(data, cfg, aug) -> dict:
    "Step 1: 4-fold cross-validation by animal, as stored in the model's metadata."
    cv = cross_validate(data, k=4, groups="animal", config=cfg, augment=aug, progress=True)
    print(cv, flush=True)
    print(cv.table().round(3).to_string(), flush=True)
    return {"folds": 4, "groups": "animal", "data": "same simulated cohort", "pooled": dict(cv.pooled),
            "per_fold": cv.table().drop(index="pooled").reset_index().to_dict("records")}


def summary(cv_meta, eeg_only: bool = False) -> str:
    what = "simulated mice only" + (", EEG only" if eeg_only else "")
    if cv_meta is None: return what + "; not cross-validated"
    p = cv_meta["pooled"]
    return f"{what}; 4-fold CV by animal: kappa {p['kappa']:.3f}, REM F1 {p['f1_R']:.3f}"


def update_metadata(jpath: Path, **changes):
    "Replace top-level entries of a saved model's metadata; the network file (and the hash in the metadata) stay as they are."
    write_metadata(jpath, {**json.loads(jpath.read_text()), **changes}, overwrite=True)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=ROOT / "slumbernet" / "models")
    ap.add_argument("--quick", action="store_true", help="tiny data and budget, to test the script")
    ap.add_argument("--overwrite", action="store_true")
    ap.add_argument("--cv-from", type=Path, help="reuse the cross-validation stored in this model's metadata")
    ap.add_argument("--recheck-surrogate", action="store_true",
                    help="only re-run step 3 on the saved model and update its metadata")
    ap.add_argument("--recheck-cv", action="store_true",
                    help="only re-run step 1 (the cross-validation) and update the saved model's metadata")
    ap.add_argument("--eeg-only", action="store_true", help="train the EEG-only model (the EMG left out)")
    ap.add_argument("--no-cv", action="store_true", help="skip step 1, the cross-validation")
    ap.add_argument("--train-seed", type=int, default=SEED % 1000,
                    help="seed of the network's initial weights and batches (the cohort stays the same)")
    args = ap.parse_args(argv)
    name = "slumbernet_eeg_only" if args.eeg_only else "slumbernet_default"
    jpath = args.out / f"{name}.json"
    if args.recheck_surrogate:  # only the metadata changes: the network file (and its hash) stay as they are
        return update_metadata(jpath, surrogate_real_mouse=surrogate_check(load_model(jpath, engine="numpy")))
    t0 = time.time()
    sims = cohort(args.quick)
    pairs = [(s.recording, s.scores) for s in sims] + short_pieces(sims)
    data = prepare_training_data([(r.without_emg(), h) for r, h in pairs] if args.eeg_only else pairs)
    print(f"{len(data)} recordings, {sum(len(d) for d in data):,} epochs prepared in {time.time() - t0:.0f} s", flush=True)
    cfg = TrainConfig(steps=20 if args.quick else 150, max_rounds=2 if args.quick else 24,
                      patience=2 if args.quick else 6, seed=args.train_seed)
    aug = Augmenter(emg_gain=(1, 1), emg_gain_wide=(1, 1), emg_floor=0.0) if args.eeg_only else Augmenter()
    cv_meta = (json.loads(args.cv_from.read_text())["cross_validation"] if args.cv_from
               else None if args.no_cv else cross_validation(data, cfg, aug))
    if args.recheck_cv:
        meta = json.loads(jpath.read_text())
        return update_metadata(jpath, cross_validation=cv_meta, training={**meta["training"], "summary": summary(cv_meta)})
    animals = sorted({d.animal_id for d in data})
    val_animals = [max(a for a in animals if a.startswith(p)) for p in ("mouse", "other", "rigmouse")]
    start = SleepModel.new("default", seq_len=cfg.seq_len)
    start.metadata["eeg_only"] = args.eeg_only
    model, hist = train_model([d for d in data if d.animal_id not in val_animals],
                              [d for d in data if d.animal_id in val_animals], cfg, aug, model=start)
    md = model.metadata
    n_rig = len({s.animal.animal_id for s in sims if s.rig is not None})
    md["training"]["data"] = ("simulated mice (slumbernet.simulate, seed %d): %d reference-lab and %d other-lab "
                              "animals as the simulator records them, and %d recorded by random rigs (slumbernet.rigs: "
                              "100-1000 Hz, amplifier filters 0.1-100 to 1-40 Hz, 1/f slope, rectified or weak-contrast "
                              "EMG, EEG crosstalk, active-wake theta; their baselines also as 20-min and 2-h pieces); "
                              "24 h baseline + 24 h from 6 h sleep deprivation each" %
                              (SEED, 3 if args.quick else 8, 1 if args.quick else 4, n_rig)) + (", EMG left out" if args.eeg_only else "")
    md["training"]["rigs"] = {a: repr(r) for a, r in sorted({s.animal.animal_id: s.rig for s in sims if s.rig is not None}.items())}
    md["cross_validation"] = cv_meta
    md["surrogate_real_mouse"] = surrogate_check(model, args.eeg_only)
    md["training"]["summary"] = summary(cv_meta, args.eeg_only)
    path = save_model(model, args.out / name, overwrite=args.overwrite)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB) in {(time.time() - t0) / 60:.0f} min")


if __name__ == "__main__":
    sys.exit(main())
