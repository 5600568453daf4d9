//! Where a metric table's figures come from: the provenance card of every
//! figure. Per field its definition (a link to the README's row, served at
//! `/definitions`) and the count its n is; for the table the period, the
//! coverage (UTC days with runs, first and last run, per workflow and in
//! all), the freshness (the newest batch received) and what was left out
//! (running and cancelled runs, the rows refused by the batches behind the
//! period's runs). Built from `queries/metrics/provenance.sql` and the rows.

use chrono::NaiveDateTime;
use polars::prelude::DataFrame;
use serde::Serialize;

use super::{text_column, MetricsError, Period};
use crate::model::serialize_opt_timestamp;

/// The provenance of one metric table.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Provenance {
    #[serde(flatten)]
    pub period: crate::metrics::Period,
    /// UTC days the period touches.
    pub days_in_period: i64,
    /// When the newest batch (of any kind) known was received.
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub last_commit: Option<NaiveDateTime>,
    /// Each figure's definition and the count behind it.
    pub fields: Vec<FieldSource>,
    /// All workflows together.
    pub coverage: Coverage,
    /// Each workflow that has runs in the period.
    pub workflows: Vec<Coverage>,
    pub left_out: LeftOut,
}

/// Where one field is defined and what its n counts.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct FieldSource {
    pub field: &'static str,
    /// `/definitions#FIELD`: the README's row for it.
    pub definition: Option<String>,
    /// The row's field that is its n, or how it is counted.
    pub n: &'static str,
}

/// The runs behind the figures of a workflow, or of all.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Coverage {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_id: Option<String>,
    pub days_with_runs: i64,
    /// Runs still running, and cancelled: left out of every rate, time and
    /// reclaimed figure (counted in `runs`).
    pub running: i64,
    pub cancelled: i64,
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub first_run: Option<NaiveDateTime>,
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub last_run: Option<NaiveDateTime>,
    /// The ingest batches that wrote the runs.
    pub batches: i64,
    /// The rows those batches refused; null where they are not kept (a lake).
    pub rejected_rows: Option<i64>,
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub newest_batch_at: Option<NaiveDateTime>,
}

/// What the figures leave out.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct LeftOut {
    /// Runs not finished: in `runs`, out of every rate, time and reclaimed figure.
    pub running: i64,
    /// Runs cancelled: in `runs`, out of every rate, time and reclaimed figure.
    pub cancelled: i64,
    /// Rows refused by the batches behind the period's runs (`yardstick
    /// rejects --batch N`); their own time is unknown, so they may belong
    /// to another period. Null where the refused rows are not kept.
    pub rejected_rows: Option<i64>,
    /// Why `rejected_rows` is null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejected_rows_missing: Option<&'static str>,
}

/// What each field's n is.
const N_OF: &[(&str, &str)] = &[
    ("runs", "runs"),
    ("succeeded", "runs"),
    ("failed", "runs"),
    ("escalated", "runs"),
    ("cancelled", "runs"),
    ("running", "runs"),
    ("leaked", "running"),
    ("error_rate", "succeeded + failed + escalated"),
    ("escalation_rate", "succeeded + failed + escalated"),
    ("cycle_time_mean_min", "cycle_time_n"),
    ("cycle_time_p50_min", "cycle_time_n"),
    ("cycle_time_p90_min", "cycle_time_n"),
    ("response_p50_min", "response_n"),
    ("response_p90_min", "response_n"),
    ("sla_response_compliance", "response_n"),
    ("sla_cycle_compliance", "cycle_time_n"),
    (
        "baseline_minutes_per_item",
        "assumptions[].baseline_observations (study mean) or the override",
    ),
    (
        "reclaimed_hours",
        "succeeded + failed + escalated runs since go-live",
    ),
    (
        "reclaimed_money",
        "succeeded + failed + escalated runs since go-live",
    ),
];

/// The definition and n of `field`, if it is a metric field.
pub fn source_of(field: &str) -> Option<FieldSource> {
    N_OF.iter()
        .find(|(f, _)| *f == field)
        .map(|(f, n)| FieldSource {
            field: f,
            definition: super::definitions::link(f),
            n,
        })
}

impl Provenance {
    /// The provenance of the metric table of `period`, from the
    /// engine's `provenance_frame` of `period`.
    pub fn build(period: Period, df: &DataFrame) -> Result<Provenance, MetricsError> {
        let ids = text_column(df, "workflow_id")?;
        let count = |n: &str| -> Result<Vec<i64>, MetricsError> {
            let c = df.column(n)?.cast(&polars::prelude::DataType::Int64)?;
            Ok(c.i64()?.iter().map(|v| v.unwrap_or(0)).collect())
        };
        let moment = |n: &str| -> Result<Vec<Option<NaiveDateTime>>, MetricsError> {
            let c = df.column(n)?.cast(&polars::prelude::DataType::Int64)?;
            Ok(c.i64()?
                .iter()
                .map(|v| {
                    v.and_then(chrono::DateTime::from_timestamp_micros)
                        .map(|t| t.naive_utc())
                })
                .collect())
        };
        let (days, batches) = (count("days_with_runs")?, count("batches")?);
        let rejected: Vec<Option<i64>> = {
            let c = df
                .column("rejected_rows")?
                .cast(&polars::prelude::DataType::Int64)?;
            c.i64()?.iter().collect()
        };
        let (running, cancelled) = (count("running")?, count("cancelled")?);
        let (first, last, newest, commit) = (
            moment("first_run")?,
            moment("last_run")?,
            moment("newest_batch_at")?,
            moment("last_commit")?,
        );
        let mut workflows = Vec::new();
        let mut all = None;
        let mut last_commit = None;
        for i in 0..df.height() {
            let c = Coverage {
                workflow_id: ids[i].clone(),
                days_with_runs: days[i],
                running: running[i],
                cancelled: cancelled[i],
                first_run: first[i],
                last_run: last[i],
                batches: batches[i],
                rejected_rows: rejected[i],
                newest_batch_at: newest[i],
            };
            if c.workflow_id.is_none() {
                last_commit = commit[i];
                all = Some(c);
            } else {
                workflows.push(c);
            }
        }
        let coverage = all.ok_or_else(|| {
            MetricsError::Shape("provenance.sql gave no row for all workflows".into())
        })?;
        let first_day = period.from.date();
        let days_in_period = (period.to - chrono::Duration::microseconds(1))
            .date()
            .signed_duration_since(first_day)
            .num_days()
            + 1;
        Ok(Provenance {
            period,
            days_in_period,
            last_commit,
            fields: N_OF.iter().filter_map(|(f, _)| source_of(f)).collect(),
            left_out: LeftOut {
                running: coverage.running,
                cancelled: coverage.cancelled,
                rejected_rows: coverage.rejected_rows,
                rejected_rows_missing: coverage.rejected_rows.is_none().then_some(
                    "the lake keeps no refused rows: `yardstick rejects` on the DuckDB file lists them",
                ),
            },
            coverage,
            workflows,
        })
    }

    /// The coverage of one workflow (none: it has no runs in the period).
    pub fn of(&self, workflow_id: &str) -> Option<&Coverage> {
        self.workflows
            .iter()
            .find(|c| c.workflow_id.as_deref() == Some(workflow_id))
    }
}
