"""``python -m bench.corpus [--half dev|test] [--films N]``: build the films (cached) and list them."""

from __future__ import annotations

import argparse

from bench.corpus.build import build
from bench.corpus.spec import corpus, half


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--half", choices=("dev", "test"), help="one half only (default: every film)")
    parser.add_argument("--films", type=int, help="the first N films (by number)")
    args = parser.parse_args()
    films = half(args.half) if args.half else corpus()
    print("| # | half | film | s | speakers | voices | names | lines | music under | passages | SNR |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for spec in films[: args.films]:
        ref = build(spec).reference
        passages = ", ".join(f"{p['kind']} {p['end'] - p['start']:.0f} s" for p in ref["passages"]) or "–"
        under = f"−{spec.music_under_db:g} dB" if spec.music_under_db is not None else "–"
        snr = f"{spec.noise_snr_db:g} dB" if spec.noise_snr_db is not None else "–"
        voices = ", ".join(s.voice for s in spec.speakers)
        print(
            f"| {spec.number} | {spec.half} | {spec.file_name} | {ref['duration']:.1f} | {len(spec.speakers)} | "
            f"{voices} | {len(spec.names)} | {len(ref['lines'])} | {under} | {passages} | {snr} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
