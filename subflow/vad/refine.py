"""The rule that refines Silero's segments with pyannote's speech regions (stage 5).

Refinement rule (``pyannote_vad.combine``, its text written into ``pyannote_segments.json``):

* ``pyannote_led`` (default): pyannote's boundaries win where pyannote hears speech, so a Silero
  segment is trimmed and split at pyannote's region boundaries; a Silero segment pyannote has no
  speech in at all is kept as it is, and a pyannote region Silero missed is added (one model's miss is
  no reason to drop speech: each model alone misses part of the reference speech, Silero far more
  than pyannote). Then every piece is padded by ``pad_s``, gaps shorter than ``merge_gap_s`` are
  bridged, pieces shorter than ``min_segment_s`` dropped and pieces longer than ``max_segment_s`` cut
  in the middle of their widest pauses (``cut_points``). Cutting evenly instead cut words in two on
  read speech with short pauses, and the ASR's word error rate rose sharply (figures for both:
  bench/results/figures.md).
* ``intersection``: only speech both models agree on (each Silero segment intersected with pyannote's
  regions), then the same padding, bridging, dropping and cutting.
"""

import math

from subflow.errors import StageError
from subflow.options import PyannoteVadOptions

RULES = {
    "pyannote_led": (
        "pyannote_led: pyannote's speech regions (Silero segments trimmed and split at their boundaries), plus "
        "Silero segments pyannote has no speech in; pieces padded by {pad_s} s, gaps under {merge_gap_s} s "
        "bridged, pieces under {min_segment_s} s dropped, pieces over {max_segment_s} s cut at their widest pauses"
    ),
    "intersection": (
        "intersection: speech both models agree on (Silero segments intersected with pyannote's regions); "
        "pieces padded by {pad_s} s, gaps under {merge_gap_s} s bridged, pieces under {min_segment_s} s dropped, "
        "pieces over {max_segment_s} s cut at their widest pauses"
    ),
}


def _overlaps(a: dict, b: dict) -> bool:
    return float(a["end"]) > float(b["start"]) and float(a["start"]) < float(b["end"])


def _intersect(silero: list[dict], pyannote: list[dict]) -> list[tuple[float, float]]:
    pieces = []
    for seg in silero:
        s0, s1 = float(seg["start"]), float(seg["end"])
        pieces += [(max(s0, float(r["start"])), min(s1, float(r["end"]))) for r in pyannote if _overlaps(r, seg)]
    return pieces


def cut_points(start: float, end: float, pauses: list[tuple[float, float]], max_len: float) -> list[float]:
    """Where to cut a span longer than ``max_len``: in the middle of the widest pause in the second
    half of each window (as WhisperX cuts at the least speech-like frame), so no word is cut in two
    when the speech has pauses; evenly, as a last resort, where a window has none."""
    cuts: list[float] = []
    while end - start > max_len + 1e-9:
        window = [p for p in pauses if start + max_len / 2 <= (p[0] + p[1]) / 2 <= start + max_len]
        window = window or [p for p in pauses if start < (p[0] + p[1]) / 2 <= start + max_len]
        if window:
            a, b = max(window, key=lambda p: (p[1] - p[0], p[0]))
            cut = (a + b) / 2
        else:
            cut = start + (end - start) / math.ceil((end - start) / max_len - 1e-9)
        cuts.append(cut)
        start = cut
    return cuts


def _tidy(pieces: list[tuple[float, float]], options: PyannoteVadOptions, duration: float | None) -> list[dict]:
    """Pad, bridge short gaps, drop short pieces, cut long ones at their pauses (the last steps of every rule)."""
    pad, gap = float(options.pad_s), float(options.merge_gap_s)
    min_len, max_len = float(options.min_segment_s), float(options.max_segment_s)
    end_limit = duration if duration is not None else float("inf")
    merged: list[list] = []  # [start, end, pauses bridged inside (unpadded), end of the speech so far]
    for a, b in sorted((a, b) for a, b in pieces if b > a):
        lo, hi = max(0.0, a - pad), min(end_limit, b + pad)
        if merged and lo - merged[-1][1] < gap:
            last = merged[-1]
            if a > last[3]:
                last[2].append((last[3], a))
            last[1], last[3] = max(last[1], hi), max(last[3], b)
        else:
            merged.append([lo, hi, [], b])
    out: list[dict] = []
    for a, b, pauses, _ in merged:
        if b - a < min_len:
            continue
        bounds = [a, *cut_points(a, b, pauses, max_len), b]
        out += [{"start": round(x, 3), "end": round(y, 3)} for x, y in zip(bounds, bounds[1:])]
    return out


def refine_segments(
    silero: list[dict], pyannote: list[dict], options: PyannoteVadOptions, duration: float | None = None
) -> tuple[list[dict], dict]:
    """Apply the ``combine`` rule (module docstring). Returns (segments, counts of what changed)."""
    combine = options.combine
    if combine == "pyannote_led":
        lone_silero = [s for s in silero if not any(_overlaps(s, r) for r in pyannote)]
        pieces = [(float(r["start"]), float(r["end"])) for r in pyannote]
        pieces += [(float(s["start"]), float(s["end"])) for s in lone_silero]
    elif combine == "intersection":
        pieces = _intersect(silero, pyannote)
    else:
        raise StageError(f"pyannote_vad.combine: unknown rule {combine!r} (pyannote_led or intersection)")
    refined = _tidy(pieces, options, duration)
    before = {(round(float(s["start"]), 3), round(float(s["end"]), 3)) for s in silero}
    after = {(s["start"], s["end"]) for s in refined}
    counts = {
        # Silero segments that did not come through unchanged (trimmed, split, extended or dropped)
        "refined_segments": len(before - after),
        # Silero segments with no refined segment overlapping them any more
        "dropped_segments": sum(1 for s in silero if not any(_overlaps(s, r) for r in refined)),
        # refined segments that overlap no Silero segment (speech only pyannote heard)
        "added_segments": sum(1 for r in refined if not any(_overlaps(r, s) for s in silero)),
    }
    return refined, counts


def rule_text(options: PyannoteVadOptions) -> str:
    """The ``combine`` rule in words, with its numbers, as pyannote_segments.json records it."""
    template = RULES.get(options.combine)
    if template is None:
        raise StageError(f"pyannote_vad.combine: unknown rule {options.combine!r} (pyannote_led or intersection)")
    return template.format(
        pad_s=options.pad_s,
        merge_gap_s=options.merge_gap_s,
        min_segment_s=options.min_segment_s,
        max_segment_s=options.max_segment_s,
    )
