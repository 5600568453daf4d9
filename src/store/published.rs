//! Published reports (`queries/published/*.sql`) and the batch ledger they
//! are cut from: a report set is stored once under its name with the SHA-256
//! of its body, and never changed (`crate::publish` makes and explains them).

use chrono::NaiveDateTime;
use duckdb::params;

use super::{first_row, query_rows, BatchSummary, Result, Store};

const PUBLISHED_INSERT: &str = include_str!("../../queries/published/insert.sql");
const PUBLISHED_GET: &str = include_str!("../../queries/published/get.sql");
const PUBLISHED_LIST: &str = include_str!("../../queries/published/list.sql");
const BATCH_LEDGER: &str = include_str!("../../queries/batches/ledger.sql");

/// A published report as stored: its name and moment, what it covers, and
/// its body, the JSON text exactly as hashed.
#[derive(Debug, Clone, PartialEq)]
pub struct Published {
    pub name: String,
    pub published_at: NaiveDateTime,
    /// When the newest batch it read was received: the report is the one
    /// `--as-of` this moment gives.
    pub as_of: NaiveDateTime,
    pub from: NaiveDateTime,
    pub to: NaiveDateTime,
    pub currency: Option<String>,
    pub method_version: i32,
    pub sha256: String,
    pub body: String,
}

impl Published {
    fn of_row(r: &duckdb::Row<'_>) -> duckdb::Result<Published> {
        Ok(Published {
            name: r.get(0)?,
            published_at: r.get(1)?,
            as_of: r.get(2)?,
            from: r.get(3)?,
            to: r.get(4)?,
            currency: r.get(5)?,
            method_version: r.get(6)?,
            sha256: r.get(7)?,
            body: r.get(8)?,
        })
    }
}

impl Store {
    /// Every batch committed so far, in the order received, read under the
    /// writer's lock: a batch is written under that lock from its first row
    /// to its commit, so none is half-way, and every batch received up to the
    /// newest one listed is in the list (a report as of that moment reads
    /// exactly these).
    pub fn ledger_now(&self) -> Result<Vec<BatchSummary>> {
        let conn = self.lock()?;
        query_rows(&conn, BATCH_LEDGER, [], BatchSummary::of_row)
    }

    /// Every batch, in the order received (without waiting for a write).
    pub fn ledger(&self) -> Result<Vec<BatchSummary>> {
        query_rows(&self.reader()?, BATCH_LEDGER, [], BatchSummary::of_row)
    }

    /// Stores `p`; false, storing nothing, when its name is taken.
    pub fn publish(&self, p: &Published) -> Result<bool> {
        let conn = self.lock()?;
        let n = conn.execute(
            PUBLISHED_INSERT,
            params![
                p.name,
                p.published_at,
                p.as_of,
                p.from,
                p.to,
                p.currency,
                p.method_version,
                p.sha256,
                p.body
            ],
        )?;
        Ok(n == 1)
    }

    /// The published report named `name`, if there is one.
    pub fn published(&self, name: &str) -> Result<Option<Published>> {
        first_row(
            &self.reader()?,
            PUBLISHED_GET,
            params![name],
            Published::of_row,
        )
    }

    /// Every published report, newest first.
    pub fn published_all(&self) -> Result<Vec<Published>> {
        query_rows(&self.reader()?, PUBLISHED_LIST, [], Published::of_row)
    }
}
