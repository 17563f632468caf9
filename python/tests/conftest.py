import os
import sys
from pathlib import Path

# NegMAS orders outcomes of equal utility by numpy's argsort, whose order depends on the SIMD code
# numpy dispatches to; entente reproduces the AVX2 order (tie_order="numpy"). On a CPU with
# AVX-512, keep numpy on AVX2 (before anything imports numpy), as scripts/check_npsort.py does.
os.environ.setdefault("NPY_DISABLE_CPU_FEATURES", "X86_V4 AVX512_ICL")

import pytest  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"


def need(module: str):
    """Imports `module`, or skips the test with "SKIPPED: why" (a failure when CI=true)."""
    try:
        return __import__(module)
    except ImportError as e:
        why = f"SKIPPED: {module} is not installed ({e}); scripts/test installs it in the test virtualenv"
        print(why, file=sys.stderr)
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


@pytest.fixture
def car():
    import entente

    return entente.load(SCENARIOS / "car-purchase.toml")


SHARED = ROOT.parent / "shared"


def shared_domain(name: str):
    """A domain of ../shared/domains, or skip with "SKIPPED: why" (a failure when CI=true)."""
    path = SHARED / "domains" / name
    if not path.is_dir():
        why = f"SKIPPED: {path} is missing (the shared folder lies beside the project)"
        print(why, file=sys.stderr)
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)
    return path


def cli_binary():
    """The `entente` binary that `cargo test --workspace` builds, or skip with "SKIPPED: why" (fail when CI=true)."""
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    if not target.is_absolute():
        target = ROOT / target
    for profile in ("debug", "release"):
        exe = target / profile / "entente"
        if exe.exists():
            return exe
    why = f"SKIPPED: no entente binary under {target} (cargo build -p entente-cli builds it)"
    print(why, file=sys.stderr)
    if os.environ.get("CI") == "true":
        pytest.fail(why)
    pytest.skip(why)
