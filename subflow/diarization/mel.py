"""The mel spectrogram resemblyzer's voice encoder takes, computed with torch instead of librosa.

resemblyzer computes it with ``librosa.feature.melspectrogram`` (25 ms Hann window, 10 ms hop, 40 Slaney
mel bands, power 2, centred with zero padding). librosa runs through numba, which compiles for tens of
seconds on a fresh machine and loads its cache for about two seconds on every later run; ``torch.stft``
and torchaudio's Slaney filter bank give the same values to float precision (tests/diarization/test_mel.py)
with nothing to compile.
"""

from functools import cache

import numpy as np

from subflow.io import SAMPLE_RATE

N_FFT = SAMPLE_RATE * 25 // 1000  # resemblyzer's mel_window_length, 25 ms
HOP = SAMPLE_RATE * 10 // 1000  # mel_window_step, 10 ms
N_MELS = 40  # mel_n_channels


@cache
def _filter_bank():
    import torchaudio.functional

    bank = torchaudio.functional.melscale_fbanks(
        N_FFT // 2 + 1, 0.0, SAMPLE_RATE / 2, N_MELS, SAMPLE_RATE, norm="slaney", mel_scale="slaney"
    )
    return bank.T.contiguous()  # (mels, frequencies)


def mel_spectrogram(samples: np.ndarray) -> np.ndarray:
    """(frames, 40) float32 power mel spectrogram of 16 kHz samples, as resemblyzer's
    ``wav_to_mel_spectrogram`` returns it (one frame per 10 ms, plus one)."""
    import torch

    with torch.inference_mode():
        wave = torch.from_numpy(np.ascontiguousarray(samples, dtype=np.float32))
        spectrum = torch.stft(
            wave,
            n_fft=N_FFT,
            hop_length=HOP,
            window=torch.hann_window(N_FFT),
            center=True,
            pad_mode="constant",
            return_complex=True,
        )
        return (_filter_bank() @ spectrum.abs().square()).T.numpy().astype(np.float32)
