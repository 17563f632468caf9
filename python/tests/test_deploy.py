"""The cluster files of deploy/, dry run: the Slurm array's tasks and the Kubernetes Indexed Job's pods run
one after another on this machine (with the environment their schedulers give), then the merge; the merged
records are those of the whole tournament run at once, and of entente.tournament in Python."""

import json
import os
import subprocess

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
