"""Words with times (and optional speakers) → subtitle events under the Netflix English rules.

Pure functions, no I/O. Events are chosen by dynamic programming over the word sequence: every
candidate event (a run of words) is laid out into lines, timed, and checked against the same rules
that :func:`check_events` reports, so the formatter minimises first the number of broken rules and
then the cost of its breaks (see :mod:`subflow.subtitles.breaks`). Times are computed in whole
milliseconds, as SRT stores them, so what is checked is what is written.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from subflow.options import SubtitlesOptions
from subflow.subtitles.breaks import SENTENCE, break_costs, ends_sentence
from subflow.subtitles.words import Word

RULES = (
    "chars_per_line",
    "lines",
    "min_duration",
    "max_duration",
    "reading_speed",
    "gap",
    "overlap",
    "in_time",
    "out_time",
    "speakers",
)
DASH = "- "
LATE_IN_FRAMES = 3  # Netflix: in-time within 3 frames of speech start
BROKEN_RULE = 1000.0  # cost of one broken rule: above any sum of break costs in one event
EVENT = 4.0  # cost of each event: fewer, fuller events unless a break is worth it
EVENT_BREAK_WEIGHT = 4.0  # an event break is more visible than a line break
PAUSE_FULL_S = 1.0  # a pause this long makes any event break cheap (down to a quarter)
UNFINISHED = 8.0  # an event that ends one sentence, then starts another it does not finish
INNER_PAUSE_PER_S = 3.0  # text left on screen over a pause inside an event (beyond 0.5 s)
DIALOGUE = 3.0  # two speakers in one event: allowed, but separate events show who speaks when
BALANCE = 0.25  # weight of uneven lines (squared slack / width)
_TOL = 1e-6


@dataclass(frozen=True)
class SubtitleRules:
    """The Netflix English defaults; every number is a key of the ``subtitles`` config block."""

    max_chars_per_line: int = 42
    max_lines: int = 2
    min_duration_s: float = 0.833
    max_duration_s: float = 7.0
    max_chars_per_second: float = 20.0
    min_gap_frames: int = 2
    fps: float = 23.976
    max_extend_s: float = 0.5

    @classmethod
    def for_film(cls, options: SubtitlesOptions, fps: float | None = None) -> SubtitleRules:
        """The rules of the ``subtitles`` options for one film: its own frame rate wins over ``default_fps``."""
        frame_rate = fps if fps and fps > 0 else options.default_fps
        return cls(
            max_chars_per_line=options.max_chars_per_line,
            max_lines=options.max_lines,
            min_duration_s=options.min_duration_s,
            max_duration_s=options.max_duration_s,
            max_chars_per_second=options.max_chars_per_second,
            min_gap_frames=options.min_gap_frames,
            fps=float(frame_rate),
            max_extend_s=options.max_extend_s,
        )

    @property
    def min_gap_s(self) -> float:
        """The gap between events in seconds, from frames at the film's frame rate."""
        return self.min_gap_frames / self.fps


@dataclass
class Event:
    """One subtitle: times in seconds (whole milliseconds), its lines, the words it shows, and the
    rules it could not meet with the reason (empty when compliant)."""

    start: float
    end: float
    lines: list[str]
    words: list[Word]
    flags: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


# ---------------------------------------------------------------- layout


@dataclass(frozen=True)
class _Limits:
    """The rules in integer milliseconds, as SRT stores times."""

    min_ms: int
    max_ms: int
    extend_ms: int
    gap_ms: int
    frame_ms: int

    @classmethod
    def of(cls, rules: SubtitleRules) -> _Limits:
        frame = 1000.0 / rules.fps
        return cls(
            min_ms=math.ceil(round(rules.min_duration_s * 1000, 6)),
            max_ms=math.floor(round(rules.max_duration_s * 1000, 6)),
            extend_ms=math.floor(round(rules.max_extend_s * 1000, 6)),
            gap_ms=math.ceil(round(rules.min_gap_frames * frame, 6)),
            frame_ms=max(1, math.ceil(frame)),
        )


def _turns(words: Sequence[Word]) -> list[int]:
    """Start index of each speaker turn; words without a speaker stay in the current turn."""
    turns, current = [0] if words else [], None
    for k, word in enumerate(words):
        if word.speaker is not None:
            if current is not None and word.speaker != current:
                turns.append(k)
            current = word.speaker
    return turns


def _wrap(texts: Sequence[str], costs: Sequence[float], width: int, prefix: str) -> tuple[list[str], float]:
    """Fewest lines of at most ``width`` (prefix on the first), breaks chosen for low cost and even
    lengths. A word wider than ``width`` gets a line of its own (the check flags it)."""
    n = len(texts)
    cum = [0]
    for text in texts:
        cum.append(cum[-1] + len(text) + 1)

    def length(a: int, b: int) -> int:  # words a..b-1 on one line
        return cum[b] - cum[a] - 1 + (len(prefix) if a == 0 else 0)

    def line(a: int, b: int) -> str:
        return (prefix if a == 0 else "") + " ".join(texts[a:b])

    if length(0, n) <= width:
        return [line(0, n)], 0.0
    greedy, a = [], 0
    for b in range(1, n + 1):
        if b - 1 > a and length(a, b) > width:
            greedy.append(a)
            a = b - 1
    greedy.append(a)
    if any(length(k, k + 1) > width for k in range(n)):
        cuts = greedy + [n]
        return [line(cuts[i], cuts[i + 1]) for i in range(len(greedy))], 0.0
    # best[l][b] = (cost, start of line l) of laying words 0..b-1 on l lines; the last line ends at n
    count = len(greedy)
    best: list[dict[int, tuple[float, int]]] = [{0: (0.0, 0)}] + [{} for _ in range(count)]
    for lines in range(1, count + 1):
        for a, (so_far, _) in best[lines - 1].items():
            for b in [n] if lines == count else range(a + 1, n):
                size = length(a, b)
                if size > width:
                    break
                cost = so_far + BALANCE * (width - size) ** 2 / width + (costs[a - 1] if a else 0.0)
                if cost < best[lines].get(b, (math.inf, 0))[0]:
                    best[lines][b] = (cost, a)
    cuts, b = [n], n
    for lines in range(count, 0, -1):
        b = best[lines][b][1]
        cuts.append(b)
    cuts.reverse()
    return [line(cuts[i], cuts[i + 1]) for i in range(count)], best[count][n][0]


def _layout(words: Sequence[Word], costs: Sequence[float], rules: SubtitleRules) -> tuple[list[str], float]:
    """Lines of one event: each speaker turn on its own line(s) with a dialogue dash when two speak."""
    turns = _turns(words)
    prefix = DASH if len(turns) > 1 else ""
    bounds = turns + [len(words)]
    lines, cost = [], 0.0
    for a, b in zip(bounds, bounds[1:]):
        turn_lines, turn_cost = _wrap([w.text for w in words[a:b]], costs[a : b - 1], rules.max_chars_per_line, prefix)
        lines += turn_lines
        cost += turn_cost
    return lines, cost


def _end_ms(start: int, last_end: int, chars: int, next_start: int | None, rules: SubtitleRules, lim: _Limits) -> int:
    """Out-time: the last word's end, extended (≤ max_extend, or to the minimum duration) to meet
    the minimum duration and reading speed, never past the maximum or into the next event's gap."""
    needed = max(lim.min_ms, math.ceil(round(chars * 1000 / rules.max_chars_per_second, 6)))
    cap = max(last_end + lim.extend_ms, start + lim.min_ms)
    end = min(max(last_end, start + needed), cap, start + lim.max_ms)
    return end if next_start is None else min(end, next_start - lim.gap_ms)


def _times_ms(words: Sequence[Word]) -> tuple[list[int], list[int]]:
    """Word starts (rounded up: never show text before it is said) and ends in ms, made
    non-decreasing so events stay in order even where ASR times run backwards."""
    starts, ends, s_prev, e_prev = [], [], 0, 0
    for word in words:
        s = max(math.ceil(round(word.start * 1000, 6)), s_prev)
        e = max(round(word.end * 1000), e_prev, s)
        starts.append(s)
        ends.append(e)
        s_prev, e_prev = s, e
    return starts, ends


# ---------------------------------------------------------------- rules


def _reasons(event: Event, rules: SubtitleRules, prev_end: float | None) -> list[str]:
    """Every rule ``event`` breaks, as "rule: why"; ``prev_end`` is the previous event's out-time."""
    out = []
    width, duration = rules.max_chars_per_line, event.end - event.start
    dialogue = bool(event.lines) and event.lines[0].startswith(DASH)
    turns = len(_turns(event.words)) if event.words else 1 + dialogue
    longest = max((len(line) for line in event.lines), default=0)
    if longest > width:
        out.append(f"chars_per_line: {longest} > {width}")
    if len(event.lines) > rules.max_lines:
        out.append(f"lines: {len(event.lines)} > {rules.max_lines}")
    elif turns == 1 and len(event.lines) > 1 and len(" ".join(event.lines)) <= width:
        out.append(f"lines: {len(event.lines)} lines where one fits")
    if duration < rules.min_duration_s - _TOL:
        out.append(f"min_duration: {duration:.3f} s < {rules.min_duration_s} s")
    if duration > rules.max_duration_s + _TOL:
        out.append(f"max_duration: {duration:.3f} s > {rules.max_duration_s} s")
    chars = sum(len(line) for line in event.lines)
    if chars > rules.max_chars_per_second * max(duration, 0.0) + _TOL:
        speed = chars / duration if duration > 0 else math.inf
        out.append(f"reading_speed: {speed:.1f} > {rules.max_chars_per_second} characters/s")
    if prev_end is not None and event.start < prev_end - _TOL:
        out.append(f"overlap: starts {prev_end - event.start:.3f} s before the previous event ends")
    elif prev_end is not None and event.start - prev_end < rules.min_gap_s - _TOL:
        out.append(f"gap: {event.start - prev_end:.3f} s < {rules.min_gap_frames} frames")
    if event.words:
        first = event.words[0]
        late = LATE_IN_FRAMES / rules.fps
        if event.start < first.start - _TOL:
            out.append(f"in_time: {first.start - event.start:.3f} s before the first word")
        elif event.start > first.start + late + _TOL:
            out.append(f"in_time: {event.start - first.start:.3f} s after the first word")
        allowed = max(max(w.end for w in event.words) + rules.max_extend_s, event.start + rules.min_duration_s)
        if event.end > allowed + _TOL:
            out.append(f"out_time: {event.end - allowed:.3f} s past the allowed extension")
    dashed = sum(line.startswith(DASH) for line in event.lines)
    if turns > 2:
        out.append(f"speakers: {turns} speaker turns in one event")
    elif turns == 2 and (dashed != 2 or not dialogue):
        out.append("speakers: two speakers without a dialogue dash on each")
    return out


def check_events(events: Sequence[Event], rules: SubtitleRules) -> dict:
    """Compliance of ``events`` with every rule: the body of subtitles/report.json. Works on events
    without words too (e.g. another tool's SRT); the word-timing rules are then skipped."""
    violations = Counter({rule: 0 for rule in RULES})
    listed, prev_end = [], None
    for index, event in enumerate(events, 1):
        reasons = _reasons(event, rules, prev_end)
        prev_end = event.end
        if reasons:
            violations.update({reason.split(":", 1)[0] for reason in reasons})
            listed.append(
                {"index": index, "start": event.start, "end": event.end, "text": event.text, "reasons": reasons}
            )
    compliance = 1.0 - len(listed) / len(events) if events else 1.0
    return {"compliance": round(compliance, 6), "violations": dict(violations), "events": listed}


# ---------------------------------------------------------------- events


def format_events(words: Sequence[Word], rules: SubtitleRules, entities: Sequence[str] = ()) -> list[Event]:
    """Subtitle events for ``words`` in order, each word exactly once. ``entities`` are multi-word
    names that no break may split. Rules that the speech makes impossible to meet are in the
    event's ``flags``."""
    words = list(words)
    n = len(words)
    if n == 0:
        return []
    lim = _Limits.of(rules)
    starts, ends = _times_ms(words)
    costs = break_costs([w.text for w in words], entities)
    turn_starts = set(_turns(words)[1:])
    for k in turn_starts:
        costs[k - 1] = min(costs[k - 1], SENTENCE)  # a new speaker is a natural break
    capacity = rules.max_lines * rules.max_chars_per_line
    best, back = [0.0] + [math.inf] * n, [0] * (n + 1)
    for i in range(n):
        chars, speakers, inner_pause = -1, 0, 0.0
        for j in range(i, n):
            chars += len(words[j].text) + 1
            speakers += j == i or j in turn_starts
            if j > i:
                inner_pause += max(0, starts[j] - ends[j - 1] - 500) / 1000
            too_big = chars > capacity or ends[j] - starts[i] > lim.max_ms or speakers > min(2, rules.max_lines)
            if j > i and too_big:
                break
            cost = best[i] + _event_cost(words, costs, starts, ends, i, j, rules, lim) + INNER_PAUSE_PER_S * inner_pause
            if cost < best[j + 1]:
                best[j + 1], back[j + 1] = cost, i
    spans, j = [], n
    while j > 0:
        spans.append((back[j], j - 1))
        j = back[j]
    return _timed_events(words, costs, starts, ends, spans[::-1], rules, lim)


def _event_cost(
    words: list[Word],
    costs: list[float],
    starts: list[int],
    ends: list[int],
    i: int,
    j: int,
    rules: SubtitleRules,
    lim: _Limits,
) -> float:
    """Broken rules (weighted far above style), then line and event break costs of words i..j."""
    lines, cost = _layout(words[i : j + 1], costs[i:j], rules)
    next_start = starts[j + 1] if j + 1 < len(words) else None
    end = _end_ms(starts[i], ends[j], sum(len(line) for line in lines), next_start, rules, lim)
    event = Event(starts[i] / 1000, end / 1000, lines, words[i : j + 1])
    cost += EVENT + BROKEN_RULE * len(_reasons(event, rules, None))
    if next_start is not None:
        pause_s = (next_start - ends[j]) / 1000
        cost += EVENT_BREAK_WEIGHT * costs[j] * max(0.25, 1.0 - pause_s / PAUSE_FULL_S)
        if not ends_sentence(words[j].text) and any(ends_sentence(w.text) for w in words[i:j]):
            cost += UNFINISHED
    if len(_turns(event.words)) > 1:
        cost += DIALOGUE
    return cost


def _timed_events(
    words: list[Word],
    costs: list[float],
    starts: list[int],
    ends: list[int],
    spans: list[tuple[int, int]],
    rules: SubtitleRules,
    lim: _Limits,
) -> list[Event]:
    """Events for the chosen word spans. An in-time is delayed only when the speech is too dense for
    the gap (then flagged); every event stays at least a frame long and never overlaps the next."""
    events: list[Event] = []
    prev_end: int | None = None
    for i, j in spans:
        lines, _ = _layout(words[i : j + 1], costs[i:j], rules)
        start = starts[i] if prev_end is None else max(starts[i], prev_end + lim.gap_ms)
        next_start = starts[j + 1] if j + 1 < len(words) else None
        end = max(
            _end_ms(start, ends[j], sum(len(line) for line in lines), next_start, rules, lim), start + lim.frame_ms
        )
        event = Event(start / 1000, end / 1000, lines, words[i : j + 1])
        event.flags = _reasons(event, rules, None if prev_end is None else prev_end / 1000)
        events.append(event)
        prev_end = end
    return events
