"""The bodies the VAD stages write: their speech segments and the speech share of the film."""

from subflow.options import PyannoteVadOptions
from subflow.vad.refine import rule_text


def segments_summary(segments: list[dict], duration: float, model: str) -> dict:
    """The VAD output body: segments plus the speech share of the film."""
    speech = sum(s["end"] - s["start"] for s in segments)
    return {
        "segments": segments,
        "duration_seconds": round(duration, 3),
        "speech_seconds": round(speech, 3),
        "speech_percentage": round(100.0 * speech / duration, 2) if duration > 0 else 0.0,
        "model": model,
    }


def refined_summary(
    refined: list[dict],
    duration: float,
    options: PyannoteVadOptions,
    silero: list[dict],
    pyannote: list[dict],
    counts: dict,
    device: str,
) -> dict:
    """The pyannote_segments.json body: the refined segments, the rule that made them and what it changed."""
    body = segments_summary(refined, duration, f"pyannote VoiceActivityDetection ({options.model}) refining Silero")
    return {
        **body,
        "rule": rule_text(options),
        "silero_segment_count": len(silero),
        "pyannote_segment_count": len(pyannote),
        "pyannote_speech_seconds": round(sum(s["end"] - s["start"] for s in pyannote), 3),
        "device": device,
        **counts,
    }
