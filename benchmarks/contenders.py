"""Contenders for `python -m benchmarks.run`: other sleep scorers behind one interface.

Every contender is a `Contender`:

- `name`: the label in the result tables;
- `available()`: `(True, "")`, or `(False, reason)` when a package it needs is missing or broken
  (the harness reports it as skipped, with the reason);
- `fit(train, val=None)`: train on `[(Recording, Hypnogram), ...]` (or items with `.recording` and
  `.scores`, as the harness passes them); epochs that are unscored
  (stage -1) or flagged as artefacts are never used as labels; returns `self`;
- `predict(rec, calibration=None, epochs=None)`: stage index per 4-s epoch (0 W, 1 N, 2 R), one per full epoch
  of `rec`; `calibration` is a Hypnogram of the same recording in which only the epochs the
  harness reveals are scored (the rest -1); only contenders with `calibrated` (alias
  `uses_calibration`) True read it; `epochs=` (indices) returns only those epochs' stages;
- `train_seconds`: wall time of the last `fit`.

Contenders here:

- `BandPowerGBM` ("band-power GBM"): the classical approach. Per-epoch log EEG band powers, log
  theta/delta ratio and log EMG RMS, scaled over each whole recording (midpoint and width of the
  2nd-98th percentiles by default, which is robust to the stage mix; median/IQR on request), with
  the features of +-2 neighbouring epochs, into scikit-learn's `HistGradientBoostingClassifier` (balanced class
  weights). `fit_table`/`predict_table` run it on a per-epoch band-power table (the real mouse
  table), and `table_light_dark` reproduces the reference figure of ../shared/data/README.md.
- `AccuSleepy` ("accusleepy", "accusleepy (calibrated)"): AccuSleep's Python port (PyPI
  `accusleepy`), driven through its own functions: training images (`create_training_images`,
  i.e. multitaper EEG spectrogram + EMG power, mixture z-scored per recording with that
  recording's labels, 9-epoch windows), `train_ssann` (its CNN, its default hyperparameters),
  `get_mixture_values` (its calibration) and `score_recording` + `enforce_min_bout_length` (its
  scoring). See the class's docstring for what is shimmed.
- `MiSleep` ("MiSleep (out of the box)"): MiSleep's shipped LightGBM stager (PyPI `misleep`,
  `misleep.analysis.auto_stage_gbm`, trained by its authors on real mice), used as a lab would use
  it: never trained here, never calibrated; its per-second states become 4-s epochs by majority.

Installing the contenders' packages (the `bench` extra holds scikit-learn, torch and pyarrow;
accusleepy itself goes in without its dependencies, because its wheel pins pandas<3, pyarrow<26,
pillow<13 and pulls PySide6 (its GUI) and torchvision, none of which the wrapper needs):

    pip install scikit-learn torch pyarrow      # CPU torch: pip install torch --index-url https://download.pytorch.org/whl/cpu
    pip install --no-deps accusleepy            # needs numpy, scipy, pandas, pillow, platformdirs, tqdm, torch: all present
    pip install misleep lightgbm                # MiSleep: only adds packages (PySide6, its GUI; mat73, openpyxl)

accusleepy 0.13.0 runs with pandas 3 along the code paths used here. torchvision is not needed: when
`import torchvision.io` fails (absent, or built for another torch), a stand-in `read_image` (PIL)
is given to accusleepy while it is imported (see `_import_accusleepy`).
"""
from __future__ import annotations

import contextlib
import importlib
import importlib.util
import json
import math
import os
import shutil
import sys
import tempfile
import time
import types
import warnings

import numpy as np
import pandas as pd

from slumbernet.io import Hypnogram, Recording

__all__ = ["EPOCH_S", "Contender", "BandPowerGBM", "AccuSleepy", "MiSleep", "MISLEEP_STAGES", "misleep_epochs",
           "mouse_contenders",
           "real_table_baseline", "n_epochs", "as_pairs", "training_labels",
           "log_powers", "robust_scale_columns", "add_context", "recording_features", "table_features",
           "table_light_dark"]

EPOCH_S = 4.0
"Epoch length of every contender here (s)."


def n_epochs(rec: Recording, epoch_s: float = EPOCH_S) -> int:
    "Number of full `epoch_s` epochs in `rec` (the length `predict` returns)."
    spe = epoch_s * rec.sfreq_hz
    if abs(spe - round(spe)) > 1e-6:
        raise ValueError(f"{epoch_s:g} s at {rec.sfreq_hz:g} Hz is not a whole number of samples; resample first")
    return rec.n_samples // int(round(spe))


def as_pairs(items) -> list:
    """`[(Recording, Hypnogram), ...]` from pairs or from items with `.recording` and `.scores`
    (the harness's `Item`, `slumbernet.simulate.SimulatedRecording`); None -> []."""
    out = []
    for it in items or []:
        if hasattr(it, "recording") and hasattr(it, "scores"): out.append((it.recording, it.scores))
        else:
            rec, hyp = it
            out.append((rec, hyp))
    return out


def training_labels(hyp: Hypnogram, n: int | None = None, what: str = "hypnogram") -> np.ndarray:
    "Stage per epoch with -1 where unscored or artefact-flagged (never a training label); checks the length."
    if abs(hyp.epoch_s - EPOCH_S) > 1e-9:
        raise ValueError(f"{what} has {hyp.epoch_s:g}-s epochs; the contenders score {EPOCH_S:g}-s epochs")
    if n is not None and len(hyp) != n:
        raise ValueError(f"{what} has {len(hyp):,} epochs but the recording holds {n:,} full epochs "
                         "(use slumbernet.io.align first)")
    return np.where(hyp.scored, hyp.stages, -1).astype(np.int8)


class Contender:
    """Common interface of the benchmark's scorers (see the module docstring)."""
    name: str = "contender"
    calibrated: bool = False
    "True when `predict` uses the `calibration` labels it is given (the harness then passes them)."

    @property
    def uses_calibration(self) -> bool: return self.calibrated

    def __init__(self):
        self.train_seconds = math.nan

    def available(self) -> tuple[bool, str]:
        return True, ""

    def fit(self, train: list, val: list | None = None) -> "Contender":
        raise NotImplementedError

    def predict(self, rec: Recording, calibration: Hypnogram | None = None, epochs=None) -> np.ndarray:
        raise NotImplementedError

    def __repr__(self):
        return f"<{type(self).__name__} {self.name!r}>"


def _missing(*modules: str) -> list[str]:
    return [m for m in modules if importlib.util.find_spec(m) is None]


# ---------------------------------------------------------------------------------------------
# Band-power features + gradient boosting
# ---------------------------------------------------------------------------------------------

def log_powers(powers) -> np.ndarray:
    """Natural log of non-negative powers; zero (signal drop-out) or negative becomes NaN, never -inf.

    `HistGradientBoostingClassifier` handles NaN natively (it learns where to send missing values).
    """
    p = np.asarray(powers, np.float64)
    out = np.full(p.shape, np.nan)
    ok = np.isfinite(p) & (p > 0)
    out[ok] = np.log(p[ok])
    return out


def robust_scale_columns(X: np.ndarray, method: str = "range", q: tuple = (2.0, 98.0)) -> np.ndarray:
    """Scale each column with statistics of the whole column (NaN ignored; a zero width -> 1).

    method="median": minus the median, divided by the interquartile range (the recipe of the
    reference figure in ../shared/data/README.md). method="range": minus the midpoint of the
    `q` percentiles (default 2nd and 98th), divided by their distance. The median of a
    log power moves with the stage mix (a recording that is 70 % NREM puts it inside NREM);
    the outer percentiles sit inside the extreme stages whatever their share, so "range" is
    robust to the mix: on the real table scaled per 12-h half instead of over the day, light->dark
    kappa is 0.69 with "median" and 0.92 with "range" (0.935 for both when scaled over the day).
    """
    X = np.asarray(X, np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-NaN column
        if method == "median":
            lo, centre, hi = np.nanpercentile(X, [25, 50, 75], axis=0)
        elif method == "range":
            lo, hi = np.nanpercentile(X, list(q), axis=0)
            centre = (lo + hi) / 2
        else:
            raise ValueError(f"method must be 'median' or 'range', got {method!r}")
    width = hi - lo
    width = np.where(np.isfinite(width) & (width > 0), width, 1.0)
    centre = np.where(np.isfinite(centre), centre, 0.0)
    return (X - centre) / width


def add_context(X: np.ndarray, k: int = 2) -> np.ndarray:
    """Features of epochs t-k..t+k side by side (edge-padded): (n, f) -> (n, f * (2k + 1)).

    Examples
    --------
    >>> add_context(np.arange(3.0)[:, None], 1).tolist()
    [[0.0, 0.0, 1.0], [0.0, 1.0, 2.0], [1.0, 2.0, 2.0]]
    """
    if k == 0: return X
    n = len(X)
    P = np.concatenate([np.repeat(X[:1], k, 0), X, np.repeat(X[-1:], k, 0)])
    return np.concatenate([P[i:i + n] for i in range(2 * k + 1)], axis=1)


RECORDING_FEATURES = ("delta", "theta", "alpha", "beta", "gamma", "sigma", "theta_delta", "emg_rms")
TABLE_FEATURES = ("Delta", "Theta", "Alpha", "Beta", "Gamma", "theta_delta", "EMG")


def recording_features(rec: Recording, epoch_s: float = EPOCH_S) -> np.ndarray:
    """Log features per epoch (`RECORDING_FEATURES`), not yet scaled: EEG band powers (µV², from
    `slumbernet.spectral.epoch_features`), theta/delta ratio, EMG RMS (µV; NaN columns without EMG)."""
    from slumbernet.spectral import epoch_features
    f = epoch_features(rec, epoch_s)
    if "emg_rms" not in f: f["emg_rms"] = np.nan
    return log_powers(f[list(RECORDING_FEATURES)].to_numpy())


def table_features(table: pd.DataFrame) -> np.ndarray:
    """Log features per row of a band-power table (`TABLE_FEATURES`: its five bands, theta/delta,
    its EMG power), not yet scaled. All-zero rows (drop-outs) give NaN, not log(0)."""
    d, t = table["Delta"].to_numpy(float), table["Theta"].to_numpy(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where((d > 0) & (t > 0), t / np.where(d > 0, d, 1.0), np.nan)
    cols = np.column_stack([table[c].to_numpy(float) for c in ("Delta", "Theta", "Alpha", "Beta", "Gamma")]
                           + [ratio, table["EMG"].to_numpy(float)])
    return log_powers(cols)


class BandPowerGBM(Contender):
    """Classical band-power scorer: gradient-boosted trees on robust-scaled log band powers with context.

    Parameters
    ----------
    context : int
        Epochs of context on each side (features of t-2..t+2 concatenated, edge-padded).
    scaling : {"range", "median"}
        Per-recording scaling of each log feature, over the whole recording (see
        `robust_scale_columns`): "median" is median/IQR, the recipe of the README's reference
        figure; "range" (default) is the midpoint/width of the 2nd-98th percentiles, which does not
        move with the stage mix (1-h simulated recordings, train 2 mice, test the third, seed 1:
        kappa 0.04-0.74 with "median", 0.66-0.93 with "range"; both 0.935 on the real table's
        light->dark split).
    seed : int
        `random_state` of the classifier (its early-stopping split).
    class_weight : "balanced" or None
        Balanced weights so that REM (about 5 % of epochs) counts.
    max_iter, learning_rate, max_leaf_nodes : classifier settings (scikit-learn's defaults except max_iter).
    """
    name = "band-power GBM"

    def __init__(self, context: int = 2, scaling: str = "range", seed: int = 0, class_weight="balanced",
                 max_iter: int = 300, learning_rate: float = 0.1, max_leaf_nodes: int = 31):
        super().__init__()
        if scaling not in ("range", "median"): raise ValueError(f"scaling must be 'range' or 'median', got {scaling!r}")
        self.context, self.scaling, self.seed, self.class_weight = context, scaling, seed, class_weight
        self.max_iter, self.learning_rate, self.max_leaf_nodes = max_iter, learning_rate, max_leaf_nodes
        self.model = None

    def available(self):
        miss = _missing("sklearn")
        return (False, "scikit-learn is not installed (pip install scikit-learn)") if miss else (True, "")

    # features ----------------------------------------------------------------------------------
    def features(self, rec: Recording) -> np.ndarray:
        "Model input of one recording: log features scaled over the whole recording, with context."
        return add_context(robust_scale_columns(recording_features(rec), self.scaling), self.context)

    def _table_X(self, table: pd.DataFrame) -> np.ndarray:
        return add_context(robust_scale_columns(table_features(table), self.scaling), self.context)

    # training ----------------------------------------------------------------------------------
    def _classifier(self, early_stopping):
        from sklearn.ensemble import HistGradientBoostingClassifier
        return HistGradientBoostingClassifier(max_iter=self.max_iter, learning_rate=self.learning_rate,
                                              max_leaf_nodes=self.max_leaf_nodes, class_weight=self.class_weight,
                                              early_stopping=early_stopping, random_state=self.seed)

    def fit_features(self, X: np.ndarray, y: np.ndarray, X_val=None, y_val=None) -> "BandPowerGBM":
        "Fit on feature rows `X` with labels `y` (rows with y < 0 are left out)."
        t0 = time.perf_counter()
        keep = np.asarray(y) >= 0
        X, y = X[keep], np.asarray(y)[keep].astype(int)
        if len(np.unique(y)) < 2: raise ValueError("training labels hold fewer than two stages")
        if X_val is not None:
            kv = np.asarray(y_val) >= 0
            X_val, y_val = X_val[kv], np.asarray(y_val)[kv].astype(int)
            if not np.isin(y_val, np.unique(y)).all() or len(y_val) < 10: X_val = None
        if X_val is not None:  # a validation set for early stopping (scikit-learn >= 1.6 or so accepts one)
            import inspect
            from sklearn.ensemble import HistGradientBoostingClassifier
            if "X_val" not in inspect.signature(HistGradientBoostingClassifier.fit).parameters: X_val = None
        if X_val is not None:
            self.model = self._classifier(True).fit(X, y, X_val=X_val, y_val=y_val)
        else:
            self.model = self._classifier("auto").fit(X, y)
        self.train_seconds = time.perf_counter() - t0
        return self

    def predict_features(self, X: np.ndarray) -> np.ndarray:
        if self.model is None: raise RuntimeError(f"{self.name}: call fit first")
        return self.model.predict(X).astype(np.int8)

    def predict_proba_features(self, X: np.ndarray) -> np.ndarray:
        "Probability of W, N, R per row (columns for stages absent from training are 0)."
        if self.model is None: raise RuntimeError(f"{self.name}: call fit first")
        p = self.model.predict_proba(X)
        out = np.zeros((len(X), 3))
        out[:, self.model.classes_] = p
        return out

    def _xy(self, pairs):
        Xs, ys = [], []
        for rec, hyp in as_pairs(pairs):
            X = self.features(rec)
            Xs.append(X); ys.append(training_labels(hyp, len(X), f"scores of {rec.recording_id or 'a recording'}"))
        return np.concatenate(Xs), np.concatenate(ys)

    def fit(self, train, val=None):
        t0 = time.perf_counter()
        X, y = self._xy(train)
        Xv, yv = self._xy(val) if val else (None, None)
        self.fit_features(X, y, Xv, yv)
        self.train_seconds = time.perf_counter() - t0  # features included
        return self

    def predict(self, rec, calibration=None, epochs=None):
        "Stage per full epoch of `rec` (`calibration` is not used)."
        pred = self.predict_features(self.features(rec))
        return pred if epochs is None else pred[np.asarray(epochs)]

    def predict_proba(self, rec: Recording) -> np.ndarray:
        return self.predict_proba_features(self.features(rec))

    # band-power tables -------------------------------------------------------------------------
    def fit_table(self, table: pd.DataFrame, hyp: Hypnogram, rows=None) -> "BandPowerGBM":
        """Train on a band-power table (`slumbernet.io.load_bandpower_table`).

        Scaling statistics come from the whole `table` (all rows, no labels); training uses `rows`
        (indices or a boolean mask; default all) whose epochs are scored and not artefacts.
        """
        X, y = self._table_X(table), training_labels(hyp, len(table), "table stages")
        rows = np.arange(len(table)) if rows is None else np.asarray(rows)
        return self.fit_features(X[rows], y[rows])

    def predict_table(self, table: pd.DataFrame, rows=None) -> np.ndarray:
        "Stage per row in `rows` (default all), with scaling over the whole `table`."
        X = self._table_X(table)
        return self.predict_features(X if rows is None else X[np.asarray(rows)])


def table_light_dark(path=None, n_light: int = 10_800, reverse: bool = False, **gbm_kwargs) -> dict:
    """The reference split of ../shared/data/README.md on the real band-power table, or its reverse.

    Scaled over the whole 24 h, trained on the first `n_light` epochs (light phase from 07:00),
    tested on the rest (dark). README: acc 0.973, kappa 0.931, REM F1 0.871. `reverse=True`
    trains on the dark half and tests on the light one: with it, the same two folds as the
    surrogate's in `benchmarks.run`. Test epochs that are unscored or artefact-flagged are left
    out of the metrics.
    """
    from slumbernet.evaluate import agreement
    from slumbernet.io import load_bandpower_table
    if path is None:
        from benchmarks.common import SHARED
        path = SHARED / "mouse_zfhx3" / "baseline_bandpower.csv"
    table, hyp = load_bandpower_table(path)
    gbm = BandPowerGBM(**gbm_kwargs)
    train = (np.arange(len(table)) < n_light) != reverse
    gbm.fit_table(table, hyp, train)
    pred = gbm.predict_table(table, ~train)
    truth = training_labels(hyp)[~train]
    out = agreement(truth, pred)
    return {"accuracy": out["accuracy"], "kappa": out["kappa"], "f1_R": out["f1_R"], "f1_W": out["f1_W"],
            "f1_N": out["f1_N"], "n_test": out["n"], "train_seconds": gbm.train_seconds,
            "n_iter": int(gbm.model.n_iter_), "confusion": out["confusion"]}


# ---------------------------------------------------------------------------------------------
# AccuSleePy
# ---------------------------------------------------------------------------------------------

def _read_image_pil(path, mode=None):
    "Stand-in for `torchvision.io.read_image`: uint8 tensor (channels, height, width) read with PIL."
    import torch
    from PIL import Image
    with Image.open(path) as im:
        a = np.array(im)  # a writable copy
    if a.ndim == 2: a = a[None]
    else: a = np.moveaxis(a, -1, 0)
    return torch.from_numpy(np.ascontiguousarray(a))


_ACCUSLEEPY = {}
_TORCHVISION_SHIMMED = False


def _import_accusleepy() -> dict:
    """Import the accusleepy modules the wrapper uses, shimming torchvision if it is absent or broken.

    accusleepy imports `torchvision.io.read_image` (to read its training PNGs) and nothing else
    from torchvision. PyPI's torchvision wheels fail to import beside a CPU-only torch build of a
    different origin ("operator torchvision::nms does not exist"), so when `import torchvision.io`
    fails, a stub `torchvision.io` whose `read_image` reads the PNG with PIL is placed in
    `sys.modules` just while accusleepy is imported, then removed again (accusleepy keeps its
    reference; nothing else in the process sees the stub).
    """
    global _TORCHVISION_SHIMMED
    if _ACCUSLEEPY: return _ACCUSLEEPY
    shim = False
    saved = {k: v for k, v in sys.modules.items() if k == "torchvision" or k.startswith("torchvision.")}
    try:
        importlib.import_module("torchvision.io")
    except Exception:  # ImportError, or RuntimeError from a torchvision built for another torch
        shim = True
        for k in [k for k in sys.modules if k == "torchvision" or k.startswith("torchvision.")]: del sys.modules[k]
        tv, tvio = types.ModuleType("torchvision"), types.ModuleType("torchvision.io")
        tvio.read_image = _read_image_pil
        tv.io = tvio
        sys.modules["torchvision"], sys.modules["torchvision.io"] = tv, tvio
    try:
        mods = {name: importlib.import_module(f"accusleepy.{name}") for name in
                ("constants", "brain_state_set", "fileio", "signal_processing", "classification", "bouts")}
    finally:
        if shim:
            for k in ("torchvision.io", "torchvision"): sys.modules.pop(k, None)
            sys.modules.update(saved)
    _TORCHVISION_SHIMMED = shim
    _ACCUSLEEPY.update(mods)
    return _ACCUSLEEPY


def _quiet_trange(*args, **kwargs):
    "`tqdm.trange` without the progress bar."
    return range(*args)


@contextlib.contextmanager
def _sandbox_home():
    """For the duration of the block: HOME, XDG_CONFIG_HOME and XDG_CACHE_HOME point at a temporary
    folder (accusleepy's `load_config` writes its config there; nothing else should write), and the
    tqdm progress bars of accusleepy's training loops are replaced by plain ranges."""
    keys = ("HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME")
    old = {k: os.environ.get(k) for k in keys}
    tmp = tempfile.mkdtemp(prefix="accusleepy_home_")
    os.environ.update({"HOME": tmp, "XDG_CONFIG_HOME": os.path.join(tmp, ".config"),
                       "XDG_CACHE_HOME": os.path.join(tmp, ".cache")})
    patched = [(mod, mod.trange) for mod in _ACCUSLEEPY.values() if hasattr(mod, "trange")]
    for mod, _ in patched: mod.trange = _quiet_trange
    try:
        yield tmp
    finally:
        for mod, orig in patched: mod.trange = orig
        for k, v in old.items():
            if v is None: os.environ.pop(k, None)
            else: os.environ[k] = v
        shutil.rmtree(tmp, ignore_errors=True)


class AccuSleepy(Contender):
    """AccuSleep's Python port (`accusleepy`) trained and run through its own functions.

    Parameters
    ----------
    calibrated : bool
        False ("accusleepy"): every test recording is z-scored with the training data's calibration,
        the mean over the training recordings of their mixture means and SDs. accusleepy has no
        label-free calibration: its mixture z-scoring needs class-conditional statistics, i.e. labelled
        epochs of the animal. True ("accusleepy (calibrated)"): `predict` computes the mixture means
        and SDs of the test recording from the `calibration` labels it is given (accusleepy's
        "calibration file", `get_mixture_values`), as AccuSleep's users do; it needs at least 3
        labelled epochs of each stage there (accusleepy's own minimum) and raises ValueError otherwise.
    epochs_per_img : int
        Epochs per model input (accusleepy GUI default 9, the scored epoch in the middle).
    training_epochs, batch_size, learning_rate, momentum : optional
        Override accusleepy's defaults (its bundled config: 6 epochs, batch 64, SGD lr 0.001,
        momentum 0.9). None keeps its default.
    min_bout_s : float, optional
        Minimum bout length its scoring enforces (config default 5 s: with 4-s epochs a single-epoch
        bout is absorbed). None keeps the default; 0 turns it off.
    seed : int
        Seeds torch (weights, shuffling).
    workdir : str, optional
        Where to write the training images (default: a temporary folder, deleted after training).
    shared_fits : dict, optional
        A cache shared by the "accusleepy" and "accusleepy (calibrated)" instances of one run (see
        `mouse_contenders`): `fit` on the same training recordings (same objects) reuses the network
        trained by the other instance (and reports the same `train_seconds`) instead of training again.
        The two differ only at scoring time.

    Notes
    -----
    - Labels: W -> accusleepy digit 2, NREM -> 3, REM -> 1 (its default brain-state set); unscored and
      artefact epochs -> its undefined label -1, which it neither trains on nor calibrates with.
    - Signals are cut to the full 4-s epochs before they reach accusleepy (its own
      `standardize_signal_length` would otherwise pad a trailing half epoch).
    - Its bundled default config is read from the package; `load_config` (which writes a copy into the
      user's config folder) is not called, and HOME points to a temporary folder during every call.
    - Temperature scaling (the GUI's "calibrate model" option) is not used: it does not change the
      predicted stage; all training data go into training. `val` is not used (its training has no
      validation or early stopping).
    """
    def __init__(self, calibrated: bool = False, epochs_per_img: int = 9, training_epochs: int | None = None,
                 batch_size: int | None = None, learning_rate: float | None = None, momentum: float | None = None,
                 min_bout_s: float | None = None, seed: int = 0, workdir: str | None = None,
                 shared_fits: dict | None = None):
        super().__init__()
        self.calibrated = calibrated
        self.shared_fits = shared_fits
        self.name = "accusleepy (calibrated)" if calibrated else "accusleepy"
        self.epochs_per_img, self.seed, self.workdir = epochs_per_img, seed, workdir
        self.overrides = {"training_epochs": training_epochs, "batch_size": batch_size,
                          "learning_rate": learning_rate, "momentum": momentum}
        self.min_bout_s = min_bout_s
        self.model = None
        self.train_calibration = None
        self.failed_recordings = []
        self.uncalibrated = []  # test recordings with too few labels of some stage to calibrate on
        self.config = None

    def variant(self, calibrated: bool) -> "AccuSleepy":
        """The same trained model scoring with or without calibration labels (no second training).

        `AccuSleepy().fit(train)` then `.variant(True)` gives "accusleepy (calibrated)" sharing the
        network: the two contenders differ only at scoring time. `train_seconds` is copied.
        """
        import copy
        other = copy.copy(self)
        other.calibrated = calibrated
        other.name = "accusleepy (calibrated)" if calibrated else "accusleepy"
        return other

    # setup -------------------------------------------------------------------------------------
    def available(self):
        miss = _missing("accusleepy", "torch")
        if miss:
            return False, (f"{' and '.join(miss)} not installed (pip install torch, then "
                           "pip install --no-deps accusleepy; see benchmarks/contenders.py)")
        try:
            with _sandbox_home(): _import_accusleepy()
        except Exception as e:  # noqa: BLE001 - reported, not raised
            return False, f"accusleepy fails to import: {type(e).__name__}: {e}"
        return True, ""

    def _setup(self):
        m = _import_accusleepy()
        if self.config is None:
            from importlib.resources import files
            raw = json.loads(files("accusleepy").joinpath(m["constants"].DEFAULT_CONFIG_FILE).read_text())
            bs = m["brain_state_set"]
            c = m["constants"]
            self.brain_state_set = bs.BrainStateSet([bs.BrainState(**b) for b in raw["brain_states"]],
                                                    c.UNDEFINED_LABEL)
            self.emg_filter = m["fileio"].EMGFilter(**raw.get("emg_filter", {
                "order": c.DEFAULT_EMG_FILTER_ORDER, "bp_lower": c.DEFAULT_EMG_BP_LOWER,
                "bp_upper": c.DEFAULT_EMG_BP_UPPER}))
            hp = dict(raw.get("hyperparameters", {"batch_size": c.DEFAULT_BATCH_SIZE,
                                                  "learning_rate": c.DEFAULT_LEARNING_RATE,
                                                  "momentum": c.DEFAULT_MOMENTUM,
                                                  "training_epochs": c.DEFAULT_TRAINING_EPOCHS}))
            hp.update({k: v for k, v in self.overrides.items() if v is not None})
            self.hyperparameters = m["fileio"].Hyperparameters(**hp)
            if self.min_bout_s is None: self.min_bout_s = float(raw.get("default_min_bout_length",
                                                                        c.DEFAULT_MIN_BOUT_LENGTH))
            names = {b.name.upper(): b.digit for b in self.brain_state_set.brain_states}
            self.stage_to_digit = np.array([names["WAKE"], names["NREM"], names["REM"]])
            self.config = raw
        return m

    def _digits(self, stages: np.ndarray) -> np.ndarray:
        "SlumberNet stage (0 W, 1 N, 2 R, -1 none) -> accusleepy digit (-1 undefined)."
        st = np.asarray(stages, int)
        return np.where(st >= 0, self.stage_to_digit[np.clip(st, 0, 2)], self._m["constants"].UNDEFINED_LABEL)

    def _stages(self, digits: np.ndarray) -> np.ndarray:
        lut = {int(d): i for i, d in enumerate(self.stage_to_digit)}
        return np.array([lut.get(int(d), -1) for d in digits], np.int8)

    def _signals(self, rec: Recording):
        if not rec.has_emg: raise ValueError(f"{self.name} needs an EMG channel")
        n = n_epochs(rec)
        k = n * int(round(EPOCH_S * rec.sfreq_hz))
        return rec.eeg[:k].astype(np.float64), rec.emg[:k].astype(np.float64), rec.sfreq_hz, n

    # training ----------------------------------------------------------------------------------
    _FITTED = ("model", "train_calibration", "train_seconds", "failed_recordings", "n_training_images")

    def fit(self, train, val=None):
        train = as_pairs(train)
        key = tuple(id(x) for pair in train for x in pair)
        self._m = self._setup()  # imports only; writes nothing
        if self.shared_fits is not None and key in self.shared_fits:
            self.__dict__.update(self.shared_fits[key][1])
            return self
        self._fit(train)
        if self.shared_fits is not None:  # the objects are kept alive with the entry, so their ids stay unique
            self.shared_fits[key] = (train, {k: getattr(self, k) for k in self._FITTED})
        return self

    def _fit(self, train):
        import torch
        t0 = time.perf_counter()
        m = self._m
        with _sandbox_home():
            sp, cl, fio = m["signal_processing"], m["classification"], m["fileio"]
            c = m["constants"]
            work = self.workdir or tempfile.mkdtemp(prefix="accusleepy_train_")
            img_dir = os.path.join(work, "images")
            os.makedirs(img_dir, exist_ok=True)
            try:
                recs, means, sds = [], [], []
                for i, (rec, hyp) in enumerate(train):
                    eeg, emg, sf, n = self._signals(rec)
                    labels = self._digits(training_labels(hyp, n, f"scores of {rec.recording_id or i}"))
                    rfile = os.path.join(work, f"rec{i}.parquet")
                    lfile = os.path.join(work, f"rec{i}_labels.csv")
                    pd.DataFrame({c.EEG_COL: eeg, c.EMG_COL: emg}).to_parquet(rfile)
                    fio.save_labels(labels, lfile)
                    recs.append(fio.Recording(name=i, recording_file=rfile, label_file=lfile, sampling_rate=sf))
                    # this recording's calibration, for the uncalibrated contender's test-time z-scoring
                    cls = self.brain_state_set.convert_digit_to_class(labels)
                    if all(np.sum(cls == k) >= c.MIN_EPOCHS_PER_STATE for k in range(self.brain_state_set.n_classes)):
                        e2, m2, sf2 = sp.resample_and_standardize(eeg, emg, sf, EPOCH_S)
                        img = sp.create_eeg_emg_image(e2, m2, sf2, EPOCH_S, self.emg_filter)
                        mu, sd = sp.get_mixture_values(img, cls, self.brain_state_set)
                        means.append(mu); sds.append(sd)
                torch.manual_seed(self.seed)
                failed, balance, _ = sp.create_training_images(
                    recordings=recs, output_path=img_dir, epoch_length=EPOCH_S, epochs_per_img=self.epochs_per_img,
                    brain_state_set=self.brain_state_set, model_type=c.DEFAULT_MODEL_TYPE, calibration_fraction=0,
                    emg_filter=self.emg_filter)
                self.failed_recordings = list(failed)
                if len(failed) == len(recs):
                    raise ValueError(f"{self.name}: no training recording usable (each needs >= "
                                     f"{c.MIN_EPOCHS_PER_STATE} labelled epochs of every stage)")
                if np.any(balance == 0):
                    raise ValueError(f"{self.name}: a stage is absent from the training labels")
                torch.manual_seed(self.seed)
                self.model = cl.train_ssann(annotations_file=os.path.join(img_dir, c.ANNOTATIONS_FILENAME),
                                            img_dir=img_dir, training_class_balance=balance,
                                            n_classes=self.brain_state_set.n_classes,
                                            hyperparameters=self.hyperparameters)
                self.model.eval()
                self.train_calibration = (np.mean(means, 0), np.mean(sds, 0))
                self.n_training_images = int(sum(1 for f in os.listdir(img_dir) if f.endswith(".png")))
            finally:
                if self.workdir is None: shutil.rmtree(work, ignore_errors=True)
        self.train_seconds = time.perf_counter() - t0
        return self

    # scoring -----------------------------------------------------------------------------------
    def calibration_from(self, rec: Recording, calibration: Hypnogram) -> tuple[np.ndarray, np.ndarray]:
        "accusleepy's calibration (mixture means, SDs) of `rec` from the labelled epochs of `calibration`."
        m = self._m
        sp, c = m["signal_processing"], m["constants"]
        eeg, emg, sf, n = self._signals(rec)
        cls = self.brain_state_set.convert_digit_to_class(self._digits(training_labels(calibration, n, "calibration")))
        counts = [int(np.sum(cls == k)) for k in range(self.brain_state_set.n_classes)]
        if min(counts) < c.MIN_EPOCHS_PER_STATE:
            raise TooFewLabels(f"{self.name}: calibration needs >= {c.MIN_EPOCHS_PER_STATE} labelled epochs of each "
                             f"stage; got {dict(zip(['REM', 'Wake', 'NREM'], counts))} (accusleepy classes)")
        e2, m2, sf2 = sp.resample_and_standardize(eeg, emg, sf, EPOCH_S)
        img = sp.create_eeg_emg_image(e2, m2, sf2, EPOCH_S, self.emg_filter)
        return sp.get_mixture_values(img, cls, self.brain_state_set)

    def predict(self, rec, calibration=None, epochs=None):
        if self.model is None: raise RuntimeError(f"{self.name}: call fit first")
        with _sandbox_home():
            m = self._m
            sp, cl, bouts = m["signal_processing"], m["classification"], m["bouts"]
            if self.calibrated:
                if calibration is None: raise ValueError(f"{self.name} needs calibration= labels of this recording")
                try:
                    means, sds = self.calibration_from(rec, calibration)
                except TooFewLabels:  # as AccuSleep itself cannot calibrate such a recording: the training data's calibration
                    means, sds = self.train_calibration
                    self.uncalibrated.append(rec.recording_id)
            else:
                means, sds = self.train_calibration
            eeg, emg, sf, n = self._signals(rec)
            eeg, emg, sf = sp.resample_and_standardize(eeg, emg, sf, EPOCH_S)
            digits, _ = cl.score_recording(model=self.model, eeg=eeg, emg=emg, mixture_means=means,
                                           mixture_sds=sds, sampling_rate=sf, epoch_length=EPOCH_S,
                                           epochs_per_img=self.epochs_per_img, brain_state_set=self.brain_state_set,
                                           emg_filter=self.emg_filter)
            if self.min_bout_s and self.min_bout_s > EPOCH_S:
                digits = bouts.enforce_min_bout_length(labels=digits, epoch_length=EPOCH_S,
                                                       min_bout_length=self.min_bout_s)
        out = self._stages(digits)
        if len(out) != n: raise RuntimeError(f"{self.name}: scored {len(out)} epochs, expected {n}")
        return out if epochs is None else out[np.asarray(epochs)]


class TooFewLabels(ValueError):
    "A recording's labelled epochs cannot calibrate accusleepy (fewer than its minimum of some stage)."


# ---------------------------------------------------------------------------------------------
# MiSleep
# ---------------------------------------------------------------------------------------------

MISLEEP_STAGES = {3: 0, 1: 1, 2: 2, 4: 0}
"""MiSleep's state codes -> SlumberNet's stages: 3 Wake -> W, 1 NREM -> N, 2 REM -> R, and 4 ("Init", not yet
scored) -> W, as MiSleep's own post-processing maps it (its `auto_stage_gbm` returns only 1, 2 and 3)."""


def misleep_epochs(codes, n: int, epoch_s: float = EPOCH_S) -> np.ndarray:
    """SlumberNet stages of the first `n` epochs of `epoch_s` s from MiSleep's per-second state codes.

    Each epoch takes the stage most of its seconds have (after `MISLEEP_STAGES`); a tie (an epoch
    astride two of MiSleep's 5-s epochs, 2 s each) goes to the stage of its earliest second.
    Raises ValueError on a code not in `MISLEEP_STAGES` or fewer than `n * epoch_s` seconds.

    Examples
    --------
    >>> misleep_epochs([3, 3, 3, 1,  3, 3, 1, 1,  2, 2, 1, 1], 3).tolist()
    [0, 0, 2]
    """
    k = int(round(epoch_s))
    codes = np.asarray(codes, int)
    if len(codes) < n * k: raise ValueError(f"MiSleep scored {len(codes)} s, fewer than {n} epochs of {k} s")
    unknown = sorted(set(np.unique(codes).tolist()) - set(MISLEEP_STAGES))
    if unknown: raise ValueError(f"MiSleep state codes {unknown} are not in MISLEEP_STAGES {MISLEEP_STAGES}")
    lut = np.full(max(MISLEEP_STAGES) + 1, -1, np.int8)
    lut[list(MISLEEP_STAGES)] = list(MISLEEP_STAGES.values())
    st = lut[codes[:n * k]].reshape(n, k)
    votes = (st[:, :, None] == st[:, None, :]).sum(2)  # how many seconds of its epoch share each second's stage
    return st[np.arange(n), votes.argmax(1)]  # argmax: the earliest of the most frequent


def _import_misleep():
    """misleep's `auto_stage_gbm`. Imported with HOME in a temporary folder (its logger opens a log file under
    ~/.misleep), then its log handlers are closed: its INFO lines are neither printed nor written."""
    with _sandbox_home():
        from misleep.analysis.auto_stage import auto_stage_gbm
        from misleep.logger import logger
    for h in list(logger.handlers):
        logger.removeHandler(h)
        h.close()
    return auto_stage_gbm


class MiSleep(Contender):
    """MiSleep's shipped LightGBM stager out of the box: never trained here, never calibrated.

    Parameters
    ----------
    site : {"F", "P"}
        EEG electrode site, frontal or parietal: which of its shipped models scores the recording.

    Notes
    -----
    - `misleep.analysis.auto_stage_gbm` (misleep 0.3): band-pass filters (EEG 0.5-40 Hz with a 47-53 Hz
      notch, EMG 10-100 Hz), features of 10-s windows sliding by 1 s averaged over 5-s epochs and z-scored
      over the recording (so the signals' units do not matter), LightGBM, an HMM and its smoothing rules
      (no REM straight after Wake), then one state per second (the first 10 s and the tail take the
      nearest epoch's). `misleep_epochs` turns them into 4-s epochs by majority (see `MISLEEP_STAGES`).
    - A recording without EMG is scored by its EEG-only model.
    - It needs at least 15 s of signal and a sampling rate above 106 Hz (its notch filter's 53 Hz must
      be below Nyquist): otherwise `predict` raises ValueError.
    """
    name = "MiSleep (out of the box)"

    def __init__(self, site: str = "F"):
        super().__init__()
        self.site = site

    def available(self):
        miss = _missing("misleep", "lightgbm")
        return (False, f"{' and '.join(miss)} not installed (pip install misleep lightgbm)") if miss else (True, "")

    def fit(self, train, val=None):
        "Nothing to train: its shipped model is used as it comes."
        self.train_seconds = 0.0
        return self

    def predict(self, rec, calibration=None, epochs=None):
        "Stage per full epoch of `rec` (`calibration` is not used)."
        if rec.sfreq_hz <= 106: raise ValueError(f"{self.name} needs a sampling rate above 106 Hz, got {rec.sfreq_hz:g}")
        codes = _import_misleep()(rec.eeg, rec.emg, None, rec.sfreq_hz, EEG_channel=self.site)
        out = misleep_epochs(codes, n_epochs(rec))
        return out if epochs is None else out[np.asarray(epochs)]


def mouse_contenders(seed: int = 0, gbm_max_iter: int | None = None,
                     accusleepy_epochs: int | None = None) -> list[Contender]:
    """The contenders of this module for mouse data (EEG + EMG, 4-s epochs), seeded.

    The two accusleepy entries share one trained network per fold (see `AccuSleepy.shared_fits`).
    `gbm_max_iter` and `accusleepy_epochs` shrink their training budgets (`benchmarks.run --quick`);
    None keeps the defaults.
    """
    shared = {}
    gbm = BandPowerGBM(seed=seed) if gbm_max_iter is None else BandPowerGBM(seed=seed, max_iter=gbm_max_iter)
    return [gbm, AccuSleepy(calibrated=False, seed=seed, shared_fits=shared, training_epochs=accusleepy_epochs),
            AccuSleepy(calibrated=True, seed=seed, shared_fits=shared, training_epochs=accusleepy_epochs)]



REFERENCE_LIGHT_DARK = {"accuracy": 0.973, "kappa": 0.931, "f1_R": 0.871}
"The README's figure for the band-power baseline, real table, light 12 h -> dark 12 h (median/IQR scaling)."


def real_table_baseline(path=None, seed: int = 0) -> dict:
    """The band-power GBM on the real table, beside the README's figure, and on the surrogate's two folds.

    Runs the contender as benchmarked (2-98 % range scaling) and the README's recipe (median/IQR)
    on the README's split (light 12 h -> dark 12 h); then the benchmarked one on the reverse
    split, and both splits pooled (summed confusion matrices): the surrogate's folds and pooling
    in `benchmarks.run`, so that its figures can be read against the real features like for like.
    All scale over the whole 24 h. JSON-serialisable.
    """
    from slumbernet.evaluate import metrics_from_confusion
    t0 = time.perf_counter()
    out = {"status": "ok", "split": "trained on the first 10,800 epochs (light 12 h from 07:00), tested on the rest",
           "reference_readme": REFERENCE_LIGHT_DARK}
    rnd = lambda r: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in r.items()}
    for label, scaling, reverse in (("range_2_98", "range", False), ("median_iqr", "median", False),
                                    ("range_2_98_dark_light", "range", True)):
        out[label] = rnd(table_light_dark(path, seed=seed, scaling=scaling, reverse=reverse))
    C = np.add(out["range_2_98"]["confusion"], out["range_2_98_dark_light"]["confusion"])
    m = metrics_from_confusion(C)
    out["range_2_98_pooled"] = rnd({k: m[k] for k in ("accuracy", "kappa", "f1_W", "f1_N", "f1_R")}
                                   | {"n": m["n"], "confusion": C.tolist()})
    out["seconds"] = round(time.perf_counter() - t0, 1)
    return out
