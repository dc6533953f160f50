"""Networks and model files: shapes, the paper's architecture, saving, and refusing bad files."""
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
