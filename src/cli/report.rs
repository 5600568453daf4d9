//! `yardstick report`: the metric table, step timings, the backlog, the
//! headline summary, the portfolio, regression alerts, the trend and the
//! before/after comparison, printed as JSON or CSV.
//!
//! Each report is one call into `crate::report` (the same code path the
//! HTTP API takes) and one print; what is here is only the arguments and the
//! choice of engine: every report runs on whichever engine --engine names,
//! or through the server that holds the --db file ([`through`]: the route
//! that answers the same question, printed the same way).
//! The period arguments are declared once, in [`Span`] and [`PeriodArgs`],
//! for the reports and for `export`.

use std::io::{self, Write};

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

use super::remote::{opt, Query, Remote};
use super::{print_json, Global};
use crate::metrics::compare::{BaselineChoice, Interval};
use crate::metrics::Period;
use crate::report;
use crate::segments::Segments;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The per-workflow metric table for a period [from, to).
    Metrics {
        #[command(flatten)]
        period: PeriodArgs,
        /// Only these workflows (repeat, or separate with commas).
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        #[command(flatten)]
        segments: SegmentArgs,
        /// Also value the money in this reporting currency (ISO 4217), each
        /// run at the latest rate of `ingest fx` dated on or before its anchor.
        #[arg(long, env = "YARDSTICK_CURRENCY")]
        currency: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Reclaimed hours from gross to net per workflow and in total: gross (B
    /// for every terminal run since go-live), minus human time on succeeded
    /// and escalated runs, minus failed runs, equals the metric table's
    /// reclaimed hours.
    Waterfall {
        #[command(flatten)]
        period: PeriodArgs,
        /// Only these workflows (repeat, or separate with commas).
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Step timings of one workflow: per step n, work, the wait before it, and
    /// their shares of cycle time; the bottleneck is the step with the largest wait share.
    Steps {
        /// The workflow.
        #[arg(long)]
        workflow: String,
        #[command(flatten)]
        span: Span,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// The effect of a workflow's go-live against a counterfactual: an
    /// interrupted time series on its weekly series, or a difference in
    /// differences against the workflows not automated yet, with the checks
    /// that say whether the estimate is safe.
    Impact {
        /// The automated workflow.
        #[arg(long)]
        workflow: String,
        /// auto (the method the checks allow), its, did or naive.
        #[arg(long, default_value = "auto")]
        method: String,
        /// Comparison workflows for did (repeat, or separate with commas;
        /// default: every workflow not automated in the window, or automated later).
        #[arg(long = "controls")]
        controls: Vec<String>,
        /// Metrics (repeat, or separate with commas): cycle_time_mean_min,
        /// response_mean_min, error_rate, escalation_rate,
        /// human_minutes_per_item, reclaimed_hours (default: all).
        #[arg(long = "metric")]
        metrics: Vec<String>,
        #[command(flatten)]
        span: Span,
        /// An estimate per segment; difference in differences against the
        /// same segment of the other workflows.
        #[command(flatten)]
        segments: SegmentArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// What to automate next: observed, not automated workflows ranked by weekly manual hours.
    Backlog {
        /// Report as it stood at this moment: the catalogue version and the batches received by then.
        #[arg(long)]
        as_of: Option<String>,
    },
    /// Headline figures against the previous period of equal length, with intervals.
    Summary {
        #[command(flatten)]
        period: PeriodArgs,
        /// Also all the money in this reporting currency (ISO 4217), each
        /// run at the latest rate of `ingest fx` dated on or before its anchor.
        #[arg(long, env = "YARDSTICK_CURRENCY")]
        currency: Option<String>,
    },
    /// The portfolio: totals by team, category and owner, and the headline with intervals.
    Portfolio {
        #[command(flatten)]
        period: PeriodArgs,
        /// Also the headline money in this reporting currency (ISO 4217), each
        /// run at the latest rate of `ingest fx` dated on or before its anchor.
        #[arg(long, env = "YARDSTICK_CURRENCY")]
        currency: Option<String>,
    },
    /// The outcome measures the catalogue declares (its `outcomes` column:
    /// CSAT, reopen rate…), read from the runs' attributes: each one's n,
    /// mean, median and share at target before go-live and after, and the
    /// change of its mean with a 95% interval and a verdict.
    Outcomes {
        #[command(flatten)]
        period: PeriodArgs,
        /// Only these workflows (repeat, or separate with commas).
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        #[command(flatten)]
        segments: SegmentArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Each version of a workflow's automation (the runs' `version`): its
    /// first and last run and runs, and its metrics against the version
    /// before it, with 95% intervals and verdicts.
    Versions {
        /// The workflow.
        #[arg(long)]
        workflow: String,
        #[command(flatten)]
        period: PeriodArgs,
        #[command(flatten)]
        resample: ResampleArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Regressions: each automated workflow's last complete week against its
    /// trailing 8 weeks, and a version first run in those weeks against the
    /// version before it, from its first day.
    Alerts {
        /// The moment to look back from; by default the end of the last run's day.
        #[arg(long)]
        at: Option<String>,
        /// Time zone whose Monday midnight starts a week.
        #[arg(long, default_value = "UTC", env = "YARDSTICK_TZ")]
        tz: String,
    },
    /// The metric table per ISO week (Monday start) or calendar month, in a time zone.
    Trend {
        /// week or month.
        #[arg(long, default_value = "week")]
        granularity: String,
        /// Reporting time zone (IANA name): periods start at its local midnight, and bare
        /// --from/--to dates mean local midnight too.
        #[arg(long, default_value = "UTC", env = "YARDSTICK_TZ")]
        tz: String,
        /// The span, widened to whole periods; bare dates are local midnight in --tz.
        #[command(flatten)]
        period: PeriodArgs,
        /// Only these workflows (repeat, or separate with commas).
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        #[command(flatten)]
        segments: SegmentArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
    /// Why the headline moved between a published report and a later one (or
    /// now): step by step, the method, the period, and each batch received in
    /// between with the assumptions it changed, each with its share of the change.
    Diff {
        /// The earlier published report.
        a: String,
        /// The later published report, or `now` (the default): A's period
        /// and currency as the data stands now.
        #[arg(default_value = "now")]
        b: String,
    },
    /// Before/after comparison with 95% bootstrap intervals, per workflow.
    ///
    /// The before side is the time study, the runs before go-live, or both;
    /// the after side is the runs from go-live (or --from) until --to.
    Compare {
        /// Workflows to compare (repeat, or separate with commas); all automated ones by default.
        #[arg(long = "workflow")]
        workflows: Vec<String>,
        // Not a `Span`: compare's --from and --to bound the after side only,
        // and --to has a default of its own.
        /// Start of the after side (never before go-live).
        #[arg(long)]
        from: Option<String>,
        /// End of the after side, exclusive; by default the day after the last run.
        #[arg(long)]
        to: Option<String>,
        /// The before side: study, pre-runs or both (default: study when it has observations).
        #[arg(long, value_enum)]
        baseline: Option<BaselineArg>,
        #[command(flatten)]
        bootstrap: BootstrapArgs,
        #[command(flatten)]
        segments: SegmentArgs,
        /// Report as it stood at this moment: the catalogue version and the batches received by then.
        #[arg(long)]
        as_of: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value = "json")]
        format: OutFormat,
    },
}

/// The span of runs a report or an export covers, [from, to): give both, or
/// neither for all runs.
#[derive(Debug, clap::Args)]
pub struct Span {
    /// Start of the period, inclusive: a date (midnight UTC) or a timestamp (default: all runs).
    #[arg(long)]
    pub from: Option<String>,
    /// End of the period, exclusive (default: all runs).
    #[arg(long)]
    pub to: Option<String>,
}

/// A reporting period and the moment to report as of.
#[derive(Debug, clap::Args)]
pub struct PeriodArgs {
    #[command(flatten)]
    pub span: Span,
    /// Report as it stood at this moment: the catalogue version and the batches received by then.
    #[arg(long)]
    pub as_of: Option<String>,
}

impl PeriodArgs {
    /// --as-of as a moment, if given.
    fn as_of(&self) -> anyhow::Result<Option<chrono::NaiveDateTime>> {
        Ok(report::parse_as_of(self.as_of.as_deref())?)
    }

    /// --from/--to as a period; without them, the whole days covering every run.
    pub(super) fn period(&self, store: &dyn crate::engine::Engine) -> anyhow::Result<Period> {
        let (from, to) = (self.span.from.as_deref(), self.span.to.as_deref());
        report::resolve_period(store, from, to)?
            .context("no runs are stored yet, so there is no default period: give --from and --to")
    }
}

/// The bootstrap's seed and resamples.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct ResampleArgs {
    /// Seed of the bootstrap; the same data and seed give the same intervals.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Bootstrap resamples (100 to 100,000; default 2,000).
    #[arg(long)]
    pub resamples: Option<usize>,
}

impl ResampleArgs {
    /// As query-string pairs, those given.
    fn query(&self, q: &mut Query) {
        opt(q, "seed", &self.seed.map(|s| s.to_string()));
        opt(q, "resamples", &self.resamples.map(|r| r.to_string()));
    }
}

/// The bootstrap's seed and resamples, and how it resamples.
#[derive(Debug, Clone, Copy, clap::Args)]
pub struct BootstrapArgs {
    #[command(flatten)]
    pub resample: ResampleArgs,
    /// How the bootstrap resamples runs: whole ISO weeks (the default:
    /// runs of one week share staff and load) or runs one by one.
    #[arg(long)]
    pub interval: Option<Interval>,
}

impl BootstrapArgs {
    /// As query-string pairs, those given.
    fn query(&self, q: &mut Query) {
        self.resample.query(q);
        opt(
            q,
            "interval",
            &self.interval.map(|i| i.as_str().to_string()),
        );
    }
}

/// Segments and filters on the runs' attributes.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SegmentArgs {
    /// A row per workflow and value of this run attribute, e.g.
    /// attributes.region, or of `version`, the automation's version that ran
    /// it (repeat for several keys; the version's column comes first); runs
    /// without it are their own segment, its value empty (null in JSON).
    /// `team`, `category` or `owner`: the workflow's own, one value per
    /// workflow, a column after the runs' segment columns.
    #[arg(long = "by", value_name = "attributes.KEY|version|team|category|owner")]
    pub by: Vec<String>,
    /// Only the runs whose attribute (or version) has this value, e.g.
    /// attributes.region=EU or version=14; team=Ops (or category=, owner=):
    /// only the workflows of that team (repeat: all must hold).
    #[arg(
        long = "where",
        value_name = "attributes.KEY=VALUE|version=V|team=T|category=C|owner=O"
    )]
    pub filter: Vec<String>,
}

impl SegmentArgs {
    fn segments(&self) -> Result<Segments, report::ReportError> {
        Segments::parse(&self.by, &self.filter).map_err(report::ReportError::BadRequest)
    }

    /// As query-string pairs, `by` and `where` repeated.
    fn query(&self, q: &mut Query) {
        q.extend(self.by.iter().map(|b| ("by", b.clone())));
        q.extend(self.filter.iter().map(|w| ("where", w.clone())));
    }
}

#[derive(Debug, Clone, Copy, ValueEnum, PartialEq, Eq)]
pub enum OutFormat {
    Json,
    Csv,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum BaselineArg {
    Study,
    PreRuns,
    Both,
}

impl From<BaselineArg> for BaselineChoice {
    fn from(b: BaselineArg) -> BaselineChoice {
        match b {
            BaselineArg::Study => BaselineChoice::Study,
            BaselineArg::PreRuns => BaselineChoice::PreRuns,
            BaselineArg::Both => BaselineChoice::Both,
        }
    }
}

/// Runs one `report` subcommand: on the engine, or through the server that
/// holds the --db file (or --server).
pub fn run(global: &Global, cmd: ReportCommand) -> anyhow::Result<()> {
    if let Some(remote) = global.remote()? {
        return through(&remote, cmd);
    }
    match cmd {
        ReportCommand::Metrics {
            period,
            workflows,
            segments,
            currency,
            format,
        } => {
            let segments = segments.segments()?;
            report::segments_without(&segments, currency.as_deref())?;
            let store = global.open_engine()?;
            let store = store.as_ref();
            let span = period.period(store)?;
            let wf = report::split_workflow_filter(workflows.iter().map(String::as_str));
            let as_of = period.as_of()?;
            let mut table = report::metric_table_by(store, span, &wf, as_of, &segments)?;
            if let Some(c) = &currency {
                report::in_currency(store, &mut table, &wf, as_of, c)?;
            }
            match format {
                OutFormat::Json => {
                    report::with_provenance(store, &mut table, &wf, as_of)?;
                    print_json(&table.to_json()?)
                }
                OutFormat::Csv => print_csv(&table.to_csv()?),
            }
        }
        ReportCommand::Waterfall {
            period,
            workflows,
            format,
        } => {
            let store = global.open_engine()?;
            let store = store.as_ref();
            let span = period.period(store)?;
            let wf = report::split_workflow_filter(workflows.iter().map(String::as_str));
            let rows = report::waterfall(store, span, &wf, period.as_of()?)?;
            match format {
                OutFormat::Json => print_json(&report::waterfall_json(span, &rows)),
                OutFormat::Csv => print_csv(&crate::metrics::waterfall::to_csv(&rows)?),
            }
        }
        ReportCommand::Compare {
            workflows,
            from,
            to,
            baseline,
            bootstrap,
            segments,
            format,
            as_of,
        } => {
            let segments = segments.segments()?;
            let store = global.open_engine()?;
            let req = report::CompareRequest {
                as_of,
                workflows: report::split_workflow_filter(workflows.iter().map(String::as_str)),
                from,
                to,
                baseline: baseline.map(Into::into),
                seed: bootstrap.resample.seed,
                resamples: bootstrap.resample.resamples,
                interval: bootstrap.interval,
                segments,
            };
            let comparisons = report::compare(store.as_ref(), &req)?;
            match format {
                OutFormat::Json => print_json(&report::comparisons_json(&comparisons)),
                OutFormat::Csv => print_csv(&report::comparisons_csv(&comparisons)?),
            }
        }
        ReportCommand::Trend {
            granularity,
            tz,
            period,
            workflows,
            segments,
            format,
        } => {
            let segments = segments.segments()?;
            let store = global.open_engine()?;
            let g = granularity
                .parse()
                .map_err(|e: String| anyhow::anyhow!(e))?;
            let wf = report::split_workflow_filter(workflows.iter().map(String::as_str));
            let trend = report::trend_from(
                store.as_ref(),
                g,
                &tz,
                period.span.from.as_deref(),
                period.span.to.as_deref(),
                &wf,
                report::Catalogue::Read(period.as_of()?),
                &segments,
            )?;
            match format {
                OutFormat::Json => print_json(&trend.to_json()?),
                OutFormat::Csv => print_csv(&trend.to_csv()?),
            }
        }
        ReportCommand::Outcomes {
            period,
            workflows,
            bootstrap,
            segments,
            format,
        } => {
            let segments = segments.segments()?;
            let store = global.open_engine()?;
            let req = report::outcomes::OutcomesRequest {
                from: period.span.from,
                to: period.span.to,
                workflows: report::split_workflow_filter(workflows.iter().map(String::as_str)),
                as_of: period.as_of,
                seed: bootstrap.resample.seed,
                resamples: bootstrap.resample.resamples,
                interval: bootstrap.interval,
                segments,
                baseline: None,
            };
            let o = report::outcomes::outcomes(store.as_ref(), &req)?;
            match format {
                OutFormat::Json => print_json(&o),
                OutFormat::Csv => print_csv(&report::outcomes::outcomes_csv(&o)?),
            }
        }
        ReportCommand::Versions {
            workflow,
            period,
            resample,
            format,
        } => {
            let store = global.open_engine()?;
            let req = report::versions::VersionsRequest {
                workflow,
                from: period.span.from,
                to: period.span.to,
                as_of: period.as_of,
                seed: resample.seed,
                resamples: resample.resamples,
            };
            let v = report::versions::versions_of(store.as_ref(), &req)?;
            match format {
                OutFormat::Json => print_json(&v),
                OutFormat::Csv => print_csv(&report::versions::versions_csv(&v)?),
            }
        }
        ReportCommand::Alerts { at, tz } => {
            let store = global.open_engine()?;
            print_json(&report::alerts(store.as_ref(), at.as_deref(), &tz)?)
        }
        ReportCommand::Portfolio { period, currency } => {
            let store = global.open_engine()?;
            let (from, to) = (period.span.from.as_deref(), period.span.to.as_deref());
            let (span, p, reporting) = report::portfolio_with(
                store.as_ref(),
                from,
                to,
                period.as_of()?,
                currency.as_deref(),
            )?;
            print_json(&report::portfolio_json(span, &p, reporting.as_ref())?)
        }
        ReportCommand::Summary { period, currency } => {
            let store = global.open_engine()?;
            print_json(&report::summary(
                store.as_ref(),
                period.span.from.as_deref(),
                period.span.to.as_deref(),
                period.as_of()?,
                currency.as_deref(),
            )?)
        }
        ReportCommand::Steps {
            workflow,
            span,
            format,
        } => {
            let store = global.open_engine()?;
            let (period, table) = report::steps(
                store.as_ref(),
                &workflow,
                span.from.as_deref(),
                span.to.as_deref(),
            )?;
            match format {
                OutFormat::Json => print_json(&report::steps_json(period, &table)),
                OutFormat::Csv => print_csv(&table.to_csv()),
            }
        }
        ReportCommand::Impact {
            workflow,
            method,
            controls,
            metrics,
            span,
            segments,
            format,
        } => {
            let store = global.open_engine()?;
            let req = report::impact::ImpactRequest {
                workflow,
                method: Some(method),
                controls: report::split_workflow_filter(controls.iter().map(String::as_str)),
                metrics: report::split_workflow_filter(metrics.iter().map(String::as_str)),
                from: span.from,
                to: span.to,
                segments: segments.segments()?,
            };
            let answer = report::impact::impact(store.as_ref(), &req)?;
            match format {
                OutFormat::Json => print_json(&serde_json::to_value(&answer)?),
                OutFormat::Csv => print_csv(&report::impact::impact_csv(&answer)?),
            }
        }
        ReportCommand::Diff { a, b } => {
            let store = global.open_store()?;
            let b = (b != "now").then_some(b.as_str());
            print_json(&crate::publish::diff(&store, &a, b)?)
        }
        ReportCommand::Backlog { as_of } => {
            let store = global.open_engine()?;
            print_json(&report::backlog(
                store.as_ref(),
                report::parse_as_of(as_of.as_deref())?,
            )?)
        }
    }
}

/// Runs one `report` subcommand through a server: the route answering the
/// same question, its options as the query, and the answer printed as the
/// command prints its own (the same JSON, pretty; the same CSV bytes).
fn through(remote: &Remote, cmd: ReportCommand) -> anyhow::Result<()> {
    let mut q: Query = Vec::new();
    let period = |q: &mut Query, p: &PeriodArgs| {
        opt(q, "from", &p.span.from);
        opt(q, "to", &p.span.to);
        opt(q, "as_of", &p.as_of);
    };
    let workflows = |q: &mut Query, w: &[String]| {
        q.extend(w.iter().map(|w| ("workflow", w.clone())));
    };
    let format_of = |q: &mut Query, f: OutFormat| {
        q.push((
            "format",
            if f == OutFormat::Csv { "csv" } else { "json" }.into(),
        ));
        f
    };
    let portfolio = matches!(cmd, ReportCommand::Portfolio { .. });
    let (path, format) = match cmd {
        ReportCommand::Metrics {
            period: p,
            workflows: w,
            segments,
            currency,
            format,
        } => {
            period(&mut q, &p);
            workflows(&mut q, &w);
            segments.query(&mut q);
            opt(&mut q, "currency", &currency);
            ("/api/v1/metrics".to_string(), format_of(&mut q, format))
        }
        ReportCommand::Waterfall {
            period: p,
            workflows: w,
            format,
        } => {
            period(&mut q, &p);
            workflows(&mut q, &w);
            ("/api/v1/waterfall".into(), format_of(&mut q, format))
        }
        ReportCommand::Compare {
            workflows: w,
            from,
            to,
            baseline,
            bootstrap,
            segments,
            as_of,
            format,
        } => {
            workflows(&mut q, &w);
            segments.query(&mut q);
            opt(&mut q, "from", &from);
            opt(&mut q, "to", &to);
            let baseline = baseline.map(|b| {
                match b {
                    BaselineArg::Study => "study",
                    BaselineArg::PreRuns => "pre-runs",
                    BaselineArg::Both => "both",
                }
                .to_string()
            });
            opt(&mut q, "baseline", &baseline);
            bootstrap.query(&mut q);
            opt(&mut q, "as_of", &as_of);
            ("/api/v1/compare".into(), format_of(&mut q, format))
        }
        ReportCommand::Trend {
            granularity,
            tz,
            period: p,
            workflows: w,
            segments,
            format,
        } => {
            q.push(("granularity", granularity));
            q.push(("tz", tz));
            period(&mut q, &p);
            workflows(&mut q, &w);
            segments.query(&mut q);
            ("/api/v1/trend".into(), format_of(&mut q, format))
        }
        ReportCommand::Outcomes {
            period: p,
            workflows: w,
            bootstrap,
            segments,
            format,
        } => {
            period(&mut q, &p);
            workflows(&mut q, &w);
            segments.query(&mut q);
            bootstrap.query(&mut q);
            ("/api/v1/outcomes".into(), format_of(&mut q, format))
        }
        ReportCommand::Versions {
            workflow,
            period: p,
            resample,
            format,
        } => {
            q.push(("workflow", workflow));
            period(&mut q, &p);
            resample.query(&mut q);
            ("/api/v1/versions".into(), format_of(&mut q, format))
        }
        ReportCommand::Alerts { at, tz } => {
            opt(&mut q, "at", &at);
            q.push(("tz", tz));
            ("/api/v1/alerts".into(), OutFormat::Json)
        }
        ReportCommand::Portfolio {
            period: p,
            currency,
        }
        | ReportCommand::Summary {
            period: p,
            currency,
        } => {
            period(&mut q, &p);
            opt(&mut q, "currency", &currency);
            let route = if portfolio { "portfolio" } else { "summary" };
            (format!("/api/v1/{route}"), OutFormat::Json)
        }
        ReportCommand::Steps {
            workflow,
            span,
            format,
        } => {
            q.push(("workflow", workflow));
            opt(&mut q, "from", &span.from);
            opt(&mut q, "to", &span.to);
            ("/api/v1/steps".into(), format_of(&mut q, format))
        }
        ReportCommand::Impact {
            workflow,
            method,
            controls,
            metrics,
            span,
            segments,
            format,
        } => {
            q.push(("workflow", workflow));
            q.push(("method", method));
            q.extend(controls.into_iter().map(|c| ("controls", c)));
            q.extend(metrics.into_iter().map(|m| ("metric", m)));
            opt(&mut q, "from", &span.from);
            opt(&mut q, "to", &span.to);
            segments.query(&mut q);
            ("/api/v1/impact".into(), format_of(&mut q, format))
        }
        ReportCommand::Diff { a, b } => {
            q.push(("against", b));
            (format!("/api/v1/published/{a}/diff"), OutFormat::Json)
        }
        ReportCommand::Backlog { as_of } => {
            opt(&mut q, "as_of", &as_of);
            ("/api/v1/backlog".into(), OutFormat::Json)
        }
    };
    let answer = remote.get(&path, &q)?;
    match format {
        OutFormat::Csv => print_csv(&answer.body),
        OutFormat::Json => {
            let mut v = answer.json()?;
            // How fresh a kept answer is: the server's, about its memory; the
            // command asked for a current one, and prints the report alone.
            if let Some(o) = v.as_object_mut() {
                o.shift_remove("freshness");
            }
            print_json(&v)
        }
    }
}

/// Writes a CSV document to standard output as it is.
fn print_csv(bytes: &[u8]) -> anyhow::Result<()> {
    io::stdout().lock().write_all(bytes)?;
    Ok(())
}
