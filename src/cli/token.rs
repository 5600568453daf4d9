//! `yardstick token`: the API tokens of `serve`, created, listed and revoked
//! on the --db file, or through the server that holds it (an admin's token).
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
    if let Some(remote) = global.remote()? {
        return through(&remote, cmd);
    }
    let store = global.open_store()?;
    match cmd {
        TokenCommand::Create { role, name } => {
            let (role, name) =
                crate::auth::token_request(&role, &name).map_err(|e| anyhow::anyhow!(e))?;
            let token = store.token_create(&name, role)?;
            created(&token, role.as_str(), &name)?;
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

/// A new token: on standard output alone, so a script can capture it.
fn created(token: &str, role: &str, name: &str) -> anyhow::Result<()> {
    writeln!(io::stdout().lock(), "{token}")?;
    writeln!(
        io::stderr(),
        "a {role} token for {name}: shown this once, only its hash is stored"
    )?;
    Ok(())
}

/// `token` through a server, with an admin's token in YARDSTICK_TOKEN
/// (`/api/v1/tokens`): the same output and exit status.
fn through(remote: &super::remote::Remote, cmd: TokenCommand) -> anyhow::Result<()> {
    match cmd {
        TokenCommand::Create { role, name } => {
            let q = vec![("role", role), ("name", name)];
            let a = remote.post("/api/v1/tokens", &q, None)?;
            let v = remote.checked(a)?.json()?;
            let text = |k: &str| v[k].as_str().unwrap_or_default().to_string();
            created(&text("token"), &text("role"), &text("name"))
        }
        TokenCommand::List => print_json(&remote.get("/api/v1/tokens", &Vec::new())?.json()?),
        TokenCommand::Revoke { token_id } => {
            let a = remote.post(
                &format!("/api/v1/tokens/{token_id}/revoke"),
                &Vec::new(),
                None,
            )?;
            remote.checked(a)?;
            writeln!(io::stdout(), "revoked {token_id}")?;
            Ok(())
        }
    }
}
