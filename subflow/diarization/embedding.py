"""Speaker embeddings of the offline backend: resemblyzer's VoiceEncoder (the GE2E model shipped inside the
package; 256-d, L2-normed), on stretches of speech or on one grid of partials that overlapping windows share."""

import itertools
import math
from collections.abc import Iterable

import numpy as np

from subflow.diarization.mel import mel_spectrogram
from subflow.errors import StageError
from subflow.io import SAMPLE_RATE

MIN_GRID_PARTIALS = 5  # see PartialGrid


def normed(x: np.ndarray) -> np.ndarray:
    """``x`` scaled to unit length along its last axis (zero vectors stay near zero)."""
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)


class VoiceEmbedder:
    """resemblyzer's VoiceEncoder (weights inside the package) on raw 16 kHz float samples.

    A stretch of speech is cut into the encoder's 1.6 s partials (``rate`` partials per second, as
    resemblyzer's ``embed_utterance``); the partials of many stretches go through the LSTM together,
    and a stretch's embedding is the L2-normed mean of its partials'."""

    PARTIAL_SAMPLES = 25600  # the encoder's 1.6 s window (160 mel frames of 10 ms)

    def __init__(self, device: str = "cpu", rate: float = 1.3, batch_size: int = 64):
        try:
            from resemblyzer import VoiceEncoder
        except ImportError as exc:  # pragma: no cover — resemblyzer is pinned in the env
            raise StageError(
                "diarization: the offline backend needs resemblyzer (pip install Resemblyzer==0.1.4)"
            ) from exc
        self.encoder = VoiceEncoder(device, verbose=False)
        self.device = device
        self.rate = rate
        self.batch_size = batch_size

    def _partials(self, samples: np.ndarray) -> np.ndarray:
        """(n, 160, 40) mel partials of one stretch, loudness-normalised, short ones repeated."""
        samples = np.asarray(samples, dtype=np.float32)
        rms = float(np.sqrt(np.mean(samples**2))) if samples.size else 0.0
        if rms > 1e-6:  # resemblyzer's own preprocessing normalises to -30 dBFS
            samples = samples * (10 ** (-30 / 20) / rms)
        if samples.size < self.PARTIAL_SAMPLES:  # too short for one window: repeat it, never pad silence
            samples = np.tile(samples, math.ceil(self.PARTIAL_SAMPLES / max(samples.size, 1)))
        wav_slices, mel_slices = self.encoder.compute_partial_slices(samples.size, self.rate, 0.75)
        if wav_slices[-1].stop > samples.size:
            samples = np.pad(samples, (0, wav_slices[-1].stop - samples.size))
        mel = mel_spectrogram(samples)
        return np.stack([mel[s] for s in mel_slices])

    def batch(self, pieces: list[np.ndarray]) -> np.ndarray:
        """(len(pieces), 256) L2-normed embeddings."""
        if not pieces:
            return np.zeros((0, 256), dtype=np.float32)
        partials = [self._partials(p) for p in pieces]
        owner = np.concatenate([np.full(len(m), i) for i, m in enumerate(partials)])
        partial_embeds = self.encode(np.concatenate(partials))
        sums = np.zeros((len(pieces), partial_embeds.shape[1]), dtype=np.float64)
        np.add.at(sums, owner, partial_embeds)
        return normed(sums).astype(np.float32)

    def encode(self, mels: np.ndarray) -> np.ndarray:
        """(n, 256) L2-normed embeddings of (n, 160, 40) mel partials, ``batch_size`` at a time."""
        import torch

        out = [np.zeros((0, 256), dtype=np.float32)]
        with torch.inference_mode():
            for i in range(0, len(mels), self.batch_size):
                out.append(self.encoder(torch.from_numpy(mels[i : i + self.batch_size]).to(self.device)).cpu().numpy())
        return np.concatenate(out)

    def __call__(self, samples: np.ndarray) -> np.ndarray:
        """One L2-normed 256-d embedding of a stretch of (speech) samples."""
        return self.batch([samples])[0]


class PartialGrid:
    """Encoder partials on one fixed grid over the whole file (a 1.6 s partial every ``hop_s``), each
    computed at most once and shared by every window whose speaker speaks throughout it.

    The 5 s windows overlap by 90 %: embedding each (window, speaker)'s speech on its own ran the
    encoder about ten times over every second of audio. A partial is loudness-normalised on its own
    (-30 dBFS, as resemblyzer normalises an utterance), so that one partial serves every window
    containing it.

    Only a speaker with ``MIN_GRID_PARTIALS`` partials in the window (3.2 s of clean speech at the
    0.4 s hop) takes the grid's mean; shorter ones are embedded from their own joined speech.
    Accepting single partials let noisy short-turn embeddings split a recording into too many
    speakers; at 5 the DER is no worse than without the grid (figures: bench/results/figures.md)."""

    BLOCK = 30 * SAMPLE_RATE  # mel spectrograms are computed 30 s at a time

    def __init__(self, embedder: VoiceEmbedder, samples: np.ndarray, hop_s: float = 0.4):
        self.embedder = embedder
        self.samples = np.asarray(samples, dtype=np.float32)
        self.hop = max(160, int(round(hop_s * SAMPLE_RATE / 160)) * 160)  # whole mel frames (10 ms)
        self.cache: dict[int, np.ndarray] = {}

    def inside(self, runs: list[tuple[int, int]]) -> list[int]:
        """Grid indices of the partials lying wholly inside one of the runs (sample ranges)."""
        size = VoiceEmbedder.PARTIAL_SAMPLES
        out: list[int] = []
        for a, b in runs:
            out += range(-(-a // self.hop), (b - size) // self.hop + 1)
        return out

    def compute(self, indices: Iterable[int]) -> None:
        """Embed the partials not computed yet (mel spectrograms block by block, then the encoder)."""
        todo = sorted(set(indices) - self.cache.keys())
        size, frames, target = VoiceEmbedder.PARTIAL_SAMPLES, VoiceEmbedder.PARTIAL_SAMPLES // 160, 10 ** (-30 / 20)
        mels: list[np.ndarray] = []
        for block, group in itertools.groupby(todo, key=lambda j: j * self.hop // self.BLOCK):
            first, members = block * self.BLOCK, list(group)
            mel = mel_spectrogram(self.samples[first : members[-1] * self.hop + size])
            for j in members:
                start = j * self.hop
                rms = float(np.sqrt(np.mean(self.samples[start : start + size] ** 2)))
                gain = (target / rms) ** 2 if rms > 1e-6 else 1.0  # power mel: scaling the samples by g scales it by g²
                offset = (start - first) // 160
                mels.append(mel[offset : offset + frames] * gain)
        if todo:
            for j, vec in zip(todo, self.embedder.encode(np.stack(mels).astype(np.float32))):
                self.cache[j] = vec

    def mean(self, indices: list[int]) -> np.ndarray:
        """The L2-normed mean of the (computed) partials' embeddings."""
        return normed(np.mean([self.cache[j] for j in indices], axis=0)).astype(np.float32)
