//! `entente bench`: negotiations per second on the standard cases.

use std::process::ExitCode;

use clap::Args;

#[derive(Args)]
pub struct BenchArgs {
    /// Run each case briefly (for a quick look; figures are noisier).
    #[arg(long)]
    pub quick: bool,
}

pub fn run(_args: BenchArgs) -> anyhow::Result<ExitCode> {
    anyhow::bail!("not yet implemented")
}
