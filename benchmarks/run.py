"""Every contender on the same data and the same folds: one table per dataset, written to benchmarks/results/.

    python -m benchmarks.run            # full: under an hour on 2 CPU cores (the paper's network at a token budget)
    python -m benchmarks.run --skip-paper   # full without the paper's network (its same-budget test: benchmarks.paper_vs_default)
    python -m benchmarks.run --quick    # a few minutes, small data and budgets (the test suite runs it)

Datasets, and what their figures are:

- `sim`: a simulated cohort (SlumberNet's simulator), mice of two "labs", each with a baseline
  recording, a sleep-deprivation recording (forced wake, then recovery sleep) and a recovery
  recording. Folds leave whole animals out. Figures on it check methods, not real mice.
- `surrogate`: the real Zfhx3 mouse's day (`../shared/data/mouse_zfhx3`), raw EEG/EMG
  re-synthesised from its real per-epoch band powers, with the expert's real labels, as one 24-h
  recording. Folds are time blocks: train on the labels of the light 12 h and test on the dark
  12 h, and the reverse (the other half's labels hidden, its signal kept). The band-power
  baseline also runs on the real table itself, on the same two folds, so that each contender's
  figure on the surrogate can be read against the real features fold by fold (`real_table`).
- `dreams`: real human EEG (DREAMS, 6 excerpts of 30 min, EEG only, 50-200 Hz), expert scores
  in 5-s epochs; leave one subject out. SlumberNet's human mode (the default network on 5-s
  EEG-only epochs, trained on the other subjects) against YASA's pre-trained staging (30-s
  epochs, majority of the 5-s labels).

Below the simulated cohort's and the surrogate's tables, the default's lead over each
uncalibrated contender (and the calibrated default's over the calibrated ones) in kappa and
REM F1, with a 95 % paired bootstrap interval over the test animals (sim) or 1-h blocks
(surrogate): whether a difference in the table is larger than the test set can tell apart.

MiSleep's shipped model (`benchmarks.contenders.MiSleep`) is not trained: it scores `sim` and `surrogate`
as it comes, and is listed as skipped, with the reason, on `real_table` and `dreams`.

Contenders that need a package which is not installed (`pip install -e ".[bench]"`) are reported
as skipped, with the reason. Every contender sees the same training and test recordings.
"""
import argparse
import time
import warnings
from dataclasses import dataclass, field

import numpy as np

from benchmarks.common import SHARED, machine, write_results

SEED = 2026
CONDITIONS = ("baseline", "sleep_deprivation", "recovery")
METRICS = ("accuracy", "kappa", "f1_W", "f1_N", "f1_R", "macro_f1")
DATASETS = ("sim", "surrogate", "real_table", "dreams")
PAPER_STEPS, PAPER_TEST_EPOCHS = 10, 250
"The paper network's budget in the full run (2 CPU cores): see `Plan.make`."
ACCUSLEEPY_EPOCHS = 3
TUNE_LEARNING_RATE = 5e-5
"""Learning rate of the default contender's fine-tuning on a fold's training recordings: chosen on two development
cohorts of other seeds (`benchmarks.tune_default`, benchmarks/results/tune_default.md), never on this run's animals.
The rates 2e-5, 5e-5 and 1e-4 scored within 0.0004 of each other in mean kappa and 0.001 in mean REM F1; 5e-5 is the
middle of that range and the steadiest between the two cohorts. 2e-4, the rate before, swung from 0.920 to 0.959."""


@dataclass
class Plan:
    "Sizes and budgets of one run."
    quick: bool
    ref_mice: int
    other_mice: int
    hours: float
    folds: int
    steps: int
    rounds: int
    paper_steps: int
    paper_rounds: int
    paper_test_epochs: int
    surrogate_hours: float
    dreams_subjects: tuple
    dreams_steps: int
    dreams_rounds: int
    notes: list = field(default_factory=list)
    gbm_max_iter: int | None = None       # None: the contenders' own budgets
    accusleepy_epochs: int | None = None
    tune_steps: int = 30                  # fine-tuning the bundled model (fine_tune's defaults): steps x rounds of 8 windows of 64 epochs
    tune_rounds: int = 4
    tune_learning_rate: float = TUNE_LEARNING_RATE
    calibration_steps: int = 30           # SlumberNet's calibrated run: fine-tuning again on a test recording's labels
                                          # (30 x 2 was chosen from 10 x 2 and 30 x 2, tried on the first fold of sim and surrogate)
    calibration_rounds: int = 2
    calibration_learning_rate: float = 2e-4  # fine_tune's default

    @classmethod
    def make(cls, quick: bool) -> "Plan":
        if quick:  # a check that every part runs: one fold per dataset, budgets too small for meaningful figures
            return cls(True, 3, 1, 0.25, 2, 10, 2, 0, 0, 50, 1.0, (1, 4, 7), 8, 2,
                       ["--quick: one fold per dataset and tiny training budgets; the figures check that the harness "
                        "runs, they do not rank the contenders", "--quick: the paper's network is left out (its "
                        "training and scoring alone take minutes)", "--quick: band-power GBM at most 30 boosting "
                        "iterations, accusleepy 1 training epoch"], gbm_max_iter=30, accusleepy_epochs=1, tune_steps=5,
                       tune_rounds=1, calibration_steps=5, calibration_rounds=1)
        return cls(False, 6, 2, 2.0, 4, 30, 6, PAPER_STEPS, 1, PAPER_TEST_EPOCHS, 24.0, (1, 3, 4, 6, 7, 8), 25, 6,
                   [f"the paper's network: first fold of each mouse dataset, {PAPER_STEPS} steps of 128 epochs, "
                    f"validated and tested on {PAPER_TEST_EPOCHS} random epochs per recording (on 2 CPU cores it "
                    "scores about 13 epochs a second and trains about 100x slower than the default network); its "
                    "same-budget comparison is benchmarks/results/paper_vs_default_gpu.md",
                    f"accusleepy: {ACCUSLEEPY_EPOCHS} training epochs (its default is 6) to fit the hour"],
                   accusleepy_epochs=ACCUSLEEPY_EPOCHS)

    def folds_of(self, folds: list) -> list:
        "All folds, or the first one for --quick."
        return folds[:1] if self.quick else folds


# ---- datasets ------------------------------------------------------------------------------

@dataclass
class Item:
    "One scored recording of a dataset."
    recording: object
    scores: object
    group: str          # the animal (or subject): folds never split it
    condition: str = ""


def sim_dataset(plan: Plan) -> list:
    from slumbernet.simulate import simulate_recording
    items, rng = [], np.random.default_rng(SEED)
    labs = ["reference"] * plan.ref_mice + ["other"] * plan.other_mice
    for i, lab in enumerate(labs):
        seed = int(rng.integers(1 << 30))
        from slumbernet.simulate import random_animal
        animal = random_animal(np.random.default_rng(seed), lab)
        for j, cond in enumerate(CONDITIONS):
            # the deprivation recording holds forced wake then recovery sleep: per-recording normalisation needs both
            hours = plan.hours * (2 if cond == "sleep_deprivation" else 1)
            sim = simulate_recording(hours, cond, animal=animal, seed=seed + j + 1, sd_hours=plan.hours, lab=lab,
                                     recording_id=f"{lab[:3]}{i:02d}_{cond}")
            items.append(Item(sim.recording, sim.scores, f"{lab[:3]}{i:02d}", cond))
    return items


def animal_folds(items: list, k: int) -> list:
    "(train, val, test) lists of items per fold: test animals held out, one training animal kept for validation."
    from slumbernet.train import group_folds
    folds = group_folds([it.group for it in items], k, seed=SEED)
    out = []
    for test_groups in folds:
        rest = sorted({it.group for it in items} - set(test_groups))
        val_group = rest[int(np.random.default_rng(len(out)).integers(len(rest)))]
        out.append(([it for it in items if it.group in rest and it.group != val_group],
                    [it for it in items if it.group == val_group],
                    [it for it in items if it.group in test_groups]))
    return out


def surrogate_dataset(plan: Plan):
    """Folds of the surrogate day by time block, or None without the data.

    The whole day is re-synthesised as one recording, as a lab records it. Fold 1 trains on the
    labels of the light 12 h and tests on the dark 12 h; fold 2 the reverse. The other block's
    labels are hidden (unscored), not cut away: every contender scales the signal over the whole
    day, like the band-power baseline on the real table, rather than over a half whose stage mix
    differs. (--quick: the first `surrogate_hours` of the day, split in two.)
    """
    table = SHARED / "mouse_zfhx3" / "baseline_bandpower.csv"
    if not table.exists(): return None, f"real data absent ({table})"
    from slumbernet.io import load_bandpower_table
    from slumbernet.simulate import surrogate_from_bandpower
    powers, hyp = load_bandpower_table(table)
    n = min(len(hyp), int(round(plan.surrogate_hours * 3600 / hyp.epoch_s)))
    sur = surrogate_from_bandpower(powers.iloc[:n].reset_index(drop=True), hyp[:n], seed=SEED,
                                   recording_id="surrogate_day")
    half = n // 2  # lights on at 07:00, the table's start: the first half of the day is the light phase

    def block(name, first, last):
        keep = np.zeros(n, bool)
        keep[first:last] = True
        return Item(sur.recording, _keep_labels(sur.scores, keep), name)
    light, dark = block("light", 0, half), block("dark", half, n)
    return [([light], [], [dark]), ([dark], [], [light])], ""


def dreams_dataset(plan: Plan):
    folder = SHARED / "dreams"
    if not folder.exists(): return None, f"real data absent ({folder})"
    from slumbernet.io import Recording, load_recording, load_scores
    from slumbernet.preprocess import resample
    rates = {1: 100, 3: 50, 4: 200, 6: 200, 7: 200, 8: 200}
    items = []
    for i in plan.dreams_subjects:
        rec = load_recording(folder / f"excerpt{i}.txt", sfreq_hz=rates[i], emg=False, min_sfreq_hz=50)
        if rec.sfreq_hz < 100:  # YASA refuses rates below 80 Hz: both contenders get excerpt 3 at 100 Hz
            rec = Recording(resample(rec.eeg, rec.sfreq_hz, 100.0), 100.0, None, rec.start, rec.eeg_channel,
                            None, rec.source, f"subject{i}", rec.recording_id)
        items.append(Item(rec, load_scores(folder / f"Hypnogram_excerpt{i}.txt"), f"subject{i}"))
    return items, ""


# ---- SlumberNet's contenders -----------------------------------------------------------------

class SlumberNet:
    """SlumberNet's default or paper network, trained on the fold's training recordings with a fixed budget.

    `from_bundled=True`: the bundled model (`slumbernet.core.default_model`, trained on other
    simulated mice) fine-tuned on the fold's training recordings (`slumbernet.train.fine_tune`,
    `steps` x `rounds` at `learning_rate`): what a lab with its own scored recordings does.

    `variant(calibrated=True)`: the same trained model, fine-tuned again on each test recording's
    calibration labels before scoring it (`calibration_steps` x `calibration_rounds`): the labels
    accusleepy's calibrated run sees, used the way SlumberNet adapts to a new animal.
    """
    calibrated = False
    min_calibration_labels = 5  # fine_tune's min_per_stage

    def __init__(self, architecture: str, steps: int, rounds: int, test_epochs: int | None = None,
                 epoch_s: float = 4.0, eeg_only: bool = False, name: str | None = None, from_bundled: bool = False,
                 learning_rate: float = 2e-4):
        self.architecture, self.steps, self.rounds, self.test_epochs = architecture, steps, rounds, test_epochs
        self.epoch_s, self.eeg_only, self.from_bundled, self.learning_rate = epoch_s, eeg_only, from_bundled, learning_rate
        self.name = name or f"SlumberNet {architecture}"
        self.train_seconds, self._fitted = 0.0, {}
        self.notes = ([f"the bundled model fine-tuned on the fold's training recordings ({steps} x {rounds} steps of 8 "
                       f"windows of 64 epochs, learning rate {learning_rate:g}, chosen on development cohorts: "
                       "benchmarks/results/tune_default.md). The bundled model was trained on other mice of the same "
                       "simulator (since 2026-12-07: 20, 8 of them recorded by random rigs; before: 12; none of them "
                       "in this table: on simulated mice it starts in-distribution), and on no data of the real mouse"] if from_bundled
                      else [] if architecture == "paper" else
                      [f"trained from random weights: {rounds} x {steps} steps of 8 windows of 64 epochs"])

    def available(self): return True, ""

    @property
    def _emg(self): return "raw" if self.architecture == "paper" else "envelope"

    def _prepare(self, items):
        from slumbernet.train import prepare_training_data
        return prepare_training_data([(it.recording, it.scores) for it in items], emg=self._emg, epoch_s=self.epoch_s)

    def fit(self, train, val):
        key = tuple(id(it) for it in train + val)
        if key in self._fitted:  # the same fold again (another view of the same contender): reuse its model
            self.model, self.train_seconds = self._fitted[key]
            return self
        from slumbernet.model import SleepModel
        from slumbernet.preprocess import Epochs
        from slumbernet.train import TrainConfig, train_model
        t0 = time.perf_counter()
        tr = self._prepare(train)
        if self.from_bundled:
            from slumbernet.core import default_model
            from slumbernet.train import fine_tune
            self.model = fine_tune(default_model(), tr, steps=self.steps, rounds=self.rounds,
                                   learning_rate=self.learning_rate, seed=SEED % 997)
            self.train_seconds = time.perf_counter() - t0
            self._fitted[key] = (self.model, self.train_seconds)
            return self
        va = self._prepare(val) if val else tr[:1]
        paper = self.architecture == "paper"
        if self.test_epochs:  # validating the paper's network is dear too: the first epochs of each validation recording
            va = [Epochs(v.data[:self.test_epochs], v.sfreq_hz, v.epoch_s, v.emg_mode, v.has_emg, v.scaling,
                         v.labels[:self.test_epochs]) for v in va]
        cfg = TrainConfig(self.architecture, seq_len=1 if paper else 64, batch=128 if paper else 8, steps=self.steps,
                          max_rounds=self.rounds, patience=self.rounds, seed=SEED % 997)
        samples = int(round(self.epoch_s * 64))
        start = SleepModel.new("paper", bn_momentum=0.9) if paper else SleepModel.new("default", samples=samples)
        start.metadata["input"] = {**start.metadata["input"], "epoch_s": self.epoch_s}
        start.metadata["eeg_only"] = self.eeg_only
        self.model, self.history = train_model(tr, va, cfg, progress=False, model=start)
        self.train_seconds = time.perf_counter() - t0
        self._fitted[key] = (self.model, self.train_seconds)
        return self

    def predict_proba(self, rec):
        from slumbernet.preprocess import prepare_epochs
        return self.model.predict_proba(prepare_epochs(rec, emg=self._emg, epoch_s=self.epoch_s))

    def variant(self, calibrated: bool, steps: int, rounds: int, learning_rate: float) -> "SlumberNet":
        """The same contender, sharing its trained models, scoring with (or without) calibration labels.

        `steps` x `rounds` at `learning_rate`: the calibration's fine-tuning (`Plan.calibration_steps`,
        `_rounds` and `_learning_rate`)."""
        import copy
        other = copy.copy(self)  # shares _fitted: no second training
        other.calibrated, other.uncalibrated = calibrated, []
        other.calibration_steps, other.calibration_rounds = steps, rounds
        other.calibration_learning_rate = learning_rate
        other.name = self.name + (" (calibrated)" if calibrated else "")
        if calibrated:
            other.notes = self.notes + [f"calibrated: before scoring a test recording, fine-tuned again on its calibration "
                                        f"labels ({steps} x {rounds} steps at learning rate {learning_rate:g}; the budget "
                                        "was chosen from two tried on the first fold of the simulated cohort and of the "
                                        "surrogate)"]
        return other

    def predict(self, rec, calibration=None, epochs=None):
        from slumbernet.preprocess import Epochs, prepare_epochs
        if calibration is not None:
            from slumbernet.train import fine_tune
            ep = prepare_epochs(rec, hypnogram=calibration, emg=self._emg, epoch_s=self.epoch_s)
            try:
                model = fine_tune(self.model, ep, steps=self.calibration_steps, rounds=self.calibration_rounds,
                                  learning_rate=self.calibration_learning_rate, seed=SEED % 997)
            except ValueError:  # too few labels of a stage to adapt to: the fold's model, as accusleepy falls back
                self.uncalibrated.append(rec.recording_id)
                model = self.model
            probs = model.predict_proba(ep)
            return probs.argmax(1) if epochs is None else probs[np.asarray(epochs)].argmax(1)
        if epochs is None: return self.predict_proba(rec).argmax(1)
        ep = prepare_epochs(rec, emg=self._emg, epoch_s=self.epoch_s)
        sub = Epochs(ep.data[epochs], ep.sfreq_hz, ep.epoch_s, ep.emg_mode, ep.has_emg, ep.scaling)
        return self.model.predict_proba(sub).argmax(1)


class Yasa:
    "YASA's pre-trained EEG staging (human, 30-s epochs), mapped to W/N/R; nothing is trained."
    name = "YASA 0.8 pre-trained"
    train_seconds = 0.0

    def available(self):
        try:
            import yasa  # noqa: F401
        except ImportError as e:
            return False, f"yasa is not installed ({e}); pip install -e '.[bench]'"
        return True, ""

    def fit(self, train, val): return self

    def predict(self, rec, calibration=None, epochs=None):
        import mne
        import yasa
        raw = mne.io.RawArray(rec.eeg[None].astype(float) * 1e-6, mne.create_info([rec.eeg_channel], rec.sfreq_hz, "eeg"),
                              verbose="error")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            labels = yasa.SleepStaging(raw, eeg_name=rec.eeg_channel).predict().hypno
        return np.array([{"WAKE": 0, "N1": 1, "N2": 1, "N3": 1, "REM": 2}.get(str(s), -1) for s in labels])


def mouse_contenders(plan: Plan, skip_paper: bool = False) -> list:
    tuned = SlumberNet("default", plan.tune_steps, plan.tune_rounds, from_bundled=True,
                       learning_rate=plan.tune_learning_rate)
    out = [tuned, tuned.variant(calibrated=True, steps=plan.calibration_steps, rounds=plan.calibration_rounds,
                                learning_rate=plan.calibration_learning_rate),
           SlumberNet("default", plan.steps, plan.rounds, name="SlumberNet default, from scratch")]
    if skip_paper:
        out.append(_Missing("SlumberNet paper", "left out (--skip-paper); its same-budget comparison with the default "
                            "network: benchmarks/results/paper_vs_default_gpu.md"))
    else:
        out.append(SlumberNet("paper", plan.paper_steps, plan.paper_rounds, test_epochs=plan.paper_test_epochs)
                   if plan.paper_steps else _Missing("SlumberNet paper", "left out of --quick (minutes of training)"))
    try:
        from benchmarks import contenders
    except ImportError as e:
        out.append(_Missing("band-power GBM, accusleepy, MiSleep", f"benchmarks.contenders cannot be imported ({e})"))
        return out
    return out + contenders.mouse_contenders(SEED, gbm_max_iter=plan.gbm_max_iter,
                                             accusleepy_epochs=plan.accusleepy_epochs) + [contenders.MiSleep()]


MISLEEP = "MiSleep (out of the box)"
NOT_FOR_MISLEEP = {"real_table": "needs raw EEG and EMG; the real table holds per-epoch band powers only",
                   "dreams": "a mouse EEG+EMG model; DREAMS is human EEG without EMG"}
"Why MiSleep's shipped model does not run on the datasets it cannot score: reported as skipped."


class _Missing:
    "A contender that cannot run here; reported as skipped."
    def __init__(self, name, why): self.name, self.why = name, why
    def available(self): return False, self.why


# ---- running folds ---------------------------------------------------------------------------

def _keep_labels(hyp, keep: np.ndarray):
    "`hyp` with only the epochs where `keep` is True still scored (the others unscored, their artefact flags dropped)."
    from slumbernet.io import Hypnogram
    return Hypnogram(np.where(keep, hyp.stages, -1), hyp.epoch_s, hyp.artefact & keep, hyp.start, hyp.source)


def _calibration(hyp, fraction: float, seed: int):
    "The scorer's labels on a random `fraction` of the scored epochs, the rest unscored: what a calibrated contender may see."
    rng = np.random.default_rng(seed)
    keep = hyp.scored & (rng.random(len(hyp)) < fraction)
    for s in range(3):  # at least three of each stage the scorer used (AccuSleep's calibration needs them)
        have, pool = np.flatnonzero(keep & (hyp.stages == s)), np.flatnonzero(hyp.scored & (hyp.stages == s) & ~keep)
        if len(have) < 3 and len(pool): keep[rng.choice(pool, min(3 - len(have), len(pool)), replace=False)] = True
    return _keep_labels(hyp, keep)


def run_contender(c, folds, aggregate_s: float | None = None) -> dict:
    "Train on each fold's training items, score its test items, pool the comparisons."
    from slumbernet.evaluate import compare_recordings
    ok, why = c.available()
    if not ok: return {"status": "skipped", "reason": why}
    pairs, units, train_s, notes = [], [], 0.0, set()
    t0 = time.perf_counter()
    limit = getattr(c, "test_epochs", None)
    try:
        for k, (train, val, test) in enumerate(folds):
            c.fit(train, val)
            train_s += c.train_seconds
            for it in test:
                hyp = it.scores
                calib = _calibration(hyp, 0.15, SEED + k) if getattr(c, "calibrated", False) else None
                if limit and limit < len(hyp):  # a network that scores epochs one by one: a random subset is unbiased
                    idx = np.sort(np.random.default_rng(SEED + k).choice(np.flatnonzero(hyp.scored), limit, replace=False))
                    pred = c.predict(it.recording, calib, epochs=idx)
                    sub = type(hyp)(hyp.stages[idx], hyp.epoch_s, hyp.artefact[idx])
                    pairs.append((sub, pred)); notes.add(f"tested on {limit:,} random scored epochs per test recording")
                    continue
                pred = np.asarray(c.predict(it.recording, calib))
                if aggregate_s:  # contenders that score coarser epochs: compare on their epochs
                    hyp = _majority(hyp, aggregate_s)
                n = min(len(hyp), len(pred))
                pairs.append((hyp[:n], pred[:n]))
                units += _unit_confusions(hyp[:n], pred[:n], f"{k}:{it.group}")
    except Exception as e:  # a contender that fails is reported, the others run
        return {"status": "failed", "reason": f"{type(e).__name__}: {e}"}
    cmp = compare_recordings(pairs)
    out = {"status": "ok", **{m: round(float(cmp.metrics[m]), 4) for m in METRICS}, "n_epochs": cmp.metrics["n"],
           "excluded": cmp.excluded, "train_s": round(train_s, 1), "total_s": round(time.perf_counter() - t0, 1),
           "confusion": cmp.confusion.tolist()}
    if units: out["units"] = units
    if getattr(c, "calibrated", False):
        notes.add("saw the scorer's labels of 15 % of each test recording's epochs (at least 3 of each stage)")
        if getattr(c, "uncalibrated", None):
            need = getattr(c, "min_calibration_labels", 3)
            notes.add(f"{len(c.uncalibrated)} test recording(s) with fewer than {need} calibration labels of a stage could "
                      "not be calibrated: scored as without calibration (accusleepy: with the training data's "
                      "calibration, as AccuSleep itself would have to)")
    notes.update(getattr(c, "notes", ()))
    if notes: out["notes"] = sorted(notes)
    return out


def run_mouse_contender(c, folds, plan: Plan) -> dict:
    "`run_contender` on a mouse dataset: the paper's network on the first fold only (its training is ~100x dearer)."
    paper = getattr(c, "architecture", "") == "paper"
    row = run_contender(c, folds[:1] if paper else folds)
    if paper and row["status"] == "ok":
        row.setdefault("notes", []).append(f"first fold only, {plan.paper_rounds} x {plan.paper_steps} steps of 128 epochs")
    return row


UNIT_S = 3600.0
"Length of the blocks of a test recording whose confusion matrices `margins` resamples (s)."


def _unit_confusions(hyp, pred, group: str) -> list:
    """Confusion matrices of each `UNIT_S` block of one scored test recording, with its group (fold:animal), as
    `[group, block, C]`: what `margins` resamples. Unscored and artefact epochs are left out, as in the tables."""
    from slumbernet.evaluate import confusion
    ref, pred = np.where(hyp.scored & ~hyp.artefact, hyp.stages, -1), np.asarray(pred)
    per = max(1, int(round(UNIT_S / hyp.epoch_s)))
    return [[group, b // per, confusion(ref[b:b + per], pred[b:b + per]).tolist()] for b in range(0, len(hyp), per)]


def margins(rows: dict, ref: str, by: str, n_boot: int = 2000, seed: int = SEED) -> dict:
    """`ref`'s lead over every other row in kappa and REM F1, pooled, with a 95 % paired bootstrap interval.

    `by="group"` resamples the test animals (each with all its recordings: the simulated cohort,
    where folds leave animals out); `by="block"` resamples the `UNIT_S` blocks of the test
    recordings (the surrogate: one animal, so time blocks are the units). Each draw pools the
    same resampled units for both rows. Only rows scored on exactly the same units take part (not
    the paper's network, scored on one fold's sampled epochs).
    """
    from slumbernet.evaluate import metrics_from_confusion
    def by_unit(row):
        out = {}
        for g, b, C in row.get("units", []):
            key = g if by == "group" else f"{g}/{b}"
            out[key] = out.get(key, 0) + np.asarray(C)
        return out
    base = by_unit(rows[ref])
    keys = sorted(k for k, C in base.items() if C.sum())  # a block with no scored epoch (labels hidden) is no test unit
    rng = np.random.default_rng(seed)
    draws = rng.integers(len(keys), size=(n_boot, len(keys)))
    def stats(C):
        m = metrics_from_confusion(C)
        return m["kappa"], m["f1_R"]
    out = {}
    for name, row in rows.items():
        if name == ref or row.get("status") != "ok": continue
        other = by_unit(row)
        if sorted(other) != sorted(base) or any(other[k].sum() != base[k].sum() for k in keys): continue
        A, B = np.stack([base[k] for k in keys]), np.stack([other[k] for k in keys])
        lead = np.subtract(stats(A.sum(0)), stats(B.sum(0)))
        boot = np.array([np.subtract(stats(A[d].sum(0)), stats(B[d].sum(0))) for d in draws])
        lo, hi = np.nanpercentile(boot, [2.5, 97.5], axis=0)
        out[name] = {"kappa": round(float(lead[0]), 4), "kappa_95": [round(float(lo[0]), 4), round(float(hi[0]), 4)],
                     "f1_R": round(float(lead[1]), 4), "f1_R_95": [round(float(lo[1]), 4), round(float(hi[1]), 4)],
                     "units": len(keys), "by": by}
    return out


def margins_table(ref: str, lead: dict, unit: str) -> str:
    "Markdown of `margins`: one line per other contender."
    if not lead: return ""
    lines = [f"**{ref}'s lead** (its figure minus the other's; 95 % paired bootstrap interval, resampling the "
             f"test {unit}: {next(iter(lead.values()))['units']}):", "",
             "| over | kappa | 95 % interval | REM F1 | 95 % interval |", "|---|---|---|---|---|"]
    for name, m in lead.items():
        lines.append(f"| {name} | {m['kappa']:+.3f} | {m['kappa_95'][0]:+.3f} to {m['kappa_95'][1]:+.3f} | "
                     f"{m['f1_R']:+.3f} | {m['f1_R_95'][0]:+.3f} to {m['f1_R_95'][1]:+.3f} |")
    return "\n".join(lines) + "\n"


SURROGATE_FOLDS = {"dark": "light -> dark", "light": "dark -> light"}
"The surrogate's folds, by their test half: which half trained, which was tested."


def fold_figures(row: dict) -> dict:
    """Kappa and REM F1 of one row per surrogate fold (named as `SURROGATE_FOLDS`, from the blocks its test half
    was scored in), and pooled over both: the figures to read against the real table's, fold by fold."""
    from slumbernet.evaluate import metrics_from_confusion
    per = {}
    for g, _, C in row.get("units", []):
        name = SURROGATE_FOLDS.get(g.split(":", 1)[-1], g)
        per[name] = per.get(name, 0) + np.asarray(C)
    if not per: return {}
    per["pooled"] = sum(per.values())
    out = {}
    for k, C in per.items():
        m = metrics_from_confusion(C)
        out[k] = {"kappa": round(m["kappa"], 4), "f1_R": round(m["f1_R"], 4), "n": m["n"]}
    return out


def _folds_table(rows: dict) -> tuple[dict, list]:
    "`fold_figures` of every row that has them, and their markdown."
    figs = {n: f for n, r in rows.items() if r.get("status") == "ok" and (f := fold_figures(r))}
    if not figs: return figs, []
    cols = list(SURROGATE_FOLDS.values()) + ["pooled"]
    md = ["**Per fold** (kappa / REM F1 on each fold's test half; the table above pools both):", "",
          "| contender | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    md += [f"| {n} | " + " | ".join(f"{f[c]['kappa']:.3f} / {f[c]['f1_R']:.3f}" if c in f else "" for c in cols) + " |"
           for n, f in figs.items()]
    return figs, ["\n".join(md) + "\n"]


def _dropouts(fold_figs: dict, real: dict) -> str:
    "How many more test epochs the real table's pooled figure counts than the surrogate's (its drop-out rows), as words."
    extra = real["pooled"]["n"] - next(iter(fold_figs.values()))["pooled"]["n"]
    return (f" (but {extra} drop-out row{'s' * (extra != 1)} of the table, with EEG powers of zero, which the surrogate cannot "
            "re-synthesise and flags as artefacts)") if extra > 0 else ""


def _against_real_table(fold_figs: dict, rt: dict) -> list:
    """Markdown: each surrogate contender's kappa minus the band-power GBM's on the real table, fold by fold and
    pooled (the same training and test epochs; only the features differ: re-synthesised signals or the real table's)."""
    real = {"light -> dark": rt["range_2_98"], "dark -> light": rt["range_2_98_dark_light"], "pooled": rt["range_2_98_pooled"]}
    if not fold_figs: return []
    cols = list(real)
    md = ["**The surrogate against the real table, like for like**: each contender's kappa on the surrogate minus the "
          "band-power GBM's on the real table (" + ", ".join(f"{c} {real[c]['kappa']:.3f}" for c in cols) + "), same "
          f"training and test epochs{_dropouts(fold_figs, real)}:", "", "| contender (surrogate) | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
    md += [f"| {n} | " + " | ".join(f"{f[c]['kappa'] - real[c]['kappa']:+.3f}" if c in f else "" for c in cols) + " |"
           for n, f in fold_figs.items()]
    return md


def _majority(hyp, epoch_s: float):
    "Stages of `epoch_s`-long epochs: the most frequent scored stage of the shorter epochs inside (unscored if none)."
    from slumbernet.io import Hypnogram
    k = int(round(epoch_s / hyp.epoch_s))
    n = len(hyp) // k
    st = np.where(hyp.scored, hyp.stages, -1)[:n * k].reshape(n, k)
    counts = np.stack([(st == s).sum(1) for s in range(3)], 1)
    return Hypnogram(np.where(counts.sum(1) > 0, counts.argmax(1), -1), epoch_s, None, hyp.start)


class _Coarse:
    "A 5-s contender whose stages are compared on 30-s epochs (majority of its six), like YASA's."
    def __init__(self, inner, epoch_s=30.0):
        self.inner, self.epoch_s = inner, epoch_s
        self.name = inner.name + f" ({epoch_s:g}-s majority)"
    def available(self): return self.inner.available()
    @property
    def train_seconds(self): return self.inner.train_seconds
    def fit(self, train, val): self.inner.fit(train, val); return self
    def predict(self, rec, calibration=None, epochs=None):
        from slumbernet.io import Hypnogram
        st = self.inner.predict(rec)
        return _majority(Hypnogram(st, self.inner.epoch_s), self.epoch_s).stages


# ---- tables ----------------------------------------------------------------------------------

def table(title: str, source: str, rows: dict) -> str:
    lines = [f"## {title}", "", source, "",
             "| contender | accuracy | kappa | F1 W | F1 N | F1 REM | macro F1 | training s | epochs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, r in rows.items():
        if r["status"] != "ok":
            lines.append(f"| {name} | {r['status']}: {r['reason']} | | | | | | | |"); continue
        lines.append(f"| {name} | {r['accuracy']:.3f} | {r['kappa']:.3f} | {r['f1_W']:.3f} | {r['f1_N']:.3f} | "
                     f"{r['f1_R']:.3f} | {r['macro_f1']:.3f} | {r['train_s']:.0f} | {r['n_epochs']:,} |")
    notes = [f"- {name}: {n}" for name, r in rows.items() for n in r.get("notes", [])]
    return "\n".join(lines + ([""] + notes if notes else [])) + "\n"


def _leads(results: dict, ds: str, rows: dict, by: str, unit: str) -> list:
    """The default's lead over the uncalibrated contenders, and the calibrated default's over the calibrated ones
    (`margins`): stored in `results[ds + "_leads"]`, returned as markdown lines."""
    refs = {"SlumberNet default": lambda n: "(calibrated)" not in n,
            "SlumberNet default (calibrated)": lambda n: "(calibrated)" in n}
    leads, md = {}, []
    for ref, fair in refs.items():
        if rows.get(ref, {}).get("status") != "ok": continue
        lead = {n: m for n, m in margins(rows, ref, by).items() if fair(n)}
        leads[ref] = lead
        md += [margins_table(ref, lead, unit)] if lead else []
    results[ds + "_leads"] = leads
    return md


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small data and budgets: minutes")
    ap.add_argument("--only", default=",".join(DATASETS), help="comma-separated datasets")
    ap.add_argument("--skip-paper", action="store_true", help="leave out the paper network (about 45 min a fold on 2 cores)")
    args = ap.parse_args(argv)
    plan = Plan.make(args.quick)
    only = set(args.only.split(","))
    results, md = {}, [f"# Benchmarks{' (--quick)' if plan.quick else ''}", "",
                       f"{machine()['date']}, {machine()['cpus']} CPUs, {machine()['processor']}: "
                       f"`python -m benchmarks.run{' --quick' if plan.quick else ''}{' --skip-paper' if args.skip_paper else ''}"
                       f"{'' if only == set(DATASETS) else ' --only ' + args.only}`", ""]
    md += [f"- {n}" for n in plan.notes] + ([""] if plan.notes else [])
    t_start = time.perf_counter()
    if "sim" in only:
        items = sim_dataset(plan)
        folds = plan.folds_of(animal_folds(items, plan.folds))
        rows = {}
        for c in mouse_contenders(plan, args.skip_paper):
            rows[c.name] = run_mouse_contender(c, folds, plan)
            print(c.name, {k: rows[c.name].get(k) for k in ("status", "kappa", "f1_R", "train_s", "reason")}, flush=True)
        n_mice = plan.ref_mice + plan.other_mice
        results["sim"] = rows
        md.append(table("Simulated cohort", f"**Simulated** mice ({plan.ref_mice} of the reference lab profile, "
                        f"{plan.other_mice} of the other), each with a {plan.hours:g}-h baseline, a {2 * plan.hours:g}-h "
                        f"recording of {plan.hours:g} h sleep deprivation then recovery, and a {plan.hours:g}-h recovery "
                        f"recording; {plan.folds} folds leaving {n_mice // plan.folds} animals out, one training animal "
                        f"held out for early stopping. A check of the methods, not of real mice.", rows))
        md += _leads(results, "sim", rows, "group", "animals")
    if "surrogate" in only:
        folds, why = surrogate_dataset(plan)
        folds = None if folds is None else plan.folds_of(folds)
        rows = {}
        for c in mouse_contenders(plan, args.skip_paper):
            if folds is None: rows[c.name] = {"status": "skipped", "reason": why}; continue
            rows[c.name] = run_mouse_contender(c, folds, plan)
            print("surrogate", c.name, {k: rows[c.name].get(k) for k in ("status", "kappa", "f1_R", "reason")}, flush=True)
        results["surrogate"] = rows
        md.append(table("Surrogate of the real mouse", "The real Zfhx3 mouse's day: raw signals **re-synthesised** from its "
                        f"real per-epoch band powers, the expert's **real** labels, as one {plan.surrogate_hours:g}-h recording. "
                        f"Train on the labels of the light {plan.surrogate_hours / 2:g} h, test on the dark "
                        f"{plan.surrogate_hours / 2:g} h, and the reverse (pooled); the other half's labels are hidden, its "
                        "signal is not (every contender scales over the whole recording, as on the real table). No "
                        "validation animal: the from-scratch network stops on its training half.", rows))
        if folds is not None:
            results["surrogate_folds"], fold_md = _folds_table(rows)
            md += fold_md + _leads(results, "surrogate", rows, "block", f"{UNIT_S / 3600:g}-h blocks")
    if "real_table" in only:
        try:
            from benchmarks import contenders
            results["real_table"] = contenders.real_table_baseline(SHARED / "mouse_zfhx3" / "baseline_bandpower.csv")
        except Exception as e:
            results["real_table"] = {"status": "skipped", "reason": f"{type(e).__name__}: {e}"}
        rt = results["real_table"]
        md += ["## The real table itself", "", "The band-power baseline on the **real** table's features (no "
               "re-synthesis), scaled over the whole day, on the shared data README's split (trained on the light 12 h, "
               "tested on the dark 12 h), on the reverse, and on both pooled: the surrogate's folds.", ""]
        if rt.get("status") == "ok":
            md += ["| run | accuracy | kappa | F1 REM |", "|---|---|---|---|"]
            for label, r in (("band-power GBM as benchmarked (2-98 % range scaling), light -> dark", rt["range_2_98"]),
                             ("the same, median/IQR scaling, light -> dark", rt["median_iqr"]),
                             ("shared/data README's reference figure, light -> dark", rt["reference_readme"]),
                             ("band-power GBM as benchmarked, dark -> light", rt["range_2_98_dark_light"]),
                             ("band-power GBM as benchmarked, both folds pooled", rt["range_2_98_pooled"])):
                md.append(f"| {label} | {r['accuracy']:.3f} | {r['kappa']:.3f} | {r['f1_R']:.3f} |")
            md += [""] + _against_real_table(results.get("surrogate_folds", {}), rt)
        else:
            md.append(f"skipped: {rt.get('reason')}")
        rt["skipped"] = {MISLEEP: {"status": "skipped", "reason": NOT_FOR_MISLEEP["real_table"]}}
        md += ["", f"- {MISLEEP}: skipped: {NOT_FOR_MISLEEP['real_table']}", ""]
    if "dreams" in only:
        items, why = dreams_dataset(plan)
        rows = {}
        human = SlumberNet("default", plan.dreams_steps, plan.dreams_rounds, epoch_s=5.0, eeg_only=True,
                           name="SlumberNet human mode (5-s epochs)")
        if items is None:
            rows = {n: {"status": "skipped", "reason": why} for n in ("SlumberNet human mode", "YASA")}
        else:
            loso = []
            for i, it in enumerate(items):
                rest = [x for x in items if x is not it]
                loso.append((rest[1:], rest[:1], [it]))
            loso = loso[::-1][:1] if plan.quick else loso  # --quick: the last subject (DREAMS' only REM: excerpt 7)
            rows[human.name] = run_contender(human, loso)
            rows["SlumberNet human mode (30-s majority)"] = run_contender(_Coarse(human), loso, aggregate_s=30.0)
            rows[Yasa.name] = run_contender(Yasa(), [([], [], test) for _, _, test in loso], aggregate_s=30.0)
            for n, r in rows.items(): print("dreams", n, {k: r.get(k) for k in ("status", "kappa", "f1_R", "reason")}, flush=True)
        rows[MISLEEP] = {"status": "skipped", "reason": NOT_FOR_MISLEEP["dreams"]}
        results["dreams"] = rows
        md.append(table("Human EEG (DREAMS)", f"**Real** human EEG, {len(plan.dreams_subjects)} DREAMS excerpts of 30 min "
                        "(EEG only), expert scores; leave one subject out (one of the others for early stopping). YASA is "
                        "pre-trained on other data and scores 30-s epochs: it is compared on 30-s epochs (majority of "
                        "the expert's 5-s labels), as is SlumberNet's majority row.", rows))
    results["seconds"] = round(time.perf_counter() - t_start, 1)
    md.append(f"Whole run: {results['seconds'] / 60:.1f} min.\n")
    name = "run_quick" if plan.quick else "run"
    write_results(name, {"plan": {k: v for k, v in vars(plan).items()}, "results": results}, "\n".join(md))
    print("\n".join(md))
    return results


if __name__ == "__main__":
    main()
