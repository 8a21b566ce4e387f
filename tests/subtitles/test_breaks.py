"""What a line or event break costs, by what it separates."""

from subflow.subtitles.breaks import CLAUSE, GLUE, PLAIN, PRONOUN_VERB, SENTENCE, break_costs


def test_break_costs_rank_sentences_clauses_and_glued_pairs():
    texts = "Hello. Well, I didn't see Diane Smith and the forty five minutes train".split()
    costs = dict(zip(texts, break_costs(texts)))  # cost of a break after each word
    assert costs["Hello."] == SENTENCE and costs["Well,"] == CLAUSE
    assert costs["I"] == PLAIN + PRONOUN_VERB
    assert costs["see"] == PLAIN
    for glued in ("Diane", "the", "forty", "five"):
        assert costs[glued] >= GLUE, glued
    assert costs["Smith"] < PLAIN  # before "and"
    assert break_costs(["his", "friend"], ["his friend"])[0] >= 2 * GLUE
