"""Subtitle files beside the film (or under ``export.dir``), named the way Plex, Jellyfin and Emby find them.

``<film basename>.en.<format>``: the exact basename plus the language code (no ``.sdh`` flag: the track is every
line of dialogue, without sound descriptions); ``<film basename>.en.forced.srt`` for the forced set, the lines
spoken in another language, when the film has any. The media library is the user's: a file there that
subflow did not write is never overwritten. Each file subflow writes is remembered by checksum in the movie
folder's ``sidecars.json`` (a ledger that survives reruns, as the manifest's entry does not), and a rerun
replaces only a file whose checksum is still the one subflow wrote.
"""

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from subflow.errors import StageError
from subflow.io import atomic_write, write_json

LANGUAGE = "en"  # the code media servers match in a sidecar's name
LEDGER = "sidecars.json"


@dataclass(frozen=True)
class Sidecar:
    """One sidecar file and what this run did with it: written, replaced, unchanged or skipped."""

    path: str
    format: str
    status: str
    sha256: str | None  # the file's checksum as it now is (ours, or the foreign file's when skipped)
    reason: str | None = None

    def record(self) -> dict:
        return asdict(self)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def film_roots(input_dir: str, movies_sheet: str | None) -> list[str]:
    """The folders an export.dir mirrors: input_dir, and the movies sheet's folder."""
    return [input_dir, os.path.dirname(os.path.abspath(movies_sheet))] if movies_sheet else [input_dir]


def sidecar_folder(film: str, export_dir: str, roots: Sequence[str]) -> Path:
    """Beside the film; with ``export_dir``, under it at the film's folder's place below the first of ``roots``
    (input_dir, the movies sheet's folder) that holds it, or at its absolute path when none does."""
    folder = Path(os.path.abspath(film)).parent
    if not export_dir:
        return folder
    for root in filter(None, roots):
        base = Path(os.path.abspath(root))
        if folder.is_relative_to(base):
            return Path(os.path.abspath(export_dir)) / folder.relative_to(base)
    return Path(os.path.abspath(export_dir)) / folder.relative_to(folder.anchor)


def _ledger(path: Path) -> dict[str, str]:
    """The sidecars subflow wrote for this film (path → checksum); none when the ledger is missing or unreadable."""
    try:
        files = json.loads(path.read_text(encoding="utf-8")).get("files", {})
    except (OSError, ValueError, AttributeError):
        return {}
    return {str(name): str(digest) for name, digest in files.items()} if isinstance(files, dict) else {}


def _decide(target: Path, ours: str, written: str | None) -> tuple[str, str | None, str | None]:
    """(status, reason, checksum now) for putting a file with checksum ``ours`` at ``target``."""
    if not os.path.lexists(target):
        return "written", None, ours
    if not target.is_file():
        return "skipped", "something that is not a file has its name", None
    try:
        current = sha256(target.read_bytes())
    except OSError as exc:
        return "skipped", f"it exists and cannot be read ({exc.strerror or exc})", None
    if current == ours:
        return "unchanged", None, ours
    if current == written:
        return "replaced", None, ours
    why = "it changed since subflow wrote it" if written else "it exists and subflow did not write it"
    return "skipped", why, current


def export_sidecars(
    film: str, sources: Mapping[str, Path], folder: Path, ledger_path: Path, language: str = LANGUAGE
) -> list[Sidecar]:
    """Write ``sources`` (format → subtitle file, ``srt`` among them) into ``folder`` as the film's sidecars, or
    skip each one whose name is taken by a file that is not subflow's; the ledger is updated after every file.
    ``language``: the code in their names, English unless the subtitles keep a film's own language."""
    ledger = _ledger(ledger_path)
    targets = {fmt: folder / f"{Path(film).stem}.{language}.{fmt}" for fmt in sources}
    if not sources["srt"].read_text(encoding="utf-8").strip():  # nothing to show: leave the library alone
        empty = "the subtitles have no events"
        return [Sidecar(str(path), fmt, "skipped", None, empty) for fmt, path in targets.items()]
    done = []
    for fmt, source in sources.items():
        target = targets[fmt]
        data = source.read_bytes()
        status, reason, digest = _decide(target, sha256(data), ledger.get(str(target)))
        if status in ("written", "replaced"):
            try:
                folder.mkdir(parents=True, exist_ok=True)
                atomic_write(target, data)
            except OSError as exc:
                raise StageError(
                    f"cannot write the sidecar {target}: {exc.strerror or exc} (export.dir puts sidecars elsewhere)"
                ) from exc
        if status != "skipped":
            ledger[str(target)] = sha256(data)
            write_json(ledger_path, {"files": ledger})
        done.append(Sidecar(str(target), fmt, status, digest, reason))
    return done
