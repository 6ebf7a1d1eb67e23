"""Using a trained model on new clips (docs/architecture.md): saved models back in memory, class lists,
inference.

`models` loads what `zssar train` saved; `classes` turns a class list into a scorer over skeleton
latents; `inputs` reads clips from any format the readers know; `infer` runs them through backbone,
skeleton encoder and scorer.
"""
