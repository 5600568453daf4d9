//! Dashboards: pages defined as TOML files (`dashboards/*.toml`), their panels
//! computed from the one report code path, drawn as charts and exported.
//!
//! `spec` reads and checks the files; `views` holds the analytics views, one
//! file each, and their registry; `source` computes a panel's table from a
//! view or a dashboard query, the catalogue read once per page; `chart`
//! draws; `export` writes CSV, JSON and XLSX and picks charts out of tables;
//! `page` renders the HTML. The page, the CSV, the XLSX and the JSON
//! of a panel all come from the same [`PanelTable`].

pub mod cache;
pub mod chart;
pub mod export;
pub mod page;
pub mod source;
pub mod spec;
pub mod views;

pub use source::{Cell, ColKind, PanelTable, Scope};
pub use spec::{Dashboard, Panel, SpecError};

use std::sync::Arc;

use crate::engine::Engine;
use crate::report::ReportError;
use crate::store::Store;

/// The filters and sort of a dashboard request; every field is optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Deserialize, schemars::JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Filters {
    /// The period's start (a date or a timestamp).
    pub from: Option<String>,
    /// The period's end, exclusive.
    pub to: Option<String>,
    /// Only this team's workflows.
    pub team: Option<String>,
    /// Only this workflow.
    pub workflow: Option<String>,
    /// `panel:column`, sorting one table panel.
    pub sort: Option<String>,
    /// `asc` or `desc` (the default).
    pub order: Option<String>,
    /// A reporting currency (ISO 4217): the headline's money in it too.
    pub currency: Option<String>,
    /// The page's time zone (IANA name; default UTC): bare dates are its
    /// midnights, weeks start on its Mondays.
    pub tz: Option<String>,
    /// The by-segment panels' key (`attributes.KEY` or `version`), instead
    /// of each panel's own.
    pub by: Option<String>,
    /// `attributes.KEY=VALUE` or `version=V`: only the runs that match, in
    /// the panels that read runs by segment (the others say they are not
    /// narrowed).
    pub segment: Option<String>,
}

impl Filters {
    /// Empty strings (an empty form field) mean "not given".
    pub fn normalised(mut self) -> Filters {
        for f in [
            &mut self.from,
            &mut self.to,
            &mut self.team,
            &mut self.workflow,
            &mut self.sort,
            &mut self.order,
            &mut self.currency,
            &mut self.tz,
            &mut self.by,
            &mut self.segment,
        ] {
            if f.as_deref().is_some_and(|s| s.trim().is_empty()) {
                *f = None;
            }
        }
        self
    }

    /// The query string that reproduces these filters (without `sort`/`order`
    /// when `with_sort` is false), already escaped for a URL.
    pub fn query_string(&self, with_sort: bool) -> String {
        let mut pairs: Vec<(&str, &str)> = Vec::new();
        for (k, v) in [
            ("from", &self.from),
            ("to", &self.to),
            ("team", &self.team),
            ("workflow", &self.workflow),
            ("currency", &self.currency),
            ("tz", &self.tz),
            ("by", &self.by),
            ("segment", &self.segment),
        ] {
            if let Some(v) = v {
                pairs.push((k, v));
            }
        }
        if with_sort {
            for (k, v) in [("sort", &self.sort), ("order", &self.order)] {
                if let Some(v) = v {
                    pairs.push((k, v));
                }
            }
        }
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    }
}

/// A computed dashboard: the scope it was computed for (`None`: no runs are
/// stored yet) and the table of every computed panel, by panel index.
#[derive(Debug, Clone)]
pub struct Computed {
    pub dashboard: Dashboard,
    pub filters: Filters,
    pub scope: Option<Scope>,
    pub tables: Vec<(usize, PanelTable)>,
    /// The runs in view in the period, all statuses.
    pub runs: i64,
    /// The catalogue entries in view, for the Method sheet and the form.
    pub catalogue: Vec<crate::store::CatalogueEntry>,
    /// Every team and workflow id of the catalogue, for the filter form.
    pub teams: Vec<String>,
    pub workflow_ids: Vec<String>,
    /// The money in the reporting currency, when the page has one and a
    /// panel converted it (for the Method sheet).
    pub reporting: Option<crate::metrics::fx::Reporting>,
    /// Where the page's figures come from (coverage, freshness, what was
    /// left out), for its provenance cards; `Err`: why it is not known.
    pub provenance: Option<Result<crate::metrics::provenance::Provenance, String>>,
    /// The page rendered from this computation, once (see [`Computed::page`]).
    html: std::sync::OnceLock<Arc<str>>,
}

/// Computes every panel of `dashboard`, or only `only` (a panel id), from
/// nothing.
pub fn compute(
    store: &Store,
    dashboard: &Dashboard,
    filters: Filters,
    only: Option<&str>,
) -> Result<Computed, ReportError> {
    compute_in(store, dashboard, filters, only)
}

/// [`compute`] through `engine`, reusing the per-workflow parts it keeps.
pub fn compute_in(
    engine: &dyn Engine,
    dashboard: &Dashboard,
    filters: Filters,
    only: Option<&str>,
) -> Result<Computed, ReportError> {
    let mut filters = filters.normalised();
    if let Some(id) = only {
        if !dashboard.panels.iter().any(|p| p.id == id) {
            return Err(ReportError::NotFound(format!(
                "dashboard `{}` has no panel `{id}`",
                dashboard.name
            )));
        }
    }
    let order_desc = match filters.order.as_deref() {
        None | Some("desc") => true,
        Some("asc") => false,
        Some(o) => {
            return Err(ReportError::BadRequest(format!(
                "order `{o}` is not asc or desc"
            )))
        }
    };
    let full = engine.catalogue(None)?;
    let mut teams: Vec<String> = full
        .iter()
        .filter_map(|c| c.workflow.team.clone())
        .collect();
    teams.sort();
    teams.dedup();
    let workflow_ids: Vec<String> = full
        .iter()
        .map(|c| c.workflow.workflow_id.clone())
        .collect();
    if dashboard.one_workflow && filters.workflow.is_none() {
        // The busiest automated workflow (of the team, if one is chosen).
        let summaries = engine.workflows(None)?;
        filters.workflow = summaries
            .iter()
            .filter(|w| {
                filters
                    .team
                    .as_deref()
                    .is_none_or(|t| w.workflow.team.as_deref() == Some(t))
            })
            .max_by_key(|w| (w.workflow.automated_since.is_some(), w.runs))
            .map(|w| w.workflow.workflow_id.clone());
    }
    let scope = source::resolve_scope(engine, &full, &filters)?;
    let sort = match filters.sort.as_deref() {
        None => None,
        Some(s) => {
            let (panel, column) = s.split_once(':').ok_or_else(|| {
                ReportError::BadRequest(format!("sort `{s}` is not `panel:column`"))
            })?;
            let p = dashboard
                .panels
                .iter()
                .find(|p| p.id == panel)
                .ok_or_else(|| ReportError::BadRequest(format!("sort: no panel `{panel}`")))?;
            if !p.fields.iter().any(|f| f == column) {
                return Err(ReportError::BadRequest(format!(
                    "sort: panel `{panel}` shows no column `{column}`"
                )));
            }
            Some((panel.to_string(), column.to_string()))
        }
    };
    let Some(scope) = scope else {
        return Ok(Computed {
            dashboard: dashboard.clone(),
            filters,
            scope: None,
            tables: Vec::new(),
            runs: 0,
            catalogue: Vec::new(),
            teams,
            workflow_ids,
            reporting: None,
            provenance: None,
            html: Default::default(),
        });
    };
    let mut ctx = source::Context::new(engine, scope.clone(), full)?;
    let views: Vec<&views::View> = dashboard
        .panels
        .iter()
        .filter(|p| only.is_none_or(|id| id == p.id))
        .filter_map(|p| match p.source {
            source::Source::View(v) => Some(v),
            source::Source::Query(_) => None,
        })
        .collect();
    ctx.prefetch(&views)?;
    let mut tables = Vec::new();
    for (i, p) in dashboard.panels.iter().enumerate() {
        if only.is_some_and(|id| id != p.id) {
            continue;
        }
        ctx.panel_by = p.by.clone();
        let mut t = ctx.table(p.source)?;
        let narrowed = match p.source {
            source::Source::View(v) => v.segmenting != views::Segmenting::Whole,
            source::Source::Query(_) => false,
        };
        // Each panel says what the segment filter did to it, so that its
        // own files (CSV, PNG) say so too.
        if !scope.segments.filter.is_empty() {
            t.notes.push(if narrowed {
                format!(
                    "Only the runs of the segment ({}).",
                    scope.segments.describe_filter()
                )
            } else {
                format!(
                    "Not narrowed to the segment ({}): this panel reads whole workflows.",
                    scope.segments.describe_filter()
                )
            });
        }
        match &sort {
            Some((panel, column)) if *panel == p.id => t.sort_by(column, order_desc),
            _ => {
                if let Some(s) = &p.sort {
                    t.sort_by(s, true);
                }
            }
        }
        tables.push((i, t));
    }
    let runs = ctx.runs_in_period()?;
    // A page's cards (a panel file has none).
    let provenance = match only {
        None => Some(crate::report::provenance(
            engine,
            scope.period,
            if scope.filtered {
                &scope.workflows
            } else {
                &[]
            },
            None,
        )?),
        Some(_) => None,
    };
    Ok(Computed {
        dashboard: dashboard.clone(),
        filters,
        scope: Some(scope),
        tables,
        runs,
        catalogue: ctx.catalogue().to_vec(),
        teams,
        workflow_ids,
        reporting: ctx.take_reporting(),
        provenance,
        html: Default::default(),
    })
}

impl Computed {
    /// The same computation narrowed to one panel (`None`: no such panel).
    pub fn only(&self, id: &str) -> Option<Computed> {
        let i = self.dashboard.panels.iter().position(|p| p.id == id)?;
        let mut c = self.clone();
        c.tables.retain(|(j, _)| *j == i);
        c.html = Default::default();
        Some(c)
    }

    /// The dashboard page of this computation (`nav`: every dashboard, for
    /// the navigation; the server passes the same list on every call),
    /// rendered on the first call and kept with it: a cached computation
    /// serves its page without rendering it again (at 1,000 workflows the
    /// page is 800 KB of HTML).
    pub fn page(&self, nav: &[Dashboard]) -> Arc<str> {
        self.html
            .get_or_init(|| Arc::from(page::dashboard(self, nav)))
            .clone()
    }

    /// The computed panels and their tables, in page order.
    pub fn panels(&self) -> impl Iterator<Item = (&Panel, &PanelTable)> {
        self.tables
            .iter()
            .map(|(i, t)| (&self.dashboard.panels[*i], t))
    }
}
