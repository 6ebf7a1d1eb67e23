"""What each body part does, read from a class's local description (LD).

The LD (prompts/local.txt) says how the body moves part by part ("the right arm rises ...; the torso and legs
stay still"). Its clauses (split at semicolons and at "while") are given to every part they name: a side
and an arm word for one arm, plural arms or hands for both, an arm word without a side for the side named
last (the right at first), leg words for the legs, torso or body words for the trunk. A part no clause names
gets "the <part> stays still": it is told apart from a moving one. Each part's text starts with the label,
as the label field does, so classes whose parts all stay still are still apart.

Derived from the LD alone, so any dataset with descriptions has them and `zssar predict` derives them for a
new class list the same way. Method `bodyparts` maps each body part's skeleton channels to its part's text
as well as to the whole-body fields (bench/NOTES.md, "Maps per body part").
"""

from __future__ import annotations

import re

from pipeline.bodyparts import BODY_PARTS

_ARM = r"(?:arm|arms|hand|hands|fist|fists|elbow|elbows|forearm|forearms|shoulder|wrist|wrists|palm|palms)"
_BOTH_ARMS = re.compile(rf"\bboth {_ARM}|\b(?:arms|hands|fists|elbows|forearms|wrists|palms)\b")
_SIDED_ARM = re.compile(rf"\b(right|left) (?:upper |lower )?{_ARM}\b")
_ANY_ARM = re.compile(rf"\b{_ARM}\b")
_LEGS = re.compile(
    r"\b(?:leg|legs|knee|knees|foot|feet|ankle|ankles|step|steps|stepping|kick|kicks|jump|jumps|jumping)\b"
)
# the head as a moving part, not as a place an arm goes ("above the head", "at head height")
_TRUNK = re.compile(
    r"\b(?:torso|trunk|body|hips|waist|spine)\b"
    r"|(?<!above )(?<!over )(?<!behind )(?<!to )(?<!the )\bthe head\b(?! height)|^head\b"
)


def _clauses(local: str) -> list[str]:
    return [c.strip(" .") for c in re.split(r";| while ", local) if c.strip(" .")]


def part_descriptions(label: str, local: str) -> dict[str, str]:
    """The text of each of BODY_PARTS for one class: its label, then its LD's clauses that name the part."""
    named: dict[str, list[str]] = {part: [] for part in BODY_PARTS}
    side = "right"
    for clause in _clauses(local):
        low = clause.lower()
        sided = _SIDED_ARM.findall(low)
        if _BOTH_ARMS.search(low) and not sided:
            named["right arm"].append(clause)
            named["left arm"].append(clause)
        elif sided:
            for s in dict.fromkeys(sided):
                named[f"{s} arm"].append(clause)
            side = sided[-1]
        elif _ANY_ARM.search(low):
            named[f"{side} arm"].append(clause)
        if _LEGS.search(low):
            named["legs"].append(clause)
        if _TRUNK.search(low):
            named["trunk"].append(clause)
    return {part: f"{label}: " + ("; ".join(c) if c else f"the {part} stays still") for part, c in named.items()}


def part_texts(labels: list[str], local: list[str]) -> dict[str, list[str]]:
    """Each of BODY_PARTS -> its text for every class (labels and local descriptions in class order)."""
    per_class = [part_descriptions(label, ld) for label, ld in zip(labels, local, strict=True)]
    return {part: [texts[part] for texts in per_class] for part in BODY_PARTS}
