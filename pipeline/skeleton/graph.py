"""The backbone's graph: ST-GCN's spatial partitioning of a skeleton layout.

Every joint aggregates itself and its bone neighbours. Following ST-GCN (Yan et al. 2018), the
neighbours are split by their hop distance to the layout's centre joint, so the network can tell
motion towards the body centre from motion away from it:

    A[0]  self:        neighbours as far from the centre as the joint itself (the joint)
    A[1]  centripetal: neighbours nearer to the centre (the parent, "inward")
    A[2]  centrifugal: neighbours farther from the centre (the children, "outward")

Convention: `A[k, i, j]` is the weight with which joint i (row, the target) reads joint j, so a graph
convolution is `out[i] = sum_k sum_j A[k, i, j] W_k x[j]`. The weights are those of the row-normalised
adjacency with self loops, D^-1 (A + I); the three partitions sum to it and its rows sum to 1.
"""

from __future__ import annotations

import numpy as np

from pipeline.skeleton.layouts import Layout

SELF, CENTRIPETAL, CENTRIFUGAL = 0, 1, 2


def adjacency(layout: Layout) -> np.ndarray:
    """The symmetric 0/1 bone adjacency (J, J) without self loops."""
    j = layout.num_joints
    a = np.zeros((j, j), dtype=np.float64)
    if layout.edges:
        e = np.asarray(layout.edges, dtype=np.int64)
        a[e[:, 0], e[:, 1]] = 1.0
        a[e[:, 1], e[:, 0]] = 1.0
    np.fill_diagonal(a, 0.0)
    return a


def hop_distance(layout: Layout) -> np.ndarray:
    """Hop distance of every joint to the centre joint (BFS over bones); joints not connected get inf."""
    a = adjacency(layout) > 0
    dist = np.full(layout.num_joints, np.inf)
    frontier = np.zeros(layout.num_joints, dtype=bool)
    frontier[layout.center] = True
    hop = 0
    while frontier.any():
        dist[frontier] = hop
        frontier = a[frontier].any(axis=0) & np.isinf(dist)
        hop += 1
    return dist


def normalised_adjacency(layout: Layout) -> np.ndarray:
    """D^-1 (A + I): every row (a joint's neighbourhood, itself included) sums to 1."""
    a = adjacency(layout) + np.eye(layout.num_joints)
    return a / a.sum(axis=1, keepdims=True)


def spatial_partitions(layout: Layout) -> np.ndarray:
    """ST-GCN spatial partitioning as a float32 (3, J, J) array; see the module docstring."""
    norm = normalised_adjacency(layout)
    dist = hop_distance(layout)
    target, source = dist[:, None], dist[None, :]
    # Two joints both cut off from the centre compare inf == inf: they count as the same distance.
    same = (target == source) | (np.isinf(target) & np.isinf(source))
    masks = np.stack([same, ~same & (source < target), ~same & (source > target)])
    return (masks * norm[None]).astype(np.float32)
