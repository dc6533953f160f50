"""Human mode on real human EEG: YASA's pre-trained staging against SlumberNet's EEG-only network fine-tuned on the other subjects.

    python -m benchmarks.human [--steps 50] [--rounds 6] [--subjects 1 3 4 6 7 8]

Data: the six DREAMS excerpts in ../shared/data/dreams (real human EEG, one channel, 30 min each,
50-200 Hz; an expert's scores in 5-s epochs, from 20-s scoring). Excerpt 3 (50 Hz) is resampled
to 100 Hz for both contenders (YASA refuses data below 80 Hz, the network reads 64 Hz).
Leave one subject out; per held-out subject:

- `YASA` (human mode's default, `predict(species="human")`): pre-trained on other nights, nothing
  is trained here; EEG only (the excerpts hold no EOG or EMG).
- `SlumberNet network, fine-tuned`: the bundled EEG-only network fine-tuned on the other subjects'
  scored excerpts as `slumbernet calibrate` does (`train.fine_tune`, `--steps` x `--rounds` at
  5e-5, the expert's 5-s epochs as 4-s window labels), then `predict(species="human", model=...)`.

Both are compared on 30-s epochs (the expert's 5-s labels set on the 30-s grid by majority,
`grid.regrid`), pooled over subjects; the network also on the expert's own 5-s epochs. Only
excerpt 7 holds REM (28 5-s epochs): REM F1 rests on it alone, and when it is held out the
network is fine-tuned without any REM label (`fine_tune(min_per_stage=0)`). Thirty minutes of a night handicap
YASA, which uses the time since lights off and whole-night normalisation. One real dataset of six
people: it says how the two compare here, not on a lab's full nights.
"""
import argparse
import time
import warnings

import numpy as np

from benchmarks.common import SHARED, write_results

RATES_HZ = {1: 100, 3: 50, 4: 200, 6: 200, 7: 200, 8: 200}


def subjects(ids) -> dict:
    "Each DREAMS excerpt as (Recording, expert Hypnogram), at 100 Hz or more."
    from slumbernet.io import Recording, load_recording, load_scores
    from slumbernet.preprocess import resample
    out = {}
    for i in ids:
        rec = load_recording(SHARED / "dreams" / f"excerpt{i}.txt", sfreq_hz=RATES_HZ[i], emg=False, min_sfreq_hz=50)
        if rec.sfreq_hz < 100:
            rec = Recording(resample(rec.eeg, rec.sfreq_hz, 100.0), 100.0, None, rec.start, rec.eeg_channel, None,
                            rec.source, f"subject{i}", rec.recording_id)
        out[i] = (rec, load_scores(SHARED / "dreams" / f"Hypnogram_excerpt{i}.txt"))
    return out


def row(truths: list, preds: list, seconds: float) -> dict:
    from slumbernet.evaluate import agreement
    t, p = np.concatenate(truths), np.concatenate(preds)
    a = agreement(t, p)
    return {"epochs": a["n"], "accuracy": a["accuracy"], "kappa": a["kappa"], "f1_W": a["f1_W"], "f1_N": a["f1_N"],
            "f1_R": a["f1_R"], "seconds": None if seconds != seconds else round(seconds, 1)}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--subjects", type=int, nargs="+", default=sorted(RATES_HZ))
    args = ap.parse_args(argv)
    if not (SHARED / "dreams").exists(): raise SystemExit(f"real data absent ({SHARED / 'dreams'}): nothing to measure")
    from slumbernet.core import bundled_model_path, predict
    from slumbernet.grid import regrid
    from slumbernet.model import load_model
    from slumbernet.train import fine_tune, prepare_training_data
    warnings.simplefilter("ignore")
    data = subjects(args.subjects)
    base = load_model(bundled_model_path(eeg_only=True), engine="keras")
    emg_mode = base.metadata["input"]["emg"]
    out = {k: ([], [], 0.0) for k in ("YASA (30 s)", "SlumberNet network, fine-tuned (30 s)",
                                      "SlumberNet network, fine-tuned (5 s)")}
    per_subject = []
    for held, (rec, expert) in data.items():
        thirty = regrid(expert, 30.0)
        t = time.perf_counter()
        yasa = predict(rec, species="human")
        t_yasa = time.perf_counter() - t
        t = time.perf_counter()
        train = prepare_training_data([(r, h) for i, (r, h) in data.items() if i != held], emg=emg_mode)
        # held out subject 7, the others hold no REM: fine-tuned without REM labels, as a lab whose nights lack it
        tuned = fine_tune(base, train, steps=args.steps, rounds=args.rounds, learning_rate=5e-5, seed=held, min_per_stage=0)
        net30 = predict(rec, model=tuned, species="human")
        net5 = predict(rec, model=tuned, species="human", epoch_s=expert.epoch_s)
        t_net = time.perf_counter() - t
        for name, pred, truth, s in (("YASA (30 s)", yasa, thirty, t_yasa),
                                     ("SlumberNet network, fine-tuned (30 s)", net30, thirty, t_net),
                                     ("SlumberNet network, fine-tuned (5 s)", net5, expert, float("nan"))):
            n = min(len(pred), len(truth))
            ts, ps, sec = out[name]
            out[name] = (ts + [truth.stages[:n]], ps + [pred.stages[:n]], sec + s)
            per_subject.append({"subject": held, "contender": name, **row([truth.stages[:n]], [pred.stages[:n]], s)})
        print(held, {k: round(r["kappa"], 3) for k, r in zip(out, per_subject[-3:])}, flush=True)
    pooled = {name: row(ts, ps, sec) for name, (ts, ps, sec) in out.items()}
    md = ["# Human mode on DREAMS: YASA against SlumberNet's network fine-tuned on the other subjects", "",
          f"**Real** human EEG: {len(data)} DREAMS excerpts of 30 min (one EEG channel), an expert's scores; leave one "
          f"subject out. The network: the bundled EEG-only model fine-tuned on the other subjects ({args.steps} x "
          f"{args.rounds} steps at 5e-5). Pooled over subjects; only excerpt 7 holds REM.", "",
          "| contender | epochs | accuracy | kappa | F1 W | F1 N | F1 R | seconds |", "|---|---|---|---|---|---|---|---|"]
    md += [f"| {n} | {r['epochs']:,} | {r['accuracy']:.3f} | {r['kappa']:.3f} | {r['f1_W']:.3f} | {r['f1_N']:.3f} | "
           f"{r['f1_R']:.3f} | {'(above)' if r['seconds'] is None else r['seconds']} |" for n, r in pooled.items()]
    md += ["", "Seconds: all subjects together; the network's are fine-tuning and both predictions (the 5-s row's are in "
           "the 30-s row's)."]
    md += ["", "Per subject (kappa):", "", "| subject | " + " | ".join(out) + " |", "|---|" + "---|" * len(out)]
    for s in data:
        ks = [next(r["kappa"] for r in per_subject if r["subject"] == s and r["contender"] == n) for n in out]
        md.append(f"| {s} | " + " | ".join(f"{k:.3f}" for k in ks) + " |")
    write_results("human", {"steps": args.steps, "rounds": args.rounds, "subjects": list(data), "pooled": pooled,
                            "per_subject": per_subject}, "\n".join(md) + "\n")
    print("\n".join(md))


if __name__ == "__main__":
    main()
