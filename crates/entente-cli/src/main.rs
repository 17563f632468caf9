//! `entente`: run negotiation scenarios, check the engine against NegMAS,
//! measure its speed.

// The program: it reads files, the clock and the environment for the libraries (clippy.toml).
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

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
mod budget;
mod conformance;
mod convert;
mod figure;
mod mediate;
mod progress;
mod ratification;
mod run;
mod serve;
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
    propagate_version = true,
    about = "A negotiation engine: run scenarios, check conformance with NegMAS, measure speed"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// The memory a request may use (e.g. 512M, 8G; default 2G, or ENTENTE_MEMORY_BUDGET): larger requests
    /// are refused before anything is allocated.
    #[arg(long, global = true, value_name = "SIZE")]
    memory_budget: Option<String>,
}

#[derive(Subcommand)]
enum Command {
    /// Run one negotiation and print who offered what, the agreement and why it ended.
    Run(run::RunArgs),
    /// Simulate a round of mediated talks (default: the reference case) and print the transcript day by day.
    Talks(talks::TalksArgs),
    /// Hold live talks: a web server for the mediators, delegations, capitals and observers, with agents at the table.
    Serve(serve::ServeArgs),
    /// Check a live talks record (a database or an export): its hash chain, link by link, and its replay.
    VerifyLog(serve::VerifyLogArgs),
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
    /// Mediated single negotiating text over many seeds: a mediator (veto, annealing) and voters (hill-climbing,
    /// annealing) on any scenario or GENIUS/GeniusWeb folder; with --compare or --vs, two set-ups paired.
    Mediate(mediate::MediateArgs),
    #[command(flatten)]
    Tournament(tournament::TournamentCommand),
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell), generated from the command line's
    /// definition: e.g. `entente completions bash > ~/.local/share/bash-completion/completions/entente`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) generated from the command line's definition, or with --out DIR write
    /// entente.1 and one page per subcommand (entente-run.1, ...) there: e.g. `entente man | man -l -`.
    Man {
        /// A folder to write every page to (created if needed).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `entente completions SHELL`.
fn completions(shell: clap_complete::Shell) -> anyhow::Result<ExitCode> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut command(), "entente", &mut out);
    emit(&String::from_utf8(out)?);
    Ok(ExitCode::SUCCESS)
}

/// `entente man [--out DIR]`.
fn man(out: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    use anyhow::Context as _;
    let cmd = command();
    match out {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut page)?;
            emit(&String::from_utf8(page)?);
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir).with_context(|| format!("{}", dir.display()))?;
            clap_mangen::generate_to(cmd, &dir).with_context(|| format!("writing the pages to {}", dir.display()))?;
            let mut pages: Vec<String> = std::fs::read_dir(&dir)?
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().into_owned())
                .filter(|n| n.ends_with(".1"))
                .collect();
            pages.sort();
            outln!("{} pages written to {}: {}", pages.len(), dir.display(), pages.join(", "));
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The command line's definition: `Cli`'s, with negative numbers taken as values everywhere (`--seed -1` is
/// refused by the option's own range, not read as an unknown flag).
pub fn command() -> clap::Command {
    fn negative_numbers(cmd: clap::Command) -> clap::Command {
        let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
        let mut cmd = cmd.allow_negative_numbers(true);
        for name in names {
            cmd = cmd.mut_subcommand(name, negative_numbers);
        }
        cmd
    }
    negative_numbers(Cli::command())
}

fn main() -> ExitCode {
    let cli = match command().try_get_matches().and_then(|m| Cli::from_arg_matches(&m)) {
        Ok(cli) => cli,
        Err(e) => {
            use clap::error::{ContextKind, ContextValue, ErrorKind};
            // A negative number given to an option that counts from 0: say so plainly.
            if e.kind() == ErrorKind::ValueValidation
                && let (Some(ContextValue::String(arg)), Some(ContextValue::String(value))) =
                    (e.get(ContextKind::InvalidArg), e.get(ContextKind::InvalidValue))
                && value.starts_with('-')
            {
                let flag = arg.split_whitespace().next().unwrap_or(arg);
                eprintln!("error: {flag} {value}: {flag} takes a number from 0 up, not a negative one");
                return ExitCode::from(2);
            }
            e.exit()
        }
    };
    if let Err(e) = budget::init(cli.memory_budget.as_deref()) {
        eprintln!("error: {e:#}");
        return ExitCode::from(2);
    }
    let result = match cli.command {
        Command::Run(args) => run::run(args),
        Command::Talks(args) => talks::run(args),
        Command::Serve(args) => serve::serve(args),
        Command::VerifyLog(args) => serve::verify_log(args),
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
        Command::Mediate(args) => mediate::run(args),
        Command::Tournament(cmd) => tournament::run(cmd),
        Command::Completions { shell } => completions(shell),
        Command::Man { out } => man(out),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
