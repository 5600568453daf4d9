//! `yardstick token`: the API tokens of `serve`, created, listed and revoked
//! on the --db file.
//!
//! A token is printed once, on standard output alone so that a script can
//! capture it; only its hash is stored, and the list never shows secrets.

use std::io::{self, Write};

use clap::Subcommand;

use super::{print_json, Global};

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a token and print it once.
    Create {
        /// viewer (dashboards, reports, exports), ingester (ingest only) or admin (everything).
        #[arg(long)]
        role: String,
        /// Who or what holds it, for the list.
        #[arg(long)]
        name: String,
    },
    /// List tokens (never their secrets).
    List,
    /// Revoke a token by its id (the 16 characters after `ys_`).
    Revoke { token_id: String },
}

/// Runs one `token` subcommand.
pub fn run(global: &Global, cmd: TokenCommand) -> anyhow::Result<()> {
    global.refuse_if_served("token")?;
    let store = global.open_store()?;
    match cmd {
        TokenCommand::Create { role, name } => {
            let role: crate::auth::Role = role.parse().map_err(|e: String| anyhow::anyhow!(e))?;
            if name.trim().is_empty() {
                anyhow::bail!("--name is empty: say who holds the token");
            }
            let token = store.token_create(name.trim(), role)?;
            let mut o = io::stdout().lock();
            writeln!(o, "{token}")?;
            writeln!(
                io::stderr(),
                "a {} token for {}: shown this once, only its hash is stored",
                role.as_str(),
                name.trim()
            )?;
        }
        TokenCommand::List => print_json(&serde_json::json!({ "tokens": store.tokens()? }))?,
        TokenCommand::Revoke { token_id } => {
            if !store.token_revoke(&token_id)? {
                anyhow::bail!("no live token `{token_id}`");
            }
            writeln!(io::stdout(), "revoked {token_id}")?;
        }
    }
    Ok(())
}
