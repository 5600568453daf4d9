//! The Spark engine: the metric definitions run by Apache Spark through Spark
//! Connect, over a lake snapshot (`crate::lake`) that the cluster can read.
//!
//! Each table of the committed snapshot is a temporary view of the session;
//! the queries are the `*.spark.sql` files beside their DuckDB versions in
//! `queries/`, with named parameters bound as string literals (`''` stands for
//! NULL). Results come back as Arrow record batches and become the same
//! DataFrames and rows the DuckDB store gives (integers Int64, floating point
//! and decimals Float64, text String, timestamps microsecond Datetime).
//!
//! The client crate blocks on its own tokio runtime, which must not be entered
//! from inside another runtime; every call therefore runs on a plain thread of
//! its own, so the engine can be used from async handlers' blocking pools and
//! from tests alike.

use std::collections::HashMap;
use std::sync::Mutex;

use arrow_array::{Array, RecordBatch};
use arrow_schema::{DataType, TimeUnit};
use chrono::NaiveDateTime;
use polars::prelude::{
    AnyValue, Column, DataFrame, DataType as PlDataType, PlSmallStr, Series, TimeUnit as PlTimeUnit,
};
use spark_connect::{Expression, LiteralExpression, SparkSession};

use super::{split_periods, Engine, EngineError, OutcomeValue, PeriodQuery, Result, Scope};
use crate::lake::{self, Root};
use crate::model::{CatalogueEntry, RunSample, Status, Term, Workflow, WorkflowSummary};

const WORKFLOW_METRICS: &str = include_str!("../../queries/metrics/workflow_metrics.spark.sql");
const CATALOGUE: &str = include_str!("../../queries/workflows/catalogue.spark.sql");
const TERMS: &str = include_str!("../../queries/workflows/terms.spark.sql");
const WATERFALL: &str = include_str!("../../queries/metrics/waterfall.spark.sql");
const RUNS_SPAN: &str = include_str!("../../queries/runs/span.spark.sql");
const COMPARE_STUDY: &str = include_str!("../../queries/compare/study.spark.sql");
const COMPARE_RUNS: &str = include_str!("../../queries/compare/runs.spark.sql");
const RUN_FACTS: &str = include_str!("../../queries/engine/run_facts.spark.sql");
const AS_OF: &str = include_str!("../../queries/engine/as_of.spark.sql");
const WORKFLOWS_LIST: &str = include_str!("../../queries/workflows/list.spark.sql");
const STEPS_REPORT: &str = include_str!("../../queries/steps/report.spark.sql");
const BACKLOG_CANDIDATES: &str = include_str!("../../queries/backlog/candidates.spark.sql");
const BACKLOG_RESIDUAL: &str = include_str!("../../queries/backlog/residual.spark.sql");
const OUTCOME_VALUES: &str = include_str!("../../queries/outcomes/values.spark.sql");

/// Spark through Spark Connect, reading the lake under `root`.
pub struct SparkEngine {
    session: SparkSession,
    url: String,
    root: Root,
    /// The lake's root as the cluster names it.
    cluster_root: String,
    /// The snapshot whose tables the session's views read.
    snapshot: Mutex<String>,
}

fn engine_error(what: &str, e: impl std::fmt::Display) -> EngineError {
    EngineError::Failed(format!("spark: {what}: {e}"))
}

/// Runs `f` on a thread of its own (see the module's note on runtimes).
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    std::thread::scope(|s| {
        s.spawn(f)
            .join()
            .unwrap_or_else(|p| std::panic::resume_unwind(p))
    })
}

fn ts(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M:%S%.6f").to_string()
}

fn opt_ts(t: Option<NaiveDateTime>) -> String {
    t.map(ts).unwrap_or_default()
}

impl SparkEngine {
    /// Connects to the Spark Connect server at `url` (`sc://host:port`) and
    /// opens the lake's committed snapshot. A directory root must be the same
    /// path on this machine and on the cluster (a shared file system); an
    /// `s3://` root is read by the cluster as `s3a://` (see `connect_with`).
    pub fn connect(url: &str, root: impl Into<Root>) -> Result<SparkEngine> {
        SparkEngine::connect_with(url, root, None)
    }

    /// `connect`, with the lake's root as the cluster names it when that
    /// differs from how this machine reaches it: another mount point, or
    /// `s3://` on a cluster whose S3 connector is not `s3a` (EMR's EMRFS).
    /// Yardstick reads `CURRENT` and the manifests at `root`; the cluster
    /// reads the Parquet files at `cluster_root`.
    pub fn connect_with(
        url: &str,
        root: impl Into<Root>,
        cluster_root: Option<&str>,
    ) -> Result<SparkEngine> {
        let root = match root.into() {
            Root::Dir(dir) => Root::Dir(
                std::path::absolute(&dir)
                    .map_err(|e| engine_error(&format!("lake `{}`", dir.display()), e))?,
            ),
            object => object,
        };
        let cluster_root = match (cluster_root, &root) {
            (Some(c), _) => c.trim_end_matches('/').to_string(),
            (None, Root::Dir(dir)) => dir
                .to_str()
                .ok_or_else(|| engine_error("lake path", "not UTF-8"))?
                .trim_end_matches('/')
                .to_string(),
            (None, Root::Object(o)) => match o.url().strip_prefix("s3://") {
                Some(rest) => format!("s3a://{rest}"),
                None => o.url().to_string(),
            },
        };
        let manifest = root
            .current()
            .map_err(|e| EngineError::Failed(e.to_string()))?;
        let session = off_runtime(|| {
            SparkSession::builder()
                .remote(url)
                .get_or_create()
                .map_err(|e| e.to_string())
        })
        .map_err(|e| engine_error(&format!("cannot connect to {url}"), e))?;
        let engine = SparkEngine {
            session,
            url: url.to_string(),
            root,
            cluster_root,
            snapshot: Mutex::new(String::new()),
        };
        off_runtime(|| {
            engine
                .session
                .conf()
                .set("spark.sql.session.timeZone", "UTC")
                .map_err(|e| e.to_string())
        })
        .map_err(|e| engine_error("setting the session time zone", e))?;
        engine.register(&manifest.snapshot)?;
        Ok(engine)
    }

    /// The Spark Connect URL this engine talks to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Points the session's views at a snapshot's tables.
    fn register(&self, name: &str) -> Result<()> {
        let mut current = self.snapshot.lock().unwrap_or_else(|p| p.into_inner());
        for table in lake::TABLES {
            let path = format!("{}/snapshots/{name}/{table}", self.cluster_root);
            off_runtime(|| {
                self.session
                    .read()
                    .parquet(&path)
                    .create_or_replace_temp_view(table)
                    .map_err(|e| e.to_string())
            })
            .map_err(|e| engine_error(&format!("reading {path}"), e))?;
        }
        // The facts of a run, over the runs view just made.
        for statement in RUN_FACTS.split("\n;\n") {
            off_runtime(|| {
                let df = self.session.sql(statement).map_err(|e| e.to_string())?;
                df.collect_record_batches().map_err(|e| e.to_string())
            })
            .map_err(|e| engine_error("defining run_facts", e))?;
        }
        *current = name.to_string();
        Ok(())
    }

    /// Follows the lake to its committed snapshot if a publish moved it since
    /// the views were made, so a long-running server sees new data.
    fn refresh(&self) -> Result<()> {
        let manifest = self
            .root
            .current()
            .map_err(|e| EngineError::Failed(e.to_string()))?;
        let stale = *self.snapshot.lock().unwrap_or_else(|p| p.into_inner()) != manifest.snapshot;
        if stale {
            self.register(&manifest.snapshot)?;
        }
        Ok(())
    }

    /// Runs one query (after the as-of prelude: see [`with_as_of`]) with its
    /// named parameters, `as_of` among them, and returns its result.
    fn query(&self, sql: &str, args: &[(&str, String)]) -> Result<DataFrame> {
        self.refresh()?;
        let sql = with_as_of(sql);
        let named: HashMap<String, Expression> = args
            .iter()
            .map(|(k, v)| {
                (
                    (*k).to_string(),
                    Expression::Literal(LiteralExpression::string(v.clone())),
                )
            })
            .collect();
        let batches = off_runtime(|| {
            let df = self
                .session
                .sql_with_args(&sql, Vec::new(), named)
                .map_err(|e| e.to_string())?;
            df.collect_record_batches().map_err(|e| e.to_string())
        })
        .map_err(|e| engine_error("query", e))?;
        // A finished query always sends at least one Arrow batch (its schema,
        // even with no rows). None at all means the result stream ended early,
        // which the client does not report: a server that closes a stream
        // after spark.connect.execute.reattachable.senderMaxStreamDuration (2
        // minutes by default) expects a reattach this client did not make.
        if batches.is_empty() {
            return Err(EngineError::Failed(
                "spark: the query's result stream ended without a result (a query longer than \
                 the server's spark.connect.execute.reattachable.senderMaxStreamDuration, 2 \
                 minutes by default; set it to 0 on the Connect server for no limit)"
                    .into(),
            ));
        }
        frame_of(&batches)
    }
}

impl Engine for SparkEngine {
    fn catalogue(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<CatalogueEntry>> {
        let args = [("as_of", opt_ts(as_of))];
        let mut entries = catalogue_of(&self.query(CATALOGUE, &args)?)?;
        crate::model::attach_terms(&mut entries, terms_of(&self.query(TERMS, &args)?)?);
        Ok(entries)
    }

    fn run_span(&self) -> Result<Option<(NaiveDateTime, NaiveDateTime)>> {
        let df = self.query(RUNS_SPAN, &[("as_of", String::new())])?;
        let at =
            |i: usize| -> Result<Option<NaiveDateTime>> { Ok(timestamp(df.columns()[i].get(0)?)) };
        Ok(match (at(0)?, at(1)?) {
            (Some(a), Some(b)) => Some((a, b)),
            _ => None,
        })
    }

    fn metric_frames(
        &self,
        bounds: &[NaiveDateTime],
        leak_horizon_days: f64,
        scope: Scope<'_>,
    ) -> Result<Vec<DataFrame>> {
        let Some(b) = super::bounds(bounds)? else {
            return Ok(Vec::new());
        };
        let df = self.query(
            WORKFLOW_METRICS,
            &[
                ("from", ts(b.from)),
                ("to", ts(b.to)),
                // Rust prints an f64 so that it reads back as the same value.
                ("horizon", format!("{leak_horizon_days:?}")),
                ("workflows", scope.list().unwrap_or_default()),
                ("as_of", opt_ts(scope.as_of)),
                ("bounds", b.list),
            ],
        )?;
        split_periods(df, b.periods)
    }

    fn compare_evidence(
        &self,
        workflow_ids: &[String],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
    ) -> Result<(DataFrame, Vec<RunSample>)> {
        let ids = workflow_ids.join(",");
        let study = self.query(
            COMPARE_STUDY,
            &[("workflows", ids.clone()), ("as_of", opt_ts(as_of))],
        )?;
        let runs = self.query(
            COMPARE_RUNS,
            &[
                ("workflows", ids),
                ("from", opt_ts(from)),
                ("to", ts(to)),
                ("as_of", opt_ts(as_of)),
            ],
        )?;
        Ok((study, samples_of(&runs, workflow_ids.len())?))
    }

    fn waterfall_frame(
        &self,
        from: NaiveDateTime,
        to: NaiveDateTime,
        scope: Scope<'_>,
    ) -> Result<DataFrame> {
        self.query(
            WATERFALL,
            &[
                ("from", ts(from)),
                ("to", ts(to)),
                ("workflows", scope.list().unwrap_or_default()),
                ("as_of", opt_ts(scope.as_of)),
            ],
        )
    }

    /// The lake carries no exchange rates yet (lake::TABLES): a reporting
    /// currency is the DuckDB file's, and asking Spark for one says so.
    fn reporting_money(
        &self,
        _bounds: &[NaiveDateTime],
        _scope: Scope<'_>,
        currency: &str,
    ) -> Result<DataFrame> {
        Err(EngineError::Unsupported(format!(
            "a reporting currency ({currency}) is computed on the DuckDB file: the lake does not \
             carry exchange rates yet; ask the DuckDB file (the report without --engine spark, or a \
             server on the file)"
        )))
    }

    fn provenance_frame(
        &self,
        _: NaiveDateTime,
        _: NaiveDateTime,
        _: Scope<'_>,
    ) -> Result<DataFrame> {
        Err(EngineError::Unsupported(
            "provenance (coverage, freshness, rejected rows) is computed on the DuckDB file: the \
             lake does not carry the rejected rows"
                .into(),
        ))
    }

    fn workflows(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<WorkflowSummary>> {
        let df = self.query(WORKFLOWS_LIST, &[("as_of", opt_ts(as_of))])?;
        summaries_of(&df)
    }

    fn steps_frame(
        &self,
        workflow_id: &str,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Result<DataFrame> {
        self.query(
            STEPS_REPORT,
            &[
                ("workflow", workflow_id.to_string()),
                ("from", ts(from)),
                ("to", ts(to)),
                ("as_of", String::new()),
            ],
        )
    }

    fn backlog_frames(&self, as_of: Option<NaiveDateTime>) -> Result<(DataFrame, DataFrame)> {
        let args = [("as_of", opt_ts(as_of))];
        Ok((
            self.query(BACKLOG_CANDIDATES, &args)?,
            self.query(BACKLOG_RESIDUAL, &args)?,
        ))
    }

    fn period_query(
        &self,
        query: &PeriodQuery,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
    ) -> Result<DataFrame> {
        self.query(
            query.spark,
            &[
                ("from", ts(from)),
                ("to", ts(to)),
                ("workflows", workflows.join(",")),
                ("as_of", String::new()),
            ],
        )
    }

    /// The outcome values, unsegmented (`outcomes/values.spark.sql`, one
    /// outcome name at a time, as the DuckDB text); a segment or filter is
    /// refused, as for every Spark query.
    fn outcome_values(
        &self,
        pairs: &[(String, String)],
        from: Option<NaiveDateTime>,
        to: NaiveDateTime,
        as_of: Option<NaiveDateTime>,
        segments: &crate::segments::Segments,
    ) -> Result<Vec<OutcomeValue>> {
        if !segments.is_empty() {
            return Err(super::no_segments());
        }
        if pairs.is_empty() {
            return Ok(Vec::new());
        }
        let (list, names) = super::outcome_pairs(pairs);
        let mut out = Vec::new();
        for name in names {
            let df = self.query(
                OUTCOME_VALUES,
                &[
                    ("pairs", list.clone()),
                    ("name", name.to_string()),
                    ("outcome_path", format!("$.outcome_{name}")),
                    ("name_path", format!("$.{name}")),
                    ("from", opt_ts(from)),
                    ("to", ts(to)),
                    ("as_of", opt_ts(as_of)),
                ],
            )?;
            out.extend(outcome_values_of(&df)?);
        }
        Ok(out)
    }

    /// Spark does not segment yet: `weekly.spark.sql`'s `segment` is null.
    fn segmented_period_query(
        &self,
        query: &PeriodQuery,
        from: NaiveDateTime,
        to: NaiveDateTime,
        workflows: &[String],
        segments: &crate::segments::Segments,
    ) -> Result<DataFrame> {
        super::unsegmented(self, query, from, to, workflows, segments)
    }
}

/// `sql` after the common table expressions of `engine/as_of.spark.sql`:
/// the query's own `WITH` list, if it has one, continues the prelude's.
/// Static text only: every value is a bound parameter.
fn with_as_of(sql: &str) -> String {
    let body = sql.trim_start();
    // The query's leading comments stay where they are; its WITH goes.
    let mut rest = body;
    while rest.starts_with("--") {
        rest = rest.find('\n').map_or("", |i| rest[i + 1..].trim_start());
    }
    let comments = &body[..body.len() - rest.len()];
    let prelude = AS_OF.trim_end();
    match rest.strip_prefix("WITH") {
        Some(own) if own.starts_with(char::is_whitespace) => {
            format!("WITH\n{prelude},\n{comments}{own}")
        }
        _ => format!("WITH\n{prelude}\n{comments}{rest}"),
    }
}

/// runs.spark.sql's rows filed by `wf` into one sample per workflow.
fn samples_of(df: &DataFrame, workflows: usize) -> Result<Vec<RunSample>> {
    let shape = |what: String| EngineError::Shape(format!("compare/runs.spark.sql: {what}"));
    let mut samples = vec![RunSample::default(); workflows];
    if df.height() == 0 {
        return Ok(samples);
    }
    let col =
        |name: &str, dtype: &PlDataType| -> Result<Column> { Ok(df.column(name)?.cast(dtype)?) };
    let (wf, anchor) = (
        col("wf", &PlDataType::Int64)?,
        col("anchor_us", &PlDataType::Int64)?,
    );
    let status = col("status", &PlDataType::String)?;
    let real = |name: &str| col(name, &PlDataType::Float64);
    let (cycle, response, human) = (
        real("cycle_min")?,
        real("response_min")?,
        real("human_minutes")?,
    );
    let (cycle, response, human) = (cycle.f64()?, response.f64()?, human.f64()?);
    for (i, ((w, a), st)) in wf
        .i64()?
        .iter()
        .zip(anchor.i64()?.iter())
        .zip(status.str()?.iter())
        .enumerate()
    {
        let (Some(w), Some(a), Some(st)) = (w, a, st) else {
            return Err(shape(format!("row {i} has no wf, anchor_us or status")));
        };
        let st: Status = st.parse().map_err(shape)?;
        samples
            .get_mut(usize::try_from(w).unwrap_or(usize::MAX))
            .ok_or_else(|| shape(format!("wf {w} is outside the list")))?
            .push(a, st, cycle.get(i), response.get(i), human.get(i));
    }
    Ok(samples)
}

fn timestamp(v: AnyValue<'_>) -> Option<NaiveDateTime> {
    match v {
        // frame_of makes every timestamp microseconds.
        AnyValue::Datetime(us, _, _) | AnyValue::DatetimeOwned(us, _, _) => {
            crate::model::from_micros(us)
        }
        _ => None,
    }
}

/// Reads the cells of a result row by column position, as the catalogue's
/// queries lay them out (catalogue.sql's order).
struct Cells<'a> {
    cols: &'a [Column],
    what: &'static str,
}

impl Cells<'_> {
    fn of<'a>(df: &'a DataFrame, what: &'static str, width: usize) -> Result<Cells<'a>> {
        if df.width() != width {
            return Err(EngineError::Shape(format!(
                "{what} has {} columns, not {width}",
                df.width()
            )));
        }
        Ok(Cells {
            cols: df.columns(),
            what,
        })
    }

    fn text(&self, c: usize, i: usize) -> Result<Option<String>> {
        Ok(match self.cols[c].get(i)? {
            AnyValue::Null => None,
            AnyValue::String(s) => Some(s.to_string()),
            AnyValue::StringOwned(s) => Some(s.to_string()),
            other => {
                return Err(EngineError::Shape(format!(
                    "{} column {c}: {other:?}",
                    self.what
                )))
            }
        })
    }

    fn need_text(&self, c: usize, i: usize, name: &str) -> Result<String> {
        self.text(c, i)?
            .ok_or_else(|| EngineError::Shape(format!("{}: {name} is missing", self.what)))
    }

    fn num(&self, c: usize, i: usize) -> Result<Option<f64>> {
        Ok(match self.cols[c].get(i)? {
            AnyValue::Float64(x) => Some(x),
            AnyValue::Int64(x) => Some(x as f64),
            _ => None,
        })
    }

    fn count(&self, c: usize, i: usize) -> Result<i64> {
        Ok(self.num(c, i)?.unwrap_or(0.0) as i64)
    }

    fn at(&self, c: usize, i: usize) -> Result<Option<NaiveDateTime>> {
        Ok(timestamp(self.cols[c].get(i)?))
    }

    fn need_at(&self, c: usize, i: usize, name: &str) -> Result<NaiveDateTime> {
        self.at(c, i)?
            .ok_or_else(|| EngineError::Shape(format!("{}: {name} is missing", self.what)))
    }

    /// The workflow in columns 0 to 13 of row `i`.
    fn workflow(&self, i: usize) -> Result<Workflow> {
        Ok(Workflow {
            workflow_id: self.need_text(0, i, "workflow_id")?,
            name: self.need_text(1, i, "name")?,
            owner: self.need_text(2, i, "owner")?,
            team: self.text(3, i)?,
            category: self.need_text(4, i, "category")?,
            hourly_cost: self.num(5, i)?,
            currency: self.text(6, i)?,
            sla_response_minutes: self.num(7, i)?,
            sla_cycle_minutes: self.num(8, i)?,
            automated_since: self.at(9, i)?,
            baseline_minutes_per_item: self.num(10, i)?,
            effective_from: self.at(11, i)?,
            cost_per_run: self.num(12, i)?,
            maintenance_hours_per_month: self.num(13, i)?,
            // Each query gives them in a column of its own (see the callers).
            outcomes: None,
        })
    }
}

/// The rows of outcomes/values.spark.sql's result.
fn outcome_values_of(df: &DataFrame) -> Result<Vec<OutcomeValue>> {
    let shape = |what: String| EngineError::Shape(format!("outcomes/values.spark.sql: {what}"));
    if df.height() == 0 {
        return Ok(Vec::new());
    }
    let col =
        |name: &str, dtype: &PlDataType| -> Result<Column> { Ok(df.column(name)?.cast(dtype)?) };
    let (k, anchor) = (
        col("k", &PlDataType::Int64)?,
        col("anchor_us", &PlDataType::Int64)?,
    );
    let (value, study) = (
        col("value", &PlDataType::String)?,
        col("study", &PlDataType::Boolean)?,
    );
    k.i64()?
        .iter()
        .zip(anchor.i64()?.iter())
        .zip(value.str()?.iter())
        .zip(study.bool()?.iter())
        .enumerate()
        .map(|(i, (((k, a), v), s))| match (k, a, v, s) {
            (Some(k), Some(anchor_us), Some(v), Some(study)) => Ok(OutcomeValue {
                pair: usize::try_from(k).map_err(|_| shape(format!("row {i}: k {k}")))?,
                anchor_us,
                value: v.to_string(),
                segment: None,
                study,
            }),
            _ => Err(shape(format!(
                "row {i} has no k, anchor_us, value or study"
            ))),
        })
        .collect()
}

/// The catalogue's rows from catalogue.spark.sql's result.
fn catalogue_of(df: &DataFrame) -> Result<Vec<CatalogueEntry>> {
    if df.height() == 0 {
        return Ok(Vec::new());
    }
    let c = Cells::of(df, "the catalogue", 19)?;
    (0..df.height())
        .map(|i| {
            Ok(CatalogueEntry {
                workflow: Workflow {
                    outcomes: c.text(18, i)?,
                    ..c.workflow(i)?
                },
                recorded_at: c.need_at(14, i, "recorded_at")?,
                b: c.num(15, i)?,
                b_source: c.need_text(16, i, "b_source")?,
                baseline_observations: c.count(17, i)?,
                terms: Vec::new(),
            })
        })
        .collect()
}

/// Every workflow's terms from terms.spark.sql's result.
fn terms_of(df: &DataFrame) -> Result<Vec<(String, Term)>> {
    if df.height() == 0 {
        return Ok(Vec::new());
    }
    let c = Cells::of(df, "the terms", 11)?;
    (0..df.height())
        .map(|i| {
            Ok((
                c.need_text(0, i, "workflow_id")?,
                Term {
                    effective_from: c.at(1, i)?,
                    effective_to: c.at(2, i)?,
                    b: c.num(3, i)?,
                    b_source: c.need_text(4, i, "b_source")?,
                    hourly_cost: c.num(5, i)?,
                    currency: c.text(6, i)?,
                    sla_response_minutes: c.num(7, i)?,
                    sla_cycle_minutes: c.num(8, i)?,
                    cost_per_run: c.num(9, i)?,
                    maintenance_hours_per_month: c.num(10, i)?,
                },
            ))
        })
        .collect()
}

/// The workflow list's rows from list.spark.sql's result.
fn summaries_of(df: &DataFrame) -> Result<Vec<WorkflowSummary>> {
    if df.height() == 0 {
        return Ok(Vec::new());
    }
    let c = Cells::of(df, "the workflow list", 18)?;
    (0..df.height())
        .map(|i| {
            Ok(WorkflowSummary {
                workflow: Workflow {
                    outcomes: c.text(17, i)?,
                    ..c.workflow(i)?
                },
                runs: c.count(14, i)?,
                baseline_observations: c.count(15, i)?,
                recorded_at: c.need_at(16, i, "recorded_at")?,
            })
        })
        .collect()
}

/// Arrow record batches as one DataFrame, typed as store::frame types a
/// DuckDB result, so the layers above cannot tell the engines apart.
fn frame_of(batches: &[RecordBatch]) -> Result<DataFrame> {
    let Some(first) = batches.first() else {
        return Err(EngineError::Shape("spark sent no result".into()));
    };
    let schema = first.schema();
    let mut cols: Vec<Vec<AnyValue<'static>>> = vec![Vec::new(); schema.fields().len()];
    for batch in batches {
        for (c, col) in cols.iter_mut().enumerate() {
            let array = batch.column(c);
            col.reserve(array.len());
            for i in 0..array.len() {
                col.push(any_value(array.as_ref(), i)?);
            }
        }
    }
    let columns = schema
        .fields()
        .iter()
        .zip(cols)
        .map(|(f, vals)| {
            Series::from_any_values(PlSmallStr::from(f.name().as_str()), &vals, false)
                .map(Column::from)
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(DataFrame::new_infer_height(columns)?)
}

fn any_value(a: &dyn Array, i: usize) -> Result<AnyValue<'static>> {
    use arrow_array::cast::AsArray;
    use arrow_array::types::*;
    if a.is_null(i) {
        return Ok(AnyValue::Null);
    }
    Ok(match a.data_type() {
        DataType::Boolean => AnyValue::Boolean(a.as_boolean().value(i)),
        DataType::Int8 => AnyValue::Int64(a.as_primitive::<Int8Type>().value(i).into()),
        DataType::Int16 => AnyValue::Int64(a.as_primitive::<Int16Type>().value(i).into()),
        DataType::Int32 => AnyValue::Int64(a.as_primitive::<Int32Type>().value(i).into()),
        DataType::Int64 => AnyValue::Int64(a.as_primitive::<Int64Type>().value(i)),
        DataType::Float32 => AnyValue::Float64(a.as_primitive::<Float32Type>().value(i).into()),
        DataType::Float64 => AnyValue::Float64(a.as_primitive::<Float64Type>().value(i)),
        DataType::Decimal128(_, scale) => {
            let v = a.as_primitive::<Decimal128Type>().value(i);
            // As store::frame reads a DuckDB decimal: through its decimal text.
            AnyValue::Float64(decimal_text(v, *scale).parse().unwrap_or(f64::NAN))
        }
        DataType::Utf8 => AnyValue::StringOwned(a.as_string::<i32>().value(i).into()),
        DataType::LargeUtf8 => AnyValue::StringOwned(a.as_string::<i64>().value(i).into()),
        DataType::Utf8View => AnyValue::StringOwned(a.as_string_view().value(i).into()),
        DataType::Timestamp(unit, _) => {
            let t = match unit {
                TimeUnit::Second => a.as_primitive::<TimestampSecondType>().value(i) * 1_000_000,
                TimeUnit::Millisecond => {
                    a.as_primitive::<TimestampMillisecondType>().value(i) * 1_000
                }
                TimeUnit::Microsecond => a.as_primitive::<TimestampMicrosecondType>().value(i),
                TimeUnit::Nanosecond => {
                    a.as_primitive::<TimestampNanosecondType>().value(i) / 1_000
                }
            };
            AnyValue::Datetime(t, PlTimeUnit::Microseconds, None)
        }
        DataType::Null => AnyValue::Null,
        other => {
            return Err(EngineError::Shape(format!(
                "spark returned a column of type {other}, which Yardstick does not read"
            )))
        }
    })
}

/// A decimal's unscaled value and scale as text, e.g. (12345, 3) → "12.345".
fn decimal_text(v: i128, scale: i8) -> String {
    if scale <= 0 {
        return (v * 10i128.pow((-scale) as u32)).to_string();
    }
    let s = scale as usize;
    let digits = v.unsigned_abs().to_string();
    let padded = format!("{digits:0>width$}", width = s + 1);
    let (int, frac) = padded.split_at(padded.len() - s);
    format!("{}{int}.{frac}", if v < 0 { "-" } else { "" })
}

#[cfg(test)]
mod tests {
    use super::{decimal_text, with_as_of, AS_OF};

    /// A query's own WITH list continues the prelude's; a query without one
    /// follows it; leading comments stay in front of the query's own text.
    #[test]
    fn the_as_of_prelude_comes_first() {
        let prelude = AS_OF.trim_end();
        let own = with_as_of("-- one\n-- two\nWITH x AS (SELECT 1)\nSELECT * FROM x");
        assert_eq!(
            own,
            format!("WITH\n{prelude},\n-- one\n-- two\n x AS (SELECT 1)\nSELECT * FROM x")
        );
        let bare = with_as_of("-- one\nSELECT * FROM catalogue");
        assert_eq!(
            bare,
            format!("WITH\n{prelude}\n-- one\nSELECT * FROM catalogue")
        );
        // A name that begins with WITH is not the keyword.
        let named = with_as_of("WITHIN");
        assert_eq!(named, format!("WITH\n{prelude}\nWITHIN"));
    }

    #[test]
    fn decimal_text_places_the_point() {
        assert_eq!(decimal_text(12345, 3), "12.345");
        assert_eq!(decimal_text(-5, 3), "-0.005");
        assert_eq!(decimal_text(0, 2), "0.00");
        assert_eq!(decimal_text(7, 0), "7");
        assert_eq!(decimal_text(7, -2), "700");
    }
}
