"""A tiny random-weight HTDemucs saved in demucs' own local-repository format."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import torch
from demucs.htdemucs import HTDemucs
from demucs.states import get_state, save_with_checksum

SOURCES = ["drums", "bass", "other", "vocals"]


def save_tiny(repo: Path, name: str = "tiny", seed: int = 0) -> Path:
    """Build a small HTDemucs, save it as ``<name>-<checksum>.th``; return the file."""
    torch.manual_seed(seed)
    model = HTDemucs(
        sources=SOURCES,
        audio_channels=2,
        samplerate=44100,
        segment=Fraction(2),  # htdemucs trains on 7.8 s; 2 s keeps the tests quick
        channels=8,
        depth=4,
        nfft=4096,
        t_layers=1,
        t_heads=8,
        dconv_mode=3,
    )
    args, kwargs = model._init_args_kwargs
    package = {
        "klass": HTDemucs,
        "args": args,
        "kwargs": kwargs,
        "state": get_state(model, None, half=False),
    }
    repo.mkdir(parents=True, exist_ok=True)
    save_with_checksum(package, repo / f"{name}.th")
    return next(repo.glob(f"{name}-*.th"))
