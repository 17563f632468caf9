//! The sweep library: the document does not depend on the pool's size, the shards of settings join into the
//! whole sweep for any split, the merge refuses what is not one sweep's shards, grids are written as a person
//! would, and errors are typed and name the change.

use entente_model::{StrategyOptions, StrategySpec};
use entente_tournament::Shard;
use entente_tournament::random_scenario;
use entente_tournament::sweep::{Sweep, SweepBase, SweepError, SweepSpec, merge};

fn base() -> SweepBase {
    let mut s = random_scenario(2, 5, 3, 30).unwrap();
    let none = StrategyOptions::default();
    s.parties[0].strategy = Some(StrategySpec::from_name("boulware", &none).unwrap());
    s.parties[1].strategy = Some(StrategySpec::from_name("random", &none).unwrap());
    SweepBase::Sao(s)
}

fn spec(vary: &[&str]) -> SweepSpec {
    SweepSpec {
        vary: vary.iter().map(|v| v.to_string()).collect(),
        repetitions: 9,
        seed: Some(4),
        ..SweepSpec::default()
    }
}

fn pool(threads: usize) -> rayon::ThreadPool {
    rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap()
}

#[test]
fn shards_join_into_the_whole_sweep_whatever_the_threads() {
    let sweep = Sweep::new(base(), spec(&["reservation a={0:0.3:0.1}", "strategy b={random,conceder}"])).unwrap();
    assert_eq!((sweep.len(), sweep.runs()), (8, 72));
    let whole = sweep.run(Shard::WHOLE, &pool(1)).unwrap();
    assert_eq!(whole.shard, None);
    assert_eq!(sweep.run(Shard::WHOLE, &pool(3)).unwrap(), whole);
    // The grid as written by hand: 0, 0.1, 0.2, 0.3 (not 0.30000000000000004), the first slot slowest.
    let values: Vec<Vec<&str>> = whole.settings.iter().map(|s| s.values.iter().map(String::as_str).collect()).collect();
    assert_eq!(values[..3], [vec!["0", "random"], vec!["0", "conceder"], vec!["0.1", "random"]]);
    assert_eq!(values[7], ["0.3", "conceder"]);
    for s in &whole.settings {
        assert_eq!(s.runs, 9);
        assert_eq!(s.outcomes.iter().map(|o| o.count).sum::<u64>(), 9);
        assert_eq!(s.probability, s.agreements as f64 / 9.0);
        assert!(s.interval.low <= s.probability && s.probability <= s.interval.high);
    }
    for k in [1, 2, 3, 8, 11] {
        let parts: Vec<_> = (1..=k).map(|i| sweep.run(Shard { index: i, count: k }, &pool(2)).unwrap()).collect();
        assert_eq!(parts.iter().map(|p| p.settings.len()).sum::<usize>(), 8, "k = {k}");
        assert_eq!(merge(parts).unwrap(), whole, "k = {k}");
    }
}

#[test]
fn merge_refuses_what_is_not_one_sweeps_shards() {
    let sweep = Sweep::new(base(), spec(&["reservation a={0:0.3:0.1}"])).unwrap();
    let part = |i| sweep.run(Shard { index: i, count: 3 }, &pool(1)).unwrap();
    let (a, b, c) = (part(1), part(2), part(3));
    let msg = |r: Result<_, SweepError>| r.map(|_| ()).unwrap_err().to_string();
    assert!(msg(merge(vec![a.clone(), c.clone(), b.clone()])).contains("expected shard 2/3"));
    assert!(msg(merge(vec![a.clone(), b.clone()])).contains("2 shards given; the sweep was split into 3"));
    assert!(msg(merge(vec![])).contains("no shard"));
    let other = Sweep::new(base(), SweepSpec { seed: Some(5), ..spec(&["reservation a={0:0.3:0.1}"]) }).unwrap();
    let b2 = other.run(Shard { index: 2, count: 3 }, &pool(1)).unwrap();
    assert!(msg(merge(vec![a.clone(), b2, c.clone()])).contains("another sweep"));
    let whole = sweep.run(Shard::WHOLE, &pool(1)).unwrap();
    assert_eq!(merge(vec![whole.clone()]).unwrap(), whole);
    assert_eq!(merge(vec![a, b, c]).unwrap(), whole);
}

#[test]
fn draws_are_seeded() {
    let s = |seed| SweepSpec {
        draws: Some(5),
        seed: Some(seed),
        ..spec(&["reservation a={0~0.5}", "strategy b={random,conceder,linear}"])
    };
    let one = Sweep::new(base(), s(1)).unwrap().run(Shard::WHOLE, &pool(2)).unwrap();
    assert_eq!(one.mode, "draws");
    assert_eq!(Sweep::new(base(), s(1)).unwrap().run(Shard::WHOLE, &pool(1)).unwrap(), one);
    let two = Sweep::new(base(), s(2)).unwrap().run(Shard::WHOLE, &pool(1)).unwrap();
    assert_ne!(
        one.settings.iter().map(|x| &x.values).collect::<Vec<_>>(),
        two.settings.iter().map(|x| &x.values).collect::<Vec<_>>()
    );
    for x in &one.settings {
        let r: f64 = x.values[0].parse().unwrap();
        assert!((0.0..=0.5).contains(&r), "{r}");
    }
}

#[test]
fn errors_are_typed_and_name_the_change() {
    let err = |v: &[&str], f: fn(&mut SweepSpec)| {
        let mut s = spec(v);
        f(&mut s);
        Sweep::new(base(), s).map(|_| ()).unwrap_err()
    };
    assert!(matches!(err(&["reservation a"], |_| {}), SweepError::Slot { .. }));
    assert!(matches!(err(&["reservation a={0.1~0.2}"], |_| {}), SweepError::DrawNeedsDraws(_)));
    assert!(matches!(err(&["reservation a={0,1}"], |s| s.repetitions = 0), SweepError::NoRepetitions));
    assert!(matches!(err(&["reservation a={0,1}"], |s| s.level = 1.0), SweepError::Level(_)));
    assert!(matches!(err(&[], |_| {}), SweepError::NothingVaried));
    assert!(matches!(
        err(&["reservation a={0:1:0.01}", "reservation b={0:1:0.01}"], |_| {}),
        SweepError::GridTooLarge { total: 10201, .. }
    ));
    assert!(matches!(
        err(&["reservation a={0,1}"], |s| s.repetitions = 60_000_000),
        SweepError::TooManyRuns { runs: 120_000_000, .. }
    ));
    let e = err(&["reservation nobody={0,1}"], |_| {});
    assert!(matches!(e, SweepError::Vary { .. }));
    let chain = format!("{e}: {}", std::error::Error::source(&e).unwrap());
    assert!(chain.starts_with("--vary \"reservation nobody={0,1}\" with \"0\": "), "{chain}");
    let e = err(&["reservation a={0,1}"], |s| s.changes = vec!["param a.exponnt=2".into()]);
    assert!(matches!(e, SweepError::Change { .. }));
    assert!(std::error::Error::source(&e).unwrap().to_string().contains("unknown strategy parameter \"exponnt\""));
}
