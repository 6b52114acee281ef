"""Named errors and warnings of neutrissimo.

Every error raised on bad user input derives from :class:`NeutrissimoError`, so a caller can
catch all of them at once, and each message states what was expected, what was received and
how to fix it.

Hierarchy::

    NeutrissimoError
    ├── ConfigurationError      a model, detector, cut or scan specification is invalid
    │   └── GeometryError       a detector geometry file is malformed
    ├── PhysicsDomainError      a request outside the physical domain (m_N above reach, ...)
    ├── UnknownNucleusError     a nucleus name that is not in the nuclear tables
    └── DataFileError           a public data file is missing, corrupted or malformed
"""

from __future__ import annotations

__all__ = [
    "ConfigurationError",
    "DataFileError",
    "GeometryError",
    "NeutrissimoError",
    "PhysicsDomainError",
    "UnknownNucleusError",
]


class NeutrissimoError(Exception):
    """Base class of every error neutrissimo raises on purpose."""


class ConfigurationError(NeutrissimoError, ValueError):
    """A model, detector, selection or scan specification is invalid."""


class GeometryError(ConfigurationError):
    """A detector geometry file is malformed (names the file, the volume and the problem)."""


class PhysicsDomainError(NeutrissimoError, ValueError):
    """A request lies outside the physical domain, e.g. m_N above the kinematic reach."""


class UnknownNucleusError(NeutrissimoError, KeyError):
    """A nucleus name is not in the nuclear tables."""

    def __str__(self) -> str:  # KeyError quotes its argument; keep the message readable
        return str(self.args[0]) if self.args else ""


class DataFileError(NeutrissimoError, OSError):
    """A public data file is missing, corrupted (checksum mismatch) or malformed."""
