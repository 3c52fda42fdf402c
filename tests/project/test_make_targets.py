"""Every target the Makefile declares has a recipe that make can plan."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _declared() -> list[str]:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    phony = re.search(r"^\.PHONY:(.*)$", text, re.MULTILINE)
    assert phony, "Makefile declares no .PHONY targets"
    return phony.group(1).split()


def test_every_declared_target_has_a_recipe() -> None:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    declared = _declared()
    assert {"demo", "test", "ingest", "warehouse", "superset", "stop"} <= set(declared)
    for target in declared:
        assert re.search(rf"^{re.escape(target)}:", text, re.MULTILINE), target
        # a dry run plans the recipe: it fails for a target without one
        proc = subprocess.run(
            ["make", "-n", target], cwd=ROOT, capture_output=True, text=True, timeout=60
        )
        assert proc.returncode == 0, f"make -n {target}: {proc.stderr}"
        assert "Nothing to be done" not in proc.stdout + proc.stderr, target
