"""The VAD tests use the diarization tests' inputs: config.yaml, the packaged models, silence."""

from tests.diarization.conftest import config, models, silence

__all__ = ["config", "models", "silence"]
