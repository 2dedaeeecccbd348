"""``lpt synth``: a seeded synthetic community export, so LPT can be built, tested and shown without real personal data."""

from __future__ import annotations

import argparse

from lpt.cli.common import open_engine
from lpt.errors import LPTError

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt synth --seed N --out DIR [--scale] [--plant WARDS:WAVE:SHIFT]``."""
    synth = commands.add_parser("synth", help="write a synthetic community data export (CSV), seeded")
    synth.add_argument("--seed", type=int, required=True, metavar="N")
    synth.add_argument("--scale", choices=["sample", "force"], default="sample")
    synth.add_argument("--out", required=True, metavar="DIR")
    synth.add_argument(
        "--plant",
        metavar="WARDS:WAVE:SHIFT",
        help="plant a change in confidence, e.g. E05011529,E05011528:2025Q2:-0.8",
    )
    synth.set_defaults(handler=_synth)


def _synth(args: argparse.Namespace) -> int:
    from lpt.synth import generate, write
    from lpt.synth.calibration import load_calibration

    synthetic = generate(load_calibration(open_engine(args)), seed=args.seed, scale=args.scale, plant=_plant(args.plant))
    for path in write(synthetic, args.out):
        print(path)
    print("Rows: " + ", ".join(f"{n} {name}" for name, n in synthetic.truth["rows"].items()))
    return 0


def _plant(text: str | None):
    from lpt.synth import PlantedChange

    if not text:
        return None
    try:
        wards, wave, shift = text.split(":")
        return PlantedChange(wards=tuple(w.strip() for w in wards.split(",")), wave=wave, shift=float(shift))
    except ValueError:
        raise LPTError(f"--plant wants WARDS:WAVE:SHIFT, e.g. E05011529:2025Q2:-0.8, not {text!r}") from None
