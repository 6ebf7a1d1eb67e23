import numpy as np
import pytest

from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.skeleton.clips import Clip
from pipeline.skeleton.layouts import NTU25, Layout
from pipeline.skeleton.preprocess import fill_missing, preprocess_clip, preprocess_clips, resample, select_bodies

L_SHOULDER, R_SHOULDER, L_HIP, R_HIP, CENTER = 4, 8, 12, 16, NTU25.center


def rot_y(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def body(frames: int = 20, seed: int = 0) -> np.ndarray:
    """A standing body (T, 25, 3): shoulders and hips across x, spine up y, joints jittering a little."""
    rng = np.random.default_rng(seed)
    rest = rng.normal(0, 0.2, (25, 3)) + [0, 1.0, 0]
    rest[CENTER] = [0, 1.2, 0]
    rest[L_SHOULDER], rest[R_SHOULDER] = [0.18, 1.45, 0], [-0.18, 1.45, 0]
    rest[L_HIP], rest[R_HIP] = [0.09, 0.9, 0], [-0.09, 0.9, 0]
    return rest + rng.normal(0, 0.01, (frames, 25, 3))


def camera(x: np.ndarray, yaw: float, tilt: float, shift) -> np.ndarray:
    return x @ (rot_x(tilt) @ rot_y(yaw)).T + np.asarray(shift)


def test_centre_and_canonical_view():
    """Whatever the camera, body 0's centre starts at the origin, its shoulders lie along +x and its
    spine points up; the second body keeps its place relative to the first."""
    one, two = body(seed=1), body(seed=2) + [0.0, 0.0, 1.0]  # the partner stands 1 m in front
    clip = camera(np.stack([one, two], axis=1), yaw=2.0, tilt=0.2, shift=[0.5, -1.0, 3.0])
    out = preprocess_clip(clip, NTU25, frames=20, max_bodies=2)
    assert out.shape == (2, 20, 25, 3) and out.dtype == np.float32
    np.testing.assert_allclose(out[0, 0, CENTER], 0.0, atol=1e-5)
    shoulders = out[0, 0, L_SHOULDER] - out[0, 0, R_SHOULDER]
    assert shoulders[0] > 0.3 and np.abs(shoulders[1:]).max() < 1e-5
    spine = (out[0, 0, L_SHOULDER] + out[0, 0, R_SHOULDER] - out[0, 0, L_HIP] - out[0, 0, R_HIP]) / 2
    assert spine[1] > 0.5 and abs(spine[2]) < 1e-5
    gap = np.linalg.norm(out[1, :, CENTER] - out[0, :, CENTER], axis=-1)
    np.testing.assert_allclose(gap, np.linalg.norm(two[:, CENTER] - one[:, CENTER], axis=-1), atol=1e-4)


def test_rotation_keeps_shape():
    clip = body()[:, None]
    out = preprocess_clip(camera(clip, 0.7, -0.1, [0, 0, 2]), NTU25, frames=20, max_bodies=1)
    a = np.linalg.norm(out[0][:, :, None] - out[0][:, None], axis=-1)
    b = np.linalg.norm(clip[:, 0][:, :, None] - clip[:, 0][:, None], axis=-1)
    np.testing.assert_allclose(a, b, atol=1e-4)


def test_resample_is_linear_in_time():
    x = np.zeros((1, 1, 37, 25, 3))
    x[..., 0] = np.linspace(0.0, 3.6, 37)[None, None, :, None]
    out = resample(x, 64)
    assert out.shape == (1, 1, 64, 25, 3)
    np.testing.assert_allclose(out[0, 0, :, 0, 0], np.linspace(0.0, 3.6, 64), atol=1e-9)
    assert preprocess_clip(body(frames=5)[:, None], NTU25, frames=64, max_bodies=2).shape == (2, 64, 25, 3)


def test_missing_joints_are_interpolated_held_or_zero():
    x = np.zeros((1, 1, 6, 2, 3))
    x[0, 0, :, 0, 0] = [np.nan, 1.0, np.nan, np.nan, 4.0, np.nan]
    x[0, 0, :, 0, 1:] = 0.5
    x[0, 0, :, 1] = np.nan  # never observed
    out = fill_missing(x)
    np.testing.assert_allclose(out[0, 0, :, 0, 0], [1.0, 1.0, 2.0, 3.0, 4.0, 4.0])
    assert np.isnan(out[0, 0, :, 1]).all()
    clip = body()[:, None].copy()
    clip[:, 0, 7] = np.nan  # a hand lost for the whole clip
    clip[3:6, 0, 11] = np.nan
    out = preprocess_clip(clip, NTU25, frames=20, max_bodies=1)
    assert np.isfinite(out).all() and (out[0, :, 7] == 0).all()


def test_missing_second_body_is_zero_padded():
    out = preprocess_clip(body()[:, None], NTU25, frames=16, max_bodies=2)
    assert out.shape == (2, 16, 25, 3) and (out[1] == 0).all() and out[0].any()
    zeros_as_second = np.stack([body(), np.zeros((20, 25, 3))], axis=1)  # NTU's padded formats
    np.testing.assert_allclose(preprocess_clip(zeros_as_second, NTU25, 16, 2), out, atol=1e-6)
    nan_first = np.stack([np.full((20, 25, 3), np.nan), body()], axis=1)  # a present body moves up
    np.testing.assert_allclose(preprocess_clip(nan_first, NTU25, 16, 2), out, atol=1e-6)


def test_most_moving_bodies_are_kept_in_order():
    still = np.broadcast_to(body(seed=3)[:1], (20, 25, 3))
    walker = body(seed=4) + np.linspace(0, 1, 20)[:, None, None] * [0, 0, 1]
    jumper = body(seed=5) + np.linspace(0, 0.5, 20)[:, None, None] * [0, 1, 0]
    x = np.stack([walker, still, jumper], axis=0)[None]
    out = select_bodies(x, 2)
    np.testing.assert_array_equal(out[0], x[0, [0, 2]])


def test_short_or_empty_clips_are_rejected():
    with pytest.raises(PipelineError, match="S001.*frame"):
        preprocess_clip(body(frames=1)[:, None], NTU25, 16, 2, sample_id="S001")
    with pytest.raises(PipelineError, match="S002.*missing"):
        preprocess_clip(np.full((10, 1, 25, 3), np.nan), NTU25, 16, 2, sample_id="S002")
    with pytest.raises(PipelineError, match="S003.*missing"):
        preprocess_clip(np.zeros((10, 2, 25, 3)), NTU25, 16, 2, sample_id="S003")
    with pytest.raises(PipelineError, match="S004.*shape"):
        preprocess_clip(np.zeros((10, 2, 20, 3)), NTU25, 16, 2, sample_id="S004")
    cfg = Config()
    clips = [Clip("ok", body()[:, None].astype(np.float32), 0, 1), Clip("bad", np.zeros((1, 1, 25, 3)), 1, 2)]
    with pytest.raises(PipelineError, match="bad"):
        preprocess_clips(clips, NTU25, cfg)


def test_batched_equals_one_by_one():
    """Clips of different lengths and body counts go through in groups, with the same result."""
    cfg = Config()
    cfg.skeleton.prepare.frames = 24
    shapes = [(20, 1), (35, 2), (20, 1), (8, 2), (35, 1)]
    clips = []
    for i, (t, m) in enumerate(shapes):
        data = np.stack([camera(body(t, seed=10 * i + k), 0.3 * i, 0.05, [0, 0, 3]) for k in range(m)], axis=1)
        clips.append(Clip(f"c{i}", data.astype(np.float32), label=i % 2, subject=i + 1, view=i % 3))
    prepared = preprocess_clips(clips, NTU25, cfg, train_subjects=(1, 3))
    assert prepared.x.shape == (5, 2, 24, 25, 3) and prepared.layout == "ntu25"
    assert list(prepared.sample_id) == [c.sample_id for c in clips] and prepared.train_subjects == (1, 3)
    assert list(prepared.label) == [0, 1, 0, 1, 0] and list(prepared.view) == [0, 1, 2, 0, 1]
    for i, clip in enumerate(clips):
        np.testing.assert_allclose(prepared.x[i], preprocess_clip(clip.data, NTU25, 24, 2), atol=1e-5)
    assert (prepared.x[[0, 2, 4], 1] == 0).all() and prepared.x[[1, 3], 1].any()


def test_layout_without_shoulders_is_only_centred():
    layout = Layout("line", ("a", "b", "c"), ((0, 1), (1, 2)), center=1)
    data = np.random.default_rng(0).normal(size=(10, 1, 3, 3))
    out = preprocess_clip(data, layout, frames=10, max_bodies=1)
    np.testing.assert_allclose(out[0], data[:, 0] - data[0, 0, 1], atol=1e-5)
