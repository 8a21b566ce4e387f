"""The whole workflow on a small library as users have them, in one run shared by every test here:

- a Matroska rip: French dub first, English DTS 5.1 second, a forced French ASS track, chapters, a font;
- an MP4 whose AC-3 audio starts 1.5 s after the picture, and the same film without the delay;
- sidecars (srt, vtt, ass) into an export folder that already holds a .en.srt subflow did not write.

Each result is checked with ffprobe and by decoding its subtitle track with ffmpeg, as a player would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
import srt

from bench.wer import word_error_rate
from subflow.io import STAGES
from tests.conftest import read_manifest, run_workflow
from tests.media import films
from tests.media.inspect import chapters, described, packets_md5, start_times, streams, subtitle_srt

pytestmark = pytest.mark.slow

THEIRS = "1\n00:00:01,000 --> 00:00:02,000\nDownloaded by hand.\n"


@dataclass(frozen=True)
class Library:
    films: Path
    out: Path
    subs: Path


@pytest.fixture(scope="module")
def library(tmp_path_factory) -> Library:
    root = tmp_path_factory.mktemp("library")
    films.rich_mkv(root / "Movies" / "Rich Rip (2020)" / "Rich Rip (2020).mkv")
    films.delayed_mp4(root / "Movies" / "Late Sound (2022).mp4")
    films.delayed_mp4(root / "Movies" / "On Time (2022).mp4", delay_s=0.0)
    sheet = root / "Movies" / "movies.tsv"
    sheet.write_text("path\nRich Rip (2020)/Rich Rip (2020).mkv\n", encoding="utf-8")  # in a film's own folder
    subs = root / "subs"
    (subs / "Rich Rip (2020)").mkdir(parents=True)
    (subs / "Rich Rip (2020)" / "Rich Rip (2020).en.srt").write_text(THEIRS, encoding="utf-8")
    config = root / "config.yaml"
    settings = {"movies": str(sheet), "subtitles": {"formats": ["srt", "vtt", "ass"]}}
    config.write_text(json.dumps({**settings, "export": {"sidecar": True, "dir": str(subs)}}), encoding="utf-8")
    run_workflow(root / "Movies", root / "out", "--configfile", str(config))
    return Library(root / "Movies", root / "out", subs)


def events(text: str) -> list[srt.Subtitle]:
    return list(srt.parse(text))


def test_every_stage_of_every_film_succeeds(library: Library):
    for movie in ("Rich_Rip_2020", "Late_Sound_2022", "On_Time_2022"):
        manifest = read_manifest(library.out / movie)
        statuses = {stage: entry["status"] for stage, entry in manifest["stages"].items() if stage != "tmdb"}
        assert statuses == {stage: "success" for stage in STAGES if stage != "tmdb"}, movie
        assert manifest["pipeline"]["status"] == "completed", movie


def test_the_rip_keeps_every_stream_bit_for_bit_plus_ours(library: Library):
    film = library.films / "Rich Rip (2020)" / "Rich Rip (2020).mkv"
    video = library.out / "Rich_Rip_2020" / "final_output.mkv"
    before, after = streams(film), streams(video)
    assert [s["codec_name"] for s in after] == ["h264", "ac3", "dts", "ass", "subrip", "ttf"]
    kept = [s for s in after if s["index"] != 4]
    assert [described(s) for s in kept] == [described(s) for s in before]
    for old, new in zip(before[:4], kept[:4]):
        assert packets_md5(film, old["index"]) == packets_md5(video, new["index"])
    assert chapters(video) == chapters(film)
    ours = described(after[4])
    assert ours["tags"] == {"language": "eng", "title": "English (subflow)"} and "default" not in ours["disposition"]
    spoken = " ".join(e.content for e in events(subtitle_srt(video, 4))).lower()
    assert "friend" in spoken and "bonjour" not in spoken, "the English DTS track was transcribed, not the dub"


def test_the_manifest_records_the_choice_the_container_and_each_stream(library: Library):
    stages = read_manifest(library.out / "Rich_Rip_2020")["stages"]
    choice = stages["demux"]["metadata"]["audio_choice"]
    assert (choice["stream_index"], choice["reason"]) == (2, "tagged English (eng)")
    mux = stages["mux"]["metadata"]
    assert (mux["container"], mux["codec"], mux["subtitle_track"], mux["subtitle_default"]) == (
        "mkv",
        "subrip",
        "eng",
        False,
    )
    assert [(s["index"], s["type"], s["fate"]) for s in mux["streams"]] == [
        (0, "video", "copied"),
        (1, "audio", "copied"),
        (2, "audio", "copied"),
        (3, "subtitle", "copied"),
        (4, "attachment", "copied"),
    ]
    assert read_manifest(library.out / "Late_Sound_2022")["stages"]["mux"]["metadata"]["container"] == "mp4"


def test_a_late_audio_track_gets_subtitles_in_the_film_time(library: Library):
    """The delayed film's events, decoded from its MP4, start where the same speech's events start in the film
    without the delay, shifted by the delay (within 0.1 s), and within 0.25 s of where each line is spoken. The
    words mostly agree: the two AAC tracks are not the same samples, and Whisper may hear a word otherwise."""
    late, on_time = (
        library.out / "Late_Sound_2022" / "final_output.mp4",
        library.out / "On_Time_2022" / "final_output.mp4",
    )
    delay = start_times(late)[1] - start_times(on_time)[1]
    assert delay == pytest.approx(1.5, abs=0.02)
    assert read_manifest(library.out / "Late_Sound_2022")["stages"]["demux"]["metadata"]["start_offset_seconds"] == (
        pytest.approx(1.5, abs=0.02)
    )
    shown, reference = events(subtitle_srt(late, 2)), events(subtitle_srt(on_time, 2))
    assert len(shown) == len(reference) and shown
    texts = [" ".join(e.content for e in found) for found in (shown, reference)]
    assert word_error_rate(texts[1], texts[0]) < 0.5, texts
    for event, same in zip(shown, reference):
        assert event.start.total_seconds() == pytest.approx(same.start.total_seconds() + delay, abs=0.1)
    lines = json.loads((library.films / "Late Sound (2022).mp4.lines.json").read_text(encoding="utf-8"))
    spoken = [line["start"] + 1.5 for line in lines]
    for event in shown:
        assert min(abs(event.start.total_seconds() - start) for start in spoken) < 0.25, (event, spoken)


def test_sidecars_mirror_the_tree_and_leave_a_foreign_file_alone(library: Library):
    rip = library.subs / "Rich Rip (2020)"
    assert (rip / "Rich Rip (2020).en.srt").read_text(encoding="utf-8") == THEIRS
    assert sorted(p.name for p in rip.iterdir()) == [f"Rich Rip (2020).en.{fmt}" for fmt in ("ass", "srt", "vtt")]
    assert sorted(p.name for p in library.subs.glob("*.en.*")) == [
        f"{name} (2022).en.{fmt}" for name in ("Late Sound", "On Time") for fmt in ("ass", "srt", "vtt")
    ]
    srt_made = (library.out / "Late_Sound_2022" / "subtitles" / "subtitles.srt").read_text(encoding="utf-8")
    assert (library.subs / "Late Sound (2022).en.srt").read_text(encoding="utf-8") == srt_made
    sidecars = read_manifest(library.out / "Rich_Rip_2020")["stages"]["mux"]["metadata"]["sidecars"]
    assert [(Path(s["path"]).name, s["status"], s["reason"]) for s in sidecars] == [
        ("Rich Rip (2020).en.srt", "skipped", "it exists and subflow did not write it"),
        ("Rich Rip (2020).en.vtt", "written", None),
        ("Rich Rip (2020).en.ass", "written", None),
    ]
    assert all(len(s["sha256"]) == 64 for s in sidecars)
    assert not list(library.films.rglob("*.en.*")), "with export.dir nothing is written beside the films"
