"""The torch mel spectrogram against resemblyzer's librosa one, and no numba in the diarization stage."""

from __future__ import annotations

import subprocess
import sys
import warnings

import numpy as np
import pytest

from subflow.diarization.mel import mel_spectrogram
from subflow.io import SAMPLE_RATE


@pytest.mark.parametrize("length", [100, 399, 400, 25_600, 31 * SAMPLE_RATE + 77])
def test_mel_spectrogram_is_resemblyzers(dialogue, length):
    from resemblyzer.audio import wav_to_mel_spectrogram

    samples, _ = dialogue
    piece = np.resize(samples, length).astype(np.float32)  # speech, repeated where the dialogue is shorter
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # librosa warns that 400 samples of window exceed a 100-sample input
        expected = wav_to_mel_spectrogram(piece)
    got = mel_spectrogram(piece)
    assert got.shape == expected.shape and got.dtype == np.float32
    assert np.abs(got - expected).max() <= 1e-5 * np.abs(expected).max()


def test_embedding_a_voice_neither_imports_nor_compiles_numba():
    """numba compiled librosa's functions for tens of seconds on a fresh machine, in every new install."""
    code = (
        "import sys, numpy as np\n"
        "from subflow.diarization.embedding import VoiceEmbedder\n"
        "import pyannote.audio.utils.signal, pyannote.audio.pipelines.utils\n"
        "VoiceEmbedder()(np.random.default_rng(0).standard_normal(48000).astype(np.float32) * 0.1)\n"
        "print('numba' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False", result.stderr[-2000:]
