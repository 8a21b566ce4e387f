"""The measured claim of issue 5, on the real workflow: a generated film naming its characters, the cast
served by a local TMDB; name recall in the final SRT ≥ 95% and no correction of a non-name word."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.slow


def test_name_recall_in_final_subtitles(tmp_path):
    from bench.name_recall import SCRIPT, measure

    characters = ("Cobb", "Arthur", "Saito", "Eames", "Ariadne", "Mal", "Yusuf", "Fischer", "Browning", "Miles")
    assert len({name for _, line in SCRIPT for name in characters if name in line.split() or f"{name}," in line}) >= 6

    result = measure(tmp_path, whisperx=False, cores=2, prompts=(True,))
    final = next(r for r in result["rows"] if r["post_ner"])
    assert final["names"] >= 20
    assert final["recall"] >= 0.95, final
    assert final["wrong_corrections"] == 0, result["details"]["prompt"]["wrong_corrections"]
    stages = result["details"]["prompt"]["manifest"]
    assert stages["tmdb"]["status"] == "success" and stages["tmdb"]["metadata"]["tmdb_id"] == 27205
    assert stages["tmdb"]["metadata"]["cast_count"] == 51
    assert stages["pre_ner"]["metadata"]["entity_count"] > 50
    assert stages["post_ner"]["status"] == "success" and "corrections_made" in stages["post_ner"]["metadata"]
