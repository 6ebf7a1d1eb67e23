import numpy as np
import pytest

from pipeline.catalog import get_dataset
from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.skeleton.layouts import NTU25
from pipeline.skeleton.preprocess import preprocess_clips
from pipeline.skeleton.settings import SyntheticConfig
from pipeline.skeleton.synthetic import generate_clips, train_subjects
from pipeline.skeleton.synthetic.programs import PROGRAMS

TWO_PERSON = set(range(49, 60)) | set(range(105, 120))
RIGHT_HAND, HEAD, LEFT_ANKLE, RIGHT_ANKLE = 11, 3, 14, 18


def small(**overrides) -> SyntheticConfig:
    cfg = SyntheticConfig(samples_per_class=4, subjects=4, frames=32)
    for key, value in overrides.items():
        setattr(cfg, key, value)
    return cfg


def clean(**overrides) -> SyntheticConfig:
    """No sensor noise or lost joints: the rendered motion itself."""
    return small(noise=0.0, dropout=0.0, **overrides)


def stack(clips):
    return np.stack([c.data for c in clips])


def test_same_seed_same_data_other_seed_differs():
    a, b = generate_clips(6, small()), generate_clips(6, small())
    assert [c.sample_id for c in a] == [c.sample_id for c in b]
    np.testing.assert_array_equal(stack(a), stack(b))  # NaN positions included
    other = generate_clips(6, small(seed=1))
    assert not np.allclose(np.nan_to_num(stack(a)), np.nan_to_num(stack(other)))


def test_a_class_does_not_depend_on_which_others_are_generated():
    few, many = generate_clips(3, small()), generate_clips(5, small())
    np.testing.assert_array_equal(stack(few), stack(many[: len(few)]))


def test_shapes_labels_subjects_and_ids():
    cfg = small(samples_per_class=6)
    clips = generate_clips(60, cfg)
    assert len(clips) == 60 * 6
    assert len(get_dataset("synthetic60").labels) == 60
    labels = np.array([c.label for c in clips])
    assert np.array_equal(np.bincount(labels), np.full(60, 6))
    assert {c.subject for c in clips} == {1, 2, 3, 4} and train_subjects(cfg) == (1, 3)
    assert {c.view for c in clips} <= {1, 2, 3}
    assert len({c.sample_id for c in clips}) == len(clips)
    assert clips[0].sample_id == "S001C001P001R001A001"
    for c in clips:
        bodies = 2 if c.label in TWO_PERSON else 1
        assert c.data.shape == (32, bodies, 25, 3) and c.data.dtype == np.float32
        assert c.sample_id.endswith(f"A{c.label + 1:03d}")


def test_every_program_renders_rigid_bones():
    """All 120 programs run; with noise off, every bone keeps its length through the motion."""
    clips = generate_clips(len(PROGRAMS), clean(samples_per_class=2))
    assert len({c.label for c in clips}) == 120
    for c in clips:
        assert np.isfinite(c.data).all(), c.sample_id
        a, b = np.array(NTU25.edges).T
        length = np.linalg.norm(c.data[:, :, a] - c.data[:, :, b], axis=-1)  # (T, M, bones)
        assert (length.std(axis=0) < 2e-3).all(), c.sample_id
        assert (length > 0.02).all(), c.sample_id


def test_noise_and_lost_joints():
    clips = generate_clips(2, small(dropout=0.02))
    missing = np.isnan(stack(clips)).mean()
    assert 0.001 < missing < 0.2


def _moves(track: np.ndarray) -> float:
    """How far a joint track (T, 3) travels from its start at most."""
    return float(np.nanmax(np.linalg.norm(track - track[0], axis=-1)))


def test_two_person_classes_move_both_bodies():
    clips = [c for c in generate_clips(60, clean()) if c.label in (49, 51, 57, 58)]
    for c in clips:
        for body in range(2):
            assert max(_moves(c.data[:, body, j]) for j in range(25)) > 0.15, (c.sample_id, body)


def test_programs_follow_their_descriptions():
    clips = generate_clips(60, clean())
    by_class = {k: [c.data[:, 0] for c in clips if c.label == k] for k in (0, 23, 26)}
    for body in by_class[0]:  # drink water: the right hand comes up to the mouth
        dist = np.linalg.norm(body[:, RIGHT_HAND] - body[:, HEAD], axis=-1)
        assert dist.min() < 0.2 < dist[0]
    for body in by_class[26]:  # jump up: both feet leave the floor
        camera_up = body[:, 20] - body[:, 0]
        camera_up /= np.linalg.norm(camera_up, axis=-1, keepdims=True)
        feet = (body[:, [LEFT_ANKLE, RIGHT_ANKLE]] * camera_up[0]).sum(-1).min(axis=1)
        assert feet.max() - feet[0] > 0.1
    for body in by_class[23]:  # kicking something: one foot swings well away from the other
        apart = np.linalg.norm(body[:, LEFT_ANKLE] - body[:, RIGHT_ANKLE], axis=-1)
        assert apart.max() > 0.4 > apart[0]


def test_bad_settings_are_reported():
    with pytest.raises(PipelineError, match="subjects"):
        generate_clips(60, small(subjects=1))
    with pytest.raises(PipelineError, match="classes"):
        generate_clips(121, small())


def test_classes_are_separable_but_not_trivially():
    """Nearest class centroid on pooled joint statistics, trained on the odd subjects, tested on the
    even ones: far above chance (1/60), far from perfect."""
    cfg = Config()
    cfg.skeleton.synthetic = SyntheticConfig(samples_per_class=8, subjects=8)
    prepared = preprocess_clips(
        generate_clips(60, cfg.skeleton.synthetic), NTU25, cfg, train_subjects(cfg.skeleton.synthetic)
    )
    x = prepared.x.reshape(len(prepared), 2, 64, -1)
    feat = np.concatenate([x.mean(2), x.std(2)], axis=-1).reshape(len(prepared), -1)
    train, test = prepared.select(range(60), "train"), prepared.select(range(60), "test")
    mu, sd = feat[train].mean(0), feat[train].std(0) + 1e-6
    feat = (feat - mu) / sd
    centroids = np.stack([feat[train][prepared.label[train] == c].mean(0) for c in range(60)])
    pred = ((feat[test][:, None] - centroids[None]) ** 2).sum(-1).argmin(1)
    accuracy = (pred == prepared.label[test]).mean()
    assert 0.3 < accuracy < 0.95
