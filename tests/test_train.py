"""Training: folds never split an animal, augmentation is fresh, a tiny run learns, runs resume."""
import numpy as np
import pytest

from slumbernet.preprocess import Epochs
from slumbernet.simulate import simulate_cohort
from slumbernet.train import (Augmenter, TrainConfig, WindowSampler, class_weights, cross_validate, evaluate_model,
                              fine_tune, group_folds, label_subset, prepare_training_data, train_model)


@pytest.fixture(scope="module")
def data():
    return prepare_training_data(simulate_cohort(4, ("baseline",), hours=1, seed=5, start_hour=9))


@pytest.fixture(scope="module")
def trained(data):
    "A model of a few steps (data[:2], validated on data[2]): building and compiling one costs most of a test's time."
    model, _ = train_model(data[:2], data[2:3], TrainConfig(seq_len=16, steps=10, max_rounds=1), progress=False)
    return model


def test_group_folds_partition_the_animals():
    groups = [f"m{i}" for i in range(7) for _ in range(2)]
    folds = group_folds(groups, 3, seed=1)
    flat = sum(folds, [])
    assert sorted(flat) == sorted(set(groups)) and len(flat) == len(set(flat))
    assert max(map(len, folds)) - min(map(len, folds)) <= 1


def test_augmentation_is_drawn_afresh(data):
    s = WindowSampler(data, 8, Augmenter(), class_weights([d.labels for d in data]))
    rng = np.random.default_rng(0)
    a, _, _ = s(4, np.random.default_rng(1))
    b, _, _ = s(4, np.random.default_rng(1))
    c, _, _ = s(4, rng); d_, _, _ = s(4, rng)
    np.testing.assert_array_equal(a, b)        # seeded: reproducible
    assert not np.allclose(c, d_)              # but every draw is new


def test_windows_hold_real_neighbouring_signal(data):
    s = WindowSampler(data[:1], 4, None, np.ones(3))
    x, y, w = s(3, np.random.default_rng(0))
    cont = data[0].data.reshape(-1, 2)
    for xi in x:  # each window is a contiguous stretch of the recording
        flat = xi.reshape(-1, 2)
        i = np.flatnonzero(np.all(cont[:, :] == flat[0], axis=1))[0]
        np.testing.assert_array_equal(cont[i:i + len(flat)], flat)


def test_class_weights_balance_rem():
    w = class_weights([np.array([0] * 90 + [1] * 9 + [2] * 1)], power=1.0)
    assert w[2] > w[1] > w[0]
    assert np.isclose((w[[0] * 90 + [1] * 9 + [2]]).mean(), 1.0)


@pytest.mark.slow
def test_tiny_training_run_learns_and_stops_on_validation(data):
    model, hist = train_model(data[:2], data[2:3], TrainConfig(seq_len=16, steps=25, max_rounds=4, patience=4, seed=2),
                              progress=False)
    assert len(hist) == 4 and hist["val_kappa"].max() == model.metadata["training"]["val_kappa"]
    m = evaluate_model(model, data[3:])
    assert m["kappa"] > 0.5, m["kappa"]
    assert model.metadata["training"]["validation"] == [data[2].recording_id]


@pytest.mark.slow
def test_interrupted_training_resumes_from_checkpoint(data, tmp_path, monkeypatch):
    import slumbernet.train as T
    cfg = TrainConfig(seq_len=16, steps=5, max_rounds=3, patience=5, seed=3)
    real, calls = T.evaluate_model, []

    def crash_in_round_two(*a, **k):
        calls.append(1)
        if len(calls) == 2: raise KeyboardInterrupt
        return real(*a, **k)

    monkeypatch.setattr(T, "evaluate_model", crash_in_round_two)
    with pytest.raises(KeyboardInterrupt):
        train_model(data[:1], data[1:2], cfg, checkpoint_dir=tmp_path, progress=False)
    monkeypatch.setattr(T, "evaluate_model", real)
    first = __import__("json").loads((tmp_path / "state.json").read_text())["history"]
    assert [h["round"] for h in first] == [0]
    _, hist = train_model(data[:1], data[1:2], cfg, checkpoint_dir=tmp_path, progress=False)
    assert hist["round"].tolist() == [0, 1, 2]
    assert hist.iloc[0]["loss"] == first[0]["loss"]  # round 0 was not redone
    cfg.max_rounds = 4
    with pytest.raises(ValueError, match="other settings"):
        train_model(data[:1], data[1:2], cfg, checkpoint_dir=tmp_path, progress=False)


@pytest.mark.slow
def test_training_under_a_mirrored_strategy_builds_the_model_in_its_scope(data):
    "What several GPUs would run (the paper's MirroredStrategy), on the one CPU; a few steps on 64 epochs."
    import dataclasses
    import tensorflow as tf
    short = [dataclasses.replace(d, data=d.data[:64], labels=d.labels[:64]) for d in data[:2]]
    mirrored = tf.distribute.MirroredStrategy(["/cpu:0"])
    model, hist = train_model(short[:1], short[1:], TrainConfig(seq_len=16, steps=2, max_rounds=1), strategy=mirrored,
                              progress=False)
    weights = [v.value for v in model.keras_model.trainable_variables]
    assert len(hist) == 1 and all(mirrored.extended.variable_created_in_scope(w) for w in weights)
    assert np.isfinite(model.predict_proba(short[1])).all()


@pytest.mark.slow
def test_cross_validation_never_puts_an_animal_on_both_sides(data):
    "Two folds of two test animals, one validation and one training animal each (every fold trains a new model)."
    cv = cross_validate(data, k=2, config=TrainConfig(seq_len=16, steps=5, max_rounds=1, seed=1), progress=False)
    for f in cv.folds:
        assert not set(f["test_groups"]) & set(f["train_groups"]), f
        assert not set(f["test_groups"]) & set(f["val_groups"]), f
        assert not set(f["val_groups"]) & set(f["train_groups"]), f
    assert sorted(sum((f["test_groups"] for f in cv.folds), [])) == sorted({d.animal_id for d in data})
    assert cv.pooled["n"] == sum(int((d.labels >= 0).sum()) for d in data)
    assert list(cv.table().index)[-1] == "pooled"


@pytest.mark.slow
def test_paper_architecture_trains_on_single_epochs():
    "The paper's network scores about ten epochs a second on a CPU: it validates and predicts on 24 epochs."
    import dataclasses
    raw = prepare_training_data(simulate_cohort(2, ("baseline",), hours=0.2, seed=6), emg="raw")
    val = dataclasses.replace(raw[1], data=raw[1].data[:24], labels=raw[1].labels[:24])
    model, hist = train_model(raw[:1], [val], TrainConfig("paper", steps=2, batch=8, max_rounds=1), progress=False)
    assert model.architecture == "paper" and len(hist) == 1
    assert model.predict_proba(val).shape == (24, 3)


@pytest.mark.slow
def test_fine_tune_uses_only_labelled_epochs_and_leaves_the_original(data, trained):
    model = trained
    before = model.keras_model.get_weights()[0].copy()
    sub = label_subset(data[3], minutes=6)
    have = set(np.unique(data[3].labels[data[3].labels >= 0]))
    assert set(np.unique(sub.labels[sub.labels >= 0])) == have  # a stretch of every stage present
    assert 0 < (sub.labels >= 0).sum() <= 6 * 15 + 3
    tuned = fine_tune(model, sub, steps=5, rounds=1, min_per_stage=1)
    np.testing.assert_array_equal(model.keras_model.get_weights()[0], before)
    assert tuned.metadata["fine_tuned"]["labelled_epochs"] == int((sub.labels >= 0).sum())


@pytest.mark.slow
def test_fine_tune_refuses_labels_of_one_stage(data, trained):
    model = trained
    only_wake = np.where(data[3].labels == 0, 0, -1).astype(np.int8)
    sub = Epochs(data[3].data, 64.0, 4.0, "envelope", True, labels=only_wake)
    with pytest.raises(ValueError, match="every stage"):
        fine_tune(model, sub)
    none = Epochs(data[3].data, 64.0, 4.0, "envelope", True, labels=np.full(len(sub), -1, np.int8))
    with pytest.raises(ValueError, match="no labelled epochs"):
        fine_tune(model, none)


@pytest.mark.slow
def test_a_stage_absent_from_training_gets_no_weight_and_finite_probabilities(data):
    "Human recordings may hold no REM at all: a model trained on them must still score (REM weight 0, never divided by)."
    no_rem = [Epochs(d.data, d.sfreq_hz, d.epoch_s, d.emg_mode, d.has_emg, d.scaling, np.where(d.labels == 2, -1, d.labels))
              for d in data[:2]]
    model, _ = train_model(no_rem, no_rem[:1], TrainConfig(seq_len=16, steps=5, max_rounds=1), progress=False)
    assert model.metadata["class_weights"]["R"] == 0 and model.metadata["class_weights"]["W"] > 0
    p = model.predict_proba(data[3])
    assert np.isfinite(p).all() and np.allclose(p.sum(1), 1, atol=1e-4)
    assert (p.argmax(1) != 2).mean() > 0.5  # not every epoch REM, as dividing by a zero weight made it


@pytest.mark.slow
def test_fine_tune_keeps_the_class_weights_the_model_was_trained_with(data, trained):
    "Not weights re-derived from its stage counts at the default power: those are divided out of its probabilities too."
    from slumbernet.model import SleepModel
    own = {"W": 1.0, "N": 2.0, "R": 3.0}
    model = SleepModel(trained.keras_model, "default", {**trained.metadata, "class_weights": own})
    tuned = fine_tune(model, data[3], steps=1, rounds=1)
    np.testing.assert_allclose(tuned.class_weights, [1.0, 2.0, 3.0])
    assert model.metadata["class_weights"] == own  # the model fine-tuned is left as it was


@pytest.mark.slow
def test_scores_in_10_s_epochs_train_the_4_s_network_without_invented_labels():
    "A lab's 10-s scores label the 4-s windows inside one stage with that stage, and leave the windows across a change unlabelled."
    from slumbernet.grid import regrid
    from slumbernet.simulate import simulate_recording
    sim = simulate_recording(hours=0.5, seed=5)
    ten = regrid(sim.scores, 10.0)
    (ep,) = prepare_training_data([(sim.recording, ten)])
    assert len(ep) == 450 and (ep.labels >= 0).mean() > 0.8
    back = regrid(ten, 4.0).stages  # each window's 10-s epoch stage where the window lies in one stage
    labelled = ep.labels >= 0
    assert (ep.labels[labelled] == back[labelled]).all()
    changes = np.flatnonzero(np.diff(ten.stages)) + 1  # 10-s epochs where the stage changes
    across = [k for c in changes for k in range(450) if k * 4 < c * 10 < k * 4 + 4]  # windows that span a change
    assert across and (ep.labels[across] == -1).all()
