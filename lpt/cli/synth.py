"""``lpt synth``: a seeded synthetic community export, so LPT can be built, tested and shown without real personal data."""

from __future__ import annotations

import argparse

from lpt.cli.common import open_engine
from lpt.errors import LPTError

__all__ = ["add_parser"]


def add_parser(commands: argparse._SubParsersAction) -> None:
    """``lpt synth --seed N --out DIR [--scale] [--plant WARDS:WAVE:SHIFT | --plant-setup ID:SHIFT]``."""
    synth = commands.add_parser("synth", help="write a synthetic community data export (CSV), seeded")
    synth.add_argument("--seed", type=int, required=True, metavar="N")
    synth.add_argument("--scale", choices=["sample", "force"], default="sample")
    synth.add_argument("--out", required=True, metavar="DIR")
    planted = synth.add_mutually_exclusive_group()
    planted.add_argument(
        "--plant",
        metavar="WARDS:WAVE:SHIFT",
        help="plant a change in confidence, e.g. E05011529,E05011528:2025Q2:-0.8",
    )
    planted.add_argument(
        "--plant-setup",
        metavar="ID:SHIFT",
        help="plant a stored setup's effect on confidence from its start (its area's residents), e.g. 3:0.3; "
        "truth.json records the true effect its evaluation should find",
    )
    synth.set_defaults(handler=_synth)


def _synth(args: argparse.Namespace) -> int:
    from lpt.synth import generate, write
    from lpt.synth.calibration import load_calibration

    engine = open_engine(args)
    plant = _setup_plant(engine, args.plant_setup) if args.plant_setup else _plant(args.plant)
    synthetic = generate(load_calibration(engine), seed=args.seed, scale=args.scale, plant=plant)
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


def _setup_plant(engine, text: str):
    from lpt.evaluation.simulate_confidence import setup_plant
    from lpt.setups.model import load_setup

    try:
        setup_id, shift = text.split(":")
        setup_id, shift = int(setup_id), float(shift)
    except ValueError:
        raise LPTError(f"--plant-setup wants ID:SHIFT, e.g. 3:0.3, not {text!r}") from None
    return setup_plant(engine, load_setup(engine, setup_id).spec, shift)
