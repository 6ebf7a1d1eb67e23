"""The hand-crafted motion descriptor (pipeline/skeleton/descriptor.py) and its attachment to feature sets."""

import numpy as np
import pytest

from pipeline.artifacts.feature_sets import FeatureSet, Part
from pipeline.errors import MissingArtifactError, PipelineError
from pipeline.skeleton.descriptor import motion_descriptor, with_descriptors
from pipeline.skeleton.layouts import get_layout
from pipeline.store import Store

MSR = get_layout("msr20")


def _clips(n=3, bodies=2, frames=16, seed=0):
    x = np.random.default_rng(seed).normal(size=(n, bodies, frames, MSR.num_joints, 3))
    x[:, 1:] = 0.0  # one person: the second body absent, as prepare pads it
    return x


def test_width_and_an_absent_body_gives_zeros():
    x = _clips()
    d = motion_descriptor(x, MSR)
    half = 3 * 7 * 60 + 7 * 3 + 60  # per body: pose, velocity, |velocity| over 7 segments; path; ranges
    assert d.shape == (3, 2 * half) and d.dtype == np.float32
    assert np.abs(d[:, :half]).sum() > 0 and not d[:, half:].any()


def test_body_size_does_not_count_and_motion_does():
    """Coordinates are in units of the mean bone length: a body twice the size moving the same way gives the
    same descriptor; the same poses in another order (other motion) do not."""
    x = _clips(seed=1)
    np.testing.assert_allclose(motion_descriptor(2.5 * x, MSR), motion_descriptor(x, MSR), rtol=1e-5, atol=1e-6)
    reordered = x[:, :, ::-1]
    assert not np.allclose(motion_descriptor(reordered, MSR), motion_descriptor(x, MSR))


def test_the_pyramid_sees_when_a_motion_happens():
    """A wave in the first half and the same wave in the second half: equal over the whole clip, told apart
    by the halves and quarters."""
    x = np.zeros((2, 1, 16, MSR.num_joints, 3))
    x[..., 1] = np.arange(MSR.num_joints)[None, None, None, :] * 0.1  # a standing body: bones of length 0.1
    wave = np.sin(np.linspace(0, np.pi, 8))
    x[0, 0, :8, 12, 0] += wave
    x[1, 0, 8:, 12, 0] += wave
    d = motion_descriptor(x, MSR)
    whole = MSR.num_joints * 3  # the first block: the pose averaged over the whole clip
    np.testing.assert_allclose(d[0, :whole], d[1, :whole], atol=1e-6)
    assert not np.allclose(d[0], d[1])


def test_bad_clips_are_refused_by_name():
    with pytest.raises(PipelineError, match="do not fit layout msr20"):
        motion_descriptor(np.zeros((2, 1, 16, 25, 3)), MSR)
    with pytest.raises(PipelineError, match="clips of 4 frames"):
        motion_descriptor(np.zeros((2, 1, 4, MSR.num_joints, 3)), MSR)


def test_a_feature_set_without_prepared_clips_is_refused(tmp_path):
    part = Part(np.array(["a"]), np.array([0]), np.zeros((1, 4), np.float32))
    dump = FeatureSet("k1", {"train": part}, {"info": {"origin": "dump"}})
    with pytest.raises(
        PipelineError, match="feature set k1: the descriptor is computed from the prepared skeleton clips"
    ):
        with_descriptors(Store(tmp_path / "store"), dump)


def test_a_feature_set_whose_prepared_clips_are_gone_is_refused(tmp_path):
    """The prepared clips a feature set records were removed from the store (`zssar cache gc`, another
    machine): the error names the artifact instead of failing on a missing file."""
    part = Part(np.array(["a"]), np.array([0]), np.zeros((1, 4), np.float32))
    orphan = FeatureSet("k2", {"train": part}, {"info": {"data": "0123abcd"}})
    with pytest.raises(MissingArtifactError, match="no skeleton-data artifact with key 0123abcd"):
        with_descriptors(Store(tmp_path / "store"), orphan)
