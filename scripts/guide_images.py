"""Copy the screenshots docs/OFFICER_GUIDE.md shows from tests/artifacts/, where the browser tests
(tests/test_apps_browser.py) write them, into docs/guide/. Run by ``make guide`` after those tests."""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUIDE = ROOT / "docs" / "OFFICER_GUIDE.md"
ARTIFACTS = ROOT / "tests" / "artifacts"
IMAGES = GUIDE.parent / "guide"


def guide_images(text: str) -> list[str]:
    """The file names of the pictures a guide's Markdown shows from ``guide/``, in order."""
    return re.findall(r"\]\(guide/([\w.-]+\.png)\)", text)


def main() -> int:
    names = guide_images(GUIDE.read_text(encoding="utf-8"))
    missing = [name for name in names if not (ARTIFACTS / name).is_file()]
    if missing:
        print(f"not taken yet (run the browser tests first): {', '.join(missing)}", file=sys.stderr)
        return 1
    IMAGES.mkdir(exist_ok=True)
    for name in names:
        shutil.copyfile(ARTIFACTS / name, IMAGES / name)
    print(f"{len(names)} screenshots copied to {IMAGES.relative_to(ROOT)}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
