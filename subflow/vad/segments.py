"""The body every VAD stage writes: its speech segments and the speech share of the film."""


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
