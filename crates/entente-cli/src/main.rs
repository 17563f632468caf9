//! `entente`: run negotiation scenarios, check the engine against NegMAS,
//! measure its speed.

// The program: it reads files, the clock and the environment for the libraries (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Writes to standard output; a closed pipe (`entente … | head`) ends the
/// program quietly instead of panicking.
pub fn emit(text: &str) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing the output: {e}");
        std::process::exit(1);
    }
}

/// The real clock the CLI gives the libraries for a negotiation's time limit
/// (libraries never read the clock): the seconds since it was first asked,
/// so the count starts at the negotiation's first turn.
#[derive(Default)]
pub struct WallClock(Option<std::time::Instant>);

impl entente_protocols::Clock for WallClock {
    fn elapsed(&mut self) -> f64 {
        match self.0 {
            Some(start) => start.elapsed().as_secs_f64(),
            None => {
                self.0 = Some(std::time::Instant::now());
                0.0
            }
        }
    }
}

/// The thread pool the CLI gives the libraries' parallel computations (they
/// never use rayon's global pool): rayon's default size (`RAYON_NUM_THREADS`,
/// else one thread per CPU), built on first use.
pub fn thread_pool() -> anyhow::Result<&'static rayon::ThreadPool> {
    static POOL: std::sync::OnceLock<rayon::ThreadPool> = std::sync::OnceLock::new();
    if let Some(pool) = POOL.get() {
        return Ok(pool);
    }
    let pool = rayon::ThreadPoolBuilder::new().build()?;
    Ok(POOL.get_or_init(|| pool))
}

/// `print!` through [`emit`].
#[macro_export]
macro_rules! out {
    ($($arg:tt)*) => { $crate::emit(&format!($($arg)*)) };
}

/// `println!` through [`emit`].
#[macro_export]
macro_rules! outln {
    () => { $crate::emit("\n") };
    ($($arg:tt)*) => { $crate::emit(&format!("{}\n", format!($($arg)*))) };
}

mod analyze;
mod analyze_bench;
mod bench;
mod conformance;
mod convert;
mod figure;
mod ratification;
mod run;
mod source;
mod sweep;
mod talks;
mod tournament;
mod whatif;
mod zones;

/// The embedded default scenario (`scenarios/car-purchase.toml`).
pub const DEFAULT_SCENARIO: &str = include_str!("../../../scenarios/car-purchase.toml");
pub const DEFAULT_SCENARIO_NAME: &str = "scenarios/car-purchase.toml (embedded)";

#[derive(Parser)]
#[command(
    name = "entente",
    version,
    about = "A negotiation engine: run scenarios, check conformance with NegMAS, measure speed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one negotiation and print who offered what, the agreement and why it ended.
    Run(run::RunArgs),
    /// Simulate a round of mediated talks (default: the reference case) and print the transcript day by day.
    Talks(talks::TalksArgs),
    /// Analyse a domain: Pareto frontier, Nash and Kalai-Smorodinsky points, zone of agreement.
    Analyze(analyze::AnalyzeArgs),
    /// Replay NegMAS parity cases (JSON with full offer traces) and compare offer by offer.
    Conformance {
        /// A directory of case files (or one with a `cases/` subdirectory).
        dir: PathBuf,
        /// Print every case, not only failures.
        #[arg(long)]
        verbose: bool,
        /// Order among outcomes of equal utility: `numpy-avx2` reproduces NegMAS
        /// on machines whose numpy dispatches to AVX2 (as the shared corpus);
        /// `stable` uses enumeration order.
        #[arg(long, default_value = "numpy-avx2", value_parser = ["numpy-avx2", "stable"])]
        tie_order: String,
    },
    /// Measure negotiations per second on the standard benchmark cases.
    Bench(bench::BenchArgs),
    /// Convert between scenario files, GENIUS folders and GeniusWeb folders.
    Convert(convert::ConvertArgs),
    /// Measure the speed of the domain analysis (Pareto frontier and Nash point).
    BenchAnalysis(analyze_bench::AnalyzeBenchArgs),
    /// What if a veto, a weight, a quota, the blocs, the issues or a reservation changed? Zones, diagnosis
    /// and the simulated negotiation, side by side with the base case.
    #[command(name = "whatif")]
    WhatIf(whatif::WhatIfArgs),
    #[command(flatten)]
    Tournament(tournament::TournamentCommand),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Talks(args) => talks::run(args),
        Command::Analyze(args) => analyze::run(args),
        Command::BenchAnalysis(args) => analyze_bench::run(args),
        Command::Conformance { dir, verbose, tie_order } => {
            let order =
                if tie_order == "stable" { entente_core::TieOrder::Stable } else { entente_core::TieOrder::NumpyAvx2 };
            conformance::run(&dir, verbose, order)
        }
        Command::Bench(args) => bench::run(args),
        Command::Convert(args) => convert::run(args),
        Command::WhatIf(args) => whatif::run(args),
        Command::Tournament(cmd) => tournament::run(cmd),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
