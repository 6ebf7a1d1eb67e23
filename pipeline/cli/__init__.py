"""The `zssar` command line: a thin shell over each stage's one public function (pipeline/stages/).

Heavy libraries (torch, sentence-transformers, pandas) are imported inside the commands, so `--help` and
light stages start fast.
"""

from pipeline.cli import cache, commands, skeleton  # noqa: F401  (each registers its commands on the apps)
from pipeline.cli.common import app

__all__ = ["app"]
