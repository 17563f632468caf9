//! `entente convert`: between entente's scenario files, GENIUS folders and
//! GeniusWeb folders. After writing, the output is read back and every
//! party's utilities are compared, bit for bit, with the input's.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, bail};
use clap::{Args, ValueEnum};
use entente_core::UtilityFunction;
use entente_formats::{ReadOptions, load_scenario, write_genius, write_geniusweb, write_scenario};
use entente_model::Scenario;

use crate::source::ReadArgs;

/// Output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Target {
    /// entente's scenario file (TOML)
    Toml,
    /// a GENIUS folder: domain.xml and one XML profile per party
    Genius,
    /// a GeniusWeb folder: domain.json and one JSON profile per party
    Geniusweb,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// Input: a scenario file (.toml), a GENIUS folder or a GeniusWeb folder.
    pub input: PathBuf,
    /// Output: a .toml file, or a folder (new or empty) for GENIUS and GeniusWeb.
    pub output: PathBuf,
    /// Output format.
    #[arg(long, value_enum)]
    pub to: Target,
    #[command(flatten)]
    pub read: ReadArgs,
}

/// Outcomes compared after writing (all of them in smaller spaces).
const CHECKED_OUTCOMES: u128 = 20_000;

pub fn run(args: ConvertArgs) -> anyhow::Result<ExitCode> {
    // Never write over the input (the same path, or another name of the same file or folder).
    if let (Ok(a), Ok(b)) = (args.input.canonicalize(), args.output.canonicalize())
        && a == b
    {
        bail!(
            "{}: this is the input itself; give another output path (convert never overwrites its input)",
            args.output.display()
        );
    }
    let scenario = args.read.load(&args.input)?;
    let written: Vec<PathBuf> = match args.to {
        Target::Toml => {
            if args.output.is_dir() {
                bail!("{}: is a folder; give the .toml file to write", args.output.display());
            }
            let text = write_scenario(&scenario)
                .with_context(|| format!("cannot write {} as a scenario file", args.output.display()))?;
            std::fs::write(&args.output, text).with_context(|| format!("{}", args.output.display()))?;
            vec![args.output.clone()]
        }
        Target::Genius => write_genius(&scenario, &args.output)?,
        Target::Geniusweb => write_geniusweb(&scenario, &args.output)?,
    };
    // Read back what was written: the same parties, in the same order.
    let names: Vec<String> = scenario.parties.iter().map(|p| p.name.clone()).collect();
    let back_profiles = (args.to != Target::Toml).then_some(names.as_slice());
    let back = load_scenario(&args.output, back_profiles, &ReadOptions::default())
        .with_context(|| "reading the written files back failed")?;
    let checked = compare(&scenario, &back)?;
    outln!(
        "{} ({} parties, {} outcomes) -> {}",
        scenario.name,
        scenario.parties.len(),
        scenario.space.cardinality(),
        written.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
    );
    outln!("read back: identical utilities on {checked} outcomes, reservation values and discounts");
    Ok(ExitCode::SUCCESS)
}

/// Compares two scenarios' parties on a spread of outcomes; returns how many
/// outcomes were compared.
fn compare(a: &Scenario, b: &Scenario) -> anyhow::Result<u128> {
    if a.space.issues() != b.space.issues() {
        bail!("read back, the issues differ from the input's");
    }
    if a.parties.len() != b.parties.len() {
        bail!("read back, {} parties instead of {}", b.parties.len(), a.parties.len());
    }
    let n = a.space.cardinality();
    let m = n.min(CHECKED_OUTCOMES);
    let mut values = vec![0u32; a.space.issues().len()];
    for (p, q) in a.parties.iter().zip(&b.parties) {
        let same = |x: f64, y: f64| x.to_bits() == y.to_bits() || (x.is_nan() && y.is_nan());
        if !same(p.utility.reservation(), q.utility.reservation()) || p.utility.discount() != q.utility.discount() {
            bail!("read back, party {:?} has another reservation value or discount", p.name);
        }
        for i in 0..m {
            let index = if m == n { i } else { i * (n / m) + (i % 7) };
            a.space.values_into(index.min(n - 1), &mut values)?;
            let (x, y) = (p.utility.utility(&values), q.utility.utility(&values));
            if !same(x, y) {
                bail!("read back, party {:?} values outcome {index} at {y} instead of {x}", p.name);
            }
        }
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("entente-convert-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    const SCENARIO: &str = r#"
name = "convert test"
[[issues]]
name = "colour"
values = ["red", "green", "blue & white"]
[[issues]]
name = "count"
min = -2
max = 6
[[issues]]
name = "share"
min = 0.0
max = 1.0
steps = 5
[[parties]]
name = "a"
reservation = 0.25
[parties.issues]
colour = { weight = 0.5, values = [1.0, 0.25, 0.0] }
count = { weight = 0.3, clamped_linear = { slope = 0.15, origin = -2.0, offset = 0.1 } }
share = { weight = 0.2, genius_triangular = { low = 0.0, high = 1.0, top = 0.5 } }
[[parties]]
name = "b"
discount = 0.9
[parties.issues]
colour = { weight = 0.2, values = [0.0, 1.0, 0.5] }
count = { weight = 0.5, clamped_linear = { slope = -0.1, origin = -2.0, offset = 1.0 } }
share = { weight = 0.3, clamped_linear = { slope = -1.0, origin = 0.0, offset = 1.0 } }
"#;

    #[test]
    fn toml_to_genius_to_toml_keeps_every_utility() {
        let dir = temp("a");
        std::fs::create_dir_all(&dir).unwrap();
        let input = dir.join("in.toml");
        std::fs::write(&input, SCENARIO).unwrap();
        let genius = dir.join("genius");
        let args = |input: &Path, output: &Path, to| ConvertArgs {
            input: input.to_path_buf(),
            output: output.to_path_buf(),
            to,
            read: ReadArgs { profiles: None, all_profiles: false, real_steps: None, raw_discrete: false },
        };
        run(args(&input, &genius, Target::Genius)).unwrap();
        assert!(genius.join("domain.xml").is_file() && genius.join("a.xml").is_file());
        let back = dir.join("back.toml");
        run(args(&genius, &back, Target::Toml)).unwrap();
        let original = load_scenario(&input, None, &ReadOptions::default()).unwrap();
        let again = load_scenario(&back, None, &ReadOptions::default()).unwrap();
        assert!(compare(&original, &again).unwrap() == 135);
        // GeniusWeb has no discount factor: refused, naming the party, writing nothing.
        let err = run(args(&input, &dir.join("web"), Target::Geniusweb)).unwrap_err().to_string();
        assert!(err.contains("party \"b\"") || err.contains("issue"), "{err}");
        assert!(!dir.join("web").exists());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
