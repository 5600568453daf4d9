//! The data model of DESIGN.md as Rust types: the catalogue, runs, baseline
//! observations, and the parsing rules shared by every input format
//! (timestamps, numbers, booleans, enumerations).
//!
//! All timestamps are UTC and carried as `NaiveDateTime` in UTC, which is what
//! DuckDB's `TIMESTAMP` stores.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDate, NaiveDateTime};
use serde::Serialize;

/// The three kinds of input Yardstick ingests.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Workflows,
    Runs,
    Baselines,
    /// Timed steps of stored runs.
    Steps,
    /// The platform workflow map: which catalogued workflow each automation
    /// platform's workflow feeds (a versioned ledger like the catalogue).
    Maps,
    /// Exchange rates into a reporting currency: one unit of `currency` is
    /// `rate` units of `to`, from `date`.
    Fx,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Workflows => "workflows",
            Kind::Runs => "runs",
            Kind::Baselines => "baselines",
            Kind::Steps => "steps",
            Kind::Maps => "maps",
            Kind::Fx => "fx",
        }
    }

    /// The field names of this kind, in the order of DESIGN.md's data model.
    pub fn fields(self) -> &'static [&'static str] {
        match self {
            Kind::Workflows => &[
                "workflow_id",
                "name",
                "owner",
                "team",
                "category",
                "hourly_cost",
                "currency",
                "sla_response_minutes",
                "sla_cycle_minutes",
                "automated_since",
                "baseline_minutes_per_item",
                "effective_from",
                "cost_per_run",
                "maintenance_hours_per_month",
                "outcomes",
            ],
            Kind::Runs => &[
                "source",
                "run_id",
                "workflow_id",
                "trigger_at",
                "started_at",
                "first_response_at",
                "finished_at",
                "status",
                "error_kind",
                "human_minutes",
                "attributes",
                "version",
            ],
            Kind::Baselines => &[
                "study",
                "workflow_id",
                "observed_at",
                "performer",
                "handle_minutes",
                "response_minutes",
                "cycle_minutes",
                "had_error",
                "note",
            ],
            Kind::Steps => &[
                "source",
                "run_id",
                "step",
                "started_at",
                "finished_at",
                "actor",
                "resource",
            ],
            Kind::Maps => &["platform", "platform_workflow", "workflow_id"],
            Kind::Fx => &["date", "currency", "rate", "to"],
        }
    }

    /// Fields that every row must carry; a file whose header lacks one of them
    /// cannot be read at all.
    pub fn required_fields(self) -> &'static [&'static str] {
        match self {
            Kind::Workflows => &["workflow_id", "name", "owner", "category"],
            Kind::Runs => &["source", "run_id", "workflow_id", "started_at", "status"],
            Kind::Baselines => &["study", "workflow_id", "observed_at", "handle_minutes"],
            Kind::Steps => &["source", "run_id", "step", "started_at", "finished_at"],
            Kind::Maps => &["platform", "platform_workflow", "workflow_id"],
            Kind::Fx => &["date", "currency", "rate"],
        }
    }
}

impl FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "workflows" => Ok(Kind::Workflows),
            "runs" => Ok(Kind::Runs),
            "baselines" => Ok(Kind::Baselines),
            "steps" => Ok(Kind::Steps),
            "maps" => Ok(Kind::Maps),
            "fx" => Ok(Kind::Fx),
            other => Err(format!(
                "unknown input kind `{other}`: expected workflows, runs, baselines, steps, maps, fx or eventlog"
            )),
        }
    }
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The state of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Succeeded,
    Failed,
    Escalated,
    Cancelled,
    Running,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Succeeded,
        Status::Failed,
        Status::Escalated,
        Status::Cancelled,
        Status::Running,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Succeeded => "succeeded",
            Status::Failed => "failed",
            Status::Escalated => "escalated",
            Status::Cancelled => "cancelled",
            Status::Running => "running",
        }
    }

    /// Every status but `running` closes the case and needs a `finished_at`.
    pub fn is_terminal(self) -> bool {
        self != Status::Running
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| {
                // A platform's or a spreadsheet's word for one of ours, where
                // it can mean only that one (`done` or `completed` could be
                // a success or a failure, so they get no hint).
                let ours = match s.to_ascii_lowercase().as_str() {
                    "success" | "successful" | "succeed" | "ok" => Some("succeeded"),
                    "error" | "errored" | "failure" | "fail" => Some("failed"),
                    "canceled" | "cancel" | "aborted" => Some("cancelled"),
                    "escalate" | "escalation" => Some("escalated"),
                    "in_progress" | "in progress" | "pending" | "waiting" => Some("running"),
                    _ => None,
                };
                let hint = ours.map_or(String::new(), |o| format!(" (write `{o}` for `{s}`)"));
                format!(
                    "status `{s}` is not one of succeeded, failed, escalated, cancelled, \
                     running{hint}"
                )
            })
    }
}

/// The workflow categories of the catalogue.
pub const CATEGORIES: [&str; 7] = [
    "intake",
    "scheduling",
    "invoicing",
    "handoff",
    "reporting",
    "data_sync",
    "other",
];

/// One entry of the workflow catalogue.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Workflow {
    pub workflow_id: String,
    pub name: String,
    pub owner: String,
    pub team: Option<String>,
    pub category: String,
    pub hourly_cost: Option<f64>,
    pub currency: Option<String>,
    pub sla_response_minutes: Option<f64>,
    pub sla_cycle_minutes: Option<f64>,
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub automated_since: Option<NaiveDateTime>,
    pub baseline_minutes_per_item: Option<f64>,
    /// From when this row's terms (hourly_cost, currency, the SLAs and
    /// baseline_minutes_per_item) apply to runs, by their anchor; `None`: from
    /// the beginning. Read from the catalogue, the row in force last.
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub effective_from: Option<NaiveDateTime>,
    /// What the automation platform charges per run, in `currency`.
    pub cost_per_run: Option<f64>,
    /// People's hours spent keeping the automation running, per month.
    pub maintenance_hours_per_month: Option<f64>,
    /// The outcome measures it declares, in their canonical text
    /// (`csat:scale:higher:target=4;reopened:rate:lower`, see
    /// [`crate::outcomes`]); `None` for none.
    pub outcomes: Option<String>,
}

/// One execution of an automation: one business case.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub source: String,
    pub run_id: String,
    pub workflow_id: String,
    pub trigger_at: Option<NaiveDateTime>,
    pub started_at: NaiveDateTime,
    pub first_response_at: Option<NaiveDateTime>,
    pub finished_at: Option<NaiveDateTime>,
    pub status: Status,
    pub error_kind: Option<String>,
    pub human_minutes: Option<f64>,
    /// A JSON object, as text, or `None` when the run carries no attributes.
    pub attributes: Option<String>,
    /// The version of the automation that executed the run, as its platform
    /// names it (e.g. UiPath's process version, n8n's workflow version id).
    pub version: Option<String>,
}

/// One timed step of a run: the work between a start and its completion.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub source: String,
    pub run_id: String,
    /// The step's order within its run, from 1, by start time.
    pub seq: i64,
    pub step: String,
    pub started_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
    /// `system` or `human` (DESIGN.md).
    pub actor: Option<String>,
    /// Who did it, as the source names it (an event log's `org:resource`).
    pub resource: Option<String>,
}

/// One line of the platform workflow map: the runs of `platform_workflow`
/// on `platform` belong to the catalogued `workflow_id`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformMapping {
    /// `n8n`, `zapier`, `power-automate`, `uipath` or `make`.
    pub platform: String,
    /// The platform's own id (or name) of the workflow, as its runs carry it.
    pub platform_workflow: String,
    pub workflow_id: String,
}

/// One timed instance of the work done by hand.
#[derive(Debug, Clone, PartialEq)]
pub struct BaselineObservation {
    pub study: String,
    pub workflow_id: String,
    pub observed_at: NaiveDateTime,
    pub performer: Option<String>,
    pub handle_minutes: f64,
    pub response_minutes: Option<f64>,
    pub cycle_minutes: Option<f64>,
    pub had_error: Option<bool>,
    pub note: Option<String>,
    /// The outcome values recorded (a study file's `outcome_<name>`
    /// columns), as a JSON object of texts: `{"csat":"4"}`.
    pub outcomes: Option<String>,
}

/// One reason a row was refused.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Problem {
    /// The field at fault, when the problem is confined to one.
    pub field: Option<String>,
    pub reason: String,
}

/// A refused row, kept with every reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Reject {
    pub line: u64,
    /// The row's identity where it could be read: `run_id` for runs,
    /// `workflow_id` for workflows and baseline observations.
    pub key: Option<String>,
    pub raw: String,
    pub problems: Vec<Problem>,
}

/// The accepted rows of one batch, of one kind.
#[derive(Debug, Clone, PartialEq)]
pub enum Rows {
    Workflows(Vec<Workflow>),
    Runs(Vec<Run>),
    Baselines(Vec<BaselineObservation>),
    Steps(Vec<Step>),
    Maps(Vec<PlatformMapping>),
    Fx(Vec<FxRate>),
}

/// One exchange rate: from `date` on, one unit of `currency` is `rate` units
/// of `to` (the reporting currency), until a later date of the same pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FxRate {
    pub date: chrono::NaiveDate,
    pub currency: String,
    pub to: String,
    pub rate: f64,
}

impl Rows {
    pub fn len(&self) -> usize {
        match self {
            Rows::Workflows(v) => v.len(),
            Rows::Runs(v) => v.len(),
            Rows::Baselines(v) => v.len(),
            Rows::Steps(v) => v.len(),
            Rows::Maps(v) => v.len(),
            Rows::Fx(v) => v.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// One workflow's runs as a comparison reads them: per run its anchor
/// (`coalesce(trigger_at, started_at)` in microseconds), status, and the
/// per-run quantities of the metric definitions (`queries/compare/runs.sql`),
/// as columns. An engine fills it in no particular order; [`RunSample::canonical`]
/// puts it in the one order a seeded bootstrap draws from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RunSample {
    pub anchor_us: Vec<i64>,
    pub status: Vec<Status>,
    pub cycle_min: Vec<Option<f64>>,
    pub response_min: Vec<Option<f64>>,
    pub human_minutes: Vec<Option<f64>>,
}

impl RunSample {
    pub fn len(&self) -> usize {
        self.anchor_us.len()
    }

    pub fn is_empty(&self) -> bool {
        self.anchor_us.is_empty()
    }

    pub fn push(
        &mut self,
        anchor_us: i64,
        status: Status,
        cycle_min: Option<f64>,
        response_min: Option<f64>,
        human_minutes: Option<f64>,
    ) {
        self.anchor_us.push(anchor_us);
        self.status.push(status);
        self.cycle_min.push(cycle_min);
        self.response_min.push(response_min);
        self.human_minutes.push(human_minutes);
    }

    /// The runs ordered by anchor, then by every other column (floats by
    /// their total order, a missing value first). Two runs equal in every
    /// column are interchangeable to every computation that reads a sample,
    /// so this order depends only on the runs' values: not on the engine, on
    /// the order a query returned them, or on run ids.
    pub fn canonical(&self) -> RunSample {
        let opt = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(x), Some(y)) => x.total_cmp(&y),
            (a, b) => a.is_some().cmp(&b.is_some()),
        };
        let mut order: Vec<u32> = (0..self.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (a as usize, b as usize);
            self.anchor_us[a]
                .cmp(&self.anchor_us[b])
                .then((self.status[a] as u8).cmp(&(self.status[b] as u8)))
                .then_with(|| opt(self.cycle_min[a], self.cycle_min[b]))
                .then_with(|| opt(self.response_min[a], self.response_min[b]))
                .then_with(|| opt(self.human_minutes[a], self.human_minutes[b]))
        });
        let pick = |i: &u32| *i as usize;
        RunSample {
            anchor_us: order.iter().map(|i| self.anchor_us[pick(i)]).collect(),
            status: order.iter().map(|i| self.status[pick(i)]).collect(),
            cycle_min: order.iter().map(|i| self.cycle_min[pick(i)]).collect(),
            response_min: order.iter().map(|i| self.response_min[pick(i)]).collect(),
            human_minutes: order.iter().map(|i| self.human_minutes[pick(i)]).collect(),
        }
    }
}

/// Parses a timestamp: RFC 3339 with `Z` or an offset (normalised to UTC), or
/// `YYYY-MM-DD HH:MM:SS[.fff]` / `YYYY-MM-DDTHH:MM:SS[.fff]` without an offset,
/// which means UTC.
pub fn parse_timestamp(s: &str) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    match utc_common(s) {
        Some(t) => Ok(t),
        None => parse_timestamp_general(s),
    }
}

/// [`parse_timestamp`] by chrono's parsers alone.
fn parse_timestamp_general(s: &str) -> Result<NaiveDateTime, String> {
    if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
        return Ok(dt.naive_utc());
    }
    // DuckDB prints a TIMESTAMPTZ as `2026-03-01 09:30:00+00` (Parquet input);
    // ISO 8601's basic offset `+0100` is what strftime's `%z` and Java's `Z`
    // write.
    for fmt in ["%Y-%m-%d %H:%M:%S%.f%#z", "%Y-%m-%dT%H:%M:%S%.f%#z"] {
        if let Ok(dt) = DateTime::parse_from_str(s, fmt) {
            return Ok(dt.naive_utc());
        }
    }
    // Spreadsheets often drop the seconds: `2026-03-01 09:30` is accepted too.
    for fmt in [
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(s, fmt) {
            return Ok(dt);
        }
    }
    // Ten digits (or thirteen) read as Unix seconds (or milliseconds) of
    // 2001 to 2286; said, not guessed.
    let epoch = (s.len() == 10 || s.len() == 13) && s.bytes().all(|b| b.is_ascii_digit());
    let hint = if epoch {
        " (it looks like Unix time: write it as a date and time)"
    } else {
        ""
    };
    Err(format!(
        "`{s}` is not a timestamp{hint}: use RFC 3339 (2026-03-01T09:30:00Z, \
         2026-03-01T10:30:00+01:00) or `YYYY-MM-DD HH:MM:SS` in UTC"
    ))
}

/// The common forms of a run's timestamps, read without chrono's general
/// parsers (they took an eighth of a CSV ingest's reading thread, and a
/// quarter of a Parquet ingest's, which parses a format string per value):
/// `YYYY-MM-DDTHH:MM:SS[.f]` with `Z`, `±hh:mm` (event logs write their
/// local offset) or nothing, and `YYYY-MM-DD HH:MM:SS[.f]` with `+00`
/// (DuckDB's text of a TIMESTAMPTZ) or nothing, the fraction of up to nine
/// digits, as UTC; `None` for anything else, which the general parsers then
/// read or refuse. Where it reads a timestamp it gives what they give (see
/// the test).
fn utc_common(s: &str) -> Option<NaiveDateTime> {
    let b = s.as_bytes();
    if b.len() < 19
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |r: std::ops::Range<usize>| -> Option<u32> {
        b[r].iter().try_fold(0u32, |n, c| {
            c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
        })
    };
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let (nanos, rest) = match b.get(19) {
        Some(b'.') => {
            let digits = b[20..].iter().take_while(|c| c.is_ascii_digit()).count();
            if digits == 0 || digits > 9 {
                return None;
            }
            let n = num(20..20 + digits)? * 10u32.pow(9 - digits as u32);
            (n, &b[20 + digits..])
        }
        _ => (0, &b[19..]),
    };
    // RFC 3339 after a T (Z or ±hh:mm); DuckDB's text of a TIMESTAMPTZ (+00)
    // after a space; no offset after either. Any other offset, a leap second
    // or anything else: the general parsers.
    let offset_minutes: i64 = match (b[10], rest) {
        (_, b"") | (b'T', b"Z") | (b' ', b"+00") => 0,
        (b'T', [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2]) => {
            let digit = |c: u8| c.is_ascii_digit().then(|| i64::from(c - b'0'));
            let (h, m) = (
                digit(*h1)? * 10 + digit(*h2)?,
                digit(*m1)? * 10 + digit(*m2)?,
            );
            if h > 23 || m > 59 {
                return None;
            }
            if *sign == b'-' {
                -(h * 60 + m)
            } else {
                h * 60 + m
            }
        }
        _ => return None,
    };
    if second > 59 {
        return None;
    }
    let local = NaiveDate::from_ymd_opt(year as i32, month, day)?
        .and_hms_nano_opt(hour, minute, second, nanos)?;
    local.checked_sub_signed(chrono::TimeDelta::minutes(offset_minutes))
}

/// The UTC moment of microseconds since the epoch (`None` out of range):
/// how the engines' anchors and first runs come back as times.
pub fn from_micros(us: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp_micros(us).map(|d| d.naive_utc())
}

/// Parses a timestamp as [`parse_timestamp`] does, and also a bare date
/// `YYYY-MM-DD`, which means midnight UTC.
pub fn parse_timestamp_or_date(s: &str) -> Result<NaiveDateTime, String> {
    let t = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        return Ok(d.and_hms_opt(0, 0, 0).expect("midnight exists"));
    }
    parse_timestamp(t).map_err(|_| {
        format!(
            "`{t}` is not a date or timestamp: use YYYY-MM-DD (midnight UTC), RFC 3339, \
             or `YYYY-MM-DD HH:MM:SS` in UTC"
        )
    })
}

/// Parses a finite number of minutes, hours or money; negative values are refused.
pub fn parse_non_negative(s: &str) -> Result<f64, String> {
    let t = s.trim();
    let v: f64 = t.parse().map_err(|_| {
        // `45,50` (a decimal comma) or `1,200.00` (a thousands separator), as
        // a spreadsheet in many locales writes them.
        let digits = t.chars().all(|c| c.is_ascii_digit() || ",.' ".contains(c));
        if digits && t.contains([',', '\'']) {
            format!(
                "`{t}` is not a number: write it with a decimal point and no thousands \
                 separator (`45.50`, `1200`)"
            )
        } else {
            format!("`{t}` is not a number")
        }
    })?;
    if !v.is_finite() {
        return Err(format!("`{t}` is not a finite number"));
    }
    if v < 0.0 {
        return Err(format!("`{t}` is negative"));
    }
    Ok(v)
}

/// Parses a yes/no value: true/false, 1/0, yes/no (any case).
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "y" | "t" => Ok(true),
        "false" | "0" | "no" | "n" | "f" => Ok(false),
        other => Err(format!(
            "`{other}` is not a yes/no value (true/false, 1/0, yes/no)"
        )),
    }
}

/// An ISO 4217 currency code as written (`EUR`, or `eur` as Stripe writes
/// it, blanks around it ignored): the code in capitals, or `None` when it is
/// not three ASCII letters.
pub fn currency_code(text: &str) -> Option<String> {
    let t = text.trim();
    (t.len() == 3 && t.bytes().all(|b| b.is_ascii_alphabetic())).then(|| t.to_ascii_uppercase())
}

/// A workflow id is a stable slug: lowercase letters, digits, `_`, `-` and `.`.
pub fn check_slug(s: &str) -> Result<(), String> {
    let ok = !s.is_empty()
        && s.len() <= 128
        && s.bytes().all(|b| {
            b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-' || b == b'.'
        });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "`{s}` is not a workflow id: use 1 to 128 lowercase letters, digits, `_`, `-` or `.`"
        ))
    }
}

/// Formats a UTC timestamp the way Yardstick prints them everywhere.
pub fn format_timestamp(t: NaiveDateTime) -> String {
    t.and_utc()
        .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true)
}

/// Serialises a UTC timestamp as RFC 3339 with `Z`.
pub fn serialize_timestamp<S: serde::Serializer>(
    t: &NaiveDateTime,
    s: S,
) -> Result<S::Ok, S::Error> {
    s.serialize_str(&format_timestamp(*t))
}

/// Serialises an optional UTC timestamp as RFC 3339 with `Z`, or null.
pub fn serialize_opt_timestamp<S: serde::Serializer>(
    t: &Option<NaiveDateTime>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&format_timestamp(*t)),
        None => s.serialize_none(),
    }
}

/// A catalogue entry with the size of its evidence.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct WorkflowSummary {
    #[serde(flatten)]
    pub workflow: Workflow,
    pub runs: i64,
    pub baseline_observations: i64,
    /// When this version of the workflow was recorded.
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub recorded_at: NaiveDateTime,
}

/// A catalogue entry with its baseline B, for reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CatalogueEntry {
    #[serde(flatten)]
    pub workflow: Workflow,
    /// When this version of the workflow was recorded.
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    pub recorded_at: NaiveDateTime,
    /// B: the override, else the mean handle minutes of the study (`None`: neither).
    pub b: Option<f64>,
    /// `override`, `study mean` or `none`.
    pub b_source: String,
    /// Time-study observations known at the moment asked for.
    pub baseline_observations: i64,
    /// The workflow's terms over time, in order (one, in force from the
    /// beginning, unless the catalogue dates them by effective_from).
    pub terms: Vec<Term>,
}

/// The terms of one catalogue row of a workflow, in force for runs anchored
/// in `[effective_from, effective_to)` (`None`: from the beginning / still).
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Term {
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub effective_from: Option<NaiveDateTime>,
    #[serde(serialize_with = "serialize_opt_timestamp")]
    #[schemars(with = "Option<crate::schema::Timestamp>")]
    pub effective_to: Option<NaiveDateTime>,
    /// B under these terms: the row's override, else the study mean.
    pub b: Option<f64>,
    /// `override`, `study mean` or `none`.
    pub b_source: String,
    pub hourly_cost: Option<f64>,
    pub currency: Option<String>,
    pub sla_response_minutes: Option<f64>,
    pub sla_cycle_minutes: Option<f64>,
    pub cost_per_run: Option<f64>,
    pub maintenance_hours_per_month: Option<f64>,
}

impl Term {
    /// Whether these terms are in force at some moment of `[from, to)`.
    pub fn overlaps(&self, from: NaiveDateTime, to: NaiveDateTime) -> bool {
        self.effective_from.is_none_or(|f| f < to) && self.effective_to.is_none_or(|t| t > from)
    }
}

/// Files each workflow's terms (`(workflow_id, term)` in any order) under its
/// catalogue entry, in order of time.
pub fn attach_terms(entries: &mut [CatalogueEntry], terms: Vec<(String, Term)>) {
    let mut by: std::collections::HashMap<String, Vec<Term>> = std::collections::HashMap::new();
    for (id, t) in terms {
        by.entry(id).or_default().push(t);
    }
    for e in entries {
        let mut ts = by.remove(&e.workflow.workflow_id).unwrap_or_default();
        ts.sort_by_key(|t| t.effective_from);
        e.terms = ts;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_decimal_comma_or_a_thousands_separator_is_named() {
        assert_eq!(parse_non_negative(" 45.50 "), Ok(45.5));
        let hint = "with a decimal point and no thousands separator";
        for t in ["45,50", "1,200.00", "1'200"] {
            let e = parse_non_negative(t).unwrap_err();
            assert!(
                e.starts_with(&format!("`{t}` is not a number: write it")) && e.contains(hint),
                "{e}"
            );
        }
        // Not a number for another reason: no hint about separators.
        assert_eq!(
            parse_non_negative("ten"),
            Err("`ten` is not a number".into())
        );
        assert_eq!(
            parse_non_negative("4,5 h"),
            Err("`4,5 h` is not a number".into())
        );
    }

    #[test]
    fn a_status_in_another_word_is_named_where_it_means_one_of_ours() {
        let statuses = "succeeded, failed, escalated, cancelled, running";
        assert_eq!(
            "success".parse::<Status>(),
            Err(format!(
                "status `success` is not one of {statuses} (write `succeeded` for `success`)"
            ))
        );
        assert_eq!(
            "done".parse::<Status>(),
            Err(format!("status `done` is not one of {statuses}"))
        );
        assert_eq!(
            "canceled"
                .parse::<Status>()
                .unwrap_err()
                .rsplit_once('(')
                .unwrap()
                .1,
            "write `cancelled` for `canceled`)"
        );
    }

    #[test]
    fn the_fast_path_reads_what_chrono_reads_and_leaves_the_rest() {
        let mut cases: Vec<String> = [
            "2026-03-01T09:30:00Z",
            "2026-03-01T09:30:00.1Z",
            "2026-03-01T09:30:00.123456789Z",
            "2026-03-01T09:30:00.1234567891Z",
            "2026-03-01T09:30:00.Z",
            "2025-02-29T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-00-10T00:00:00Z",
            "2026-01-32T00:00:00Z",
            "2026-01-01T24:00:00Z",
            "2026-01-01T23:60:00Z",
            "2016-12-31T23:59:60Z",
            "0000-01-01T00:00:00Z",
            "9999-12-31T23:59:59.999999999Z",
            "2026-03-01T09:30:00z",
            "2026-03-01t09:30:00Z",
            "2026-03-01T09:30:00+01:00",
            "2026-03-01T09:30:00+24:00",
            "2026-03-01T09:30:00+01:60",
            "2026-03-01T09:30:00+1:00",
            "2026-03-01T09:30:00+01:0a",
            "0000-01-01T00:00:00+01:00",
            "9999-12-31T23:59:59-01:00",
            "2026-03-01 09:30:00+01",
            "2026-03-01T09:30:00-00:00",
            "2026-03-01T09:30:00+00",
            "2026-03-01 09:30:00Z",
            "2026-03-01 09:30:00+00:00",
            "2026-03-01T09:30:00+0000",
            "2026-03-01T09:30:00ZZ",
            "2026-03-01T09:30:00 ",
            "2026-3-01T09:30:00Z",
            "+026-03-01T09:30:00Z",
            "2026-03-01T09:30:0aZ",
            "2026-03-01_09:30:00Z",
        ]
        .iter()
        .map(|c| c.to_string())
        .collect();
        // Every day of a common and a leap year at assorted times, in every
        // form the fast path reads, with and without a fraction.
        let forms = [
            ("T", "Z"),
            (" ", "+00"),
            ("T", ""),
            (" ", ""),
            ("T", "+00:00"),
            ("T", "+02:00"),
            ("T", "-05:30"),
            ("T", "+23:59"),
            ("T", "-00:00"),
        ];
        for (i, day) in (0..731)
            .map(|d| NaiveDate::from_ymd_opt(2023, 1, 1).unwrap() + chrono::Duration::days(d))
            .enumerate()
        {
            let fraction = if i % 3 == 0 {
                String::new()
            } else {
                format!(".{}", &"987654321"[..1 + i % 9])
            };
            let (sep, utc) = forms[i % forms.len()];
            cases.push(format!(
                "{}{sep}{:02}:{:02}:{:02}{fraction}{utc}",
                day.format("%Y-%m-%d"),
                i % 24,
                i % 60,
                (i * 7) % 60,
            ));
        }
        for c in &cases {
            let general = parse_timestamp_general(c.trim()).ok();
            match utc_common(c) {
                Some(t) => assert_eq!(Some(t), general, "{c}"),
                // Every generated one (2023 and 2024) is in a common form.
                None => assert!(
                    !c.starts_with("2023") && !c.starts_with("2024"),
                    "the fast path left a common timestamp to chrono: {c}"
                ),
            }
            assert_eq!(parse_timestamp(c).ok(), general, "{c}");
        }
        // The forms the fast path reads are all UTC, as RFC 3339 reads its own.
        assert_eq!(
            utc_common("2026-03-01 09:30:00.25+00"),
            DateTime::parse_from_rfc3339("2026-03-01T09:30:00.25Z")
                .ok()
                .map(|d| d.naive_utc())
        );
    }

    #[test]
    fn timestamps_normalise_to_utc() {
        let utc = parse_timestamp("2026-03-01T09:30:00Z").unwrap();
        assert_eq!(parse_timestamp("2026-03-01T10:30:00+01:00").unwrap(), utc);
        assert_eq!(parse_timestamp("2026-03-01 09:30:00").unwrap(), utc);
        assert_eq!(parse_timestamp("2026-03-01T09:30:00").unwrap(), utc);
        assert_eq!(
            parse_timestamp("2026-03-01 09:30:00.250").unwrap(),
            utc + chrono::Duration::milliseconds(250)
        );
        assert_eq!(parse_timestamp("2026-03-01 09:30").unwrap(), utc);
        // ISO 8601's basic offset, as strftime's `%z` writes it.
        assert_eq!(
            parse_timestamp("2026-03-01T10:30:00.000+0100").unwrap(),
            utc
        );
        assert_eq!(parse_timestamp("2026-03-01T04:00:00-0530").unwrap(), utc);
        // Unix time is named, not guessed at.
        let e = parse_timestamp("1772357400").unwrap_err();
        assert!(
            e.starts_with("`1772357400` is not a timestamp (it looks like Unix time"),
            "{e}"
        );
        assert!(!parse_timestamp("20260301").unwrap_err().contains("Unix"));
        assert!(parse_timestamp("2026-03-01").is_err());
        assert!(parse_timestamp("yesterday").is_err());
        assert_eq!(
            parse_timestamp_or_date("2026-03-01").unwrap(),
            parse_timestamp("2026-03-01 00:00:00").unwrap()
        );
    }

    #[test]
    fn numbers_and_flags() {
        assert_eq!(parse_non_negative(" 2.5 ").unwrap(), 2.5);
        assert!(parse_non_negative("-1").unwrap_err().contains("negative"));
        assert!(parse_non_negative("NaN").is_err());
        assert!(parse_non_negative("ten").is_err());
        assert!(parse_bool("Yes").unwrap());
        assert!(!parse_bool("0").unwrap());
        assert!(parse_bool("maybe").is_err());
        assert!(check_slug("invoice-intake_2").is_ok());
        assert!(check_slug("Invoice Intake").is_err());
    }

    /// The canonical order is the same from any input order: by anchor, then
    /// status, then the values (a missing value before any), so tied anchors
    /// do not leave the order to the engine.
    #[test]
    fn a_sample_has_one_canonical_order_whatever_the_input_order() {
        let rows = [
            (20, Status::Failed, None, Some(3.0), None),
            (10, Status::Succeeded, Some(5.0), Some(1.0), Some(2.0)),
            (10, Status::Succeeded, Some(4.0), None, None),
            (10, Status::Succeeded, None, Some(1.0), None),
            (10, Status::Escalated, Some(1.0), None, None),
            (10, Status::Succeeded, Some(5.0), Some(1.0), None),
        ];
        let sample = |order: &[usize]| {
            let mut s = RunSample::default();
            for &i in order {
                let (a, st, c, r, h) = rows[i];
                s.push(a, st, c, r, h);
            }
            s.canonical()
        };
        let first = sample(&[0, 1, 2, 3, 4, 5]);
        for order in [[5, 4, 3, 2, 1, 0], [2, 0, 5, 3, 1, 4], [3, 5, 1, 4, 0, 2]] {
            assert_eq!(sample(&order), first);
        }
        assert_eq!(first.anchor_us, [10, 10, 10, 10, 10, 20]);
        assert_eq!(
            first.status,
            [
                Status::Succeeded,
                Status::Succeeded,
                Status::Succeeded,
                Status::Succeeded,
                Status::Escalated,
                Status::Failed
            ]
        );
        assert_eq!(
            first.cycle_min,
            [None, Some(4.0), Some(5.0), Some(5.0), Some(1.0), None]
        );
        assert_eq!(first.human_minutes[2..4], [None, Some(2.0)]);
    }
}
