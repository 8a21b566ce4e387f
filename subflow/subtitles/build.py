"""The subtitles stage's pipeline, in one place: transcript words → cleaned, speaker-tagged words → events."""

from collections.abc import Sequence

from subflow.subtitles.format import Event, SubtitleRules, check_events, format_events
from subflow.subtitles.words import assign_speakers, collapse_repeats, drop_words_outside_speech, words_from_transcript


def entity_names(entity_bodies: Sequence[dict]) -> list[str]:
    """Multi-word names of pre_ner's entities files, which a line break must never split."""
    names: list[str] = []
    for body in entity_bodies:
        for entity in body.get("entities", []):
            names += [n for n in [entity["text"], *entity.get("aliases", [])] if " " in n]
    return names


def forced_lines(transcript: dict) -> dict:
    """The transcript with only its segments spoken in another language (``spoken_language``, set by
    :mod:`subflow.asr.foreign`): what a viewer who understands the film's language still needs subtitled."""
    segments = [s for s in transcript.get("segments", []) if s.get("spoken_language")]
    return {**transcript, "segments": segments, "text": " ".join(s.get("text", "") for s in segments).strip()}


def build_subtitles(
    transcript: dict,
    speech_segments: list[dict],
    rules: SubtitleRules,
    speaker_segments: list[dict] | None = None,
    names: Sequence[str] = (),
) -> tuple[list[Event], dict]:
    """The events of a transcript and their compliance report (with what the cleaning removed).

    Words outside the speech segments are dropped (Whisper writes text into music and silence), a phrase
    repeated in a loop is collapsed to one, each word gets its speaker from diarization's ``speaker_segments``,
    and :func:`format_events` lays the words out under ``rules``.
    """
    words = words_from_transcript(transcript)
    words, dropped = drop_words_outside_speech(words, speech_segments)
    words, collapsed = collapse_repeats(words)
    if speaker_segments is not None:
        words = assign_speakers(words, speaker_segments)
    events = format_events(words, rules, list(names))
    report = check_events(events, rules)
    report.update(dropped_words=dropped, collapsed_repeats=collapsed, fps=rules.fps)
    return events, report
