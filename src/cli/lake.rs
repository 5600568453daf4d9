//! `yardstick lake`: the store's tables as partitioned Parquet under --lake,
//! the copy Spark and `--engine duckdb-lake` read.
//!
//! `publish` reads the --db file whatever --engine says: it is how the lake
//! those engines read gets written. Beside a server that holds the file,
//! the server publishes (`POST /api/v1/lake/publish`, an admin's) to the
//! same lake, a directory given as an absolute path.

use clap::Subcommand;

use super::{print_json, Global};

#[derive(Debug, Subcommand)]
pub enum LakeCommand {
    /// Write the --db file's tables to a new snapshot under --lake and commit
    /// it: readers see the previous snapshot until the new one is whole.
    Publish,
    /// Print the committed snapshot's manifest (name and rows per table).
    Show,
}

/// Runs one `lake` subcommand; both need --lake first.
pub fn run(global: &Global, cmd: LakeCommand) -> anyhow::Result<()> {
    let root = global.lake_root()?;
    let manifest = match cmd {
        LakeCommand::Publish => match global.remote()? {
            Some(remote) => {
                let lake = match &root {
                    crate::lake::Root::Dir(d) => std::path::absolute(d)?.display().to_string(),
                    crate::lake::Root::Object(_) => global.lake.clone().unwrap_or_default(),
                };
                let a = remote.post("/api/v1/lake/publish", &vec![("lake", lake)], None)?;
                return print_json(&remote.checked(a)?.json()?);
            }
            None => global.open_file()?.publish_lake(root)?,
        },
        LakeCommand::Show => root.current()?,
    };
    print_json(&serde_json::to_value(&manifest)?)
}
