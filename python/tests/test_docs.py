"""The tutorial of docs/python.md runs as written (its "A first negotiation" section)."""

import os
import re

from conftest import ROOT, need


def test_tutorial_runs(tmp_path):
    need("numpy")
    need("matplotlib")
    text = (ROOT / "docs" / "python.md").read_text()
    section = text.split("## A first negotiation", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 3
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        env = {}
        for block in blocks:
            exec(compile(block, "docs/python.md", "exec"), env)
    finally:
        os.chdir(cwd)
    assert (tmp_path / "negotiation.png").stat().st_size > 10_000
    if os.environ.get("ENTENTE_KEEP_PLOT"):
        (tmp_path / "negotiation.png").replace(os.environ["ENTENTE_KEEP_PLOT"])
    result, scenario = env["result"], env["scenario"]
    assert scenario.n_outcomes == 1100
    assert result.rounds == 19 and result.end == {"reason": "agreement"}
    assert result.agreement == {"price": "3", "quantity": 1, "delivery_time": "4"}
    assert scenario.outcome(0) == {"price": "0", "quantity": 1, "delivery_time": "0"}


def test_sweeps_section_runs():
    """The code of the "Sweeps" section runs as written, on the tutorial's scenario (from the repository root)."""
    text = (ROOT / "docs" / "python.md").read_text()
    tutorial = text.split("## A first negotiation", 1)[1].split("\n## ", 1)[0]
    first = re.findall(r"```python\n(.*?)```", tutorial, re.S)[0]
    section = text.split("\n## Sweeps", 1)[1].split("\n## ", 1)[0]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    assert len(blocks) == 1
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        env = {}
        exec(compile(first, "docs/python.md", "exec"), env)
        exec(compile(blocks[0], "docs/python.md", "exec"), env)
    finally:
        os.chdir(cwd)
    sw = env["sw"]
    assert len(sw.settings) == 4 * 2 and all(s["runs"] == 20 for s in sw.settings)
    assert env["talks"].doc["kind"] == "talks"
