"""Which artifacts an artifact depends on: a string in its spec equal to another's key is a reference.

gc keeps whatever a ref reaches through such references, and pulling one artifact brings what it
references, so both walk the same graph.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

Artifact = tuple[str, str]  # (kind, key)


def references(spec: Any) -> set[str]:
    """Every string anywhere in a spec; those equal to an artifact's key are references to it."""
    if isinstance(spec, str):
        return {spec}
    if isinstance(spec, dict):
        return set().union(*(references(v) for v in spec.values()))
    if isinstance(spec, (list, tuple)):
        return set().union(*(references(v) for v in spec))
    return set()


def reachable(
    roots: Iterable[Artifact], present: Iterable[Artifact], spec_of: Callable[[Artifact], Any]
) -> list[Artifact]:
    """The present artifacts the roots reach through spec references, roots first; reads only those specs."""
    by_key = {key: (kind, key) for kind, key in present}
    seen: list[Artifact] = []
    todo = [r for r in roots if by_key.get(r[1]) == r]
    while todo:
        item = todo.pop(0)
        if item in seen:
            continue
        seen.append(item)
        todo.extend(by_key[s] for s in sorted(references(spec_of(item))) if s in by_key)
    return seen
