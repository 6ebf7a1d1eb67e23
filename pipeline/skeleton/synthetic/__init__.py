"""Synthetic NTU-style skeleton data: each class a program of body-part motion primitives.

`generate_clips` renders the first N classes of NTU-120 (NTU's indices) on the 25-joint NTU skeleton;
`train_subjects` is its cross-subject protocol. Modules: `body` (bones, rotations, IK), `scene`
(channels a program writes), `primitives`, `programs` (one per class), `render`, `generate`.
It is a test bed for the pipeline, never a claim about real accuracy.
"""

from pipeline.skeleton.synthetic.generate import generate_clips, train_subjects

__all__ = ["generate_clips", "train_subjects"]
