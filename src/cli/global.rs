//! The global options: the database file, DuckDB's memory limit, the engine
//! and the lake, which every command accepts before or after its name.
//!
//! They are declared once, here, under one "Global options" help heading:
//! clap propagates `global = true` arguments into every subcommand, so without
//! the heading each command's help listed them among its own options. With it
//! they come after the command's own options, apart from them. Opening the
//! store, the engine and the lake from these options lives here too, so a
//! command asks for what it reads and never repeats the checks.

use std::path::PathBuf;
use std::sync::Arc;

use anyhow::Context;
use clap::ValueEnum;

use crate::engine::follow::Following;
use crate::engine::spark::SparkEngine;
use crate::engine::Engine;
use crate::store::Store;

use super::remote::{self, Remote};

/// The options every command accepts.
#[derive(Debug, clap::Args)]
#[command(next_help_heading = "Global options")]
pub struct Global {
    /// The DuckDB database file.
    #[arg(
        long,
        global = true,
        env = "YARDSTICK_DB",
        default_value = "yardstick.duckdb"
    )]
    pub db: PathBuf,
    /// DuckDB's memory limit, e.g. 1GB or 512MB (default: 80% of the
    /// machine's memory). Past it DuckDB spills to a temporary file instead of
    /// growing: set it to bound the memory of a large ingest.
    #[arg(long, global = true, env = "YARDSTICK_MEMORY_LIMIT", value_parser = memory_size)]
    pub memory_limit: Option<String>,
    /// The engine that runs the reports (`report ...`) and the server's
    /// reports and dashboards (`serve`): duckdb (the --db file), duckdb-lake
    /// (DuckDB reading the lake at --lake) or spark (Spark Connect at
    /// --spark-url, reading the lake at --lake).
    #[arg(
        long,
        global = true,
        env = "YARDSTICK_ENGINE",
        value_enum,
        default_value = "duckdb"
    )]
    pub engine: EngineArg,
    /// The Spark Connect server of --engine spark.
    #[arg(
        long,
        global = true,
        env = "YARDSTICK_SPARK_URL",
        default_value = "sc://127.0.0.1:15002"
    )]
    pub spark_url: String,
    /// The lake's root: a directory, or s3://BUCKET/PREFIX on S3 or an
    /// S3-compatible store (credentials and endpoint from the AWS_*
    /// variables). `lake publish` writes it; --engine spark and duckdb-lake
    /// read it.
    #[arg(long, global = true, env = "YARDSTICK_LAKE")]
    pub lake: Option<String>,
    /// The lake's root as the Spark cluster names it, when that differs from
    /// --lake: another mount point of a shared directory, or s3:// on a
    /// cluster whose S3 connector is not s3a (default: --lake, with s3:// read
    /// as s3a://).
    #[arg(long, global = true, env = "YARDSTICK_SPARK_LAKE")]
    pub spark_lake: Option<String>,
    /// A running Yardstick server to run the command through (e.g.
    /// http://127.0.0.1:8080), with the token in YARDSTICK_TOKEN. Without it
    /// a command on a --db file that a local server holds runs through that
    /// server (it records its address in FILE.server.json).
    #[arg(long, global = true, env = "YARDSTICK_SERVER")]
    pub server: Option<String>,
}

/// Which engine runs the metric queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    /// The embedded DuckDB file (--db).
    Duckdb,
    /// DuckDB reading the lake (--lake) instead of the file: one node reads
    /// what the cluster reads.
    DuckdbLake,
    /// Apache Spark through Spark Connect, over the lake (--lake).
    Spark,
}

impl Global {
    /// The server a command runs through: --server, else the live server
    /// recorded beside the --db file (only for --engine duckdb: the other
    /// engines read the lake, which a server does not hold). A stale record
    /// is removed, and the command opens the file.
    pub fn remote(&self) -> anyhow::Result<Option<Remote>> {
        if let Some(url) = &self.server {
            if self.engine != EngineArg::Duckdb {
                anyhow::bail!(
                    "--engine is the server's (`serve --engine`); with --server leave it out"
                );
            }
            return Ok(Some(Remote::new(url, "--server".into())?));
        }
        if self.engine != EngineArg::Duckdb {
            return Ok(None);
        }
        match remote::find(&self.db) {
            remote::Found::Nothing => Ok(None),
            remote::Found::Live(r) => Ok(Some(Remote::new(
                &r.url,
                format!("the server (pid {}) holding {}", r.pid, self.db.display()),
            )?)),
            remote::Found::Stale(r, why) => {
                remote::remove_stale(&self.db, &r, &why);
                Ok(None)
            }
        }
    }

    /// The --db file, whatever --engine says: for `lake publish`, which
    /// reads the file to write the lake.
    pub fn open_file(&self) -> anyhow::Result<Store> {
        Ok(Store::open_limited(&self.db, self.memory_limit.as_deref())?)
    }

    /// The database every command but `demo` (which writes its own file),
    /// the reports and `serve` opens: the --db file, refusing another engine
    /// rather than ignoring it.
    pub fn open_store(&self) -> anyhow::Result<Store> {
        if self.engine != EngineArg::Duckdb {
            anyhow::bail!(
                "--engine spark and duckdb-lake run `report ...` and `serve`; this command reads \
                 the --db file: leave --engine out"
            );
        }
        self.open_file()
    }

    /// For `serve`: with --engine duckdb-lake or spark, that engine on the
    /// lake's committed snapshot, following later publishes, and what it is
    /// (for messages); with duckdb, nothing (the server reads the file).
    pub fn follow_lake(&self) -> anyhow::Result<Option<(Arc<Following>, String)>> {
        if self.engine == EngineArg::Duckdb {
            return Ok(None);
        }
        let root = self.lake_root()?;
        let (open, what): (crate::engine::follow::Open, String) = match self.engine {
            EngineArg::Duckdb => unreachable!("returned above"),
            EngineArg::DuckdbLake => {
                let what = format!("the lake {root} through DuckDB");
                let root = root.clone();
                (
                    Box::new(move || Ok(Arc::new(Store::open_lake(root.clone())?))),
                    what,
                )
            }
            EngineArg::Spark => {
                // The Spark engine moves its views to a newer snapshot itself
                // before each query: one session serves every snapshot, and
                // following only counts the generation.
                let spark: Arc<dyn Engine> = Arc::new(SparkEngine::connect_with(
                    &self.spark_url,
                    root.clone(),
                    self.spark_lake.as_deref(),
                )?);
                (
                    Box::new(move || Ok(spark.clone())),
                    format!("the lake {root} through Spark at {}", self.spark_url),
                )
            }
        };
        Ok(Some((Following::open(root, open)?, what)))
    }

    /// The engine of the reports that need only metric tables and evidence.
    pub fn open_engine(&self) -> anyhow::Result<Box<dyn Engine>> {
        Ok(match self.engine {
            EngineArg::Duckdb => Box::new(self.open_file()?),
            EngineArg::DuckdbLake => Box::new(Store::open_lake(self.lake_root()?)?),
            EngineArg::Spark => Box::new(SparkEngine::connect_with(
                &self.spark_url,
                self.lake_root()?,
                self.spark_lake.as_deref(),
            )?),
        })
    }

    /// The lake's root from --lake, or an error saying how to give it.
    pub fn lake_root(&self) -> anyhow::Result<crate::lake::Root> {
        let text = self.lake.as_deref().context(
            "give the lake's root with --lake DIR or --lake s3://BUCKET/PREFIX (or YARDSTICK_LAKE)",
        )?;
        Ok(crate::lake::Root::parse(text)?)
    }
}

/// A memory size as DuckDB reads it: a number and a unit (KB, MB, GB, TB,
/// or KiB, MiB, GiB, TiB), e.g. `512MB`.
fn memory_size(v: &str) -> Result<String, String> {
    let t = v.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (number, unit) = t.split_at(split);
    let units = ["KB", "MB", "GB", "TB", "KIB", "MIB", "GIB", "TIB"];
    match number.parse::<f64>() {
        Ok(n) if n > 0.0 && units.contains(&unit.trim().to_ascii_uppercase().as_str()) => {
            Ok(t.to_string())
        }
        _ => Err(format!(
            "`{v}` is not a memory size: give a number and a unit, e.g. 512MB or 2GB"
        )),
    }
}
