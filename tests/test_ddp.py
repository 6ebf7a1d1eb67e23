"""Backbone training under torchrun: two CPU processes (gloo) end with the same weights, one writes.

The test launches this file itself through `python -m torch.distributed.run`; run as a script, it is
the worker: it trains one backbone with DistributedDataParallel, saves its rank's weights, then runs
`fit_prepared` (the torchrun path of `zssar skeleton fit`).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import torch

HERE = Path(__file__).resolve().parent


def test_two_process_training_ends_with_identical_weights(tmp_path):
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": os.pathsep.join([str(HERE.parent), str(HERE)])}
    for name in ("WORLD_SIZE", "RANK", "LOCAL_RANK", "MASTER_ADDR", "MASTER_PORT"):
        env.pop(name, None)
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "torch.distributed.run",
            "--standalone",
            "--nproc_per_node",
            "2",
            __file__,
            str(tmp_path),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-6000:]

    ranks = [torch.load(tmp_path / f"rank{r}.pt", weights_only=True) for r in (0, 1)]
    assert ranks[0].keys() == ranks[1].keys()
    for name in ranks[0]:
        torch.testing.assert_close(ranks[0][name], ranks[1][name], rtol=0, atol=0, msg=name)
    assert any(not torch.equal(v, torch.zeros_like(v)) for v in ranks[0].values())

    from pipeline.artifacts.backbones import MODEL_FILE
    from pipeline.artifacts.kinds import BACKBONE as KIND
    from pipeline.store import Store

    keys = [json.loads((tmp_path / f"keys{r}.json").read_text()) for r in (0, 1)]
    assert keys[0] == keys[1] and set(keys[0]) == {"main", "val"}
    store = Store(tmp_path / "store")
    info = store.meta(KIND, keys[0]["main"])["info"]
    assert info["world_size"] == 2 and info["classes"] == [0, 1, 2, 3, 4]
    assert len(store.entries(KIND)) == 2  # written once, by rank 0
    sealed = torch.load(store.file(KIND, keys[0]["main"], MODEL_FILE), weights_only=True)
    for name in sealed:  # the fit reran the same training, so it sealed the same weights
        torch.testing.assert_close(sealed[name], ranks[0][name], rtol=0, atol=0, msg=name)


def _worker(out: Path) -> None:
    from backbone_data import tiny_config, tiny_prepared, tiny_split

    from pipeline.skeleton.device import runtime
    from pipeline.skeleton.fit import fit_prepared
    from pipeline.skeleton.keys import roles
    from pipeline.skeleton.layouts import NTU25
    from pipeline.skeleton.training import train_backbone

    torch.set_num_threads(1)
    cfg, prepared, split = tiny_config(out / "store"), tiny_prepared(), tiny_split()
    classes = roles(split)["main"][0]
    with runtime("cpu", amp=False) as rt:
        assert rt.world == 2 and torch.distributed.get_backend() == "gloo"
        result = train_backbone(
            prepared, prepared.select(classes, "train"), classes, NTU25, cfg.skeleton.backbone, cfg.seed, rt
        )
        torch.save(result.model.state_dict(), out / f"rank{rt.rank}.pt")
        keys = fit_prepared(prepared, "tiny-data", split, cfg)
        (out / f"keys{rt.rank}.json").write_text(json.dumps(keys))


if __name__ == "__main__":
    _worker(Path(sys.argv[1]))
