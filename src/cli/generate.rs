//! `yardstick generate`: a generated company (its catalogue, time studies,
//! run log and optionally timed steps) written to a folder.
//!
//! The generator is seeded, so the same options give the same files: the
//! committed demo company is `generate --out fixtures/demo`, and the
//! benchmark runs this command as a child process to write its data sets.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::ValueEnum;

use crate::gen;

#[derive(Debug, clap::Args)]
pub struct GenerateArgs {
    /// Folder to write to (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Number of runs.
    #[arg(long, default_value_t = gen::Spec::default().runs)]
    pub runs: u64,
    /// Number of workflows; the first 15 are the named demo company.
    #[arg(long, default_value_t = gen::Spec::default().workflows)]
    pub workflows: usize,
    /// Seed of the generator: the same seed gives the same files.
    #[arg(long, default_value_t = gen::Spec::default().seed)]
    pub seed: u64,
    /// Days the run logs span, from 2026-01-05.
    #[arg(long, default_value_t = gen::Spec::default().days)]
    pub days: i64,
    /// Formats of the run log: csv (runs.csv), ndjson (runs.ndjson),
    /// parquet (runs.parquet); several may be given, comma-separated.
    #[arg(long, value_delimiter = ',', default_value = "csv")]
    pub formats: Vec<GenFormat>,
    /// Also write steps.csv: three timed steps of every tenth finished run.
    #[arg(long)]
    pub steps: bool,
}

/// Formats `generate` writes the run log in.
#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum GenFormat {
    Csv,
    Ndjson,
    Parquet,
}

/// Runs `generate` and names the files written.
pub fn run(args: GenerateArgs) -> anyhow::Result<()> {
    let spec = gen::Spec {
        seed: args.seed,
        runs: args.runs,
        workflows: args.workflows,
        days: args.days,
        ..gen::Spec::default()
    };
    let written = write_company_as(&args.out, spec, &args.formats, args.steps)?;
    let mut o = io::stdout().lock();
    writeln!(
        o,
        "wrote {} ({} runs) to {}",
        written.join(", "),
        args.runs,
        args.out.display()
    )?;
    Ok(())
}

/// Writes the generated company's three CSV files into `dir`.
pub fn write_company(dir: &Path, spec: gen::Spec) -> anyhow::Result<()> {
    write_company_as(dir, spec, &[GenFormat::Csv], false).map(|_| ())
}

/// Writes the generated company into `dir`: the catalogue and time studies
/// as CSV, the run log in each of `formats`, and with `steps` a steps file.
/// Returns the names of the files written.
pub fn write_company_as(
    dir: &Path,
    spec: gen::Spec,
    formats: &[GenFormat],
    steps: bool,
) -> anyhow::Result<Vec<String>> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let company = gen::Company::new(spec);
    let create = |name: &str| -> anyhow::Result<io::BufWriter<std::fs::File>> {
        let p = dir.join(name);
        Ok(io::BufWriter::with_capacity(
            1 << 20,
            std::fs::File::create(&p).with_context(|| format!("cannot write {}", p.display()))?,
        ))
    };
    company.write_workflows(create("workflows.csv")?)?;
    company.write_baselines(create("baselines.csv")?)?;
    let mut written = vec!["workflows.csv".to_string(), "baselines.csv".to_string()];
    let mut steps_out = if steps {
        Some(create("steps.csv")?)
    } else {
        None
    };
    // Parquet is converted from the CSV, which is written first if not asked for.
    let csv_needed = formats.contains(&GenFormat::Csv) || formats.contains(&GenFormat::Parquet);
    if csv_needed {
        company.write_runs_as(
            create("runs.csv")?,
            gen::RunsFormat::Csv,
            steps_out.as_mut().map(|w| w as &mut dyn Write),
        )?;
        written.push("runs.csv".into());
        steps_out = None;
    }
    if formats.contains(&GenFormat::Ndjson) {
        company.write_runs_as(
            create("runs.ndjson")?,
            gen::RunsFormat::Ndjson,
            steps_out.as_mut().map(|w| w as &mut dyn Write),
        )?;
        written.push("runs.ndjson".into());
    }
    if steps {
        written.push("steps.csv".into());
    }
    if formats.contains(&GenFormat::Parquet) {
        crate::store::files::csv_to_parquet(&dir.join("runs.csv"), &dir.join("runs.parquet"))?;
        written.push("runs.parquet".into());
        if !formats.contains(&GenFormat::Csv) {
            std::fs::remove_file(dir.join("runs.csv"))?;
            written.retain(|n| n != "runs.csv");
        }
    }
    Ok(written)
}
