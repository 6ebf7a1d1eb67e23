"""Sharing the store through a remote: directory and S3 remotes, concurrency, corruption, crashes, gc."""

import json
import logging
import multiprocessing
import os
import shutil
import stat
import tempfile
from pathlib import Path

import pytest

from pipeline.config import Config
from pipeline.errors import PipelineError
from pipeline.stages.cache import gc_store as collect_garbage
from pipeline.stages.cache import list_artifacts, verify_store
from pipeline.stages.cache import pull_store as pull
from pipeline.stages.cache import push_store as push
from pipeline.store import Store, hash_spec
from pipeline.store.remote import Remote
from pipeline.store.sync import pull_if_configured as pull_into

REF = "features/synthetic60/55_5"


def make(store: Store, kind: str, spec: dict, files: dict[str, bytes], ref: str | None = None) -> str:
    key = hash_spec(kind, spec)
    with store.writer(kind, key, spec, info={"config": {"seed": 0}}) as folder:
        for name, data in files.items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_bytes(data)
    if ref:
        store.set_ref(ref, kind, key)
    return key


def team_store(root: Path) -> tuple[Config, dict[str, str]]:
    """Text features and a backbone, and a feature set whose spec names both (so it references them)."""
    store = Store(root)
    keys = {
        "text": make(
            store,
            "text-features",
            {"encoder": "mini", "dataset": "synthetic60"},
            {"label.parquet": b"L" * 3000, "shared.bin": b"same bytes"},
        )
    }
    keys["backbone"] = make(
        store,
        "backbone",
        {"split": "55_5", "seed": 0},
        {"model.pt": os.urandom(5000), "sub/log.json": b"{}", "shared.bin": b"same bytes"},
    )
    keys["features"] = make(
        store,
        "skeleton-features",
        {"backbone": keys["backbone"], "text": keys["text"], "parts": ["train"]},
        {"train.parquet": os.urandom(4000)},
        ref=REF,
    )
    return Config(store=str(root)), keys


def keys_of(cfg: Config) -> set[str]:
    return {m["key"] for m in Store(cfg.store).entries()}


def test_directory_remote_push_pull_verify(tmp_path, capsys):
    cfg, keys = team_store(tmp_path / "a")
    remote = str(tmp_path / "remote")
    done = push(cfg, remote)
    assert done.artifacts == 3 and done.blobs == 5 and done.refs == 1  # shared.bin uploaded once
    rows = json.loads((tmp_path / "remote" / "manifest.json").read_text())
    assert {r["key"] for r in rows} == set(keys.values())
    assert not list((tmp_path / "remote" / "objects").glob(".*"))  # no temp names left behind

    fresh = Config(store=str(tmp_path / "b"))
    assert pull(fresh, remote).artifacts == 3
    a, b = Store(cfg.store), Store(fresh.store)
    for kind, key in [("text-features", keys["text"]), ("backbone", keys["backbone"])]:
        assert a.meta(kind, key) == b.meta(kind, key)
        assert (b.path(kind, key) / "shared.bin").read_bytes() == b"same bytes"
    assert b.get_ref(REF) == ("skeleton-features", keys["features"])
    verify_store(fresh)
    verify_store(fresh, remote=remote)
    again = push(cfg, remote)
    assert (again.artifacts, again.unchanged, again.blobs) == (0, 3, 0)
    assert pull(fresh, remote).unchanged == 3

    capsys.readouterr()
    list_artifacts(fresh, "skeleton-features")
    out = capsys.readouterr().out
    assert keys["features"] in out and REF in out and keys["text"] not in out
    assert len(list_artifacts(fresh, remote=remote)) == 3


def _snapshot(root: Path) -> dict[str, tuple[int, float]]:
    return {str(p): (p.stat().st_size, p.stat().st_mtime) for p in root.rglob("*")}


def _pull_as_reader(store_dir: str, remote: str) -> None:
    """Child process: drop root (a root process writes regardless of modes), then pull."""
    if os.geteuid() == 0:
        os.setgid(65534)
        os.setuid(65534)
    pull(Config(store=store_dir), remote)


def test_pull_needs_no_write_access(tmp_path):
    cfg, keys = team_store(tmp_path / "a")
    base = Path(tempfile.mkdtemp(prefix="zssar-readonly-"))  # outside pytest's 0700 tmp, for the reader
    try:
        base.chmod(0o755)
        remote, store_dir = base / "remote", base / "store"
        push(cfg, str(remote))
        store_dir.mkdir()
        if os.geteuid() == 0:
            os.chown(store_dir, 65534, 65534)
        for p in [remote, *remote.rglob("*")]:
            p.chmod(p.stat().st_mode & ~(stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH))
        before = _snapshot(remote)
        child = multiprocessing.get_context("fork").Process(
            target=_pull_as_reader, args=(str(store_dir), str(remote))
        )
        child.start()
        child.join()
        assert child.exitcode == 0
        assert keys_of(Config(store=str(store_dir))) == set(keys.values())
        assert _snapshot(remote) == before
    finally:
        for p in [base, *base.rglob("*")]:
            if p.is_dir():
                p.chmod(0o755)
        shutil.rmtree(base)


@pytest.fixture()
def s3_server(monkeypatch):
    """A local S3 (moto) on loopback, with the AWS settings pointing at it."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    for name, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": f"http://{host}:{port}",
    }.items():
        monkeypatch.setenv(name, value)
    yield
    server.stop()


def test_s3_remote(tmp_path, s3_server):
    import boto3

    boto3.client("s3").create_bucket(Bucket="team-cache")
    remote = "s3://team-cache/zssar"
    cfg, keys = team_store(tmp_path / "a")
    assert push(cfg, remote).blobs == 5
    rem = Remote(remote)
    assert {r["key"] for r in rem.manifest()} == set(keys.values())
    assert rem.refs() == {REF: ("skeleton-features", keys["features"])}

    fresh = Config(store=str(tmp_path / "b"), remote=remote)
    assert pull_if_configured(fresh, "backbone", keys["backbone"])
    assert keys_of(fresh) == {keys["backbone"]}
    assert pull(fresh, remote).artifacts == 2
    verify_store(fresh)
    verify_store(fresh, remote=remote)
    assert push(cfg, remote).blobs == 0


def _push_team(store_dir: str, remote: str, team: str, barrier) -> None:
    store = Store(store_dir)
    for i in range(4):
        make(store, "text-features", {"team": team, "i": i}, {"f.bin": f"{team}{i}".encode() * 100})
    barrier.wait()
    push(Config(store=store_dir), remote)


def test_concurrent_pushes_keep_both_teams(tmp_path):
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(2)
    remote = str(tmp_path / "remote")
    procs = [
        ctx.Process(target=_push_team, args=(str(tmp_path / team), remote, team, barrier))
        for team in ("red", "blue")
    ]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    assert [p.exitcode for p in procs] == [0, 0]
    expected = keys_of(Config(store=str(tmp_path / "red"))) | keys_of(Config(store=str(tmp_path / "blue")))
    rows = json.loads((tmp_path / "remote" / "manifest.json").read_text())
    assert len(expected) == 8 and {r["key"] for r in rows} == expected


def test_corrupt_remote_object_is_named_and_never_installed(tmp_path):
    cfg, keys = team_store(tmp_path / "a")
    remote = tmp_path / "remote"
    push(cfg, str(remote))
    sha = Store(cfg.store).meta("backbone", keys["backbone"])["files"]["model.pt"]["sha256"]
    blob = remote / "objects" / sha
    data = bytearray(blob.read_bytes())
    data[100] ^= 0xFF
    blob.write_bytes(bytes(data))

    fresh = Config(store=str(tmp_path / "b"))
    with pytest.raises(PipelineError, match=f"objects/{sha}.*corrupt.*model.pt") as err:
        pull(fresh, str(remote))
    assert keys["backbone"] in str(err.value)
    store = Store(fresh.store)
    assert not store.has("backbone", keys["backbone"]) and store.has("text-features", keys["text"])
    assert not list((Path(fresh.store) / "objects" / "backbone").iterdir())
    with pytest.raises(PipelineError, match=f"objects/{sha}: sha256"):
        verify_store(fresh, remote=str(remote))

    blob.write_bytes(bytes(data[:1000]))
    with pytest.raises(PipelineError, match=f"objects/{sha}: 1000 bytes, expected 5000 .truncated"):
        verify_store(fresh, remote=str(remote))
    assert push(cfg, str(remote)).blobs == 1  # wrong size: re-uploaded
    assert pull(fresh, str(remote)).artifacts == 1
    verify_store(fresh)
    verify_store(fresh, remote=str(remote))


def test_local_corruption_is_found_and_pull_repairs_it(tmp_path):
    cfg, keys = team_store(tmp_path / "a")
    remote = str(tmp_path / "remote")
    push(cfg, remote)
    victim = Store(cfg.store).path("backbone", keys["backbone"]) / "model.pt"
    victim.write_bytes(b"\0" + victim.read_bytes()[1:])
    extra = Store(cfg.store).path("text-features", keys["text"]) / "stray.txt"
    extra.write_text("added later")
    with pytest.raises(PipelineError, match="2 bad files") as err:
        verify_store(cfg)
    assert str(victim) in str(err.value) and str(extra) in str(err.value)
    done = pull(cfg, remote)
    assert done.artifacts == 1 and done.unchanged == 2
    extra.unlink()
    verify_store(cfg)


def test_interrupted_push_leaves_remote_consistent(tmp_path, monkeypatch):
    cfg, keys = team_store(tmp_path / "a")
    remote = str(tmp_path / "remote")
    real_put, calls = Remote.put_blob, []

    def dying_put(self, local, sha):
        if len(calls) == 3:
            raise OSError("connection lost")
        calls.append(sha)
        real_put(self, local, sha)

    monkeypatch.setattr(Remote, "put_blob", dying_put)
    with pytest.raises(PipelineError, match="connection lost"):
        push(cfg, remote)
    rem = Remote(remote)
    blobs = rem.blobs()
    assert len(blobs) == 3 and rem.records()
    for kind, key in rem.records():
        assert all(f["sha256"] in blobs for f in rem.record(kind, key)["files"].values())
    verify_store(cfg, remote=remote)
    assert rem.refs() == {}

    monkeypatch.setattr(Remote, "put_blob", real_put)
    done = push(cfg, remote)
    assert done.blobs == 2 and done.refs == 1
    assert {r["key"] for r in Remote(remote).manifest()} == set(keys.values())
    verify_store(cfg, remote=remote)


def pull_if_configured(cfg, kind, key):
    return pull_into(Store(cfg.store), cfg.remote, kind, key)


def test_pull_if_configured_brings_what_it_references(tmp_path):
    cfg, keys = team_store(tmp_path / "a")
    remote = str(tmp_path / "remote")
    push(cfg, remote)
    fresh = Config(store=str(tmp_path / "b"))
    assert not pull_if_configured(fresh, "skeleton-features", keys["features"])  # no remote configured
    fresh.remote = remote
    assert not pull_if_configured(fresh, "skeleton-features", "0" * 32)
    assert pull_if_configured(fresh, "skeleton-features", keys["features"])
    assert keys_of(fresh) == set(keys.values())
    fresh.remote = str(tmp_path / "nowhere")
    assert pull_if_configured(fresh, "backbone", keys["backbone"])  # already here: no remote needed


def test_gc_removes_temp_folders_and_unreachable_artifacts(tmp_path, capsys):
    cfg, keys = team_store(tmp_path / "a")
    store = Store(cfg.store)
    orphan = make(store, "backbone", {"split": "48_12", "seed": 1}, {"model.pt": b"x" * 777})
    leftover = store.root / "objects" / "backbone" / ".deadbeef.abc.tmp"
    leftover.mkdir()
    (leftover / "half.pt").write_bytes(b"y" * 100)

    kept = collect_garbage(cfg)  # within the grace period: nothing goes
    assert kept.removed == [] and store.has("backbone", orphan) and leftover.exists()

    capsys.readouterr()
    orphan_bytes = sum(p.stat().st_size for p in store.path("backbone", orphan).iterdir())  # with meta.json
    done = collect_garbage(cfg, grace_s=0)
    assert done.removed == [str(leftover), f"backbone {orphan}"] and done.bytes == 100 + orphan_bytes
    assert "freed" in capsys.readouterr().out
    assert keys_of(cfg) == set(keys.values())
    assert orphan not in (store.root / "manifest.json").read_text()


def test_cli_verify_exits_non_zero_on_bad_files(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    cfg, keys = team_store(tmp_path / "a")
    store_opt = ["--set", f"store={cfg.store}"]
    assert CliRunner().invoke(app, ["cache", "verify", *store_opt]).exit_code == 0
    (Store(cfg.store).path("backbone", keys["backbone"]) / "model.pt").write_bytes(b"short")
    result = CliRunner().invoke(app, ["cache", "verify", *store_opt])
    assert result.exit_code != 0 and "model.pt" in result.output


def test_gc_keeps_everything_when_no_ref_exists(tmp_path):
    store = Store(tmp_path)
    key = make(store, "text-features", {"encoder": "mini"}, {"f.bin": b"1"})
    assert collect_garbage(Config(store=str(tmp_path)), grace_s=0).removed == []
    assert store.has("text-features", key)


def _damage(remote: Path, sha: str, how: str) -> None:
    blob = remote / "objects" / sha
    data = bytearray(blob.read_bytes())
    if how == "flip":
        data[10] ^= 0xFF
        blob.write_bytes(bytes(data))
    elif how == "truncate":
        blob.write_bytes(bytes(data[:100]))
    else:
        blob.unlink()


def test_push_repairs_damaged_remote_objects(tmp_path, capsys):
    cfg, keys = team_store(tmp_path / "a")
    remote = tmp_path / "remote"
    push(cfg, str(remote))
    metas = {
        k: Store(cfg.store).meta(kind, keys[k])
        for k, kind in (("backbone", "backbone"), ("features", "skeleton-features"))
    }
    flipped = metas["backbone"]["files"]["model.pt"]["sha256"]  # same size, one byte changed
    truncated = metas["features"]["files"]["train.parquet"]["sha256"]
    _damage(remote, flipped, "flip")
    _damage(remote, truncated, "truncate")
    (remote / "artifacts" / "text-features" / f"{keys['text']}.json").write_text('{"kind": ')  # unreadable record
    capsys.readouterr()
    done = push(cfg, str(remote))
    out = capsys.readouterr()
    assert sorted(done.repaired) == sorted(
        [
            Remote(str(remote)).name(f"objects/{flipped}"),
            Remote(str(remote)).name(f"objects/{truncated}"),
            Remote(str(remote)).name(f"artifacts/text-features/{keys['text']}.json"),
        ]
    )
    assert "3 damaged objects repaired" in out.out and f"repaired {remote}/objects/{flipped}" in out.err
    verify_store(cfg, remote=str(remote))


def test_verify_repair_reuploads_what_the_local_store_holds_intact(tmp_path, capsys):
    cfg, keys = team_store(tmp_path / "a")
    remote = tmp_path / "remote"
    push(cfg, str(remote))
    store = Store(cfg.store)
    files = {
        **store.meta("backbone", keys["backbone"])["files"],
        **store.meta("text-features", keys["text"])["files"],
    }
    shas = [files[n]["sha256"] for n in ("model.pt", "label.parquet", "shared.bin")]  # shared.bin: in both
    for sha, how in zip(shas, ("flip", "truncate", "missing")):
        _damage(remote, sha, how)
    with pytest.raises(PipelineError, match="4 bad objects"):
        verify_store(cfg, remote=str(remote))
    other = Config(store=str(tmp_path / "empty"))  # holds nothing to repair from
    with pytest.raises(PipelineError, match="(?s)3 bad objects could not be repaired.*no intact copy"):
        verify_store(other, remote=str(remote), repair=True)
    capsys.readouterr()
    verify_store(cfg, remote=str(remote), repair=True)
    assert "3 of 3 bad objects re-uploaded" in capsys.readouterr().out
    verify_store(cfg, remote=str(remote))
    fresh = Config(store=str(tmp_path / "b"))
    assert pull(fresh, str(remote)).artifacts == 3
    verify_store(fresh)


def test_s3_remote_repair(tmp_path, s3_server):
    import boto3

    s3 = boto3.client("s3")
    s3.create_bucket(Bucket="team-repair")  # moto keeps buckets across servers
    remote = "s3://team-repair/zssar"
    cfg, keys = team_store(tmp_path / "a")
    push(cfg, remote)
    meta = Store(cfg.store).meta("backbone", keys["backbone"])
    sha = meta["files"]["model.pt"]["sha256"]
    body = bytearray(s3.get_object(Bucket="team-repair", Key=f"zssar/objects/{sha}")["Body"].read())
    body[0] ^= 0xFF
    s3.put_object(Bucket="team-repair", Key=f"zssar/objects/{sha}", Body=bytes(body))  # same size
    short = meta["files"]["sub/log.json"]["sha256"]
    s3.put_object(Bucket="team-repair", Key=f"zssar/objects/{short}", Body=b"")  # truncated
    assert push(cfg, remote).repaired == [Remote(remote).name(f"objects/{short}")]  # size only, on S3
    done = push(cfg, remote, verify=True)  # hashes read back
    assert done.repaired == [Remote(remote).name(f"objects/{sha}")]
    verify_store(cfg, remote=remote)
    body[0] ^= 0xFF
    body[1] ^= 0xFF
    s3.put_object(Bucket="team-repair", Key=f"zssar/objects/{sha}", Body=bytes(body))
    verify_store(cfg, remote=remote, repair=True)
    verify_store(cfg, remote=remote)


def test_cache_ls_and_verify_take_the_remote_as_an_argument(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    cfg, keys = team_store(tmp_path / "a")
    remote = str(tmp_path / "remote")
    push(cfg, remote)
    store = ["--set", f"store={cfg.store}"]
    for args in (["cache", "ls", remote], ["cache", "verify", remote], ["cache", "verify", "--remote", remote]):
        result = CliRunner().invoke(app, [*args, *store])
        assert result.exit_code == 0, result.output
    assert keys["features"] in CliRunner().invoke(app, ["cache", "ls", remote, *store]).output
    result = CliRunner().invoke(app, ["cache", "verify", remote, "--remote", str(tmp_path / "other"), *store])
    assert result.exit_code == 2 and "two remotes given" in result.output
    result = CliRunner().invoke(app, ["cache", "verify", "--repair", *store])
    assert result.exit_code == 2 and "give the remote to repair" in result.output


def test_cli_push_verify_flag_decides_whether_hashes_are_read_back(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    cfg, keys = team_store(tmp_path / "a")
    remote = tmp_path / "remote"
    push(cfg, str(remote))
    sha = Store(cfg.store).meta("backbone", keys["backbone"])["files"]["model.pt"]["sha256"]
    _damage(remote, sha, "flip")  # same size: only a hash read back finds it
    store = ["--set", f"store={cfg.store}"]
    result = CliRunner().invoke(app, ["cache", "push", str(remote), "--no-verify", *store])
    assert result.exit_code == 0 and "repaired" not in result.output
    with pytest.raises(PipelineError, match=f"objects/{sha}: sha256"):
        verify_store(cfg, remote=str(remote))
    result = CliRunner().invoke(app, ["cache", "push", str(remote), "--verify", *store])
    assert result.exit_code == 0 and "1 damaged objects repaired" in result.output
    verify_store(cfg, remote=str(remote))
