//! `entente tournament` and `entente merge`, end to end: shards and threads
//! give the same records, resume after kills loses and duplicates nothing,
//! bad input is refused with the field named.

#![allow(clippy::disallowed_methods, clippy::disallowed_types)] // tests run the binary on temporary folders

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

fn entente(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_entente")).args(args).output().expect("run entente")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A fresh scratch folder for one test.
fn scratch(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("entente-tournament-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn config(dir: &Path, seed: u64, count: u32, reps: u32) -> PathBuf {
    let p = dir.join(format!("t{seed}-{count}-{reps}.toml"));
    let car = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/car-purchase.toml");
    let text = format!(
        "seed = {seed}\nrepetitions = {reps}\nn_steps = 20\n\
         [[strategies]]\nname = \"boulware\"\n[[strategies]]\nname = \"conceder\"\n\
         [[strategies]]\nname = \"random\"\n[[strategies]]\nname = \"linear\"\nlabel = \"linear-e2\"\nexponent = 2.0\n\
         [[scenarios]]\npath = {car:?}\nn_steps = 30\n\
         [[generate]]\nissues = 2\nvalues = 4\ncount = {count}\nseed = 5\n"
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn run(cfg: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["tournament", cfg.to_str().unwrap(), "--out", out.to_str().unwrap(), "--no-progress"];
    args.extend_from_slice(extra);
    entente(&args)
}

fn same_outputs(a: &Path, b: &Path) {
    for f in ["records.jsonl", "records.csv", "summary.json", "summary.txt", "ranking.svg", "ratings.svg"] {
        assert!(read(&a.join(f)) == read(&b.join(f)), "{f} differs between {} and {}", a.display(), b.display());
    }
}

#[test]
fn threads_shards_and_merge_give_the_same_records() {
    let d = scratch("shards");
    let cfg = config(&d, 1, 2, 2);
    let whole = d.join("whole");
    let o = run(&cfg, &whole, &["--threads", "1"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let lines = read(&whole.join("records.jsonl")).lines().count();
    assert_eq!(lines, 3 * 16 * 2 * 2, "3 scenarios x 16 assignments x 2 rotations x 2 repetitions");
    let two = d.join("two");
    let o = run(&cfg, &two, &["--threads", "2", "--chunk", "7"]);
    assert!(o.status.success(), "{}", stderr(&o));
    same_outputs(&whole, &two);
    let mut shard_dirs = Vec::new();
    for i in [3, 1, 2] {
        let s = d.join(format!("shard{i}"));
        let o = run(&cfg, &s, &["--shard", &format!("{i}/3"), "--threads", "2"]);
        assert!(o.status.success(), "{}", stderr(&o));
        shard_dirs.push(s);
    }
    let merged = d.join("merged");
    let mut args = vec!["merge".to_string(), merged.display().to_string()];
    args.extend(shard_dirs.iter().map(|s| s.display().to_string()));
    let o = entente(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert!(o.status.success(), "{}", stderr(&o));
    same_outputs(&whole, &merged);
    // A merge with a shard missing is refused.
    let o = entente(&["merge", d.join("m2").to_str().unwrap(), shard_dirs[0].to_str().unwrap()]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("every shard"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[cfg(unix)]
#[test]
fn resume_after_kills_loses_and_duplicates_nothing() {
    let d = scratch("kill");
    let cfg = config(&d, 2, 12, 6);
    let whole = d.join("whole");
    let o = run(&cfg, &whole, &["--threads", "2"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let resumed = d.join("resumed");
    // Kill at pseudo-random points (a fixed LCG: reproducible), with SIGKILL
    // and now and then SIGINT (Ctrl-C: a clean stop), then let it finish.
    let mut x: u64 = 12345;
    let mut kills = 0;
    let mut interrupts = 0;
    let mut mid_run_kills = 0;
    let deadline = Instant::now() + Duration::from_secs(60);
    for attempt in 0.. {
        assert!(Instant::now() < deadline, "did not finish");
        let mut child = Command::new(env!("CARGO_BIN_EXE_entente"))
            .args(["tournament", cfg.to_str().unwrap(), "--out", resumed.to_str().unwrap(), "--no-progress"])
            .args(["--threads", "2", "--chunk", "13"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let wait_ms = if attempt >= 8 { 60_000 } else { 5 + (x >> 33) % 120 };
        let start = Instant::now();
        let mut status = None;
        while start.elapsed() < Duration::from_millis(wait_ms) {
            if let Some(s) = child.try_wait().unwrap() {
                status = Some(s);
                break;
            }
            std::thread::sleep(Duration::from_millis(1));
        }
        match status {
            Some(s) => {
                // Finished (or stopped by a previous interrupt: code 130 never here).
                assert!(s.success(), "exit {s:?}");
                break;
            }
            None => {
                let sig = if attempt % 3 == 2 { "-INT" } else { "-KILL" };
                let _ = Command::new("kill").args([sig, &child.id().to_string()]).status();
                let s = child.wait().unwrap();
                if sig == "-INT" {
                    interrupts += 1;
                    // A clean stop (130), or it had just finished.
                    assert!(s.code() == Some(130) || s.success(), "after Ctrl-C: {s:?}");
                } else {
                    kills += 1;
                    let written = std::fs::read_to_string(resumed.join("records.jsonl")).unwrap_or_default();
                    if !written.is_empty() && !resumed.join("summary.json").exists() {
                        mid_run_kills += 1;
                    }
                }
            }
        }
    }
    assert!(kills > 0 && mid_run_kills > 0, "the run was never killed mid-way: make the tournament bigger");
    let _ = interrupts;
    // Finish the summary if the last attempt was the one that completed: it did.
    same_outputs(&whole, &resumed);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn foreign_and_corrupt_folders_are_refused() {
    let d = scratch("foreign");
    let cfg = config(&d, 3, 1, 1);
    let out = d.join("out");
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    // Rerunning a finished tournament is harmless and changes nothing.
    let before = read(&out.join("records.jsonl"));
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(before, read(&out.join("records.jsonl")));
    // Another configuration into the same folder.
    let other = config(&d, 4, 1, 1);
    let o = run(&other, &out, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("another tournament"), "{}", stderr(&o));
    // Another shard into the same folder.
    let o = run(&cfg, &out, &["--shard", "1/2"]);
    assert!(stderr(&o).contains("shard"), "{}", stderr(&o));
    // A corrupt record.
    let mut lines: Vec<String> = before.lines().map(String::from).collect();
    lines[3] = "{\"id\": 3, garbage".into();
    std::fs::write(out.join("records.jsonl"), lines.join("\n") + "\n").unwrap();
    let o = run(&cfg, &out, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("corrupt") && stderr(&o).contains("line 4"), "{}", stderr(&o));
    // A folder that is not a tournament's.
    let stray = d.join("stray");
    std::fs::create_dir_all(&stray).unwrap();
    std::fs::write(stray.join("notes.txt"), "mine").unwrap();
    let o = run(&cfg, &stray, &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("not a tournament output folder"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn bad_input_names_the_field() {
    let d = scratch("bad");
    let cfg = config(&d, 5, 1, 1);
    let o = run(&cfg, &d.join("o"), &["--shard", "5/4"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("shard") && stderr(&o).contains("5/4"), "{}", stderr(&o));
    let bad = d.join("bad.toml");
    std::fs::write(&bad, "[[strategies]]\nname = \"random\"\np_accept = 1.5\n[[generate]]\nissues = 2\nvalues = 2\n")
        .unwrap();
    let o = run(&bad, &d.join("o2"), &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("strategies[0].p_accept"), "{}", stderr(&o));
    std::fs::write(&bad, "[[strategies]]\nname = \"boulware\"\n[[scenarios]]\npath = \"nowhere\"\n").unwrap();
    let o = run(&bad, &d.join("o3"), &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("scenarios[0].path"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn real_domains_folder_of_folders() {
    let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/domains");
    if !shared.is_dir() {
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), "SKIPPED: ../shared not found beside the project");
        return;
    }
    let d = scratch("real");
    // A folder of folders: a scratch folder with links to two small real domains.
    let dom = d.join("domains");
    std::fs::create_dir_all(&dom).unwrap();
    for name in ["anac2011_Camera", "anac2010_Travel"] {
        #[cfg(unix)]
        std::os::unix::fs::symlink(shared.join(name), dom.join(name)).unwrap();
    }
    let cfg = d.join("real.toml");
    std::fs::write(
        &cfg,
        format!(
            "n_steps = 50\n[[strategies]]\nname = \"boulware\"\n[[strategies]]\nname = \"tit-for-tat\"\n\
             [[scenarios]]\npath = {:?}\n",
            dom
        ),
    )
    .unwrap();
    let out = d.join("out");
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read(&out.join("records.jsonl")).lines().count(), 2 * 4 * 2);
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn disk_estimate_refuses_what_would_not_fit() {
    let d = scratch("disk");
    let cfg = config(&d, 3, 2, 3);
    // A tiny fake budget: refused before anything is written, with the figures named.
    let out = d.join("o");
    let o = run(&cfg, &out, &["--max-disk", "1000"]);
    assert_eq!(o.status.code(), Some(2));
    let e = stderr(&o);
    assert!(
        e.contains("the records would take about") && e.contains("(1000 bytes)") && e.contains("--max-disk"),
        "{e}"
    );
    assert!(!out.join("records.jsonl").exists());
    // The estimate (printed by --dry-run) is at least what a run writes, and within a factor 2 of it.
    let o = run(&cfg, &out, &["--dry-run"]);
    let e = stderr(&o);
    let bytes: u64 = e
        .split("records: about ")
        .nth(1)
        .and_then(|s| s.split('(').nth(1))
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no estimate in {e}"));
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let written = std::fs::metadata(out.join("records.jsonl")).unwrap().len()
        + std::fs::metadata(out.join("records.csv")).unwrap().len();
    assert!(bytes >= written && bytes < 2 * written, "estimate {bytes}, written {written}");
    // A budget large enough passes; resuming a finished run needs nothing more.
    let o = run(&cfg, &out, &["--max-disk", &(bytes - written + 1).to_string()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}

#[test]
fn per_scenario_time_limits() {
    let d = scratch("time");
    let car = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/car-purchase.toml");
    let cfg = d.join("t.toml");
    // The car purchase gets a limit of a nanosecond: every negotiation runs out of time after its first
    // turn (the clock starts at the first turn); the generated scenario has none and never times out.
    std::fs::write(
        &cfg,
        format!(
            "n_steps = 30\n[[strategies]]\nname = \"boulware\"\n[[strategies]]\nname = \"conceder\"\n\
             [[scenarios]]\npath = {car:?}\ntime_limit = 1e-9\n\
             [[generate]]\nissues = 2\nvalues = 4\n"
        ),
    )
    .unwrap();
    let out = d.join("o");
    let o = run(&cfg, &out, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stderr(&o).contains("time limit"), "{}", stderr(&o));
    let records = read(&out.join("records.jsonl"));
    let mut seen = (0, 0);
    for line in records.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        if r["scenario"] == "Used car purchase" {
            assert_eq!(r["reason"]["kind"], "time_limit", "{line}");
            seen.0 += 1;
        } else {
            assert_ne!(r["reason"]["kind"], "time_limit", "{line}");
            seen.1 += 1;
        }
    }
    assert_eq!(seen, (8, 8));
    std::fs::write(
        &cfg,
        format!("[[strategies]]\nname = \"boulware\"\n[[scenarios]]\npath = {car:?}\ntime_limit = 0\n"),
    )
    .unwrap();
    let o = run(&cfg, &d.join("o2"), &[]);
    assert!(stderr(&o).contains("scenarios[0].time_limit: must be a positive number of seconds"), "{}", stderr(&o));
    let _ = std::fs::remove_dir_all(&d);
}
