//! The analytics core: metric tables as polars DataFrames, their periods, and
//! their JSON and CSV forms.
//!
//! **Invariant:** this module does no I/O. It takes DataFrames in and hands
//! values or bytes out, so it cannot fail on a network or disk error. The
//! metric definitions themselves are SQL in `queries/metrics/`; this module
//! checks the shape of what the engine returned and renders it, so the CLI,
//! the JSON API and the CSV API print the very same numbers.

pub mod backlog;
pub mod compare;
pub mod definitions;
pub mod fx;
pub mod impact;
pub mod pooled;
pub mod portfolio;
pub mod provenance;
pub mod rates;
pub mod steps;
pub mod trend;
pub mod waterfall;

use chrono::{Duration, NaiveDateTime};
use polars::prelude::{Column, CsvWriter, DataFrame, DataType, SerWriter};
use serde::Serialize;

use crate::model::{format_timestamp, parse_timestamp_or_date, serialize_timestamp};

/// Runs still `running` this many days before the end of the period count as leaked.
pub const DEFAULT_LEAK_HORIZON_DAYS: f64 = 7.0;

/// The revision of the metric definitions (the README's Metrics and Money
/// sections) this build computes by. A published report records it and
/// `report diff` names a change of it; raise it with any change that can
/// move a published figure, and add a line to the README's method history.
pub const METHOD_VERSION: i32 = 1;

/// A half-open reporting period `[from, to)` in UTC.
/// Answers that state their period flatten it (`#[serde(flatten)]`), so
/// their JSON has `from` and `to` where the period stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Period {
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub from: NaiveDateTime,
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub to: NaiveDateTime,
}

impl Period {
    /// Parses `--from`/`--to`: a date means midnight UTC; a timestamp is taken as given.
    pub fn parse(from: &str, to: &str) -> Result<Period, MetricsError> {
        let f = parse_timestamp_or_date(from)
            .map_err(|e| MetricsError::BadRequest(format!("from: {e}")))?;
        let t = parse_timestamp_or_date(to)
            .map_err(|e| MetricsError::BadRequest(format!("to: {e}")))?;
        Period::new(f, t)
    }

    pub fn new(from: NaiveDateTime, to: NaiveDateTime) -> Result<Period, MetricsError> {
        if from >= to {
            return Err(MetricsError::BadRequest(format!(
                "the period is empty: from ({}) must be before to ({})",
                format_timestamp(from),
                format_timestamp(to)
            )));
        }
        Ok(Period { from, to })
    }

    /// The period of equal length that ends where this one starts (what
    /// `report summary` and the headline tiles compare with).
    pub fn previous(&self) -> Period {
        Period {
            from: self.from - (self.to - self.from),
            to: self.from,
        }
    }

    /// When this period is one calendar month, quarter or year in UTC (from
    /// its first midnight to the next one's), the one before it and its name
    /// ("month", "quarter", "year"); else none.
    pub fn previous_calendar(&self) -> Option<(Period, &'static str)> {
        use chrono::{Datelike, Months};
        let (f, t) = (self.from, self.to);
        let midnight = |d: NaiveDateTime| d.time() == chrono::NaiveTime::MIN;
        if !midnight(f) || !midnight(t) || f.day() != 1 {
            return None;
        }
        let (months, name) = match f.month() {
            1 if t == f + Months::new(12) => (12, "year"),
            1 | 4 | 7 | 10 if t == f + Months::new(3) => (3, "quarter"),
            _ if t == f + Months::new(1) => (1, "month"),
            _ => return None,
        };
        Some((
            Period {
                from: f - Months::new(months),
                to: f,
            },
            name,
        ))
    }

    /// The period of whole UTC days that covers every anchor in `[first, last]`.
    pub fn covering(first: NaiveDateTime, last: NaiveDateTime) -> Period {
        let from = first.date().and_hms_opt(0, 0, 0).expect("midnight exists");
        let to = last.date().and_hms_opt(0, 0, 0).expect("midnight exists") + Duration::days(1);
        Period { from, to }
    }
}

/// A request the analytics core cannot answer, or an engine result of the wrong shape.
#[derive(Debug, thiserror::Error)]
pub enum MetricsError {
    #[error("{0}")]
    BadRequest(String),
    #[error("metric table has the wrong shape: {0}")]
    Shape(String),
    #[error("dataframe error: {0}")]
    Frame(#[from] polars::error::PolarsError),
}

#[derive(Clone, Copy)]
enum Col {
    Text,
    Count,
    Real,
}

/// The fields of the metric table, in order, with their types.
const FIELDS: [(&str, Col); 23] = [
    ("workflow_id", Col::Text),
    ("runs", Col::Count),
    ("succeeded", Col::Count),
    ("failed", Col::Count),
    ("escalated", Col::Count),
    ("cancelled", Col::Count),
    ("running", Col::Count),
    ("leaked", Col::Count),
    ("error_rate", Col::Real),
    ("escalation_rate", Col::Real),
    ("cycle_time_n", Col::Count),
    ("cycle_time_mean_min", Col::Real),
    ("cycle_time_p50_min", Col::Real),
    ("cycle_time_p90_min", Col::Real),
    ("response_n", Col::Count),
    ("response_p50_min", Col::Real),
    ("response_p90_min", Col::Real),
    ("sla_response_compliance", Col::Real),
    ("sla_cycle_compliance", Col::Real),
    ("baseline_minutes_per_item", Col::Real),
    ("reclaimed_hours", Col::Real),
    ("reclaimed_money", Col::Real),
    ("currency", Col::Text),
];

/// The names of the metric table's fields, in order.
pub fn field_names() -> Vec<&'static str> {
    FIELDS.iter().map(|(n, _)| *n).collect()
}

/// One workflow's row of the metric table (read back from a published
/// report's stored JSON, too).
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct MetricRow {
    pub workflow_id: String,
    pub runs: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub escalated: i64,
    pub cancelled: i64,
    pub running: i64,
    pub leaked: i64,
    pub error_rate: Option<f64>,
    pub escalation_rate: Option<f64>,
    pub cycle_time_n: i64,
    pub cycle_time_mean_min: Option<f64>,
    pub cycle_time_p50_min: Option<f64>,
    pub cycle_time_p90_min: Option<f64>,
    pub response_n: i64,
    pub response_p50_min: Option<f64>,
    pub response_p90_min: Option<f64>,
    pub sla_response_compliance: Option<f64>,
    pub sla_cycle_compliance: Option<f64>,
    pub baseline_minutes_per_item: Option<f64>,
    pub reclaimed_hours: Option<f64>,
    pub reclaimed_money: Option<f64>,
    pub currency: Option<String>,
    /// Segmented (`--by attributes.KEY`, `--by version`): the segment's
    /// value of each key (`version`, `attributes.KEY`), null where the runs
    /// lack it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub segment: Option<crate::segments::SegmentMap>,
    /// The outcomes the workflow declares (its catalogue `outcomes`), over
    /// the row's runs: n, mean, and for a scale p50 and the share at its
    /// target. In CSV, columns `outcome_<name>_n`, `_mean`, `_p50`,
    /// `_share_at_target` after the others.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outcomes: Vec<compare::outcomes::OutcomeStat>,
}

/// The outcome figures of one row of a metric table: its workflow, its
/// segment's values (in the table's segment order; empty when not
/// segmented), and each declared outcome's figures.
pub type RowOutcomes = (
    String,
    Vec<Option<String>>,
    Vec<compare::outcomes::OutcomeStat>,
);

/// The per-workflow metric table of one period.
#[derive(Debug, Clone)]
pub struct MetricTable {
    pub period: Period,
    frame: DataFrame,
    /// The assumptions each row rests on, named in the JSON beside the rows.
    pub assumptions: Vec<Assumption>,
    /// The money in a reporting currency, when one was asked for.
    pub reporting: Option<fx::Reporting>,
    /// Where the figures come from, when it was asked for
    /// (`report::with_provenance`), or why it is not known.
    pub provenance: Option<Result<provenance::Provenance, String>>,
    /// Segmented: the segment columns (`attributes.KEY`), in the frame
    /// right after `workflow_id`; empty when not segmented.
    pub segments: Vec<String>,
    /// The declared outcomes' figures per row, when asked for
    /// (`report::metric_table_by`).
    pub outcomes: Vec<RowOutcomes>,
}

/// What one workflow's figures assume: where B came from, the cost, the
/// go-live, and which catalogue version said so.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Assumption {
    pub workflow_id: String,
    /// `override`, `study mean`, or `none`.
    pub baseline_source: String,
    /// Observations behind a study-mean B.
    pub baseline_observations: i64,
    pub hourly_cost: Option<f64>,
    pub currency: Option<String>,
    #[serde(serialize_with = "crate::model::serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub automated_since: Option<NaiveDateTime>,
    pub sla_response_minutes: Option<f64>,
    pub sla_cycle_minutes: Option<f64>,
    /// When the catalogue version used was recorded.
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub catalogue_version: NaiveDateTime,
    /// The catalogue's terms rows in force at some moment of the period, in
    /// order: each run is valued by the one in force at its anchor.
    pub terms: Vec<crate::model::Term>,
}

/// The JSON body of `report metrics` and `GET /api/v1/metrics`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct MetricTableJson<'a> {
    #[serde(flatten)]
    pub period: crate::metrics::Period,
    pub rows: &'a [MetricRow],
    pub assumptions: &'a [Assumption],
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting: Option<&'a fx::Reporting>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance: Option<&'a provenance::Provenance>,
    /// Why `provenance` is not known (an engine without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provenance_missing: Option<&'a str>,
}

/// A column of an engine's frame as optional floats, whatever its numeric
/// type (an all-null column, untyped, included).
pub(crate) fn real_column(df: &DataFrame, name: &str) -> Result<Vec<Option<f64>>, MetricsError> {
    let c = df.column(name)?.cast(&DataType::Float64)?;
    Ok(c.f64()?.iter().collect())
}

/// The values of a column of an engine's frame, as floats, nulls left out.
pub(crate) fn real_values(df: &DataFrame, name: &str) -> Result<Vec<f64>, MetricsError> {
    Ok(real_column(df, name)?.into_iter().flatten().collect())
}

/// A column of an engine's frame as optional text.
pub(crate) fn text_column(df: &DataFrame, name: &str) -> Result<Vec<Option<String>>, MetricsError> {
    let c = df.column(name)?.cast(&DataType::String)?;
    Ok(c.str()?.iter().map(|v| v.map(str::to_string)).collect())
}

impl MetricTable {
    /// Checks an engine result against the metric table's fields and types,
    /// casting all-null columns to their declared type.
    pub fn from_frame(period: Period, df: DataFrame) -> Result<MetricTable, MetricsError> {
        let names: Vec<&str> = df.columns().iter().map(|c| c.name().as_str()).collect();
        if names != field_names() {
            return Err(MetricsError::Shape(format!(
                "expected columns {:?}, got {names:?}",
                field_names()
            )));
        }
        let mut columns = Vec::with_capacity(FIELDS.len());
        for (col, (_, ty)) in df.columns().iter().zip(FIELDS) {
            let want = match ty {
                Col::Text => DataType::String,
                Col::Count => DataType::Int64,
                Col::Real => DataType::Float64,
            };
            columns.push(if col.dtype() == &want {
                col.clone()
            } else {
                col.cast(&want)?
            });
        }
        Ok(MetricTable {
            period,
            frame: DataFrame::new(df.height(), columns)?,
            assumptions: Vec::new(),
            reporting: None,
            provenance: None,
            segments: Vec::new(),
            outcomes: Vec::new(),
        })
    }

    /// [`MetricTable::from_frame`] for an engine's segmented result (its last
    /// column `segment`, see `Engine::segment_frames`): a row per workflow
    /// and segment, the segment's values in columns `attributes.KEY` after
    /// `workflow_id`. Not segmented (a filter only), the table is the plain
    /// one; segmented, a workflow without runs (no segment) has no row.
    pub fn from_segment_frame(
        period: Period,
        mut df: DataFrame,
        segments: &crate::segments::Segments,
    ) -> Result<MetricTable, MetricsError> {
        let segment = df.drop_in_place("segment")?;
        if segments.by.is_empty() {
            return MetricTable::from_frame(period, df);
        }
        let segment = segment.cast(&DataType::String)?;
        let has = segment.is_not_null();
        let df = df.filter(&has)?;
        let mut table = MetricTable::from_frame(period, df)?;
        let names = segments.columns();
        let mut cols: Vec<Vec<Option<String>>> = vec![Vec::new(); names.len()];
        for s in segment.str()?.iter().flatten() {
            let values = segments.values_of(s).map_err(MetricsError::Shape)?;
            for (c, v) in cols.iter_mut().zip(values) {
                c.push(v);
            }
        }
        for (i, (name, values)) in names.iter().zip(cols).enumerate() {
            table
                .frame
                .insert_column(1 + i, Column::new(name.as_str().into(), values))?;
        }
        table.segments = names;
        Ok(table)
    }

    /// Adds segment columns whose values are each row's workflow's own
    /// (`--by team`: see [`crate::segments::OfWorkflows`]), after the
    /// runs' segment columns: `values` gives a workflow's, in the order of
    /// `names`. The outcome figures' keys grow with them.
    pub fn add_workflow_columns(
        &mut self,
        names: Vec<String>,
        values: impl Fn(&str) -> Vec<Option<String>>,
    ) -> Result<(), MetricsError> {
        if names.is_empty() {
            return Ok(());
        }
        let ids: Vec<Option<String>> = self
            .frame
            .column("workflow_id")?
            .str()?
            .iter()
            .map(|v| v.map(str::to_string))
            .collect();
        let per_row: Vec<Vec<Option<String>>> = ids
            .iter()
            .map(|id| values(id.as_deref().unwrap_or_default()))
            .collect();
        for (j, name) in names.iter().enumerate() {
            let column: Vec<Option<String>> = per_row.iter().map(|v| v[j].clone()).collect();
            let at = 1 + self.segments.len();
            self.frame
                .insert_column(at, Column::new(name.as_str().into(), column))?;
            self.segments.push(name.clone());
        }
        for (id, seg, _) in &mut self.outcomes {
            seg.extend(values(id));
        }
        Ok(())
    }

    pub fn frame(&self) -> &DataFrame {
        &self.frame
    }

    /// The table as typed rows.
    pub fn rows(&self) -> Result<Vec<MetricRow>, MetricsError> {
        let df = &self.frame;
        let text = |n: &str| -> Result<Vec<Option<String>>, MetricsError> {
            Ok(df
                .column(n)?
                .str()?
                .iter()
                .map(|v| v.map(str::to_string))
                .collect())
        };
        let count = |n: &str| -> Result<Vec<i64>, MetricsError> {
            Ok(df
                .column(n)?
                .i64()?
                .iter()
                .map(|v| v.unwrap_or(0))
                .collect())
        };
        let real = |n: &str| -> Result<Vec<Option<f64>>, MetricsError> {
            Ok(df.column(n)?.f64()?.iter().collect())
        };
        let ids = text("workflow_id")?;
        let (runs, succeeded, failed, escalated, cancelled, running, leaked) = (
            count("runs")?,
            count("succeeded")?,
            count("failed")?,
            count("escalated")?,
            count("cancelled")?,
            count("running")?,
            count("leaked")?,
        );
        let (error_rate, escalation_rate) = (real("error_rate")?, real("escalation_rate")?);
        let (ct_n, ct_mean, ct_p50, ct_p90) = (
            count("cycle_time_n")?,
            real("cycle_time_mean_min")?,
            real("cycle_time_p50_min")?,
            real("cycle_time_p90_min")?,
        );
        let (r_n, r_p50, r_p90) = (
            count("response_n")?,
            real("response_p50_min")?,
            real("response_p90_min")?,
        );
        let (sla_r, sla_c) = (
            real("sla_response_compliance")?,
            real("sla_cycle_compliance")?,
        );
        let (b, hours, money) = (
            real("baseline_minutes_per_item")?,
            real("reclaimed_hours")?,
            real("reclaimed_money")?,
        );
        let currency = text("currency")?;
        let segment_values = self
            .segments
            .iter()
            .map(|n| text(n))
            .collect::<Result<Vec<_>, _>>()?;
        let segment = |i: usize| {
            (!self.segments.is_empty()).then(|| {
                self.segments
                    .iter()
                    .zip(&segment_values)
                    .map(|(n, v)| (n.clone(), v[i].clone()))
                    .collect()
            })
        };
        Ok((0..df.height())
            .map(|i| MetricRow {
                workflow_id: ids[i].clone().unwrap_or_default(),
                runs: runs[i],
                succeeded: succeeded[i],
                failed: failed[i],
                escalated: escalated[i],
                cancelled: cancelled[i],
                running: running[i],
                leaked: leaked[i],
                error_rate: error_rate[i],
                escalation_rate: escalation_rate[i],
                cycle_time_n: ct_n[i],
                cycle_time_mean_min: ct_mean[i],
                cycle_time_p50_min: ct_p50[i],
                cycle_time_p90_min: ct_p90[i],
                response_n: r_n[i],
                response_p50_min: r_p50[i],
                response_p90_min: r_p90[i],
                sla_response_compliance: sla_r[i],
                sla_cycle_compliance: sla_c[i],
                baseline_minutes_per_item: b[i],
                reclaimed_hours: hours[i],
                reclaimed_money: money[i],
                currency: currency[i].clone(),
                outcomes: self.outcomes_of(
                    ids[i].as_deref().unwrap_or_default(),
                    &segment_values
                        .iter()
                        .map(|v| v[i].clone())
                        .collect::<Vec<_>>(),
                ),
                segment: segment(i),
            })
            .collect())
    }

    /// The outcome figures of the row of `workflow_id` and `segment`.
    fn outcomes_of(
        &self,
        workflow_id: &str,
        segment: &[Option<String>],
    ) -> Vec<compare::outcomes::OutcomeStat> {
        self.outcomes
            .iter()
            .find(|(w, s, _)| w == workflow_id && s.as_slice() == segment)
            .map(|(_, _, o)| o.clone())
            .unwrap_or_default()
    }

    /// The JSON body: `{"from": ..., "to": ..., "rows": [...]}`.
    pub fn to_json(&self) -> Result<serde_json::Value, MetricsError> {
        let rows = self.rows()?;
        let body = MetricTableJson {
            period: self.period,
            rows: &rows,
            assumptions: &self.assumptions,
            reporting: self.reporting.as_ref(),
            provenance: self.provenance.as_ref().and_then(|p| p.as_ref().ok()),
            provenance_missing: self
                .provenance
                .as_ref()
                .and_then(|p| p.as_ref().err())
                .map(String::as_str),
        };
        Ok(serde_json::to_value(&body).expect("metric rows always serialise"))
    }

    /// The CSV body: a header with the field names, one row per workflow,
    /// empty cells where a value is undefined; with a reporting currency, two
    /// more columns, `reporting_currency` and `reclaimed_money_reporting`.
    pub fn to_csv(&self) -> Result<Vec<u8>, MetricsError> {
        let mut out = Vec::new();
        let mut df = self.frame.clone();
        if let Some(r) = &self.reporting {
            let n = df.height();
            let by: std::collections::HashMap<&str, Option<f64>> = r
                .rows
                .iter()
                .map(|x| (x.workflow_id.as_str(), x.reclaimed_money))
                .collect();
            let ids = text_column(&df, "workflow_id")?;
            let money: Vec<Option<f64>> = ids
                .iter()
                .map(|id| id.as_deref().and_then(|i| by.get(i).copied().flatten()))
                .collect();
            df.with_column(Column::new(
                "reporting_currency".into(),
                vec![r.currency.as_str(); n],
            ))?;
            df.with_column(Column::new("reclaimed_money_reporting".into(), money))?;
        }
        if !self.outcomes.is_empty() {
            // Each outcome any row has, in order of first appearance: four
            // columns, empty on the rows of workflows that do not declare it.
            let rows = self.rows()?;
            let mut names: Vec<&str> = Vec::new();
            for o in rows.iter().flat_map(|r| &r.outcomes) {
                if !names.contains(&o.outcome.as_str()) {
                    names.push(&o.outcome);
                }
            }
            for name in names {
                let of = |r: &MetricRow| r.outcomes.iter().find(|o| o.outcome == name).cloned();
                let stats: Vec<Option<compare::outcomes::OutcomeStat>> =
                    rows.iter().map(of).collect();
                let col =
                    |suffix: &str, f: &dyn Fn(&compare::outcomes::OutcomeStat) -> Option<f64>| {
                        let v: Vec<Option<f64>> =
                            stats.iter().map(|s| s.as_ref().and_then(f)).collect();
                        Column::new(format!("outcome_{name}_{suffix}").into(), v)
                    };
                let n: Vec<Option<i64>> = stats
                    .iter()
                    .map(|s| s.as_ref().map(|s| s.n as i64))
                    .collect();
                df.with_column(Column::new(format!("outcome_{name}_n").into(), n))?;
                df.with_column(col("mean", &|s| s.mean))?;
                df.with_column(col("p50", &|s| s.p50))?;
                df.with_column(col("share_at_target", &|s| s.share_at_target))?;
            }
        }
        CsvWriter::new(&mut out)
            .include_header(true)
            .finish(&mut df)?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use polars::prelude::Column;

    #[test]
    fn previous_periods_of_equal_length_and_of_the_calendar() {
        let p = |a: &str, b: &str| Period::parse(a, b).unwrap();
        let show = |x: Period| {
            (
                format_timestamp(x.from)[..10].to_string(),
                format_timestamp(x.to)[..10].to_string(),
            )
        };
        let q2 = p("2026-04-01", "2026-07-01");
        // 91 days before Q2, and the calendar Q1 of 90 days.
        assert_eq!(
            show(q2.previous()),
            ("2025-12-31".into(), "2026-04-01".into())
        );
        let (q1, name) = q2.previous_calendar().unwrap();
        assert_eq!(
            (show(q1), name),
            (("2026-01-01".into(), "2026-04-01".into()), "quarter")
        );
        let (feb, name) = p("2026-03-01", "2026-04-01").previous_calendar().unwrap();
        assert_eq!(
            (show(feb), name),
            (("2026-02-01".into(), "2026-03-01".into()), "month")
        );
        let (y, name) = p("2026-01-01", "2027-01-01").previous_calendar().unwrap();
        assert_eq!(
            (show(y), name),
            (("2025-01-01".into(), "2026-01-01".into()), "year")
        );
        let (jan, name) = p("2026-01-01", "2026-02-01").previous_calendar().unwrap();
        assert_eq!(
            (show(jan), name),
            (("2025-12-01".into(), "2026-01-01".into()), "month")
        );
        // Not calendar periods: a quarter not starting in Jan/Apr/Jul/Oct, two
        // months, a mid-month start, a time of day.
        for (a, b) in [
            ("2026-02-01", "2026-05-01"),
            ("2026-01-01", "2026-03-01"),
            ("2026-01-15", "2026-02-15"),
            ("2026-01-01T08:00:00Z", "2026-02-01T08:00:00Z"),
        ] {
            assert_eq!(p(a, b).previous_calendar(), None, "{a} {b}");
        }
    }

    fn one_row() -> DataFrame {
        let cols = FIELDS
            .iter()
            .map(|(n, ty)| match ty {
                Col::Text => Column::new((*n).into(), [Some("wf")]),
                Col::Count => Column::new((*n).into(), [3i64]),
                Col::Real => Column::new((*n).into(), [Some(0.1f64)]),
            })
            .collect();
        DataFrame::new_infer_height(cols).unwrap()
    }

    #[test]
    fn shape_is_checked() {
        let p = Period::parse("2026-01-01", "2026-02-01").unwrap();
        let t = MetricTable::from_frame(p, one_row()).unwrap();
        let rows = t.rows().unwrap();
        assert_eq!(rows[0].runs, 3);
        assert_eq!(rows[0].reclaimed_money, Some(0.1));
        let bad = one_row().drop("currency").unwrap();
        assert!(matches!(
            MetricTable::from_frame(p, bad),
            Err(MetricsError::Shape(_))
        ));
    }

    #[test]
    fn empty_or_reversed_period_is_refused() {
        assert!(Period::parse("2026-02-01", "2026-02-01").is_err());
        assert!(Period::parse("2026-02-01", "2026-01-01").is_err());
        assert!(Period::parse("2026-13-01", "2026-01-01").is_err());
    }
}
