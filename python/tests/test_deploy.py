"""The cluster files of deploy/, dry run: the Slurm array's tasks and the Kubernetes Indexed Job's pods run
one after another on this machine (with the environment their schedulers give), then the merge; the merged
records are those of the whole tournament run at once, and of entente.tournament in Python. And for real on a
one-node Slurm cluster (scripts/slurm-for-tests starts it; .ci/run does): sbatch runs the array, then the merge
job after it."""

import json
import os
import shutil
import subprocess
import sys

import pytest

import entente
from conftest import ROOT, SCENARIOS, cli_binary

CONFIG = """
seed = 5
repetitions = 2
[[strategies]]
name = "boulware"
[[strategies]]
name = "conceder"
[[strategies]]
name = "tit-for-tat"
[[scenarios]]
path = "{scenario}"
"""


def records(folder):
    with open(folder / "records.jsonl") as f:
        return sorted((json.loads(line) for line in f if line.strip()), key=lambda r: r["id"])


def setup(tmp_path):
    exe = cli_binary()
    config = tmp_path / "tournament.toml"
    config.write_text(CONFIG.format(scenario=SCENARIOS / "car-purchase.toml"))
    subprocess.run([exe, "tournament", config, "--out", tmp_path / "whole", "--threads", "1", "--no-progress"], check=True, capture_output=True)
    return exe, config, records(tmp_path / "whole")


def test_whole_run_equals_the_python_api(tmp_path):
    _, _, whole = setup(tmp_path)
    py = entente.tournament([entente.load(SCENARIOS / "car-purchase.toml")], ["boulware", "conceder", "tit-for-tat"], repetitions=2, seed=5, as_frame=False)
    assert json.loads(json.dumps(py)) == whole


def test_slurm_array_dry_run(tmp_path):
    exe, config, whole = setup(tmp_path)
    out = tmp_path / "out"
    k = 3
    env = dict(os.environ, CONFIG=str(config), OUT=str(out), ENTENTE=str(exe), SLURM_ARRAY_TASK_COUNT=str(k), SLURM_CPUS_PER_TASK="1")
    script = ROOT / "deploy" / "slurm" / "tournament.sbatch"
    for i in [1, 2, 3, 2]:  # task 2 runs again, as a requeued task would: it resumes, adds nothing
        subprocess.run(["bash", script], env=dict(env, SLURM_ARRAY_TASK_ID=str(i)), check=True, capture_output=True)
    subprocess.run(["bash", ROOT / "deploy" / "slurm" / "merge.sbatch"], env=env, check=True, capture_output=True)
    assert records(out / "merged") == whole
    # An incomplete set of shards is refused.
    (out / "merged").rename(tmp_path / "merged-before")
    (out / "shard-3" / "records.jsonl").unlink()
    assert subprocess.run(["bash", ROOT / "deploy" / "slurm" / "merge.sbatch"], env=env, capture_output=True).returncode != 0


def test_kubernetes_indexed_job_dry_run(tmp_path):
    yaml = __import__("yaml")
    exe, config, whole = setup(tmp_path)
    job = yaml.safe_load((ROOT / "deploy" / "k8s" / "tournament-job.yaml").read_text())
    spec = job["spec"]
    assert spec["completionMode"] == "Indexed"
    container = spec["template"]["spec"]["containers"][0]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert int(env["SHARDS"]) == spec["completions"]
    k = 3
    results = tmp_path / "results"
    results.mkdir()
    shell = container["args"][0].replace("/config/tournament.toml", str(config)).replace("/results", str(results)).replace("exec entente", f"exec {exe}")
    for j in range(k):
        subprocess.run(["sh", "-c", shell], env=dict(os.environ, JOB_COMPLETION_INDEX=str(j), SHARDS=str(k), THREADS="1"), check=True, capture_output=True)
    merge = yaml.safe_load((ROOT / "deploy" / "k8s" / "merge-job.yaml").read_text())
    command = merge["spec"]["template"]["spec"]["containers"][0]["command"]
    subprocess.run([command[0], command[1], command[2].replace("/results", str(results)).replace("exec entente", f"exec {exe}")], check=True, capture_output=True)
    assert records(results / "merged") == whole


def slurm():
    """sbatch of a running cluster with an idle node, or skip with "SKIPPED: why" (a failure when CI=true:
    .ci/run starts one with scripts/slurm-for-tests)."""
    why = None
    if shutil.which("sbatch") is None or shutil.which("sinfo") is None:
        why = "Slurm is not installed (scripts/slurm-for-tests installs and starts a one-node cluster)"
    else:
        state = subprocess.run(["sinfo", "-h", "-o", "%t"], capture_output=True, text=True, timeout=30)
        if state.returncode != 0 or not any(s.startswith(("idle", "mix", "alloc")) for s in state.stdout.split()):
            why = f"no Slurm cluster with a usable node here ({(state.stderr or state.stdout).strip()!r}); scripts/slurm-for-tests starts one"
    if why is not None:
        print(f"SKIPPED: {why}", file=sys.stderr)
        if os.environ.get("CI") == "true":
            pytest.fail(why)
        pytest.skip(why)


def test_slurm_array_on_a_real_cluster(tmp_path):
    slurm()
    exe, config, whole = setup(tmp_path)
    out = tmp_path / "out"
    k = 3
    env = dict(os.environ, CONFIG=str(config), OUT=str(out), ENTENTE=str(exe))
    submit = ["sbatch", "--parsable", "--wait", f"--chdir={tmp_path}", "--export=ALL"]
    # One CPU a task (the script asks for 2, more than half of a 2-CPU test node): the three tasks share the node.
    array = subprocess.run(
        [*submit, f"--array=1-{k}", "--cpus-per-task=1", ROOT / "deploy" / "slurm" / "tournament.sbatch"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    logs = "\n".join(p.read_text() for p in sorted(tmp_path.glob("entente-tournament-*.log")))
    assert array.returncode == 0, f"{array.stderr}\n{logs}"
    job = array.stdout.strip().split(";")[0]
    assert sorted(p.name for p in out.iterdir()) == [f"shard-{i}" for i in range(1, k + 1)]
    merge = subprocess.run(
        [*submit, f"--dependency=afterok:{job}", ROOT / "deploy" / "slurm" / "merge.sbatch"],
        env=env, capture_output=True, text=True, timeout=600,
    )
    logs = "\n".join(p.read_text() for p in sorted(tmp_path.glob("entente-merge-*.log")))
    assert merge.returncode == 0, f"{merge.stderr}\n{logs}"
    assert records(out / "merged") == whole
    py = entente.tournament([entente.load(SCENARIOS / "car-purchase.toml")], ["boulware", "conceder", "tit-for-tat"], repetitions=2, seed=5, as_frame=False)
    assert json.loads(json.dumps(py)) == whole
