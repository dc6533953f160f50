"""The published network against the default one, cross-validated by animal on baseline, sleep deprivation and recovery.

    KERAS_BACKEND=torch python -m benchmarks.paper_cv                 # on a GPU machine (the full run)
    python -m benchmarks.paper_cv --quick                              # checks the harness in a minute (ranks nothing)

The SlumberNet paper's protocol: k-fold cross-validation with folds that never split an animal, every animal
recorded on a baseline day, 6 h of sleep deprivation and the recovery after it, training with augmentation.
Both networks see the same simulated recordings, the same folds (the same test animals), the same augmentation
(`train.Augmenter()`) and the same number of labelled epochs per optimiser step; each trains until its validation
animal stops improving (`patience` rounds) or `rounds` rounds. The figures are test kappa and REM F1 pooled over
the folds, and per fold.

The data are simulated (reference lab): the figures compare two methods on the same data, they are not accuracies
on real mice. The paper's network (5.3 M parameters, one epoch at a time) trains at about 12 epochs/s on two CPU
cores: the full run needs a GPU (a machine that has none gets a warning; `--quick` runs anywhere).
"""
import argparse
import time
import warnings

from benchmarks.common import write_results
from benchmarks.paper_vs_default import trained_on

SEED = 2024
CONDITIONS = ("baseline", "sleep_deprivation", "recovery")
LABELLED_EPOCHS_PER_STEP = 128
"The paper's batch of 128 single epochs; the default network's two windows of 64 epochs."


def parse(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--animals", type=int, default=10, help="simulated mice, each on the three days")
    ap.add_argument("--hours", type=float, default=24.0, help="length of each recording")
    ap.add_argument("--k", type=int, default=5, help="folds (by animal)")
    ap.add_argument("--steps", type=int, default=200, help="optimiser steps per round")
    ap.add_argument("--rounds", type=int, default=40, help="most rounds")
    ap.add_argument("--patience", type=int, default=8, help="rounds without a better validation kappa before stopping")
    ap.add_argument("--networks", default="default,paper", help="which to train, comma-separated")
    ap.add_argument("--quick", action="store_true", help="4 mice x 15 min, 2 folds, 1 round of 2 steps: the harness only")
    args = ap.parse_args(argv)
    if args.quick: args.animals, args.hours, args.k, args.steps, args.rounds, args.patience = 4, 0.25, 2, 2, 1, 1
    return args


def cross_validate_network(arch: str, sims, args) -> dict:
    "One network's cross-validation by animal: pooled and per-fold test figures, and the time it took."
    from slumbernet.model import get_architecture
    from slumbernet.train import Augmenter, TrainConfig, cross_validate, prepare_training_data
    seq_len = get_architecture(arch).window_epochs(64)  # the paper's network: one epoch at a time
    cfg = TrainConfig(arch, seq_len=seq_len, batch=LABELLED_EPOCHS_PER_STEP // seq_len, steps=args.steps,
                      max_rounds=args.rounds, patience=args.patience, seed=SEED % 997)
    data = prepare_training_data(sims, emg=get_architecture(arch).emg)
    t0 = time.time()
    cv = cross_validate(data, k=args.k, groups="animal", config=cfg, augment=Augmenter(), progress=False)
    fold = lambda f: {"test": f["test_groups"], "kappa": round(f["metrics"]["kappa"], 3),
                      "f1_R": round(f["metrics"]["f1_R"], 3), "rounds": len(f["history"]["val_kappa"])}
    return {"pooled": {k: round(float(cv.pooled[k]), 3) for k in ("accuracy", "kappa", "f1_W", "f1_N", "f1_R")},
            "folds": [fold(f) for f in cv.folds], "train_s": round(time.time() - t0), "config": cv.config["train"]}


def report(args, results: dict, where: str):
    lines = ["# The paper's network against the default, cross-validated by animal" + (" (--quick: ranks nothing)" if args.quick else ""),
             "", f"Simulated mice (reference lab): {args.animals} animals x {', '.join(CONDITIONS)}, {args.hours:g} h each; "
             f"{args.k} folds by animal (one training animal per fold held out for early stopping); "
             f"{args.steps} steps per round of {LABELLED_EPOCHS_PER_STEP} labelled epochs, at most {args.rounds} rounds, "
             f"patience {args.patience}; the same folds and augmentation for both. Trained on {where}.", "",
             "| network | accuracy | kappa | F1 W | F1 N | F1 R | kappa per fold | training s |", "|---|---|---|---|---|---|---|---|"]
    for arch, r in results.items():
        p = r["pooled"]
        lines.append(f"| {arch} | {p['accuracy']:.3f} | {p['kappa']:.3f} | {p['f1_W']:.3f} | {p['f1_N']:.3f} | "
                     f"{p['f1_R']:.3f} | {', '.join(format(f['kappa'], '.2f') for f in r['folds'])} | {r['train_s']} |")
    lines += ["", "Simulated data: the figures compare the two networks; they are not accuracies on real mice."]
    name = "paper_cv_quick" if args.quick else "paper_cv"
    write_results(name, {"args": vars(args), "trained_on": where, "results": results}, "\n".join(lines) + "\n")
    print("\n".join(lines), flush=True)


def main(argv=None):
    args = parse(argv)
    from slumbernet.model import import_keras
    from slumbernet.simulate import simulate_cohort
    where = trained_on(import_keras())
    if "GPU" not in where and "NVIDIA" not in where and not args.quick:
        warnings.warn(f"training on {where}: the paper's network needs hours per fold here; run it on a GPU machine")
    sims = simulate_cohort(args.animals, CONDITIONS, hours=args.hours, seed=SEED, sfreq_hz=128.0)
    results = {}
    for arch in args.networks.split(","):
        results[arch] = cross_validate_network(arch, sims, args)
        report(args, results, where)  # after each network: a run cut short keeps what it finished


if __name__ == "__main__":
    main()
