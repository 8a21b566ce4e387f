"""What diarization writes: speakers named in order of appearance, speaker_segments.json and RTTM."""

from typing import Any


def name_speakers(turns: list[dict]) -> list[dict]:
    """Speakers renamed SPEAKER_00, SPEAKER_01… in order of first appearance; times rounded to ms."""
    names: dict[Any, str] = {}
    out = []
    for t in sorted(turns, key=lambda t: (t["start"], t["end"])):
        if t["end"] - t["start"] <= 0:
            continue
        name = names.setdefault(t["speaker"], f"SPEAKER_{len(names):02d}")
        out.append({"start": round(t["start"], 3), "end": round(t["end"], 3), "speaker": name})
    return out


def to_rttm(turns: list[dict], uri: str) -> str:
    """RTTM text, one SPEAKER line per turn."""
    uri = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in uri) or "audio"
    return "".join(
        f"SPEAKER {uri} 1 {t['start']:.3f} {t['end'] - t['start']:.3f} <NA> <NA> {t['speaker']} <NA> <NA>\n"
        for t in turns
    )


def speaker_body(turns: list[dict], model: str, backend: str) -> dict:
    """The speaker_segments.json body (docs/data-formats.md)."""
    return {
        "segments": turns,
        "speaker_count": len({t["speaker"] for t in turns}),
        "model": model,
        "backend": backend,
    }
