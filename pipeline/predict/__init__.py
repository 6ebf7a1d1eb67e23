"""Using a trained model on new clips (DESIGN.md section 6): saved models, class lists, inference.

`models` saves what `zssar train` learned and loads it back; `classes` turns a class list into a scorer
over skeleton latents; `inputs` reads clips from any format the readers know; `infer` runs them through
backbone, skeleton encoder and scorer. `predict` is the one entry point the CLI calls.
"""

from pipeline.predict.infer import Predictions, Predictor, load_predictor, predict
from pipeline.predict.models import list_models

__all__ = ["Predictions", "Predictor", "list_models", "load_predictor", "predict"]
