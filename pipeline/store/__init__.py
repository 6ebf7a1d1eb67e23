"""The content-addressed artifact store, its remotes, and the checks that keep both whole."""

from pipeline.store.atomic import write_json
from pipeline.store.store import META, Store, canonical_json, file_sha256, hash_spec

__all__ = ["META", "Store", "canonical_json", "file_sha256", "hash_spec", "write_json"]
