"""entente.ray: a tournament's shards as tasks of a real single-node Ray instance."""

import pickle

import pytest

import entente
from conftest import SCENARIOS, need


@pytest.fixture(scope="module")
def ray_instance():
    ray = need("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_scenarios_pickle_exactly(car):
    back = pickle.loads(pickle.dumps(car))
    assert back.utility_table() == car.utility_table() and back.reservations() == car.reservations()
    assert entente.run(back, seed=4).doc == entente.run(car, seed=4).doc


def test_ray_tournament_equals_one_process(ray_instance, car, tmp_path):
    import entente.ray

    job = entente.load(SCENARIOS / "job-offer.toml")
    strategies = ["boulware", "conceder", "tit-for-tat", {"name": "random", "label": "rnd"}]
    kwargs = dict(repetitions=3, seed=11)
    local = entente.tournament([car, job], strategies, as_frame=False, **kwargs)
    on_ray = entente.ray.tournament([car, job], strategies, shards=5, as_frame=False, **kwargs)
    assert on_ray == local
    # A task that fails is retried; its shard's records appear once.
    marker = tmp_path / "failed-once"
    retried = entente.ray.tournament([car, job], strategies, shards=3, as_frame=False, _fail_once=str(marker), **kwargs)
    assert marker.exists() and retried == local


def test_merge_refuses_duplicates_and_gaps():
    import entente.ray

    a = [{"id": 0}, {"id": 1}]
    b = [{"id": 2}]
    assert entente.ray.merge([a, b]) == a + b
    with pytest.raises(ValueError, match="id 1 twice"):
        entente.ray.merge([a, [{"id": 1}]])
    with pytest.raises(ValueError, match="not 0..n-1"):
        entente.ray.merge([a, [{"id": 3}]])


def test_ray_sweep_equals_one_process(ray_instance, car, tmp_path):
    import entente.ray

    vary = ["reservation buyer={0:0.8:0.2}", "strategy dealer={conceder,random,tit-for-tat}"]
    kwargs = dict(repetitions=6, seed=7, strategies={"buyer": "boulware"})
    local = entente.sweep(car, vary, **kwargs)
    on_ray = entente.ray.sweep(car, vary, shards=4, **kwargs)
    assert on_ray.doc == local.doc and len(on_ray.settings) == 15
    # A talks file by path (readable by the tasks: one machine here), draws, more shards than settings' share.
    talks = SCENARIOS / "istanbul-2025.toml"
    local_talks = entente.sweep(talks, "conduct state_b.exponent={1~4}", draws=3, repetitions=3)
    assert entente.ray.sweep(talks, "conduct state_b.exponent={1~4}", draws=3, repetitions=3, shards=5).doc == local_talks.doc
    # A task that fails is retried; its settings appear once.
    marker = tmp_path / "sweep-failed-once"
    retried = entente.ray.sweep(car, vary, shards=3, _fail_once=str(marker), **kwargs)
    assert marker.exists() and retried.doc == local.doc
    with pytest.raises(TypeError, match="shard"):
        entente.ray.sweep(car, vary, shard=(1, 2), **kwargs)
