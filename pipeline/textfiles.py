"""Reading the text files users write (CSV, TOML, JSONL) with errors that name the file.

Editors on some systems save UTF-16 or Latin-1, or put a byte-order mark before UTF-8; the mark is
dropped here and other encodings are reported as such, instead of as a decoding traceback or a
header that seems to lack its first column.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.errors import PipelineError


def read_text(path: str | Path) -> str:
    """The file's text, decoded as UTF-8 (a leading byte-order mark dropped)."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise PipelineError(
            f"{path}: not UTF-8 text (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}); save it as UTF-8"
        ) from None
    except OSError as exc:
        raise PipelineError(f"{path}: cannot read: {exc.strerror or exc}") from None


def read_csv_rows(path: str | Path) -> list[dict[str, str]]:
    """The rows of a CSV with a header line, as dicts keyed by the header."""
    try:
        return list(csv.DictReader(io.StringIO(read_text(path), newline="")))
    except csv.Error as exc:
        raise PipelineError(f"{path}: not a readable CSV: {exc}") from None


def read_toml(path: str | Path) -> dict:
    """A TOML file as a dict."""
    import tomllib

    try:
        return tomllib.loads(read_text(path))
    except tomllib.TOMLDecodeError as exc:
        raise PipelineError(f"{path}: not valid TOML: {exc}") from None
