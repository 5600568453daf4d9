//! Where a panel's table comes from: an analytics view (`views/`, one file
//! each, computed by the one report code path) or a dashboard query from
//! `queries/dashboards/`. Every source declares its columns, so a dashboard
//! file is checked at start-up. A [`Context`] computes the tables of one
//! page, sharing what several panels read.

use super::views::{Needs, View, ALL as VIEWS};
use crate::engine::{Engine, PeriodQuery};
use crate::metrics::trend::Granularity;
use crate::metrics::Period;
use crate::report::{self, Catalogue, PortfolioParts, ReportError};
use crate::store::CatalogueEntry;

/// What a column holds; numbers carry the unit they are shown in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColKind {
    Text,
    /// A count: runs, observations, workflows.
    Count,
    /// Hours.
    Hours,
    /// Minutes.
    Minutes,
    /// A share in [0, 1], shown as a percentage.
    Share,
    /// Money in the currency of the row's `currency` column.
    Money,
    /// Any other number (cost per hour, seed, weeks).
    Number,
}

impl ColKind {
    pub fn is_number(self) -> bool {
        self != ColKind::Text
    }

    /// The unit word used in charts and data attributes.
    pub fn unit(self) -> &'static str {
        match self {
            ColKind::Text => "",
            ColKind::Count => "count",
            ColKind::Hours => "hours",
            ColKind::Minutes => "min",
            ColKind::Share => "share",
            ColKind::Money => "money",
            ColKind::Number => "",
        }
    }
}

/// A column of a source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ColumnMeta {
    pub name: &'static str,
    pub label: &'static str,
    pub kind: ColKind,
}

pub const fn col(name: &'static str, label: &'static str, kind: ColKind) -> ColumnMeta {
    ColumnMeta { name, label, kind }
}

/// One cell of a panel table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    Text(Option<String>),
    Int(Option<i64>),
    Real(Option<f64>),
}

impl Cell {
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Cell::Int(v) => v.map(|x| x as f64),
            Cell::Real(v) => v.filter(|x| x.is_finite()),
            Cell::Text(_) => None,
        }
    }

    pub fn as_text(&self) -> Option<&str> {
        match self {
            Cell::Text(v) => v.as_deref(),
            _ => None,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match self {
            Cell::Text(v) => v.clone().map_or(serde_json::Value::Null, Into::into),
            Cell::Int(v) => v.map_or(serde_json::Value::Null, Into::into),
            Cell::Real(v) => v
                .filter(|x| x.is_finite())
                .map_or(serde_json::Value::Null, Into::into),
        }
    }
}

/// The table a source gives for one scope.
#[derive(Debug, Clone, PartialEq)]
pub struct PanelTable {
    pub columns: &'static [ColumnMeta],
    pub rows: Vec<Vec<Cell>>,
    /// The runs behind the figures (or observations, for the backlog).
    pub n: i64,
    /// The rows stand without any run or observation behind them (the
    /// catalogue's owner and terms): a page shows them also when n is 0.
    pub facts: bool,
    /// What a reader must know to read the numbers right.
    pub notes: Vec<String>,
    /// Why the table has nothing to show, when its view knows better than
    /// "no data for this period" (no regression among the checks made, no
    /// manual workflow with a time study…); also among the notes.
    pub empty: Option<String>,
    /// Moments a chart of the table marks along its x axis (a go-live).
    pub marks: Vec<Mark>,
}

/// A moment marked on a chart's x axis: the x value (as the x column has
/// it) and what happened then.
#[derive(Debug, Clone, PartialEq)]
pub struct Mark {
    pub x: String,
    pub text: String,
}

impl PanelTable {
    pub fn index(&self, name: &str) -> Option<usize> {
        self.columns.iter().position(|c| c.name == name)
    }

    pub fn cell(&self, row: usize, name: &str) -> Option<&Cell> {
        self.index(name)
            .and_then(|i| self.rows.get(row).map(|r| &r[i]))
    }

    /// Rows as JSON objects, field by field.
    pub fn rows_json(&self) -> Vec<serde_json::Value> {
        self.rows
            .iter()
            .map(|r| {
                let m: serde_json::Map<String, serde_json::Value> = self
                    .columns
                    .iter()
                    .zip(r)
                    .map(|(c, v)| (c.name.to_string(), v.to_json()))
                    .collect();
                serde_json::Value::Object(m)
            })
            .collect()
    }

    /// Sorts rows by a column, missing values last.
    pub fn sort_by(&mut self, name: &str, descending: bool) {
        let Some(i) = self.index(name) else { return };
        self.rows.sort_by(|a, b| {
            use std::cmp::Ordering::*;
            let ord = match (&a[i], &b[i]) {
                (Cell::Text(x), Cell::Text(y)) => match (x, y) {
                    (Some(x), Some(y)) => x.cmp(y),
                    (Some(_), None) => return Less,
                    (None, Some(_)) => return Greater,
                    (None, None) => Equal,
                },
                (x, y) => match (x.as_f64(), y.as_f64()) {
                    (Some(x), Some(y)) => x.total_cmp(&y),
                    (Some(_), None) => return Less,
                    (None, Some(_)) => return Greater,
                    (None, None) => Equal,
                },
            };
            if descending {
                ord.reverse()
            } else {
                ord
            }
        });
    }
}

/// What a panel asks for: the period and the workflows in view.
#[derive(Debug, Clone, PartialEq)]
pub struct Scope {
    pub period: Period,
    /// The workflows in view, in catalogue order; never empty.
    pub workflows: Vec<String>,
    /// Whether a team or workflow filter narrowed the catalogue.
    pub filtered: bool,
    /// A reporting currency for the money (ISO 4217), checked.
    pub currency: Option<String>,
    /// The page's time zone: the period's bare dates are its midnights, the
    /// weekly views' weeks start on its Mondays.
    pub tz: chrono_tz::Tz,
    /// The page's segment key (`by`, instead of each by-segment panel's own)
    /// and its segment filter (`segment`), checked.
    pub segments: crate::segments::Segments,
}

/// A panel's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    View(&'static View),
    Query(&'static DashboardQuery),
}

/// A SQL file of `queries/dashboards/` (one text per engine, each binding
/// the period and the workflow ids: see [`PeriodQuery`]) with its declared
/// columns.
#[derive(Debug)]
pub struct DashboardQuery {
    pub name: &'static str,
    pub query: PeriodQuery,
    pub columns: &'static [ColumnMeta],
}

impl PartialEq for DashboardQuery {
    fn eq(&self, other: &Self) -> bool {
        self.name == other.name
    }
}

impl Eq for DashboardQuery {}

use ColKind::*;

const QUERIES: [DashboardQuery; 1] = [DashboardQuery {
    name: "error_kinds",
    query: PeriodQuery {
        name: "error_kinds",
        duckdb: include_str!("../../queries/dashboards/error_kinds.sql"),
        spark: include_str!("../../queries/dashboards/error_kinds.spark.sql"),
    },
    columns: &[
        col("error_kind", "Error kind", Text),
        col("runs", "Runs", Count),
        col("failed", "Failed", Count),
        col("escalated", "Escalated", Count),
        col("share", "Share of failed and escalated", Share),
    ],
}];

impl Source {
    pub fn view(name: &str) -> Option<Source> {
        View::named(name).map(Source::View)
    }

    pub fn query(name: &str) -> Option<Source> {
        QUERIES.iter().find(|q| q.name == name).map(Source::Query)
    }

    pub fn view_names() -> Vec<&'static str> {
        VIEWS.iter().map(|v| v.name).collect()
    }

    pub fn query_names() -> Vec<&'static str> {
        QUERIES.iter().map(|q| q.name).collect()
    }

    /// `view `x`` or `query `queries/dashboards/x.sql``, for messages and the Method sheet.
    pub fn describe(&self) -> String {
        match self {
            Source::View(v) => format!("view `{}`", v.name),
            Source::Query(q) => format!("query `queries/dashboards/{}.sql`", q.name),
        }
    }

    pub fn columns(&self) -> &'static [ColumnMeta] {
        match self {
            Source::Query(q) => q.columns,
            Source::View(v) => v.columns,
        }
    }
}

/// Computes sources for one scope, sharing the expensive parts (metric rows,
/// comparisons, the weekly trend, the regression checks) between the panels
/// of a page, and the catalogue, read once for the page.
pub struct Context<'a> {
    engine: &'a dyn Engine,
    pub scope: Scope,
    /// The whole current catalogue: every report a panel asks for takes it
    /// from here rather than reading it again.
    full: Vec<CatalogueEntry>,
    /// The entries of `full` in view.
    catalogue: Vec<CatalogueEntry>,
    portfolio: Option<PortfolioParts>,
    reporting: Option<crate::metrics::portfolio::ReportingHeadline>,
    /// The roll-up of the previous period of equal length, and its money in
    /// the reporting currency.
    previous: Option<PortfolioParts>,
    previous_reporting: Option<crate::metrics::portfolio::ReportingHeadline>,
    /// The first stored run's anchor (`None` inside: no run), once asked.
    first_run: Option<Option<chrono::NaiveDateTime>>,
    weekly: Option<report::Trend>,
    alerts: Option<report::Alerts>,
    /// The segment keys of the panel being computed (its TOML `by`).
    pub panel_by: Vec<crate::segments::Key>,
}

impl<'a> Context<'a> {
    /// A context for `scope`, with the current catalogue the scope was resolved from.
    pub fn new(
        engine: &'a dyn Engine,
        scope: Scope,
        catalogue: Vec<CatalogueEntry>,
    ) -> Result<Context<'a>, ReportError> {
        let in_view = catalogue
            .iter()
            .filter(|c| scope.workflows.contains(&c.workflow.workflow_id))
            .cloned()
            .collect();
        Ok(Context {
            engine,
            scope,
            full: catalogue,
            catalogue: in_view,
            portfolio: None,
            reporting: None,
            previous: None,
            previous_reporting: None,
            first_run: None,
            weekly: None,
            alerts: None,
            panel_by: Vec::new(),
        })
    }

    /// The catalogue entries in view.
    pub fn catalogue(&self) -> &[CatalogueEntry] {
        &self.catalogue
    }

    /// The runs in view in the period (all statuses), from the metric rows a
    /// panel already fetched when there are some.
    pub fn runs_in_period(&self) -> Result<i64, ReportError> {
        if let Some((_, rows, _)) = &self.portfolio {
            return Ok(rows.iter().map(|r| r.runs).sum());
        }
        let t = report::segment_table_from(
            self.engine,
            self.scope.period,
            &self.scope.workflows,
            Catalogue::Current(&self.full),
            &self.scope.segments.filter_only(),
        )?;
        Ok(t.rows()?.iter().map(|r| r.runs).sum())
    }

    /// Computes the shared parts that `views` need (the portfolio, the
    /// weekly trend, the regression checks) side by side, one thread each:
    /// the trend is mostly DuckDB's scan and the others mostly bootstrap, so
    /// together they keep both kinds of work going.
    pub fn prefetch(&mut self, views: &[&View]) -> Result<(), ReportError> {
        let wants = |need: fn(Needs) -> bool| views.iter().any(|v| need(v.needs));
        let portfolio = self.portfolio.is_none() && wants(|n| n.portfolio);
        let mut previous = self.previous.is_none() && wants(|n| n.previous);
        if previous && self.previous_gap()?.is_some() {
            self.previous = Some(report::nothing_rolled_up());
            previous = false;
        }
        let weekly = self.weekly.is_none() && wants(|n| n.weekly);
        let alerts = self.alerts.is_none() && wants(|n| n.alerts);
        let (engine, scope, full) = (self.engine, &self.scope, &self.full[..]);
        let before = scope.period.previous();
        let (p, b, w, a) = std::thread::scope(|sc| {
            let p = portfolio.then(|| sc.spawn(|| portfolio_of(engine, scope, full)));
            let b = previous.then(|| sc.spawn(|| previous_of(engine, scope, before, full)));
            let w = weekly.then(|| sc.spawn(|| weekly_of(engine, scope, full)));
            let a = alerts.then(|| alerts_of(engine, scope, full));
            (p.map(joined), b.map(joined), w.map(joined), a)
        });
        if let Some(p) = p {
            self.portfolio = Some(p?);
        }
        if let Some(b) = b {
            self.previous = Some(b?);
        }
        if let Some(w) = w {
            self.weekly = Some(w?);
        }
        if let Some(a) = a {
            self.alerts = Some(a?);
        }
        Ok(())
    }

    /// The roll-up of the scope, with the metric rows and comparisons it was made from.
    pub fn portfolio(&mut self) -> Result<&PortfolioParts, ReportError> {
        if self.portfolio.is_none() {
            self.portfolio = Some(portfolio_of(self.engine, &self.scope, &self.full)?);
        }
        Ok(self.portfolio.as_ref().expect("just set"))
    }

    /// The roll-up of the previous period of equal length ([`Period::previous`]).
    pub fn previous(&mut self) -> Result<&PortfolioParts, ReportError> {
        if self.previous.is_none() {
            let before = self.scope.period.previous();
            self.previous = Some(match self.previous_gap()? {
                Some(_) => report::nothing_rolled_up(),
                None => previous_of(self.engine, &self.scope, before, &self.full)?,
            });
        }
        Ok(self.previous.as_ref().expect("just set"))
    }

    /// The first stored run in view (of the scope's workflows, matching its
    /// filter) before the period's end, asked of the engine once: a page
    /// filtered to a segment reads as the page of that segment's runs.
    fn first_run(&mut self) -> Result<Option<chrono::NaiveDateTime>, ReportError> {
        if self.first_run.is_none() {
            let s = &self.scope;
            let first = report::first_run_in(self.engine, &s.workflows, &s.segments, s.period.to)?;
            self.first_run = Some(first);
        }
        Ok(self.first_run.expect("just set"))
    }

    /// Why the previous period of equal length is unknown (it ends before
    /// the first stored run: [`crate::metrics::portfolio::uncovered`]); then
    /// it is not computed, and the changes against it are withheld.
    pub fn previous_gap(&mut self) -> Result<Option<String>, ReportError> {
        let first = self.first_run()?;
        Ok(crate::metrics::portfolio::uncovered(
            self.scope.period.previous(),
            first,
        ))
    }

    /// The roll-ups of the scope's period and of the previous one, side by
    /// side (read together, without copying either).
    pub fn with_previous(&mut self) -> Result<(&PortfolioParts, &PortfolioParts), ReportError> {
        self.portfolio()?;
        self.previous()?;
        Ok((
            self.portfolio.as_ref().expect("just set"),
            self.previous.as_ref().expect("just set"),
        ))
    }

    /// The headline money in the scope's reporting currency, if it has one.
    pub fn reporting(
        &mut self,
    ) -> Result<Option<&crate::metrics::portfolio::ReportingHeadline>, ReportError> {
        if self.scope.currency.is_some() && self.reporting.is_none() {
            let period = self.scope.period;
            self.portfolio()?;
            let parts = self.portfolio.as_ref().expect("just set");
            self.reporting = self.headline_in_currency(period, parts)?;
        }
        Ok(self.reporting.as_ref())
    }

    /// [`Context::reporting`] for the previous period of equal length.
    pub fn previous_reporting(
        &mut self,
    ) -> Result<Option<&crate::metrics::portfolio::ReportingHeadline>, ReportError> {
        if self.scope.currency.is_some() && self.previous_reporting.is_none() {
            let before = self.scope.period.previous();
            self.previous()?;
            let parts = self.previous.as_ref().expect("just set");
            self.previous_reporting = self.headline_in_currency(before, parts)?;
        }
        Ok(self.previous_reporting.as_ref())
    }

    /// The money of `parts` (one period's roll-up) in the scope's reporting
    /// currency, with its interval.
    fn headline_in_currency(
        &self,
        period: Period,
        (_, rows, comparisons): &PortfolioParts,
    ) -> Result<Option<crate::metrics::portfolio::ReportingHeadline>, ReportError> {
        Ok(self.converted(period, rows)?.map(|reporting| {
            crate::metrics::portfolio::reporting_headline(reporting, comparisons, 0.95)
        }))
    }

    /// The money of `rows` (one period's metric rows) in the scope's
    /// reporting currency, run by run, when the scope has one.
    fn converted(
        &self,
        period: Period,
        rows: &[crate::metrics::MetricRow],
    ) -> Result<Option<crate::metrics::fx::Reporting>, ReportError> {
        let Some(currency) = &self.scope.currency else {
            return Ok(None);
        };
        let in_view = crate::engine::Scope::now(Some(&self.scope.workflows));
        let reporting = report::converted(self.engine, period, in_view, currency, rows)?;
        Ok(Some(reporting))
    }

    /// The headline of the previous calendar month, quarter or year when the
    /// scope's period is one ([`Period::previous_calendar`]): point values
    /// from the metric rows (no bootstrap), with the money in the reporting
    /// currency when the scope has one. None too when that period ends
    /// before the first stored run (unknown, not 0).
    pub fn previous_calendar(&mut self) -> Result<Option<CalendarBefore>, ReportError> {
        // Calendar months are the page's time zone's: read the period in it.
        let tz = self.scope.tz;
        let local = |t: chrono::NaiveDateTime| t.and_utc().with_timezone(&tz).naive_local();
        let utc =
            |t: chrono::NaiveDateTime| crate::metrics::trend::local_midnight_utc(tz, t.date());
        let p = self.scope.period;
        let Ok(in_zone) = Period::new(local(p.from), local(p.to)) else {
            return Ok(None);
        };
        let Some((before, name)) = in_zone.previous_calendar() else {
            return Ok(None);
        };
        let Ok(period) = Period::new(utc(before.from), utc(before.to)) else {
            return Ok(None);
        };
        if crate::metrics::portfolio::uncovered(period, self.first_run()?).is_some() {
            return Ok(None);
        }
        let rows = report::segment_table_from(
            self.engine,
            period,
            &self.scope.workflows,
            Catalogue::Current(&self.full),
            &self.scope.segments.filter_only(),
        )?
        .rows()?;
        let workflows: Vec<crate::model::Workflow> =
            self.catalogue.iter().map(|c| c.workflow.clone()).collect();
        let portfolio = crate::metrics::portfolio::rollup(&rows, &workflows, &[], 0.95);
        let reporting = self.converted(period, &rows)?;
        Ok(Some(CalendarBefore {
            period,
            name,
            portfolio,
            reporting,
        }))
    }

    /// The conversion into the reporting currency, once computed (for the Method sheet).
    pub fn take_reporting(&mut self) -> Option<crate::metrics::fx::Reporting> {
        self.reporting.take().map(|h| h.reporting)
    }

    /// The weekly trend of the scope, in UTC weeks.
    pub fn weekly(&mut self) -> Result<&report::Trend, ReportError> {
        if self.weekly.is_none() {
            self.weekly = Some(weekly_of(self.engine, &self.scope, &self.full)?);
        }
        Ok(self.weekly.as_ref().expect("just set"))
    }

    /// The go-live effect on `metric` of the one workflow in view (`report
    /// impact`, the method the checks allow), over every week from the first
    /// run to the end of the scope's period: the weeks before go-live are
    /// what the counterfactual is fitted on. `None` when the scope is not
    /// one workflow.
    pub fn impact(
        &self,
        metric: crate::report::impact::ImpactMetric,
    ) -> Result<Option<crate::report::impact::ImpactAnswer>, ReportError> {
        let [workflow] = &self.scope.workflows[..] else {
            return Ok(None);
        };
        let Some((first, _)) = self.engine.run_span()? else {
            return Ok(None);
        };
        let iso = crate::model::format_timestamp;
        let from = first.min(self.scope.period.from);
        let req = crate::report::impact::ImpactRequest {
            workflow: workflow.clone(),
            method: None,
            controls: Vec::new(),
            metrics: vec![metric.as_str().to_string()],
            from: Some(iso(from)),
            to: Some(iso(self.scope.period.to)),
            // The page's segment filter narrows the estimate (never a `by`).
            segments: self.scope.segments.filter_only(),
        };
        crate::report::impact::impact_with(self.engine, &req, Some(&self.full)).map(Some)
    }

    /// Reclaimed hours from gross to net over the workflows in view, per
    /// workflow and the total last (`report waterfall`).
    pub fn waterfall(&self) -> Result<Vec<crate::metrics::waterfall::WaterfallRow>, ReportError> {
        let workflows = if self.scope.filtered {
            &self.scope.workflows[..]
        } else {
            &[]
        };
        report::waterfall_from(
            self.engine,
            self.scope.period,
            workflows,
            Catalogue::Current(&self.full),
        )
    }

    /// The regression checks of the last complete week before the period's end.
    pub fn alerts(&mut self) -> Result<&report::Alerts, ReportError> {
        if self.alerts.is_none() {
            self.alerts = Some(alerts_of(self.engine, &self.scope, &self.full)?);
        }
        Ok(self.alerts.as_ref().expect("just set"))
    }

    /// The metric table of the scope's period of the runs that match
    /// `segments`, a row per workflow and segment.
    pub fn segment_table(
        &self,
        segments: &crate::segments::Segments,
    ) -> Result<crate::metrics::MetricTable, ReportError> {
        report::segment_table_from(
            self.engine,
            self.scope.period,
            &self.scope.workflows,
            Catalogue::Current(&self.full),
            segments,
        )
    }

    /// The outcomes the workflows in view declare, by `segments`: before
    /// go-live against the scope's period.
    pub fn segment_outcomes(
        &self,
        segments: &crate::segments::Segments,
    ) -> Result<Vec<crate::metrics::compare::outcomes::OutcomeRow>, ReportError> {
        report::outcomes::against_go_live(self.engine, &self.catalogue, self.scope.period, segments)
    }

    /// `report versions` of `workflow` over the scope's period.
    pub fn versions(&self, workflow: &str) -> Result<report::versions::Versions, ReportError> {
        report::versions::versions_over(self.engine, workflow, self.scope.period, None, None, None)
    }

    /// The versions of the workflows in view first run in the scope's period:
    /// (workflow, version, first run), in the order of their first run.
    pub fn version_starts(
        &self,
    ) -> Result<Vec<(String, String, chrono::NaiveDateTime)>, ReportError> {
        report::versions::version_starts(
            self.engine,
            self.scope.period.from,
            self.scope.period.to,
            &self.scope.workflows,
        )
    }

    /// The ranked automation backlog (of every workflow: a view filters it).
    pub fn backlog(&self) -> Result<crate::metrics::backlog::Backlog, ReportError> {
        report::backlog(self.engine, None)
    }

    /// The catalogue entry of workflow `id`, if it is in view.
    pub fn entry(&self, id: &str) -> Option<&CatalogueEntry> {
        self.catalogue.iter().find(|c| c.workflow.workflow_id == id)
    }

    /// The table of `source` for this context's scope.
    pub fn table(&mut self, source: Source) -> Result<PanelTable, ReportError> {
        match source {
            Source::Query(q) => {
                let df = self.engine.period_query(
                    &q.query,
                    self.scope.period.from,
                    self.scope.period.to,
                    &self.scope.workflows,
                )?;
                let mut t = PanelTable {
                    columns: q.columns,
                    rows: rows_of_frame(&df, q.columns)?,
                    n: 0,
                    facts: false,
                    notes: Vec::new(),
                    empty: None,
                    marks: Vec::new(),
                };
                t.n = t.index("runs").map_or(0, |i| {
                    t.rows.iter().filter_map(|r| r[i].as_f64()).sum::<f64>() as i64
                });
                Ok(t)
            }
            Source::View(v) => v.table(self),
        }
    }
}

/// The rows of a query result, in the declared column order and kinds.
fn rows_of_frame(
    df: &polars::prelude::DataFrame,
    columns: &[ColumnMeta],
) -> Result<Vec<Vec<Cell>>, ReportError> {
    use polars::prelude::DataType;
    let bad = |e: polars::prelude::PolarsError| {
        ReportError::Metrics(crate::metrics::MetricsError::from(e))
    };
    let mut cols: Vec<Vec<Cell>> = Vec::new();
    for c in columns {
        let Ok(s) = df.column(c.name) else {
            return Err(ReportError::BadRequest(format!(
                "dashboard query lacks its declared column `{}`",
                c.name
            )));
        };
        let cells: Vec<Cell> = match c.kind {
            ColKind::Text => s
                .cast(&DataType::String)
                .map_err(bad)?
                .str()
                .map_err(bad)?
                .iter()
                .map(|v| Cell::Text(v.map(str::to_string)))
                .collect(),
            ColKind::Count => s
                .cast(&DataType::Int64)
                .map_err(bad)?
                .i64()
                .map_err(bad)?
                .iter()
                .map(Cell::Int)
                .collect(),
            _ => s
                .cast(&DataType::Float64)
                .map_err(bad)?
                .f64()
                .map_err(bad)?
                .iter()
                .map(Cell::Real)
                .collect(),
        };
        cols.push(cells);
    }
    let height = df.height();
    Ok((0..height)
        .map(|i| cols.iter().map(|c| c[i].clone()).collect())
        .collect())
}

fn joined<T>(h: std::thread::ScopedJoinHandle<'_, T>) -> T {
    h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn portfolio_of(
    engine: &dyn Engine,
    scope: &Scope,
    catalogue: &[CatalogueEntry],
) -> Result<PortfolioParts, ReportError> {
    portfolio_in(engine, scope, scope.period, catalogue, true)
}

/// The roll-up of the scope's workflows over an earlier period, for its
/// headline: its comparisons carry no outcome rows (no panel reads them).
fn previous_of(
    engine: &dyn Engine,
    scope: &Scope,
    period: Period,
    catalogue: &[CatalogueEntry],
) -> Result<PortfolioParts, ReportError> {
    portfolio_in(engine, scope, period, catalogue, false)
}

/// The roll-up of the scope's workflows over `period`.
fn portfolio_in(
    engine: &dyn Engine,
    scope: &Scope,
    period: Period,
    catalogue: &[CatalogueEntry],
    outcomes: bool,
) -> Result<PortfolioParts, ReportError> {
    report::portfolio_from(
        engine,
        period,
        &scope.workflows,
        Catalogue::Current(catalogue),
        &scope.segments,
        outcomes,
    )
}

/// The previous calendar period's headline (see [`Context::previous_calendar`]).
pub struct CalendarBefore {
    pub period: Period,
    /// `month`, `quarter` or `year`.
    pub name: &'static str,
    /// Point values only: no interval.
    pub portfolio: crate::metrics::portfolio::Portfolio,
    pub reporting: Option<crate::metrics::fx::Reporting>,
}

/// The weekly trend of the scope, in its weeks: from [`weekly_from`].
fn weekly_of(
    engine: &dyn Engine,
    scope: &Scope,
    catalogue: &[CatalogueEntry],
) -> Result<report::Trend, ReportError> {
    let iso = crate::model::format_timestamp;
    report::trend_from(
        engine,
        Granularity::Week,
        scope.tz.name(),
        Some(&iso(weekly_from(scope.period))),
        Some(&iso(scope.period.to)),
        &scope.workflows,
        Catalogue::Current(catalogue),
        &scope.segments.filter_only(),
    )
}

/// The regression checks of the last complete week before the period's end.
fn alerts_of(
    engine: &dyn Engine,
    scope: &Scope,
    catalogue: &[CatalogueEntry],
) -> Result<report::Alerts, ReportError> {
    let at = crate::model::format_timestamp(scope.period.to);
    report::alerts_from(engine, Some(&at), scope.tz.name(), Some(catalogue))
}

/// Where a page's weekly trend starts: the period's start, or, for a period
/// of more weeks than a trend has (`report::MAX_TREND_PERIODS`, which it
/// refuses beyond), the start of its last `MAX_TREND_PERIODS - 1` weeks
/// (widened to whole weeks, at most `MAX_TREND_PERIODS`); the weekly view
/// says so. A page's default period covers every run, which imported event
/// logs can take back years.
pub(crate) fn weekly_from(period: crate::metrics::Period) -> chrono::NaiveDateTime {
    let longest = chrono::Duration::weeks(report::MAX_TREND_PERIODS as i64 - 1);
    period.from.max(period.to - longest)
}

/// Resolves the filters of a request into a scope: the period (both bounds,
/// or neither for every stored run) and the workflows of `team` and/or `workflow`.
pub fn resolve_scope(
    store: &dyn crate::engine::Engine,
    catalogue: &[CatalogueEntry],
    filters: &super::Filters,
) -> Result<Option<Scope>, ReportError> {
    let (from, to) = (filters.from.as_deref(), filters.to.as_deref());
    let (team, workflow) = (filters.team.as_deref(), filters.workflow.as_deref());
    let (currency, tz) = (filters.currency.as_deref(), filters.tz.as_deref());
    let currency = currency.map(report::check_currency).transpose()?;
    let segments =
        crate::segments::Segments::parse(filters.by.as_slice(), filters.segment.as_slice())
            // The page calls the filter `segment`.
            .map_err(|e| ReportError::BadRequest(e.replacen("where:", "segment:", 1)))?;
    segments
        .without_workflow_fields("a page's `segment` or `by`")
        .map_err(ReportError::BadRequest)?;
    if !segments.filter.is_empty() && currency.is_some() {
        return Err(ReportError::BadRequest(
            "a reporting currency is not available with a segment filter yet: leave one out".into(),
        ));
    }
    let tz = crate::metrics::trend::parse_tz(tz.unwrap_or("UTC"))?;
    let (from, to) = (report::local_bound(tz, from), report::local_bound(tz, to));
    let Some(period) = report::resolve_period(store, from.as_deref(), to.as_deref())? else {
        return Ok(None);
    };
    if let Some(w) = workflow {
        crate::model::check_slug(w)
            .map_err(|e| ReportError::BadRequest(format!("workflow: {e}")))?;
        if !catalogue.iter().any(|c| c.workflow.workflow_id == w) {
            return Err(report::not_in_catalogue(w, catalogue));
        }
    }
    if let Some(t) = team {
        if !catalogue
            .iter()
            .any(|c| c.workflow.team.as_deref() == Some(t))
        {
            return Err(ReportError::NotFound(format!("no workflow has team `{t}`")));
        }
    }
    let workflows: Vec<String> = catalogue
        .iter()
        .filter(|c| team.is_none_or(|t| c.workflow.team.as_deref() == Some(t)))
        .filter(|c| workflow.is_none_or(|w| c.workflow.workflow_id == w))
        .map(|c| c.workflow.workflow_id.clone())
        .collect();
    if workflows.is_empty() {
        return Err(ReportError::NotFound(format!(
            "workflow `{}` is not in team `{}`",
            workflow.unwrap_or_default(),
            team.unwrap_or_default()
        )));
    }
    Ok(Some(Scope {
        period,
        workflows,
        filtered: team.is_some() || workflow.is_some(),
        currency,
        tz,
        segments,
    }))
}
