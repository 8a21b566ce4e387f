"""pyannote speech detection and the rule that refines Silero's segments with it (stage 5).

The segmentation model is, by default, the PyanNet checkpoint that ships inside the whisperx package
(``whisperx/assets/pytorch_model.bin``, pyannote/segmentation v2: 5 s windows, three local speakers),
so nothing is downloaded. ``pyannote_vad.model`` may instead name a local checkpoint (a file, or a
directory holding ``pytorch_model.bin``) or a Hugging Face model id, which is only taken from the local
Hugging Face cache: a model that is not there fails at once with the way to provide it.

Refinement rule (``pyannote_vad.combine``, its text written into ``pyannote_segments.json``):

* ``pyannote_led`` (default): pyannote's boundaries win where pyannote hears speech, so a Silero
  segment is trimmed and split at pyannote's region boundaries; a Silero segment pyannote has no
  speech in at all is kept as it is, and a pyannote region Silero missed is added (one model's miss is
  no reason to drop speech: on the AMI debug files Silero alone misses 10–64 % of the reference
  speech, pyannote 3–18 %). Then every piece is padded by ``pad_s``, gaps shorter than
  ``merge_gap_s`` are bridged, pieces shorter than ``min_segment_s`` dropped and pieces longer than
  ``max_segment_s`` cut in the middle of their widest pauses (``cut_points``). Cutting evenly instead
  cut words in two on read speech with short pauses (LJSpeech: 9 pieces of 25 s; tiny.en's WER rose
  from 5.6 % to 18.3 %).
* ``intersection``: only speech both models agree on (each Silero segment intersected with pyannote's
  regions), then the same padding, bridging, dropping and cutting.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from subflow.errors import StageError

os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "0")

SAMPLE_RATE = 16000
PACKAGED_SEGMENTATION = "whisperx"

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


def packaged_segmentation_path() -> Path:
    """The pyannote/segmentation (PyanNet) checkpoint shipped inside the whisperx package."""
    try:
        import whisperx
    except ImportError as exc:
        raise StageError(
            "pyannote_vad.model: 'whisperx' means the segmentation model shipped in the whisperx package, "
            "which is not installed (pip install whisperx==3.8.6)"
        ) from exc
    path = Path(whisperx.__file__).parent / "assets" / "pytorch_model.bin"
    if not path.is_file():
        raise StageError(f"pyannote_vad.model: the whisperx package has no {path}; reinstall whisperx==3.8.6")
    return path


def cached_hub_file(repo_id: str, filename: str, key: str, token_env: str = "HF_TOKEN") -> str:
    """A file of a Hugging Face repo from the local cache only, or a StageError saying how to provide it."""
    from huggingface_hub import hf_hub_download

    try:
        return hf_hub_download(repo_id, filename, local_files_only=True)
    except Exception as exc:  # noqa: BLE001 — not cached (or a bad id): one clear line
        raise StageError(
            f"{key}: {repo_id!r} is not in the local Hugging Face cache and subflow never downloads it at run "
            f"time; accept its conditions on huggingface.co, then with {token_env} set run "
            f"`huggingface-cli download {repo_id}` once, or set {key} to a local copy (a directory or checkpoint file)"
        ) from exc


def resolve_segmentation_checkpoint(name: str, key: str = "pyannote_vad.model") -> str:
    """The checkpoint file a segmentation model setting points to (packaged, local, or cached hub id)."""
    if name in (PACKAGED_SEGMENTATION, "", None):
        return str(packaged_segmentation_path())
    local = Path(name).expanduser()
    if local.is_file():
        return str(local)
    if local.is_dir():
        checkpoint = local / "pytorch_model.bin"
        if not checkpoint.is_file():
            raise StageError(f"{key}: {local} holds no pytorch_model.bin (a pyannote segmentation checkpoint)")
        return str(checkpoint)
    if name.startswith((".", "/", "~")) or name.count("/") != 1:
        raise StageError(f"{key}: {name!r} is neither an existing local checkpoint nor a Hugging Face model id")
    return cached_hub_file(name, "pytorch_model.bin", key)


def load_segmentation_model(name: str, device: str = "cpu", key: str = "pyannote_vad.model"):
    """A pyannote segmentation ``Model`` on ``device`` (no network: see ``resolve_segmentation_checkpoint``)."""
    import torch
    from pyannote.audio import Model

    checkpoint = resolve_segmentation_checkpoint(name, key)
    try:
        model = Model.from_pretrained(checkpoint)
    except Exception as exc:  # noqa: BLE001 — a corrupt or foreign file: one clear line
        raise StageError(f"{key}: cannot load {checkpoint} as a pyannote segmentation model: {exc}") from exc
    if model is None:
        raise StageError(f"{key}: cannot load {checkpoint} as a pyannote segmentation model")
    model.eval()
    return model.to(torch.device(device))


def waveform_input(samples: np.ndarray) -> dict:
    """The in-memory audio dict pyannote takes instead of a file path (no torchaudio decoding)."""
    import torch

    return {"waveform": torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))[None], "sample_rate": SAMPLE_RATE}


def segmentation_scores(samples: np.ndarray, model, batch_size: int = 32, step: float | None = None):
    """The segmentation model's raw output over sliding windows: a ``SlidingWindowFeature`` of shape
    (windows, frames, local speakers). ``step`` is a fraction of the window (None: pyannote's default,
    the one its ``VoiceActivityDetection`` uses). pyannote_vad computes these once and saves them
    (``save_scores``) so that diarization, which needs the same windows, does not run the model again."""
    from pyannote.audio import Inference

    duration = model.specifications.duration
    kwargs = {} if step is None else {"step": step * duration}
    inference = Inference(model, duration=duration, skip_aggregation=True, batch_size=batch_size, **kwargs)
    return inference(waveform_input(samples))


def speech_from_scores(scores, model, options: dict, num_samples: int) -> list[dict]:
    """Speech regions from raw window scores, exactly as pyannote's ``VoiceActivityDetection`` finds
    them: the most active local speaker per frame, windows overlap-added (Hamming), the padding of
    the last window cropped, hysteresis thresholds, short regions and gaps removed."""
    from pyannote.audio import Inference
    from pyannote.audio.utils.signal import Binarize
    from pyannote.core import Segment, SlidingWindowFeature

    specs = model.specifications
    warm_up = next(iter(specs)).warm_up if isinstance(specs, tuple) else specs.warm_up
    window = scores.sliding_window
    speech = SlidingWindowFeature(np.max(scores.data, axis=-1, keepdims=True), window)
    aggregated = Inference.aggregate(speech, model.receptive_field, warm_up=warm_up, hamming=True, missing=0.0)
    window_samples = model.audio.get_num_samples(window.duration)
    step_samples = round(window.step * SAMPLE_RATE)
    if num_samples < window_samples or (num_samples - window_samples) % step_samples > 0:
        aggregated.data = aggregated.crop(Segment(0.0, num_samples / SAMPLE_RATE), mode="loose")
    onset, offset = (0.5, 0.5) if specs.powerset else (options["onset"], options["offset"])
    binarize = Binarize(
        onset=onset, offset=offset, min_duration_on=options["min_duration_on"], min_duration_off=options["min_duration_off"]
    )
    return [{"start": round(s.start, 3), "end": round(s.end, 3)} for s in binarize(aggregated).get_timeline().support()]


def pyannote_speech(samples: np.ndarray, model, options: dict, batch_size: int = 32, scores=None) -> list[dict]:
    """Speech regions found by pyannote's ``VoiceActivityDetection`` over the whole file (from
    ``scores`` when given, the output of ``segmentation_scores`` on the same samples)."""
    min_samples = int(model.specifications.duration * SAMPLE_RATE * 0.1)
    if samples.size < max(min_samples, 1):
        return []
    if scores is None:
        scores = segmentation_scores(samples, model, batch_size)
    return speech_from_scores(scores, model, options, samples.size)


def save_scores(path: Path, scores, checkpoint: str, num_samples: int) -> None:
    """Write window scores for diarization (float32 .npz, atomically), with what they were computed from."""
    window = scores.sliding_window
    tmp = path.with_name(f".{path.name}.tmp.npz")
    np.savez(
        tmp,
        data=np.asarray(scores.data, dtype=np.float32),
        window=np.array([window.start, window.duration, window.step]),
        checkpoint=np.array(str(checkpoint)),
        num_samples=np.array(num_samples),
    )
    os.replace(tmp, path)


def load_scores(path: str | Path, checkpoint: str, num_samples: int, step: float):
    """Window scores saved by pyannote_vad, or None when they were computed from another model, other
    audio or another window step (``step``: fraction of the window) than the caller needs."""
    from pyannote.core import SlidingWindow, SlidingWindowFeature

    try:
        with np.load(path) as saved:
            start, duration, window_step = (float(x) for x in saved["window"])
            if str(saved["checkpoint"]) != str(checkpoint) or int(saved["num_samples"]) != num_samples:
                return None
            if abs(window_step - step * duration) > 1e-6:
                return None
            return SlidingWindowFeature(saved["data"], SlidingWindow(start=start, duration=duration, step=window_step))
    except (OSError, EOFError, KeyError, ValueError):  # absent, empty (audio too short) or foreign file
        return None


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


def _tidy(pieces: list[tuple[float, float]], options: dict, duration: float | None) -> list[dict]:
    """Pad, bridge short gaps, drop short pieces, cut long ones at their pauses (the last steps of every rule)."""
    pad, gap = float(options["pad_s"]), float(options["merge_gap_s"])
    min_len, max_len = float(options["min_segment_s"]), float(options["max_segment_s"])
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
    silero: list[dict], pyannote: list[dict], options: dict, duration: float | None = None
) -> tuple[list[dict], dict]:
    """Apply the ``combine`` rule (module docstring). Returns (segments, counts of what changed)."""
    combine = options.get("combine", "pyannote_led")
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


def rule_text(options: dict) -> str:
    template = RULES.get(options.get("combine", "pyannote_led"))
    if template is None:
        raise StageError(f"pyannote_vad.combine: unknown rule {options.get('combine')!r} (pyannote_led or intersection)")
    return template.format(**{k: options[k] for k in ("merge_gap_s", "pad_s", "min_segment_s", "max_segment_s")})
