//! The `yardstick` command line: the argument tree and its dispatch.
//!
//! This file holds only the top of the tree (the global options and one
//! variant per command, whose doc comment is its line in `yardstick --help`)
//! and [`run`], which hands each command to its own file. A command's
//! arguments (their doc comments are the help text) and its `run` live
//! together in that file: `ingest`, `pull`, `report`, `lake`, `workflows`,
//! `rejects`, `serve`, `demo`, `token`, `export`, `generate`, `pull`
//! and `publish` (with `published`). A new
//! subcommand of a group touches the group's file alone; a new command adds
//! its file and one variant and one line here. (The benchmark harness is not
//! a command: it is the `yardstick-bench` binary of `bench/`, which runs this
//! one as a user would.)
//!
//! The global options are in `global` and shown once, under "Global
//! options"; how a command fails and the exit status each failure gives are
//! in `error`, the one place failures become statuses.

pub mod demo;
mod error;
pub mod export;
pub mod generate;
mod global;
pub mod ingest;
pub mod lake;
pub mod publish;
pub mod pull;
pub mod rejects;
pub mod remote;
pub mod report;
pub mod serve;
pub mod token;
pub mod workflows;

use std::io::{self, Write};

use clap::{Parser, Subcommand};

pub use demo::{load_demo, DemoArgs};
pub use error::{exit_code, CliError};
pub use export::{ExportArgs, ExportFormat};
pub use generate::{write_company, write_company_as, GenFormat, GenerateArgs};
pub use global::{EngineArg, Global};
pub use ingest::{EventLogArgs, FormatArg, IngestArgs, KindArg};
pub use lake::LakeCommand;
pub use rejects::RejectsArgs;
pub use report::{BaselineArg, OutFormat, PeriodArgs, ReportCommand, Span};
pub use serve::{load_dashboards, ServeArgs};
pub use token::TokenCommand;
pub use workflows::WorkflowsArgs;

/// Yardstick measures what business automations give back: cycle time,
/// errors, escalations, response time, SLA compliance and reclaimed hours and
/// money, per workflow, from run logs and time studies.
#[derive(Debug, Parser)]
#[command(name = "yardstick", version)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest a file of workflows (the catalogue), runs, baselines (time studies),
    /// steps, an event log, a platform workflow map or exchange rates (fx).
    ///
    /// Exit status: 0 when the batch was stored (also with rejected rows),
    /// 1 when --strict refused it, 2 when nothing could be read.
    Ingest(Box<IngestArgs>),
    /// Print a report.
    #[command(subcommand)]
    Report(ReportCommand),
    /// The lake: the store's tables as partitioned Parquet, for Spark.
    #[command(subcommand)]
    Lake(LakeCommand),
    /// List the workflow catalogue with its evidence counts.
    Workflows(WorkflowsArgs),
    /// List rejected rows with their line, field and reason.
    Rejects(RejectsArgs),
    /// Serve the HTTP API and the overview page.
    Serve(ServeArgs),
    /// Load the demo company into a fresh local DuckDB file and serve it.
    Demo(DemoArgs),
    /// API tokens: create (printed once, only its hash is stored), list, revoke.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Export a dashboard: every panel as CSV, SVG or PNG files, or the whole
    /// dashboard as one XLSX workbook with a Method sheet.
    Export(ExportArgs),
    /// Write a generated company (workflows.csv, baselines.csv, runs.csv) to a folder.
    Generate(GenerateArgs),
    /// Fetch run history from an automation platform's API (n8n, Zapier,
    /// Power Automate, UiPath, Make), from where the last pull stopped.
    ///
    /// Exit status: 0 when the runs were stored, 1 when the API failed or
    /// --strict refused them, 2 for a usage error.
    Pull(pull::PullArgs),
    /// Freeze the report set of a period (metric table, portfolio, waterfall,
    /// comparisons, with their assumptions and the batches read) under a name
    /// and the SHA-256 of its content; `report diff` explains later changes.
    Publish(publish::PublishArgs),
    /// List the published reports, or show one whole.
    Published(publish::PublishedArgs),
}

/// Runs the parsed command line; [`exit_code`] turns the outcome into the
/// process's exit status.
pub fn run(cli: Cli) -> Result<(), CliError> {
    let g = &cli.global;
    let done = match cli.command {
        // The one command with failures of its own (unreadable input, a
        // batch --strict refused); every other fails as anyhow errors do.
        Command::Ingest(args) => return ingest::run(g, &args),
        Command::Pull(args) => return pull::run(g, args),
        Command::Report(cmd) => report::run(g, cmd),
        Command::Lake(cmd) => lake::run(g, cmd),
        Command::Workflows(args) => workflows::run(g, args),
        Command::Rejects(args) => rejects::run(g, args),
        Command::Serve(args) => serve::run(g, args),
        Command::Demo(args) => demo::run(args),
        Command::Token(cmd) => token::run(g, cmd),
        Command::Export(args) => export::run(g, &args),
        Command::Generate(args) => generate::run(args),
        Command::Publish(args) => publish::run_publish(g, args),
        Command::Published(args) => publish::run_published(g, args),
    };
    Ok(done?)
}

/// Prints a value as pretty JSON on standard output.
fn print_json(value: &impl serde::Serialize) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value)?;
    writeln!(out)?;
    Ok(())
}
