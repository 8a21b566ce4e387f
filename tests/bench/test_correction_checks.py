"""The accuracy bench's guard figure: post_ner corrections that changed words ASR had heard right."""

from bench.name_recall import right_words_changed


def transcript(*words: tuple[str, float]) -> dict:
    return {"segments": [{"words": [{"word": f" {w}", "start": t, "end": t + 0.3} for w, t in words]}]}


def fix(before: str, after: str, time: float) -> dict:
    return {"before": before, "after": after, "time": time}


def test_a_right_word_made_a_name_counts_and_a_misheard_name_fixed_does_not():
    heard = transcript(("We", 0.0), ("met", 0.3), ("at", 0.6), ("the", 0.9), ("mall,", 1.2), ("Cob", 1.5))
    script = "We met at the mall, Cobb."
    fixes = [fix("mall,", "Mal,", 1.2), fix("Cob", "Cobb", 1.5)]
    assert [c["after"] for c in right_words_changed(script, heard, fixes)] == ["Mal,"]


def test_a_case_only_fix_to_the_script_spelling_does_not_count():
    heard = transcript(("Ask", 0.0), ("cobb", 0.3))
    assert right_words_changed("Ask Cobb.", heard, [fix("cobb", "Cobb", 0.3)]) == []
