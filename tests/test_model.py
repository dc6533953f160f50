"""Networks and model files: shapes, the paper's architecture, saving, and refusing bad files."""
import re
import json

import numpy as np
import pytest

from slumbernet.model import (ModelFileError, NumpyModel, SleepModel, UnsupportedNetworkError, build_default_model,
                              build_paper_model, load_model, save_model)
from slumbernet.preprocess import Epochs


def epochs(n=100, emg_mode="envelope", seed=0):
    x = np.random.default_rng(seed).normal(size=(n, 256, 2)).astype(np.float32)
    return Epochs(x, 64.0, 4.0, emg_mode, True)


@pytest.fixture(scope="module")
def model():
    return SleepModel.new("default", seq_len=16)


def test_paper_network_is_the_published_one():
    m = build_paper_model()
    assert m.count_params() == 5_345_011
    assert m.input_shape == (None, 256, 2, 1) and m.output_shape == (None, 3)
    convs = [l for l in m.layers if type(l).__name__ == "Conv2D"]
    # Keras lists a block's shortcut convolution among its main ones: compare the block's kernels as a set
    assert sorted(tuple(c.kernel_size) for c in convs[:4]) == [(2, 1), (2, 3), (2, 5), (2, 8)]
    assert [c.filters for c in convs[::4]][:6] == [8, 16, 32, 64, 128, 256]


def test_default_network_shapes_and_size(model):
    km = model.keras_model
    assert km.input_shape == (None, 16, 256, 2) and km.output_shape == (None, 16, 3)
    assert km.count_params() < 150_000
    p = model.predict_proba(epochs(100))
    assert p.shape == (100, 3) and np.allclose(p.sum(1), 1, atol=1e-4)


def test_scoring_does_not_depend_on_batch_boundaries(model):
    e = epochs(300)
    np.testing.assert_allclose(model.predict_proba(e, batch_size=64), model.predict_proba(e, batch_size=4096), atol=1e-5)


def test_context_matters(model):
    # the TCN makes an epoch's probabilities depend on its neighbours
    e = epochs(200)
    changed = Epochs(e.data.copy(), 64.0, 4.0, "envelope", True)
    changed.data[105] *= 5
    diff = np.abs(model.predict_proba(e) - model.predict_proba(changed)).max(1)
    assert diff[100] > 0 and diff[20] == 0  # a neighbour changes; an epoch 85 away does not


def test_refuses_epochs_prepared_differently(model):
    with pytest.raises(ValueError, match="EMG 'envelope'"):
        model.predict_proba(epochs(20, emg_mode="raw"))
    with pytest.raises(ValueError, match="trained with EMG"):
        model.predict_proba(Epochs(epochs(20).data, 64.0, 4.0, "envelope", False))


def test_save_load_round_trip(model, tmp_path):
    path = save_model(model, tmp_path / "m")
    meta = json.loads((tmp_path / "m.json").read_text())
    for key in ("architecture", "input", "labels", "channels", "normalisation", "slumbernet_version", "keras_version",
                "sha256", "format"):
        assert key in meta
    assert meta["labels"] == ["W", "N", "R"] and meta["input"]["sfreq_hz"] == 64.0
    back = load_model(tmp_path / "m.keras")
    e = epochs(50)
    np.testing.assert_allclose(back.predict_proba(e), model.predict_proba(e), atol=1e-6)
    with pytest.raises(FileExistsError):
        save_model(model, tmp_path / "m")


def test_tampered_truncated_and_newer_files_are_refused(model, tmp_path):
    path = save_model(model, tmp_path / "m")
    good = path.read_bytes()
    path.write_bytes(good[: len(good) // 2])
    with pytest.raises(ModelFileError, match="SHA-256 does not match"):
        load_model(path)
    tampered = bytearray(good); tampered[len(good) // 3] ^= 1
    path.write_bytes(bytes(tampered))
    with pytest.raises(ModelFileError, match="SHA-256 does not match"):
        load_model(path)
    path.write_bytes(good)
    meta = json.loads((tmp_path / "m.json").read_text())
    (tmp_path / "m.json").write_text(json.dumps({**meta, "format": 99}))
    with pytest.raises(ModelFileError, match="newer than this SlumberNet"):
        load_model(path)
    (tmp_path / "m.json").write_text("{not json")
    with pytest.raises(ModelFileError, match="not valid JSON"):
        load_model(path)
    with pytest.raises(ModelFileError, match="model file not found"):
        load_model(tmp_path / "nothing.keras")


def test_file_with_code_is_refused_by_safe_mode(tmp_path):
    # a network with a Lambda layer carries Python code; safe loading must not run it
    import keras
    inp = keras.Input((4,))
    km = keras.Model(inp, keras.layers.Lambda(lambda x: x * 2)(inp))
    m = SleepModel(km, "default", {})
    path = save_model(m, tmp_path / "evil")
    with pytest.raises(ModelFileError, match="could not load the network safely"):
        load_model(path)


def test_numpy_engine_scores_as_keras_does(tmp_path):
    m = SleepModel.new("default", seq_len=16)
    rng = np.random.default_rng(1)
    for w in m.keras_model.weights:  # trained-looking weights and batch-norm statistics, not the initial ones
        v = rng.normal(0, 0.3, w.shape)
        w.assign(np.abs(v) + 0.5 if "moving_variance" in w.path else v)
    path = save_model(m, tmp_path / "m")
    fast = load_model(path, engine="numpy")
    assert isinstance(fast, NumpyModel) and fast.parameters == m.keras_model.count_params()
    e = epochs(300, seed=2)
    np.testing.assert_allclose(fast.predict_proba(e), m.predict_proba(e), atol=1e-5)
    assert isinstance(load_model(path, engine="auto"), NumpyModel)
    with pytest.raises(ValueError, match="expects 4-s epochs at 64 Hz with EMG 'envelope'"):
        fast.predict_proba(epochs(10, emg_mode="raw"))


def test_numpy_engine_refuses_networks_it_does_not_implement(tmp_path):
    import keras
    L = keras.layers
    ei = keras.Input((256, 2))
    enc = keras.Model(ei, L.GlobalAveragePooling1D()(L.Conv1D(4, 3, padding="causal")(ei)), name="encoder")
    hi = keras.Input((None, 4))
    head = keras.Model(hi, L.Dense(3, activation="softmax")(hi), name="head")
    inp = keras.Input((8, 256, 2))
    out = head(keras.ops.reshape(enc(keras.ops.reshape(inp, (-1, 256, 2))), (-1, 8, 4)))
    path = save_model(SleepModel(keras.Model(inp, out), "default", {}), tmp_path / "causal")
    with pytest.raises(UnsupportedNetworkError, match="padding 'causal'"):
        load_model(path, engine="numpy")
    auto = load_model(path, engine="auto")  # falls back to Keras
    assert isinstance(auto, SleepModel) and auto.predict_proba(epochs(20)).shape == (20, 3)
    paper = save_model(SleepModel.new("paper"), tmp_path / "paper")
    with pytest.raises(UnsupportedNetworkError, match="not the 'paper' one"):
        load_model(paper, engine="numpy")


# ---- issue 18: a model file is checked, metadata included, before it is run ----------------------------------

def _bundled_copy(tmp_path, edit=None, digest: str = "keep"):
    "The bundled model copied to tmp_path, its metadata edited by `edit`; its prediction_sha256 kept, recomputed or dropped."
    import json
    import shutil
    from slumbernet.core import bundled_model_path
    from slumbernet.model import prediction_sha256
    src = bundled_model_path()
    shutil.copy(src, tmp_path / "m.keras")
    meta = json.loads(src.with_suffix(".json").read_text())
    if edit: edit(meta)
    if digest == "recompute": meta["prediction_sha256"] = prediction_sha256(meta)
    elif digest == "drop": meta.pop("prediction_sha256")
    (tmp_path / "m.json").write_text(json.dumps(meta))
    return tmp_path / "m.keras"


def test_metadata_that_changes_predictions_is_covered_by_the_checksum(tmp_path):
    "Issue 18 item 2: editing the .json's EEG band turned 33/46/21 % W/N/R into 99 % W, and the model still loaded."
    from slumbernet.model import ModelFileError, load_model
    path = _bundled_copy(tmp_path, lambda m: m["input"].update(eeg_band_hz=[0.5, 4.0]))
    for engine in ("numpy", "keras"):
        with pytest.raises(ModelFileError, match="metadata that changes predictions .* was altered after saving"):
            load_model(path, engine=engine)
    load_model(_bundled_copy(tmp_path, lambda m: m["training"].update(summary="edited")), engine="numpy")  # not predictions


def test_a_rerun_after_the_models_metadata_changed_is_not_kept(tmp_path, capsys):
    "Issue 18 item 2: with the digest dropped and class weights edited, the rerun said 'kept (exists)'."
    from slumbernet.cli import main
    from conftest import SAMPLES
    path = _bundled_copy(tmp_path)
    argv = ["predict", str(SAMPLES / "mouse01_baseline.edf"), "--out", str(tmp_path / "out"), "--quiet", "--model", str(path)]
    assert main(argv) == 0
    _bundled_copy(tmp_path, lambda m: m["class_weights"].update(W=9.0), digest="drop")
    assert main(argv) == 1
    assert "already exists, made by another model" in capsys.readouterr().out


@pytest.mark.parametrize("edit, message", [
    (lambda m: m["input"].update(sfreq_hz=128), "built for epochs of 256 samples x 2 channels, but its metadata describes 512"),
    (lambda m: m["input"].update(epoch_s=0.02), "metadata 'input' has epoch_s 0.02, not 1-30 s"),
    (lambda m: m["input"].update(emg="rms"), "has emg 'rms'"),
])
def test_a_network_that_cannot_run_on_the_input_its_metadata_describes_is_refused(tmp_path, edit, message):
    "Issue 18 items 3 and 14: the NumPy engine ran a network built for another input size; tampered values gave raw errors."
    from slumbernet.model import ModelFileError, load_model
    with pytest.raises(ModelFileError, match=re.escape(message)):
        load_model(_bundled_copy(tmp_path, edit, digest="recompute"), engine="numpy")


def test_a_zip_bomb_model_is_refused_before_it_is_unpacked(tmp_path):
    "Issue 18 item 17: a 1.5 MB .keras zip bomb with a matching .json reached 3.2 GB before it was refused."
    import json
    import zipfile
    from slumbernet.core import bundled_model_path
    from slumbernet.io import file_sha256
    from slumbernet.model import ModelFileError, load_model
    bomb = tmp_path / "m.keras"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        with z.open("model.weights.h5", "w", force_zip64=True) as f:
            zeros = bytes(1 << 24)
            for _ in range(20): f.write(zeros)  # 320 MB of zeros, a few hundred kB packed
    meta = json.loads(bundled_model_path().with_suffix(".json").read_text())
    meta["sha256"] = file_sha256(bomb)
    (tmp_path / "m.json").write_text(json.dumps(meta))
    assert bomb.stat().st_size < 2_000_000
    with pytest.raises(ModelFileError, match="declares 320 MB unpacked"):
        load_model(bomb, engine="numpy")
