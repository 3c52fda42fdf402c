from __future__ import annotations

from pathlib import Path

from sn_config import small_config

from sample_network import generate


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_same_seed_gives_identical_bytes(network: tuple[Path, dict], tmp_path: Path) -> None:
    first, _ = network
    again = tmp_path / "again"
    generate(small_config(again))
    a, b = _files(first), _files(again)
    assert a.keys() == b.keys()
    assert any(name.endswith(".xlsx") for name in a)
    differing = [name for name in a if a[name] != b[name]]
    assert differing == []


def test_different_seed_differs(network: tuple[Path, dict], tmp_path: Path) -> None:
    first, _ = network
    other = tmp_path / "other"
    generate(small_config(other, seed=8))
    a, b = _files(first), _files(other)
    common = a.keys() & b.keys()
    assert sum(a[n] != b[n] for n in common) > 0.9 * len(common)
