//! Runs the analysis benchmark until it is wired as `entente analyze-bench`:
//!
//! ```sh
//! cargo run --release -p entente-cli --example analyze_bench -- --help
//! ```

use std::process::ExitCode;

use clap::Parser;

#[path = "../src/analyze_bench.rs"]
mod analyze_bench;

#[derive(Parser)]
#[command(name = "analyze_bench", about = "Speed of the domain analysis (Pareto frontier, Nash, additive merge)")]
struct Cli {
    #[command(flatten)]
    args: analyze_bench::AnalyzeBenchArgs,
}

fn main() -> ExitCode {
    match analyze_bench::run(Cli::parse().args) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}
