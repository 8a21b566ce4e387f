"""ASR pieces: chunking of speech segments, model resolution that never hangs, real transcription."""

from __future__ import annotations

import pytest

from subflow.asr.decode import DecodeOptions, chunk_segments, decode_workers, transcribe, worker_shares
from subflow.errors import StageError
from subflow.models import resolve_whisper_model


def test_chunks_merge_neighbours_up_to_30_s():
    segments = [{"start": 0.0, "end": 10.0}, {"start": 12.0, "end": 25.0}, {"start": 26.0, "end": 40.0}]
    assert chunk_segments(segments) == [{"start": 0.0, "end": 25.0}, {"start": 26.0, "end": 40.0}]


def test_long_segment_is_cut_at_30_s():
    chunks = chunk_segments([{"start": 5.0, "end": 70.0}])
    assert chunks == [{"start": 5.0, "end": 35.0}, {"start": 35.0, "end": 65.0}, {"start": 65.0, "end": 70.0}]
    assert all(c["end"] - c["start"] <= 30 for c in chunks)


def test_chunks_stay_within_the_audio():
    # segment times are rounded to the millisecond: the last may end past the last sample
    segments = [{"start": 0.0, "end": 20.0}, {"start": 20.4, "end": 29.496}]
    assert chunk_segments(segments, duration=29.4955625) == [{"start": 0.0, "end": 29.4955625}]


def test_no_segments_no_chunks():
    assert chunk_segments([]) == []


def test_transcribes_generated_speech_with_word_times():
    from bench.synth import synthesize
    from bench.wer import word_error_rate

    script = [("en-us", "Hello, my friend. It is good to see you again.")]
    audio, lines = synthesize(script)
    options = DecodeOptions(resolve_whisper_model("tiny.en", False), "cpu", "int8", 2, "en", 5, 4, None)
    body = transcribe(audio, [{"start": lines[0].start, "end": lines[0].end}], options)
    assert word_error_rate(script[0][1], body["text"]) <= 0.1
    words = [w for s in body["segments"] for w in s["words"]]
    assert all(lines[0].start - 0.5 <= w["start"] <= w["end"] <= lines[0].end + 0.5 for w in words)


def test_windows_are_shared_evenly_among_the_workers_in_time_order():
    chunks = [{"start": 30.0 * i, "end": 30.0 * i + 29} for i in range(21)]
    shares, sizes = worker_shares(chunks, 2, 8)
    assert [len(share) for share in shares] == [10, 11] and sizes == [5, 6]  # batches 5+5 and 6+5, not 8+8 and 5
    assert [c for share in shares for c in share] == chunks
    assert worker_shares(chunks, 1, 8) == ([chunks], [8])
    assert worker_shares(chunks[:1], 2, 8) == ([chunks[:1]], [1])


def test_workers_one_per_thread_on_the_cpu_and_one_on_a_gpu():
    cpu = DecodeOptions("model", "cpu", "int8", 2, "en", 5, 8, None)
    assert decode_workers(cpu, 21) == 2 and decode_workers(cpu, 1) == 1  # a single window gets both threads
    assert decode_workers(DecodeOptions("model", "cuda", "float16", 2, "en", 5, 8, None), 21) == 1


def test_two_workers_decode_the_film_between_them_in_order():
    import numpy as np

    from bench.synth import synthesize
    from bench.wer import word_error_rate

    script = [("en-us", "Hello, my friend. It is good to see you again."), ("en+f3", "The harbour is quiet tonight.")]
    first, one = synthesize(script[:1])
    second, two = synthesize(script[1:])
    gap = np.zeros(16000 * 32, dtype=first.dtype)  # 32 s apart: two windows, one for each worker
    audio = np.concatenate([first, gap, second])
    offset = (first.size + gap.size) / 16000
    segments = [
        {"start": one[0].start, "end": one[0].end},
        {"start": two[0].start + offset, "end": two[0].end + offset},
    ]
    options = DecodeOptions(resolve_whisper_model("tiny.en", False), "cpu", "int8", 2, "en", 5, 8, None)
    body = transcribe(audio, segments, options)
    assert body["chunk_count"] == 2
    texts = [" ".join(s["text"] for s in body["segments"] if s["start"] < offset - 1), body["segments"][-1]["text"]]
    assert all(word_error_rate(line[1], text) <= 0.2 for line, text in zip(script, texts)), texts
    starts = [w["start"] for s in body["segments"] for w in s["words"]]
    assert starts == sorted(starts) and starts[-1] > offset


def test_english_only_model_refuses_other_language():
    import numpy as np

    options = DecodeOptions(resolve_whisper_model("tiny.en", False), "cpu", "int8", 1, "fr", 1, 1, None)
    with pytest.raises(StageError, match="English-only"):
        transcribe(np.zeros(16000, dtype="float32"), [{"start": 0.0, "end": 1.0}], options)


DIALOGUE = [
    ("en-us", "Ysolde, the boat leaves Kestrel Bay at dawn, and Captain Oduya will not wait for anyone."),
    ("en+f3", "Then wake Marchetti and tell him we sail with the tide, whatever the harbour master says."),
]


@pytest.mark.slow
def test_a_window_the_prompt_took_over_is_decoded_again_and_its_speech_kept():
    """A prompt of one name repeated makes the batched pass write that name instead of the dialogue."""
    from bench.synth import synthesize
    from bench.wer import word_error_rate

    audio, lines = synthesize(DIALOGUE)
    segments = [{"start": line.start, "end": line.end} for line in lines]
    model = resolve_whisper_model("tiny.en", False)
    taken_over = transcribe(audio, segments, DecodeOptions(model, "cpu", "int8", 2, "en", 5, 8, "Ysolde " * 60))
    [window] = taken_over["redecoding"]["redecoded"]
    assert "mostly the prompt's words" in window["signals"] and window["kept"] != "batched"
    assert taken_over["redecoding"]["untranscribed"] == []
    reference = " ".join(text for _, text in DIALOGUE)
    words = {t["try"]: t["words"] for t in window["tries"]}
    assert words["batched"] < 10 and words[window["kept"]] >= 0.8 * len(reference.split()), words
    assert word_error_rate(reference, taken_over["text"]) < 0.5  # tiny.en without the names: misspelt, not lost
    clean = transcribe(audio, segments, DecodeOptions(model, "cpu", "int8", 2, "en", 5, 8, "Ysolde, Kestrel Bay."))
    clean_signals = [signal for window in clean["redecoding"]["redecoded"] for signal in window["signals"]]
    assert "mostly the prompt's words" not in clean_signals  # a prompt of names does not take a window over


@pytest.mark.slow
def test_a_window_that_lost_its_speech_is_decoded_again_with_the_prompt_first_so_the_names_stay_spelled():
    """A window with no word where the VAD hears speech (here the batched pass is given as having heard
    nothing): the sequential decoder with the same prompt is tried first, and kept when it is clean."""
    from faster_whisper import WhisperModel

    from bench.synth import synthesize
    from subflow.asr.decode import chunk_segments
    from subflow.asr.redecode import repair

    audio, lines = synthesize(DIALOGUE)
    speech = [{"start": line.start, "end": line.end} for line in lines]
    chunks = chunk_segments(speech, duration=audio.size / 16000)
    model = WhisperModel(resolve_whisper_model("tiny.en", False), device="cpu", compute_type="int8", cpu_threads=2)
    decode = ("en", 5, "transcribe")
    kept, record = repair(model, audio, chunks, speech, [], decode, "Ysolde, Kestrel Bay, Captain Oduya.")
    [window] = record["redecoded"]
    assert "speech with no word" in window["signals"]
    assert [t["try"] for t in window["tries"]] == ["batched", "prompt"] and window["kept"] == "prompt"
    assert "Captain Oduya" in " ".join(s["text"] for s in kept) and record["untranscribed"] == []
    _, bare = repair(model, audio, chunks, speech, [], decode, None)
    assert [t["try"] for t in bare["redecoded"][0]["tries"]][:2] == ["batched", "no_prompt"]
