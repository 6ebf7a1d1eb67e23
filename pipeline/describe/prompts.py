"""The two prompt templates (Global and Local Description), filled with a class label."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from pipeline.describe.io import search_dirs
from pipeline.errors import PipelineError
from pipeline.textfiles import read_text

KINDS = ("global", "local")
PLACEHOLDER = "{label}"


@dataclass(frozen=True)
class Prompts:
    """Templates by kind; `sha256` goes into every record so a description can be traced to its prompt."""

    folder: Path
    templates: dict[str, str]
    sha256: str

    def render(self, kind: str, label: str) -> str:
        # Plain replacement, not str.format: the templates show a JSON object with literal braces.
        return self.templates[kind].replace(PLACEHOLDER, label)


def load_prompts(prompts_dir: str | Path) -> Prompts:
    """Read `global.md` and `local.md` from the first of cwd/<dir>, repo/<dir> that exists."""
    dirs = search_dirs(prompts_dir)
    folder = next((d for d in dirs if d.is_dir()), None)
    if folder is None:
        raise PipelineError(
            f"{dirs[0]}: prompts folder not found (looked in {', '.join(map(str, dirs))}); "
            f"set describe.prompts_dir to a folder with global.md and local.md"
        )
    templates = {}
    for kind in KINDS:
        file = folder / f"{kind}.md"
        if not file.is_file():
            raise PipelineError(f"{file}: missing prompt template for the {kind} description")
        text = read_text(file)
        if PLACEHOLDER not in text:
            raise PipelineError(
                f"{file}: the template never uses {PLACEHOLDER}, so every class would get the same prompt"
            )
        templates[kind] = text
    digest = hashlib.sha256("\0".join(templates[k] for k in KINDS).encode("utf-8")).hexdigest()
    return Prompts(folder=folder, templates=templates, sha256=digest)
