"""Errors the package raises; each message names the manifest file or output it is about."""

from __future__ import annotations


class ManifestError(Exception):
    """Base class: something is wrong with a manifest.json, not with the stage's own work."""


class ManifestCorruptError(ManifestError, ValueError):
    """manifest.json is not a manifest (truncated, not JSON, wrong shape); it was moved aside."""

    def __init__(self, path: str, reason: str, moved_to: str | None) -> None:
        kept = f"; the file was kept as {moved_to}" if moved_to else ""
        super().__init__(f"corrupt manifest {path}: {reason}{kept}")
        self.path = path
        self.moved_to = moved_to


class ManifestUnreadableError(ManifestError, OSError):
    """manifest.json exists but cannot be read (a directory, an I/O error); it is left as it is."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"cannot read manifest {path}: {reason}")
        self.path = path


class MissingOutputError(ManifestError):
    """A stage asked to end as success/skipped while an output it declared does not exist."""
