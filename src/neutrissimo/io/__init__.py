"""Infrastructure under every layer: the data registry (:mod:`.data`), atomic writes
(:mod:`.atomic`), the one TOML schema mechanism (:mod:`.config`) and provenance records
(:mod:`.provenance`).
"""

__all__ = ["atomic", "config", "data", "provenance"]
