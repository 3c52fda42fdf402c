"""Copy the browser tests' screenshots into docs/img (scaled down, fewer colours).

    .venv/superset/bin/python scripts/docs_screenshots.py

Run after `make test` (or `pytest tests/superset`), which renders every dashboard for
every role into var/test-artifacts/screenshots/.
"""

from __future__ import annotations

import sys
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "var" / "test-artifacts" / "screenshots"
TARGET = ROOT / "docs" / "img"
WIDTH = 1200

# docs name -> glob of the test's screenshot
SHOTS = {
    "regional-rankings--oem.png": "regional-rankings--oem.png",
    "regional-rankings--rm.png": "regional-rankings--rm_*.png",
    "dealer-scorecard--dealer.png": "dealer-scorecard--D*.png",
    "dealer-scorecard--rm.png": "dealer-scorecard--rm_*.png",
    "feed-health--dataeng.png": "feed-health--dataeng.png",
    "access-explained.png": "access-superset-dashboard-regional-rankings.png",
}


def main() -> int:
    TARGET.mkdir(parents=True, exist_ok=True)
    missing = []
    for name, pattern in SHOTS.items():
        found = sorted(SOURCE.glob(pattern))
        if not found:
            missing.append(pattern)
            continue
        image = Image.open(found[0]).convert("RGB")
        if image.width > WIDTH:
            image = image.resize((WIDTH, round(image.height * WIDTH / image.width)))
        image.quantize(colors=128).save(TARGET / name, optimize=True)
        print(f"{found[0].name} -> docs/img/{name}")
    if missing:
        print(f"missing screenshots: {', '.join(missing)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
