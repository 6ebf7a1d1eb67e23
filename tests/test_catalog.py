import pytest

from pipeline.catalog import get_dataset, get_split
from pipeline.errors import PipelineError


def test_builtin_class_lists():
    assert get_dataset("ntu60").num_classes == 60
    assert get_dataset("ntu120").labels[0] == "drink water"
    assert get_dataset("ntu120").labels[:60] == get_dataset("ntu60").labels
    assert get_dataset("pkummd51").num_classes == 51
    assert get_dataset("synthetic60").text_source == "ntu60"


def test_unknown_dataset_lists_valid_names():
    with pytest.raises(PipelineError, match="ntu60, ntu120, pkummd51, synthetic60, synthetic120"):
        get_dataset("ntu61")


def test_synse_split_and_carve():
    s = get_split(get_dataset("ntu60"), "55_5")
    assert s.unseen == (10, 11, 19, 26, 56)
    assert len(s.seen) == 55 and not set(s.seen) & set(s.unseen)
    assert set(s.val_unseen) <= set(s.seen) and set(s.val_seen) <= set(s.seen)
    assert (
        get_split(get_dataset("synthetic120"), "96_24").unseen == get_split(get_dataset("ntu120"), "96_24").unseen
    )


def test_synse_split_on_wrong_dataset():
    with pytest.raises(PipelineError, match="SynSE split of ntu120"):
        get_split(get_dataset("ntu60"), "110_10")


def test_random_split_is_seeded_with_carve_of_same_size():
    ds = get_dataset("ntu60")
    a, b, c = get_split(ds, "random:7:1"), get_split(ds, "random:7:1"), get_split(ds, "random:7:2")
    assert a == b and a.unseen != c.unseen
    assert len(a.unseen) == len(a.val_unseen) == 7
    assert not set(a.val_unseen) & set(a.unseen)
    assert sorted(a.val_unseen + a.val_seen) == list(a.seen)
    assert a.slug == "random-7-1"


def test_explicit_split():
    s = get_split(get_dataset("ntu60"), "unseen:3,1,2")
    assert s.unseen == (1, 2, 3) and len(s.val_unseen) == 3
    with pytest.raises(PipelineError, match="0..59"):
        get_split(get_dataset("ntu60"), "unseen:60")


def test_unknown_split_lists_valid():
    with pytest.raises(PipelineError, match="55_5, 48_12, 110_10, 96_24"):
        get_split(get_dataset("ntu60"), "50_10")


def test_folder_dataset(tmp_path):
    (tmp_path / "classes.csv").write_text("idx,label\n0,wave\n1,kick\n")
    (tmp_path / "dataset.toml").write_text('name = "mine"\nlayout = "ntu25"\n')
    ds = get_dataset(str(tmp_path))
    assert ds.name == "mine" and ds.labels == ("wave", "kick") and ds.path == tmp_path.resolve()
    (tmp_path / "classes.csv").write_text("idx,label\n0,wave\n2,kick\n")
    with pytest.raises(PipelineError, match="classes.csv"):
        get_dataset(str(tmp_path))
