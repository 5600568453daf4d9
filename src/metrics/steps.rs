//! Step timings: per step of a workflow, the work, the wait before it, and
//! their shares of the runs' cycle time; the bottleneck is the step with the
//! largest wait share. No I/O: the frame comes from `queries/steps/report.sql`.

use polars::prelude::{DataFrame, DataType};
use serde::Serialize;

use super::{real_column, text_column, MetricsError};

/// One step's row.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StepRow {
    pub step: String,
    /// Step instances (a step done twice in a run counts twice).
    pub n: i64,
    pub work_mean_min: Option<f64>,
    pub work_p50_min: Option<f64>,
    /// Mean wait before the step: since the latest finish of the run's earlier
    /// steps, or since the run's trigger for the first step; 0 for a step that
    /// started before the earlier ones had finished (see `overlapped`).
    pub wait_mean_min: Option<f64>,
    pub wait_p50_min: Option<f64>,
    /// Σ work / Σ cycle time of the runs with steps.
    pub work_share: Option<f64>,
    /// Σ wait before the step / Σ cycle time.
    pub wait_share: Option<f64>,
    /// work_share + wait_share: the step's share of total cycle time.
    pub cycle_share: Option<f64>,
    /// The step with the largest wait share.
    pub bottleneck: bool,
    /// Instances that started before the run's earlier steps had finished
    /// (work in parallel): no wait, so their wait counts as 0, and this says
    /// how many were counted so.
    pub overlapped: i64,
}

/// The step table of one workflow and period.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct StepTable {
    pub workflow_id: String,
    /// Runs in the period that carry steps: the n behind the shares.
    pub runs: i64,
    pub rows: Vec<StepRow>,
    /// The bottleneck's name, if any step waited at all.
    pub bottleneck: Option<String>,
    /// Why `bottleneck` is null (null when it has a value).
    pub bottleneck_missing: Option<String>,
}

/// Why a step table has no bottleneck.
const NO_STEPS: &str = "no run of the period has steps: ingest a steps file, or an event log \
                        with start and complete events";
const NO_WAIT: &str = "no step waited: each began as the one before it ended, or alongside it";

/// The fields of a step row, in order (the CSV header).
pub const FIELDS: [&str; 11] = [
    "step",
    "n",
    "work_mean_min",
    "work_p50_min",
    "wait_mean_min",
    "wait_p50_min",
    "work_share",
    "wait_share",
    "cycle_share",
    "bottleneck",
    "overlapped",
];

/// Builds the table from the engine's frame, marking the bottleneck.
pub fn steps(workflow_id: &str, df: &DataFrame) -> Result<StepTable, MetricsError> {
    if df.height() == 0 {
        return Ok(StepTable {
            workflow_id: workflow_id.to_string(),
            runs: 0,
            rows: Vec::new(),
            bottleneck: None,
            bottleneck_missing: Some(NO_STEPS.into()),
        });
    }
    let names: Vec<String> = text_column(df, "step")?
        .into_iter()
        .map(Option::unwrap_or_default)
        .collect();
    let count = |name: &str| -> Result<Vec<i64>, MetricsError> {
        Ok(df
            .column(name)?
            .cast(&DataType::Int64)?
            .i64()?
            .iter()
            .map(|v| v.unwrap_or(0))
            .collect())
    };
    let (n, overlapped) = (count("n")?, count("overlapped")?);
    let runs = df
        .column("runs")?
        .cast(&DataType::Int64)?
        .i64()?
        .get(0)
        .unwrap_or(0);
    let (wm, wp, am, ap, ws, as_) = (
        real_column(df, "work_mean_min")?,
        real_column(df, "work_p50_min")?,
        real_column(df, "wait_mean_min")?,
        real_column(df, "wait_p50_min")?,
        real_column(df, "work_share")?,
        real_column(df, "wait_share")?,
    );
    let mut rows: Vec<StepRow> = (0..df.height())
        .map(|i| StepRow {
            step: names[i].clone(),
            n: n[i],
            work_mean_min: wm[i],
            work_p50_min: wp[i],
            wait_mean_min: am[i],
            wait_p50_min: ap[i],
            work_share: ws[i],
            wait_share: as_[i],
            cycle_share: ws[i].zip(as_[i]).map(|(a, b)| a + b),
            bottleneck: false,
            overlapped: overlapped[i],
        })
        .collect();
    // Ties go to the first step by name, so the answer does not depend on order.
    let top = rows
        .iter()
        .enumerate()
        .filter(|(_, r)| r.wait_share.is_some_and(|w| w > 0.0))
        .max_by(|(i, a), (j, b)| {
            a.wait_share
                .partial_cmp(&b.wait_share)
                .unwrap_or(std::cmp::Ordering::Equal)
                .then(j.cmp(i))
        })
        .map(|(i, _)| i);
    if let Some(i) = top {
        rows[i].bottleneck = true;
    }
    // Largest share of cycle time first.
    rows.sort_by(|a, b| {
        b.cycle_share
            .partial_cmp(&a.cycle_share)
            .unwrap_or(std::cmp::Ordering::Equal)
            .then_with(|| a.step.cmp(&b.step))
    });
    Ok(StepTable {
        workflow_id: workflow_id.to_string(),
        runs,
        bottleneck: top.map(|_| {
            rows.iter()
                .find(|r| r.bottleneck)
                .map(|r| r.step.clone())
                .unwrap_or_default()
        }),
        bottleneck_missing: top.is_none().then(|| NO_WAIT.into()),
        rows,
    })
}

impl StepTable {
    /// The rows as CSV, header first.
    pub fn to_csv(&self) -> Vec<u8> {
        let mut w = csv::Writer::from_writer(Vec::new());
        let _ = w.write_record(FIELDS);
        let num = |v: Option<f64>| v.map_or(String::new(), |x| x.to_string());
        for r in &self.rows {
            let _ = w.write_record([
                r.step.clone(),
                r.n.to_string(),
                num(r.work_mean_min),
                num(r.work_p50_min),
                num(r.wait_mean_min),
                num(r.wait_p50_min),
                num(r.work_share),
                num(r.wait_share),
                num(r.cycle_share),
                r.bottleneck.to_string(),
                r.overlapped.to_string(),
            ]);
        }
        w.into_inner().unwrap_or_default()
    }
}
