//! `yardstick publish` and `yardstick published`: a report set frozen under
//! a name and the SHA-256 of its content, and the published ones listed or
//! shown (`report diff` explains the change between two). See
//! `crate::publish`.

use super::remote::opt;
use super::report::PeriodArgs;
use super::{print_json, Global};
use crate::publish;

#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The report's name: lowercase letters, digits, `_`, `-` or `.`; a
    /// published name is never reused.
    #[arg(long)]
    pub name: String,
    /// The period, [from, to): give both (dates mean midnight UTC), or
    /// neither for the whole days that cover every run.
    #[command(flatten)]
    pub span: super::report::Span,
    /// Also value the money in this reporting currency (ISO 4217).
    #[arg(long, env = "YARDSTICK_CURRENCY")]
    pub currency: Option<String>,
}

#[derive(Debug, clap::Args)]
pub struct PublishedArgs {
    /// Show this published report whole (its hash checked); without it, list
    /// every published report with its headline.
    pub name: Option<String>,
}

/// Runs `publish` on the --db file, or through the server that holds it
/// (`POST /api/v1/publish`, an admin's): prints what was published.
pub fn run_publish(global: &Global, args: PublishArgs) -> anyhow::Result<()> {
    if let Some(remote) = global.remote()? {
        let mut q = vec![("name", args.name.clone())];
        opt(&mut q, "from", &args.span.from);
        opt(&mut q, "to", &args.span.to);
        opt(&mut q, "currency", &args.currency);
        let a = remote.post("/api/v1/publish", &q, None)?;
        return print_json(&remote.checked(a)?.json()?);
    }
    let store = global.open_store()?;
    let period = PeriodArgs {
        span: args.span,
        as_of: None,
    }
    .period(&store)?;
    let p = publish::publish(&store, &args.name, period, args.currency.as_deref())?;
    print_json(&serde_json::json!({ "published": p.about() }))
}

/// Runs `published`, on the file or through the server that holds it.
pub fn run_published(global: &Global, args: PublishedArgs) -> anyhow::Result<()> {
    if let Some(remote) = global.remote()? {
        let path = match &args.name {
            None => "/api/v1/published".to_string(),
            Some(name) => format!("/api/v1/published/{name}"),
        };
        return print_json(&remote.get(&path, &Vec::new())?.json()?);
    }
    let store = global.open_store()?;
    match args.name {
        None => print_json(&publish::list(&store)?),
        Some(name) => print_json(&publish::get(&store, &name)?.to_json()?),
    }
}
