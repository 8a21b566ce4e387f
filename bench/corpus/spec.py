"""Film scripts as data (films/NN-slug.yaml) and the one fixed rule that splits them into dev and test.

A script is what a film's reference is made from: who speaks which line, the music and silence between
lines, the sound of the film, and the cast and places that the loopback TMDB serves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from functools import cache
from pathlib import Path

import yaml

from subflow.naming import parse_film_name

FILMS = Path(__file__).with_name("films")
LANGUAGE_FILMS = Path(__file__).with_name("languages")  # films in other languages, and English films with some
ENGINES = ("espeak", "flite", "festival")
HALVES = ("dev", "test")
# Words of a name that are not the name's rare part: a misheard "Captain" is not a misspelled name.
COMMON_NAME_WORDS = frozenset(
    "Captain Doctor Mister Missus Sister Brother Father Mother Lady Lord Sergeant Professor Inspector Old "
    "Bay Island Isle Street Port Fort Saint Mount Lake River Hill Harbour Point Valley Cove Coast Moor Reef Glen "
    "Sound Bridge Wharf Castle Heath Mire Pass Reach Marsh Commodore Canon Bishop Colonel Admiral Constable the of".split()
)
_PASSAGE = re.compile(r"^\((music|silence) (\d+(?:\.\d+)?)\)$")


def half_of(number: int) -> str:
    """The split, fixed once: films come in pairs of one kind (1+2, 3+4, …); odd numbers are dev, even test."""
    return "dev" if number % 2 == 1 else "test"


@dataclass(frozen=True)
class Speaker:
    key: str
    character: str
    actor: str
    voice: str  # engine/voice, e.g. "flite/slt", "festival/kal_diphone", "espeak/en+f3"
    language: str = "en"  # what the voice speaks (ISO 639-1)

    @property
    def engine(self) -> str:
        return self.voice.split("/", 1)[0]


@dataclass(frozen=True)
class Say:
    speaker: str
    text: str
    english: str = ""  # a line in another language: its English, written by hand


@dataclass(frozen=True)
class Passage:
    kind: str  # "music" (music alone) or "silence" (nothing but the film's noise)
    seconds: float


@dataclass(frozen=True)
class FilmSpec:
    number: int
    slug: str
    title: str
    year: int
    overview: str
    container: str  # mkv, mp4 (picture + sound) or m4a (sound alone)
    speakers: tuple[Speaker, ...]
    others: tuple[tuple[str, str], ...]  # (character, actor) named in the dialogue, never speaking
    places: tuple[str, ...]
    script: tuple[Say | Passage, ...]
    music_under_db: float | None = None  # music under the dialogue, this many dB below the speech
    noise_snr_db: float | None = None  # noise over the whole film at this speech-to-noise ratio
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def half(self) -> str:
        return half_of(self.number)

    @property
    def file_name(self) -> str:
        """The film's file: the workflow takes title and year from it, and searches TMDB with them."""
        return f"{self.title} ({self.year}).{self.container}"

    @property
    def movie(self) -> str:
        """The workflow's folder for the film (``Title (Year)`` → ``Title_Year``)."""
        return parse_film_name(self.file_name).folder

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(s.character for s in self.speakers) + tuple(c for c, _ in self.others) + self.places

    @property
    def name_words(self) -> frozenset[str]:
        """The words that name recall scores: every word of every name but titles and common place words."""
        return frozenset(w for name in self.names for w in name.split() if w not in COMMON_NAME_WORDS)

    @property
    def lines(self) -> tuple[Say, ...]:
        return tuple(item for item in self.script if isinstance(item, Say))

    def speaker(self, key: str) -> Speaker:
        return next(s for s in self.speakers if s.key == key)


def parse_item(item: str | dict, speakers: set[str]) -> Say | Passage:
    """``"A: line"``, ``"(music 8)"`` / ``"(silence 4)"``, or a line in another language with its English:
    ``{C: "Bonsoir.", english: "Good evening."}``."""
    if isinstance(item, dict):
        english = item.get("english", "")
        said = [(key, line) for key, line in item.items() if key != "english"]
        if len(said) != 1 or not english:
            raise ValueError(f"not a script line with its English: {item!r}")
        return replace(parse_item(f"{said[0][0]}: {said[0][1]}", speakers), english=english)
    text = item
    passage = _PASSAGE.match(text.strip())
    if passage:
        return Passage(passage.group(1), float(passage.group(2)))
    key, _, line = text.partition(":")
    if key.strip() not in speakers or not line.strip():
        raise ValueError(f"not a script line: {text!r}")
    return Say(key.strip(), line.strip())


def load(path: Path) -> FilmSpec:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    speakers = tuple(Speaker(key, **value) for key, value in data["speakers"].items())
    keys = {s.key for s in speakers}
    return FilmSpec(
        number=int(path.name.split("-", 1)[0]),
        slug=path.stem,
        title=data["title"],
        year=int(data["year"]),
        overview=" ".join(data["overview"].split()),
        container=data.get("container", "mkv"),
        speakers=speakers,
        others=tuple((o["character"], o["actor"]) for o in data.get("others") or []),
        places=tuple(data.get("places") or []),
        script=tuple(parse_item(item, keys) for item in data["script"]),
        music_under_db=data.get("music_under_db"),
        noise_snr_db=data.get("noise_snr_db"),
        extra={"director": data.get("director", "")},
    )


@cache
def corpus(folder: Path = FILMS) -> tuple[FilmSpec, ...]:
    """Every film of a folder of scripts (the English corpus unless told), by number."""
    return tuple(sorted((load(p) for p in folder.glob("[0-9]*-*.yaml")), key=lambda f: f.number))


def half(name: str, folder: Path = FILMS) -> tuple[FilmSpec, ...]:
    if name not in HALVES:
        raise ValueError(f"half must be one of {HALVES}, not {name!r}")
    return tuple(f for f in corpus(folder) if f.half == name)
