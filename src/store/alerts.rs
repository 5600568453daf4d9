//! The regressions delivered to the alert webhook (`queries/alerts/*.sql`),
//! so that each is posted once (`crate::notify` decides and posts).

use chrono::NaiveDateTime;
use duckdb::params;

use super::{query_rows, Result, Store};

const ALERTS_SENT: &str = include_str!("../../queries/alerts/sent.sql");
const ALERT_INSERT: &str = include_str!("../../queries/alerts/insert.sql");

impl Store {
    /// The (workflow, metric) pairs of the week starting `week_start` already delivered.
    pub fn alerts_sent(&self, week_start: NaiveDateTime) -> Result<Vec<(String, String)>> {
        query_rows(&self.reader()?, ALERTS_SENT, params![week_start], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
    }

    /// Records that the regression of `metric` of `workflow_id` in the week
    /// starting `week_start` was delivered at `sent_at`.
    pub fn alert_sent(
        &self,
        workflow_id: &str,
        metric: &str,
        week_start: NaiveDateTime,
        sent_at: NaiveDateTime,
    ) -> Result<()> {
        let conn = self.lock()?;
        conn.execute(
            ALERT_INSERT,
            params![workflow_id, metric, week_start, sent_at],
        )?;
        Ok(())
    }
}
