//! Where a panel's table comes from: an analytics view (computed by the one
//! report code path) or a dashboard query from `queries/dashboards/`. Every
//! source declares its columns, so a dashboard file is checked at start-up.

use std::collections::BTreeMap;

use crate::engine::{Engine, PeriodQuery};
use crate::metrics::compare::Comparison;
use crate::metrics::portfolio::Portfolio;
use crate::metrics::trend::Granularity;
use crate::metrics::{MetricRow, Period};
use crate::report::{self, ReportError};
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

const fn col(name: &'static str, label: &'static str, kind: ColKind) -> ColumnMeta {
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
    /// What a reader must know to read the numbers right.
    pub notes: Vec<String>,
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
}

/// A panel's source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    View(View),
    Query(&'static DashboardQuery),
}

/// The analytics views.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    Headline,
    BeforeAfter,
    Weekly,
    Workflows,
    Regressions,
    Backlog,
    Compare,
    Catalogue,
    Finance,
    Teams,
}

const VIEWS: [(&str, View); 10] = [
    ("headline", View::Headline),
    ("before_after", View::BeforeAfter),
    ("weekly", View::Weekly),
    ("workflows", View::Workflows),
    ("regressions", View::Regressions),
    ("backlog", View::Backlog),
    ("compare", View::Compare),
    ("catalogue", View::Catalogue),
    ("finance", View::Finance),
    ("teams", View::Teams),
];

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

const HEADLINE: &[ColumnMeta] = &[
    col("figure", "Figure", Text),
    col("unit", "Unit", Text),
    col("value", "Value", Number),
    col("ci_low", "95% interval, low", Number),
    col("ci_high", "95% interval, high", Number),
    col("workflows", "Workflows", Count),
    col("runs", "Terminal runs since go-live", Count),
];

const BEFORE_AFTER: &[ColumnMeta] = &[
    col("metric", "Metric", Text),
    col("unit", "Unit", Text),
    col("before", "Before", Number),
    col("after", "After", Number),
    col("change", "Change", Number),
    col("before_n", "n before", Count),
    col("after_n", "n after", Count),
    col("workflows", "Workflows", Count),
];

const WEEKLY: &[ColumnMeta] = &[
    col("week", "Week (Monday, UTC)", Text),
    col("runs", "Runs", Count),
    col("succeeded", "Succeeded", Count),
    col("failed", "Failed", Count),
    col("escalated", "Escalated", Count),
    col("cancelled", "Cancelled", Count),
    col("running", "Running", Count),
    col("error_rate", "Error rate", Share),
    col("escalation_rate", "Escalation rate", Share),
    col("cycle_time_p50_min", "Cycle time p50 (min)", Minutes),
    col("cycle_time_p90_min", "Cycle time p90 (min)", Minutes),
    col("response_p50_min", "Response p50 (min)", Minutes),
    col("sla_response_compliance", "Response SLA met", Share),
    col("sla_cycle_compliance", "Cycle SLA met", Share),
    col("reclaimed_hours", "Reclaimed hours", Hours),
];

const WORKFLOWS: &[ColumnMeta] = &[
    col("workflow_id", "Workflow", Text),
    col("name", "Name", Text),
    col("team", "Team", Text),
    col("owner", "Owner", Text),
    col("runs", "Runs", Count),
    col("error_rate", "Error rate", Share),
    col("escalation_rate", "Escalation rate", Share),
    col("cycle_time_n", "Cycle time n", Count),
    col("cycle_time_p50_min", "Cycle p50 (min)", Minutes),
    col("response_n", "Response n", Count),
    col("response_p50_min", "Response p50 (min)", Minutes),
    col("sla_response_compliance", "Response SLA met", Share),
    col("sla_cycle_compliance", "Cycle SLA met", Share),
    col("reclaimed_hours", "Reclaimed hours", Hours),
    col("reclaimed_money", "Reclaimed money", Money),
    col("currency", "Currency", Text),
];

const REGRESSIONS: &[ColumnMeta] = &[
    col("workflow_id", "Workflow", Text),
    col("metric", "Metric", Text),
    col("unit", "Unit", Text),
    col("week_start", "Week", Text),
    col("last_week", "Last week", Number),
    col("last_week_n", "n last week", Count),
    col("trailing", "Trailing weeks", Number),
    col("trailing_n", "n trailing", Count),
    col("change", "Change", Number),
    col("ci_low", "99% interval, low", Number),
    col("ci_high", "99% interval, high", Number),
    col("verdict", "Verdict", Text),
];

const BACKLOG: &[ColumnMeta] = &[
    col("rank", "Rank", Count),
    col("workflow_id", "Workflow", Text),
    col("name", "Name", Text),
    col("team", "Team", Text),
    col("owner", "Owner", Text),
    col("observations", "Observations", Count),
    col("items_per_week", "Items per week", Number),
    col("mean_handle_minutes", "Mean handle (min)", Minutes),
    col("weekly_manual_hours", "Manual hours per week", Hours),
    col(
        "projected_reclaimed_hours_per_year",
        "Projected hours per year",
        Hours,
    ),
    col(
        "projected_reclaimed_money_per_year",
        "Projected money per year",
        Money,
    ),
    col("currency", "Currency", Text),
];

const COMPARE: &[ColumnMeta] = &[
    col("workflow_id", "Workflow", Text),
    col("metric", "Metric", Text),
    col("unit", "Unit", Text),
    col("before", "Before", Number),
    col("before_n", "n before", Count),
    col("after", "After", Number),
    col("after_n", "n after", Count),
    col("change", "Change", Number),
    col("change_pct", "Change %", Share),
    col("ci_low", "95% interval, low", Number),
    col("ci_high", "95% interval, high", Number),
    col("verdict", "Verdict", Text),
];

const CATALOGUE: &[ColumnMeta] = &[
    col("workflow_id", "Workflow", Text),
    col("name", "Name", Text),
    col("owner", "Owner", Text),
    col("team", "Team", Text),
    col("category", "Category", Text),
    col("automated_since", "Automated since", Text),
    col(
        "baseline_minutes_per_item",
        "Baseline B (min/item)",
        Minutes,
    ),
    col("baseline_source", "B from", Text),
    col("baseline_observations", "Study observations", Count),
    col("hourly_cost", "Hourly cost", Number),
    col("currency", "Currency", Text),
    col("sla_response_minutes", "Response SLA (min)", Minutes),
    col("sla_cycle_minutes", "Cycle SLA (min)", Minutes),
];

const TEAMS: &[ColumnMeta] = &[
    col("team", "Team", Text),
    col("workflows", "Workflows", Count),
    col("runs", "Runs", Count),
    col("error_rate", "Error rate", Share),
    col("escalation_rate", "Escalation rate", Share),
    col("reclaimed_hours", "Reclaimed hours", Hours),
];

const FINANCE: &[ColumnMeta] = &[
    col("team", "Team", Text),
    col("currency", "Currency", Text),
    col("workflows", "Workflows", Count),
    col("with_baseline", "With a baseline", Count),
    col("runs", "Runs", Count),
    col("reclaimed_hours", "Reclaimed hours", Hours),
    col("reclaimed_money", "Reclaimed money", Money),
    col("hourly_cost_min", "Hourly cost, lowest", Number),
    col("hourly_cost_max", "Hourly cost, highest", Number),
    col("method", "Method", Text),
];

impl Source {
    pub fn view(name: &str) -> Option<Source> {
        VIEWS
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| Source::View(*v))
    }

    pub fn query(name: &str) -> Option<Source> {
        QUERIES.iter().find(|q| q.name == name).map(Source::Query)
    }

    pub fn view_names() -> Vec<&'static str> {
        VIEWS.iter().map(|(n, _)| *n).collect()
    }

    pub fn query_names() -> Vec<&'static str> {
        QUERIES.iter().map(|q| q.name).collect()
    }

    /// `view `x`` or `query `queries/dashboards/x.sql``, for messages and the Method sheet.
    pub fn describe(&self) -> String {
        match self {
            Source::View(v) => format!("view `{}`", view_name(*v)),
            Source::Query(q) => format!("query `queries/dashboards/{}.sql`", q.name),
        }
    }

    pub fn columns(&self) -> &'static [ColumnMeta] {
        match self {
            Source::Query(q) => q.columns,
            Source::View(v) => match v {
                View::Headline => HEADLINE,
                View::BeforeAfter => BEFORE_AFTER,
                View::Weekly => WEEKLY,
                View::Workflows => WORKFLOWS,
                View::Regressions => REGRESSIONS,
                View::Backlog => BACKLOG,
                View::Compare => COMPARE,
                View::Catalogue => CATALOGUE,
                View::Finance => FINANCE,
                View::Teams => TEAMS,
            },
        }
    }
}

fn view_name(v: View) -> &'static str {
    VIEWS.iter().find(|(_, x)| *x == v).map_or("?", |(n, _)| n)
}

/// Computes sources for one scope, sharing the expensive parts (metric rows,
/// comparisons, the weekly trend) between the panels of a page.
pub struct Context<'a> {
    engine: &'a dyn Engine,
    pub scope: Scope,
    catalogue: Vec<CatalogueEntry>,
    portfolio: Option<(Portfolio, Vec<MetricRow>, Vec<Comparison>)>,
    weekly: Option<report::Trend>,
    alerts: Option<report::Alerts>,
}

impl<'a> Context<'a> {
    /// A context for `scope`, with the current catalogue the scope was resolved from.
    pub fn new(
        engine: &'a dyn Engine,
        scope: Scope,
        catalogue: &[CatalogueEntry],
    ) -> Result<Context<'a>, ReportError> {
        let catalogue = catalogue
            .iter()
            .filter(|c| scope.workflows.contains(&c.workflow.workflow_id))
            .cloned()
            .collect();
        Ok(Context {
            engine,
            scope,
            catalogue,
            portfolio: None,
            weekly: None,
            alerts: None,
        })
    }

    pub fn catalogue(&self) -> &[CatalogueEntry] {
        &self.catalogue
    }

    /// The runs in view in the period (all statuses), from the metric rows a
    /// panel already fetched when there are some.
    pub fn runs_in_period(&self) -> Result<i64, ReportError> {
        if let Some((_, rows, _)) = &self.portfolio {
            return Ok(rows.iter().map(|r| r.runs).sum());
        }
        let t = report::metric_table(self.engine, self.scope.period, &self.scope.workflows)?;
        Ok(t.rows()?.iter().map(|r| r.runs).sum())
    }

    /// Computes the shared parts that `views` need (the portfolio, the
    /// weekly trend, the regression checks) side by side, one thread each:
    /// the trend is mostly DuckDB's scan and the others mostly bootstrap, so
    /// together they keep both kinds of work going.
    pub fn prefetch(&mut self, views: &[View]) -> Result<(), ReportError> {
        let wants = |vs: &[View]| views.iter().any(|v| vs.contains(v));
        let portfolio = self.portfolio.is_none()
            && wants(&[
                View::Headline,
                View::BeforeAfter,
                View::Workflows,
                View::Compare,
                View::Finance,
                View::Teams,
            ]);
        let weekly = self.weekly.is_none() && wants(&[View::Weekly]);
        let alerts = self.alerts.is_none() && wants(&[View::Regressions]);
        let (engine, scope) = (self.engine, &self.scope);
        let (p, w, a) = std::thread::scope(|sc| {
            let p = portfolio.then(|| sc.spawn(|| portfolio_of(engine, scope)));
            let w = weekly.then(|| sc.spawn(|| weekly_of(engine, scope)));
            let a = alerts.then(|| alerts_of(engine, scope));
            (p.map(joined), w.map(joined), a)
        });
        if let Some(p) = p {
            self.portfolio = Some(p?);
        }
        if let Some(w) = w {
            self.weekly = Some(w?);
        }
        if let Some(a) = a {
            self.alerts = Some(a?);
        }
        Ok(())
    }

    fn portfolio(&mut self) -> Result<&(Portfolio, Vec<MetricRow>, Vec<Comparison>), ReportError> {
        if self.portfolio.is_none() {
            self.portfolio = Some(portfolio_of(self.engine, &self.scope)?);
        }
        Ok(self.portfolio.as_ref().expect("just set"))
    }

    fn weekly(&mut self) -> Result<&report::Trend, ReportError> {
        if self.weekly.is_none() {
            self.weekly = Some(weekly_of(self.engine, &self.scope)?);
        }
        Ok(self.weekly.as_ref().expect("just set"))
    }

    fn alerts(&mut self) -> Result<&report::Alerts, ReportError> {
        if self.alerts.is_none() {
            self.alerts = Some(alerts_of(self.engine, &self.scope)?);
        }
        Ok(self.alerts.as_ref().expect("just set"))
    }

    fn entry(&self, id: &str) -> Option<&CatalogueEntry> {
        self.catalogue.iter().find(|c| c.workflow.workflow_id == id)
    }

    /// The table of `source` for this context's scope.
    pub fn table(&mut self, source: Source) -> Result<PanelTable, ReportError> {
        let columns = source.columns();
        let mut t = PanelTable {
            columns,
            rows: Vec::new(),
            n: 0,
            notes: Vec::new(),
        };
        match source {
            Source::Query(q) => {
                let df = self.engine.period_query(
                    &q.query,
                    self.scope.period.from,
                    self.scope.period.to,
                    &self.scope.workflows,
                )?;
                t.rows = rows_of_frame(&df, columns)?;
                t.n = t.index("runs").map_or(0, |i| {
                    t.rows.iter().filter_map(|r| r[i].as_f64()).sum::<f64>() as i64
                });
            }
            Source::View(v) => self.view(v, &mut t)?,
        }
        Ok(t)
    }

    fn view(&mut self, v: View, t: &mut PanelTable) -> Result<(), ReportError> {
        let real = |x: Option<f64>| Cell::Real(x);
        let text = |x: &str| Cell::Text(Some(x.to_string()));
        let opt_text = |x: &Option<String>| Cell::Text(x.clone());
        let int = |x: i64| Cell::Int(Some(x));
        match v {
            View::Headline => {
                let (p, _, _) = self.portfolio()?;
                for h in &p.headline {
                    let figure = if h.unit == "hours" {
                        "Hours reclaimed".to_string()
                    } else {
                        format!("Money reclaimed ({})", h.unit)
                    };
                    t.rows.push(vec![
                        text(&figure),
                        text(&h.unit),
                        real(Some(h.value)),
                        real(h.ci_low),
                        real(h.ci_high),
                        int(h.workflows as i64),
                        int(h.runs),
                    ]);
                }
                t.n = p.headline.first().map_or(0, |h| h.runs);
                if !p.without_baseline.is_empty() {
                    t.notes.push(format!(
                        "Not counted, no baseline: {}.",
                        p.without_baseline.join(", ")
                    ));
                }
                t.notes.push(
                    "Reclaimed hours = Σ (B − human minutes) / 60 over terminal runs since go-live; \
                     money = hours × hourly cost, per currency, never summed across currencies. \
                     Interval: 95% bootstrap, summed draw by draw over workflows."
                        .into(),
                );
            }
            View::BeforeAfter => {
                let (_, _, comparisons) = self.portfolio()?;
                for (metric, label) in [
                    ("error_rate", "share"),
                    ("response_mean_min", "min"),
                    ("cycle_time_mean_min", "min"),
                    ("human_minutes_per_item", "min"),
                ] {
                    let (mut sb, mut nb, mut sa, mut na, mut k) = (0.0, 0usize, 0.0, 0usize, 0);
                    for c in comparisons.iter() {
                        if let Some(r) = c.rows.iter().find(|r| r.metric == metric) {
                            if let (Some(b), Some(a)) = (r.before, r.after) {
                                sb += b * r.before_n as f64;
                                nb += r.before_n;
                                sa += a * r.after_n as f64;
                                na += r.after_n;
                                k += 1;
                            }
                        }
                    }
                    let before = (nb > 0).then(|| sb / nb as f64);
                    let after = (na > 0).then(|| sa / na as f64);
                    t.rows.push(vec![
                        text(metric),
                        text(label),
                        real(before),
                        real(after),
                        real(before.zip(after).map(|(b, a)| a - b)),
                        int(nb as i64),
                        int(na as i64),
                        int(k),
                    ]);
                }
                t.n = t.rows.first().and_then(|r| r[6].as_f64()).unwrap_or(0.0) as i64;
                t.notes.push(
                    "Pooled over the automated workflows in view that have both sides: each side's \
                     mean weighted by its n (for the error rate, failed over terminal items). \
                     Before = the time study (else the runs before go-live); after = runs since go-live \
                     in the period. Per-workflow figures with intervals: the workflow dashboard."
                        .into(),
                );
            }
            View::Weekly => {
                let single = self.scope.workflows.len() == 1;
                let trend = self.weekly()?;
                for (b, table) in trend.buckets.iter().zip(&trend.tables) {
                    let rows = table.rows()?;
                    let sum = |f: fn(&MetricRow) -> i64| rows.iter().map(f).sum::<i64>();
                    let counts = crate::metrics::rates::Terminal::of(&rows);
                    let one = |g: fn(&MetricRow) -> Option<f64>| {
                        if single {
                            rows.first().and_then(g)
                        } else {
                            None
                        }
                    };
                    let hours: Vec<f64> = rows.iter().filter_map(|r| r.reclaimed_hours).collect();
                    t.rows.push(vec![
                        text(&b.start_local.to_string()),
                        int(sum(|r| r.runs)),
                        int(counts.succeeded),
                        int(counts.failed),
                        int(counts.escalated),
                        int(sum(|r| r.cancelled)),
                        int(sum(|r| r.running)),
                        real(counts.error_rate()),
                        real(counts.escalation_rate()),
                        real(one(|r| r.cycle_time_p50_min)),
                        real(one(|r| r.cycle_time_p90_min)),
                        real(one(|r| r.response_p50_min)),
                        real(one(|r| r.sla_response_compliance)),
                        real(one(|r| r.sla_cycle_compliance)),
                        real((!hours.is_empty()).then(|| hours.iter().sum())),
                    ]);
                    t.n += sum(|r| r.runs);
                }
                t.notes.push(
                    "ISO weeks starting Monday 00:00 UTC; the first and last week may reach outside \
                     the period. Error rate = failed / (succeeded + failed + escalated) over the week's runs."
                        .into(),
                );
                if !single {
                    t.notes.push(
                        "Quantiles and SLA compliance are per workflow; pick one workflow to see them."
                            .into(),
                    );
                }
            }
            View::Workflows => {
                let rows = self.portfolio()?.1.clone();
                for r in &rows {
                    let w = self.entry(&r.workflow_id).map(|c| &c.workflow);
                    t.rows.push(vec![
                        text(&r.workflow_id),
                        Cell::Text(w.map(|w| w.name.clone())),
                        Cell::Text(w.and_then(|w| w.team.clone())),
                        Cell::Text(w.map(|w| w.owner.clone())),
                        int(r.runs),
                        real(r.error_rate),
                        real(r.escalation_rate),
                        int(r.cycle_time_n),
                        real(r.cycle_time_p50_min),
                        int(r.response_n),
                        real(r.response_p50_min),
                        real(r.sla_response_compliance),
                        real(r.sla_cycle_compliance),
                        real(r.reclaimed_hours),
                        real(r.reclaimed_money),
                        opt_text(&r.currency),
                    ]);
                    t.n += r.runs;
                }
            }
            View::Regressions => {
                let workflows = self.scope.workflows.clone();
                let alerts = self.alerts()?;
                for c in alerts
                    .alerts
                    .iter()
                    .filter(|c| workflows.contains(&c.workflow_id))
                {
                    let unit = if c.metric.ends_with("_min") {
                        "min"
                    } else {
                        "share"
                    };
                    t.rows.push(vec![
                        text(&c.workflow_id),
                        text(c.metric),
                        text(unit),
                        text(&alerts.week_start.date().to_string()),
                        real(c.last_week),
                        int(c.last_week_n as i64),
                        real(c.trailing),
                        int(c.trailing_n as i64),
                        real(c.change),
                        real(c.ci_low),
                        real(c.ci_high),
                        text(&c.verdict),
                    ]);
                    t.n += c.last_week_n as i64;
                }
                t.notes.push(format!(
                    "The last complete ISO week before the period's end (from {}), against the {} weeks \
                     before it; flagged when the {:.0}% interval of the change lies wholly on the worse side. \
                     {} checks, {} flagged in view.",
                    alerts.week_start.date(),
                    alerts.trailing_weeks,
                    alerts.level * 100.0,
                    alerts.checks.len(),
                    t.rows.len()
                ));
            }
            View::Backlog => {
                let b = report::backlog(self.engine, None)?;
                for r in b
                    .rows
                    .iter()
                    .filter(|r| self.scope.workflows.contains(&r.workflow_id))
                {
                    t.rows.push(vec![
                        int(r.rank as i64),
                        text(&r.workflow_id),
                        text(&r.name),
                        opt_text(&r.team),
                        text(&r.owner),
                        int(r.observations),
                        real(Some(r.items_per_week)),
                        real(Some(r.mean_handle_minutes)),
                        real(Some(r.weekly_manual_hours)),
                        real(Some(r.projected_reclaimed_hours_per_year)),
                        real(r.projected_reclaimed_money_per_year),
                        opt_text(&r.currency),
                    ]);
                    t.n += r.observations;
                }
                let a = &b.assumptions;
                t.notes.push(format!(
                    "Projection: observed items per week × mean handle minutes × (1 − residual share {:.1}%, {}) \
                     × {} weeks per year. n = time-study observations.",
                    a.residual_share * 100.0,
                    a.residual_source,
                    a.weeks_per_year
                ));
            }
            View::Compare => {
                let (_, _, comparisons) = self.portfolio()?;
                for c in comparisons {
                    for r in &c.rows {
                        t.rows.push(vec![
                            text(&r.workflow_id),
                            text(r.metric),
                            text(&r.unit),
                            real(r.before),
                            int(r.before_n as i64),
                            real(r.after),
                            int(r.after_n as i64),
                            real(r.change),
                            real(r.change_pct),
                            real(r.ci_low),
                            real(r.ci_high),
                            text(&r.verdict),
                        ]);
                    }
                }
                t.n = comparisons
                    .iter()
                    .filter_map(|c| c.rows.iter().find(|r| r.metric == "error_rate"))
                    .map(|r| r.after_n as i64)
                    .sum();
                if let Some(c) = comparisons.first() {
                    t.notes.push(format!(
                        "Before = {:?} baseline; after = runs since go-live in the period. Medians and means \
                         with 95% bootstrap intervals ({} resamples, seed {}).",
                        c.baseline, c.resamples, c.seed
                    ));
                }
            }
            View::Catalogue => {
                for c in &self.catalogue {
                    let w = &c.workflow;
                    t.rows.push(vec![
                        text(&w.workflow_id),
                        text(&w.name),
                        text(&w.owner),
                        opt_text(&w.team),
                        text(&w.category),
                        Cell::Text(w.automated_since.map(crate::model::format_timestamp)),
                        real(c.b),
                        text(&c.b_source),
                        int(c.baseline_observations),
                        real(w.hourly_cost),
                        opt_text(&w.currency),
                        real(w.sla_response_minutes),
                        real(w.sla_cycle_minutes),
                    ]);
                    t.n += c.baseline_observations;
                }
            }
            View::Teams => {
                let (p, _, _) = self.portfolio()?;
                for g in p.groups.iter().filter(|g| g.dimension == "team") {
                    t.rows.push(vec![
                        text(&g.key),
                        int(g.workflows as i64),
                        int(g.runs),
                        real(g.error_rate),
                        real(g.escalation_rate),
                        real(Some(g.reclaimed_hours)),
                    ]);
                    t.n += g.runs;
                }
                t.notes.push(
                    "Reclaimed hours per team: the sum over its workflows with a baseline and a go-live."
                        .into(),
                );
            }
            View::Finance => {
                let rows = self.portfolio()?.1.clone();
                #[derive(Default)]
                struct Acc {
                    workflows: i64,
                    with_b: i64,
                    runs: i64,
                    hours: Option<f64>,
                    money: Option<f64>,
                    cost: Vec<f64>,
                    sources: BTreeMap<String, usize>,
                    without: Vec<String>,
                }
                let mut by: BTreeMap<(String, String), Acc> = BTreeMap::new();
                for r in &rows {
                    let Some(c) = self.entry(&r.workflow_id) else {
                        continue;
                    };
                    let w = &c.workflow;
                    let key = (
                        w.team.clone().unwrap_or_else(|| "(no team)".into()),
                        w.currency.clone().unwrap_or_else(|| "(no cost)".into()),
                    );
                    let a = by.entry(key).or_default();
                    a.workflows += 1;
                    a.runs += r.runs;
                    if c.b.is_some() {
                        a.with_b += 1;
                        *a.sources.entry(c.b_source.clone()).or_default() += 1;
                    } else {
                        a.without.push(w.workflow_id.clone());
                    }
                    if let Some(h) = r.reclaimed_hours {
                        *a.hours.get_or_insert(0.0) += h;
                    }
                    if let Some(m) = r.reclaimed_money {
                        *a.money.get_or_insert(0.0) += m;
                    }
                    a.cost.extend(w.hourly_cost);
                }
                for ((team, currency), a) in by {
                    let mut method = format!(
                        "hours = Σ (B − human minutes) / 60 since go-live; money = hours × hourly cost. B: {}",
                        a.sources
                            .iter()
                            .map(|(s, n)| format!("{s} ×{n}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    );
                    if a.with_b == 0 {
                        method =
                            "no workflow has a baseline: nothing reclaimed can be claimed".into();
                    }
                    if !a.without.is_empty() && a.with_b > 0 {
                        method.push_str(&format!(
                            "; not counted, no baseline: {}",
                            a.without.join(", ")
                        ));
                    }
                    let lo = a
                        .cost
                        .iter()
                        .copied()
                        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.min(x))));
                    let hi = a
                        .cost
                        .iter()
                        .copied()
                        .fold(None, |m: Option<f64>, x| Some(m.map_or(x, |m| m.max(x))));
                    t.rows.push(vec![
                        text(&team),
                        text(&currency),
                        int(a.workflows),
                        int(a.with_b),
                        int(a.runs),
                        real(a.hours),
                        real(a.money),
                        real(lo),
                        real(hi),
                        text(&method),
                    ]);
                    t.n += a.runs;
                }
                t.notes.push(
                    "Money is per currency and never converted; a team working in two currencies has two rows."
                        .into(),
                );
            }
        }
        Ok(())
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

type PortfolioParts = (Portfolio, Vec<MetricRow>, Vec<Comparison>);

fn portfolio_of(engine: &dyn Engine, scope: &Scope) -> Result<PortfolioParts, ReportError> {
    report::portfolio_in(engine, scope.period, &scope.workflows, None)
}

/// The weekly trend of the scope, in UTC weeks.
fn weekly_of(engine: &dyn Engine, scope: &Scope) -> Result<report::Trend, ReportError> {
    let iso = crate::model::format_timestamp;
    report::trend(
        engine,
        Granularity::Week,
        "UTC",
        Some(&iso(scope.period.from)),
        Some(&iso(scope.period.to)),
        &scope.workflows,
        None,
    )
}

/// The regression checks of the last complete week before the period's end.
fn alerts_of(engine: &dyn Engine, scope: &Scope) -> Result<report::Alerts, ReportError> {
    let at = crate::model::format_timestamp(scope.period.to);
    report::alerts(engine, Some(&at), "UTC")
}

/// Resolves the filters of a request into a scope: the period (both bounds,
/// or neither for every stored run) and the workflows of `team` and/or `workflow`.
pub fn resolve_scope(
    store: &dyn crate::engine::Engine,
    catalogue: &[CatalogueEntry],
    from: Option<&str>,
    to: Option<&str>,
    team: Option<&str>,
    workflow: Option<&str>,
) -> Result<Option<Scope>, ReportError> {
    let Some(period) = report::resolve_period(store, from, to)? else {
        return Ok(None);
    };
    if let Some(w) = workflow {
        crate::model::check_slug(w)
            .map_err(|e| ReportError::BadRequest(format!("workflow: {e}")))?;
        if !catalogue.iter().any(|c| c.workflow.workflow_id == w) {
            return Err(ReportError::NotFound(format!(
                "workflow `{w}` is not in the catalogue"
            )));
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
    }))
}
