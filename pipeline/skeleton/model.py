"""The ST-GCN backbone (Yan et al. 2018), read top to bottom.

Input: a float tensor (N, M, T, V, C) -- clips, bodies, frames, joints, xyz -- exactly the layout of
`Prepared.x`, so a batch goes in without permuting. A body whose coordinates are all zero is absent
(the prepare step pads single-person clips that way); only present bodies run through the network and
the clip's features are the mean over its present bodies.

Network: input streams (joint, bone, velocity) stacked as channels -> BatchNorm over (joint, channel)
-> blocks of [spatial graph conv with learnable edge importance -> BN -> ReLU -> temporal conv
(kernel 9, maybe strided) -> BN -> dropout, plus a residual] -> mean over joints -> projection to
`embed_dim` where the last block is narrower (1x1 conv, BN, ReLU) -> mean over bodies: the
time-resolved features (N, T', D) -> mean over time: the pooled feature (N, D) -> linear classifier
over the backbone's seen classes (objective `ce`, `both`) and, for a text objective (`text`, `both`), a
linear head to the text space, L2-normalised: the projection, whose cosines with the seen classes'
(centred, fixed) text vectors over tau are the text logits. Objective `text` has no classifier; its
logits are the text logits.

Multi-stream (`skeleton.backbone.multistream`): one such network per input stream, each trained on its own
loss over the same batches (so trained as separately as the field's joint / bone / motion ensembles), and
fused late: the clip's feature is the concatenation of theirs, its logits the mean of theirs, and its
projection the renormalised mean of their unit projections, so a class text's cosine with it ranks
classes as the sum of the networks' cosines does.

Replicas (`skeleton.backbone.replicas`): the same backbone trained again from other seeds (fit.py), every
replica's networks kept side by side in one StreamEnsemble, replica by replica: a deep ensemble, fused late
like the streams.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from pipeline.errors import PipelineError
from pipeline.skeleton.graph import hop_distance, spatial_partitions
from pipeline.skeleton.layouts import Layout

INPUT_STREAMS = ("joint", "bone", "velocity")
TEMPORAL_KERNEL = 9

# (output channels, temporal stride) per block; both presets halve time twice (64 frames -> 16 steps).
PRESETS: dict[str, tuple[tuple[int, int], ...]] = {
    # CPU-sized: three blocks 32-64-64 that downsample early, then a projection to embed_dim; ~20x fewer
    # multiply-adds than `base` (~11 ms per clip for a training step on one core). On the synthetic
    # 55/5 split a fourth block of 128 channels cost 1.6x the time for +1.4 points of seen-test accuracy.
    "small": ((32, 2), (64, 2), (64, 1)),
    # ST-GCN's ten blocks 64-128-256.
    "base": ((64, 1), (64, 1), (64, 1), (64, 1), (128, 2), (128, 1), (128, 1), (256, 2), (256, 1), (256, 1)),
}


class BackboneOutput(NamedTuple):
    """A tuple, so DistributedDataParallel and autograd see its tensors."""

    logits: torch.Tensor  # (N, num_classes): the classifier's, or the text logits (objective text)
    feature: torch.Tensor  # (N, D) pooled over time, joints and bodies
    temporal: torch.Tensor | None  # (N, T', D) pooled over joints and bodies only
    projection: torch.Tensor | None = None  # (N, d_text) the text head's output, L2-normalised
    text_logits: torch.Tensor | None = None  # (N, num_classes) cos(projection, class text) / tau
    members: tuple[BackboneOutput, ...] = ()  # a stream ensemble's per-network outputs, each trained on its own
    joints: torch.Tensor | None = None  # (N, C, V) the last block per joint, pooled over time and bodies


class InputStreams(nn.Module):
    """Coordinates of the present bodies (P, T, V, 3) -> stacked input channels (P, C, T, V).

    bone: a joint minus its parent towards the centre joint (zero at the centre); velocity: the next
    frame minus this one (zero at the last frame).
    """

    def __init__(self, layout: Layout, streams: tuple[str, ...]) -> None:
        super().__init__()
        bad = [s for s in streams if s not in INPUT_STREAMS]
        if bad or not streams:
            raise PipelineError(
                f"skeleton.backbone.inputs: unknown or empty {bad or list(streams)}; "
                f"choose from {', '.join(INPUT_STREAMS)}"
            )
        self.streams = tuple(streams)
        self.register_buffer("parent", torch.from_numpy(_parents(layout)), persistent=False)

    @property
    def channels(self) -> int:
        return 3 * len(self.streams)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (P, T, V, 3) -> (P, C, T, V)
        out = []
        for stream in self.streams:
            if stream == "joint":
                out.append(x)
            elif stream == "bone":
                out.append(x - x[:, :, self.parent])
            else:
                out.append(torch.cat([x[:, 1:] - x[:, :-1], torch.zeros_like(x[:, :1])], dim=1))
        return torch.cat(out, dim=-1).permute(0, 3, 1, 2).contiguous()


def _parents(layout: Layout) -> np.ndarray:
    """Each joint's neighbour one hop nearer the centre (itself for the centre and unreachable joints)."""
    dist = hop_distance(layout)
    parent = np.arange(layout.num_joints)
    for a, b in layout.edges:
        if dist[a] == dist[b] + 1:
            parent[a] = b
        elif dist[b] == dist[a] + 1:
            parent[b] = a
    return parent


class GraphConv(nn.Module):
    """Spatial graph convolution over the K partitions; `importance` is ST-GCN's learnable edge mask.

    sum_k W_k (x A_k^T): neighbours are aggregated first, then one 1x1 conv mixes (partition, channel).
    Same function as ST-GCN's conv-then-aggregate (up to where the bias enters), but the permuted
    tensor has c_in rather than K * c_out channels, which is what costs time on a CPU.
    """

    def __init__(self, c_in: int, c_out: int, partitions: torch.Tensor) -> None:
        super().__init__()
        self.k = partitions.shape[0]
        self.register_buffer("partitions", partitions)
        self.importance = nn.Parameter(torch.ones_like(partitions))
        self.conv = nn.Conv2d(c_in * self.k, c_out, kernel_size=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:  # (P, C, T, V)
        p, c, t, v = x.shape
        a = (self.partitions * self.importance).permute(2, 0, 1).reshape(v, self.k * v)  # [j, k*V + i]
        y = (x.reshape(p * c * t, v) @ a).view(p, c, t, self.k, v)
        return self.conv(y.permute(0, 3, 1, 2, 4).reshape(p, self.k * c, t, v))


class Block(nn.Module):
    """ST-GCN unit: graph conv, then temporal conv, with a residual around both."""

    def __init__(
        self, c_in: int, c_out: int, stride: int, partitions: torch.Tensor, dropout: float, residual: bool = True
    ) -> None:
        super().__init__()
        pad = (TEMPORAL_KERNEL - 1) // 2
        self.gcn = GraphConv(c_in, c_out, partitions)
        self.tcn = nn.Sequential(
            nn.BatchNorm2d(c_out),
            nn.ReLU(inplace=True),
            nn.Conv2d(c_out, c_out, (TEMPORAL_KERNEL, 1), (stride, 1), (pad, 0)),
            nn.BatchNorm2d(c_out),
            nn.Dropout(dropout, inplace=True),
        )
        if not residual:
            self.residual: nn.Module | None = None
        elif c_in == c_out and stride == 1:
            self.residual = nn.Identity()
        else:
            self.residual = nn.Sequential(nn.Conv2d(c_in, c_out, 1, (stride, 1)), nn.BatchNorm2d(c_out))
        self.relu = nn.ReLU(inplace=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.tcn(self.gcn(x))
        if self.residual is not None:
            y = y + self.residual(x)
        return self.relu(y)


class STGCN(nn.Module):
    """ST-GCN feature extractor plus a linear classifier over `num_classes` seen classes."""

    def __init__(
        self,
        layout: Layout,
        num_classes: int,
        preset: str = "small",
        embed_dim: int = 256,
        inputs: tuple[str, ...] = ("joint",),
        dropout: float = 0.1,
        objective: str = "ce",
        text_dim: int = 0,
        tau: float = 0.1,
    ) -> None:
        super().__init__()
        if objective != "ce" and text_dim < 1:
            raise PipelineError(
                f"skeleton.backbone.objective = {objective}: the backbone needs class text vectors"
            )
        if preset not in PRESETS:
            raise PipelineError(f"skeleton.backbone.preset: unknown {preset!r}; choose from {', '.join(PRESETS)}")
        partitions = torch.from_numpy(spatial_partitions(layout))
        self.inputs = InputStreams(layout, tuple(inputs))
        self.data_bn = nn.BatchNorm1d(self.inputs.channels * layout.num_joints)
        blocks, c_in = [], self.inputs.channels
        for i, (c_out, stride) in enumerate(PRESETS[preset]):
            blocks.append(Block(c_in, c_out, stride, partitions, dropout if i else 0.0, residual=i > 0))
            c_in = c_out
        self.blocks = nn.ModuleList(blocks)
        # Projection after pooling over joints: V times cheaper than a 1x1 conv before it.
        self.project: nn.Module = (
            nn.Identity()
            if c_in == embed_dim
            else nn.Sequential(nn.Conv1d(c_in, embed_dim, 1), nn.BatchNorm1d(embed_dim), nn.ReLU(inplace=True))
        )
        # No classifier for objective text: DistributedDataParallel refuses parameters that get no gradient.
        self.classifier = nn.Linear(embed_dim, num_classes) if objective != "text" else None
        self.text_head = nn.Linear(embed_dim, text_dim) if objective != "ce" else None
        if self.text_head is not None:  # set before training (set_class_text), then saved with the weights
            self.register_buffer("class_text", torch.zeros(num_classes, text_dim))
        self.embed_dim = embed_dim
        self.tau = tau

    def set_class_text(self, text: torch.Tensor) -> None:
        """The (centred, unit) text vectors of the seen classes, in classifier-output order."""
        self.class_text.copy_(text)

    @property
    def projects(self) -> bool:
        """Whether the network outputs a projection into the text space (a text objective)."""
        return self.text_head is not None

    def forward(self, x: torch.Tensor, temporal: bool = False, joints: bool = False) -> BackboneOutput:
        n, m, t, v, c = x.shape
        present = x.reshape(n, m, -1).abs().amax(dim=-1) > 0
        present[:, 0] |= ~present.any(dim=1)  # an all-zero clip still runs its first body
        flat = present.reshape(-1)
        h = self.inputs(x.reshape(n * m, t, v, c)[flat])  # (P, C, T, V)
        p, ch = h.shape[:2]
        h = self.data_bn(h.permute(0, 1, 3, 2).reshape(p, ch * v, t)).reshape(p, ch, v, t).permute(0, 1, 3, 2)
        for block in self.blocks:
            h = block(h)
        per_time = self.project(h.mean(dim=-1))  # (P, D, T')
        bodies = per_time.new_zeros((n * m, *per_time.shape[1:]))
        bodies[flat] = per_time
        weight = (present / present.sum(dim=1, keepdim=True)).to(bodies.dtype)
        seq = torch.einsum("nmdt,nm->ntd", bodies.view(n, m, *per_time.shape[1:]), weight)  # (N, T', D)
        feature = seq.mean(dim=1)
        per_joint = None
        if joints:  # the last block before its pooling over joints: where each body part's motion still shows
            by_body = h.new_zeros((n * m, h.shape[1], v))
            by_body[flat] = h.mean(dim=2)
            per_joint = torch.einsum("nmcv,nm->ncv", by_body.view(n, m, h.shape[1], v), weight.to(h.dtype))
        projection = text_logits = None
        if self.text_head is not None:
            projection = nn.functional.normalize(self.text_head(feature).float(), dim=1)
            text_logits = projection @ self.class_text.T / self.tau
        logits = self.classifier(feature) if self.classifier is not None else text_logits
        return BackboneOutput(
            logits, feature, seq if temporal else None, projection, text_logits, joints=per_joint
        )


class StreamEnsemble(nn.Module):
    """One STGCN per input stream (and replica); the outputs fused late (module docstring)."""

    def __init__(self, networks: list[STGCN]) -> None:
        super().__init__()
        self.networks = nn.ModuleList(networks)
        self.embed_dim = sum(net.embed_dim for net in networks)

    def set_class_text(self, text: torch.Tensor) -> None:
        for net in self.networks:
            net.set_class_text(text)

    @property
    def projects(self) -> bool:
        return all(net.projects for net in self.networks)

    def forward(self, x: torch.Tensor, temporal: bool = False, joints: bool = False) -> BackboneOutput:
        outs = tuple(net(x, temporal, joints) for net in self.networks)
        projection = text_logits = None
        if outs[0].projection is not None:
            projection = nn.functional.normalize(torch.stack([o.projection for o in outs]).mean(0), dim=1)
            text_logits = torch.stack([o.text_logits for o in outs]).mean(0)
        return BackboneOutput(
            logits=torch.stack([o.logits for o in outs]).mean(0),
            feature=torch.cat([o.feature for o in outs], dim=1),
            temporal=torch.cat([o.temporal for o in outs], dim=2) if temporal else None,
            projection=projection,
            text_logits=text_logits,
            members=outs,
            joints=torch.cat([o.joints for o in outs], dim=1) if joints else None,
        )


def build_model(
    layout: Layout,
    num_classes: int,
    preset: str,
    embed_dim: int,
    inputs: list[str] | tuple[str, ...],
    dropout: float,
    objective: str = "ce",
    text_dim: int = 0,
    tau: float = 0.1,
    multistream: bool = False,
    replicas: int = 1,
) -> STGCN | StreamEnsemble:
    """The backbone; with `multistream` or `replicas`, a StreamEnsemble: one network per input stream (or
    one for the stacked inputs) per replica, replica by replica (join_replicas' order)."""

    def network(streams: tuple[str, ...]) -> STGCN:
        return STGCN(
            layout,
            num_classes,
            preset=preset,
            embed_dim=embed_dim,
            inputs=streams,
            dropout=dropout,
            objective=objective,
            text_dim=text_dim,
            tau=tau,
        )

    groups = [(stream,) for stream in inputs] if multistream else [tuple(inputs)]
    if len(groups) == 1 and replicas == 1:
        return network(groups[0])
    return StreamEnsemble([network(group) for _ in range(replicas) for group in groups])


def join_replicas(models: list[STGCN | StreamEnsemble]) -> STGCN | StreamEnsemble:
    """Separately trained replicas of one backbone as one model, their networks in replica order."""
    if len(models) == 1:
        return models[0]
    return StreamEnsemble([net for m in models for net in (m.networks if isinstance(m, StreamEnsemble) else [m])])
