//! Published reports, and why a headline moved between two of them.
//!
//! [`publish`] freezes a report set of one period — the metric table, the
//! portfolio, the waterfall and the before/after comparisons, each with its
//! assumptions — as the data stood at one moment (`as_of`: when the newest
//! batch it read was received), with the batch ids it read and the method
//! version, under the SHA-256 of its body. A published report is stored once
//! and never recomputed: serving it reads the stored text, checked against
//! its hash.
//!
//! [`diff`] explains the change of the headline (runs, reclaimed hours, the
//! money per currency and in the reporting currency) between a published
//! report and a later one, or now, by restating the report step by step:
//! first the method (the first report recomputed by this build), then the
//! period (if the second covers another), then each batch that arrived in
//! between, in the order received (as of its receipt), then the second
//! report's own method. Each step's change is the figure after it less the
//! figure before, so the steps add up to the whole change; a batch that
//! changed the catalogue or the time study names the assumptions it changed,
//! as valid-time terms (a new effective-dated row) or recorded-time
//! corrections (a row rewritten).

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::engine::Engine;
use crate::metrics::{MetricRow, Period, METHOD_VERSION};
use crate::model::{format_timestamp, serialize_timestamp, CatalogueEntry, Term};
use crate::report::{self, ReportError};
use crate::store::{BatchSummary, Published, Store};

/// The headline of a report: what `report diff` explains.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PublishedHeadline")]
pub struct Headline {
    /// Runs anchored in the period, every status.
    pub runs: i64,
    /// Σ of the workflows' reclaimed hours; null when no workflow's are
    /// measurable (none has both a baseline B and a go-live).
    pub reclaimed_hours: Option<f64>,
    /// Σ of the workflows' reclaimed money, per currency.
    pub reclaimed_money: BTreeMap<String, f64>,
    /// The money in the reporting currency, when one was asked for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reporting: Option<ReportingTotal>,
}

/// A reporting-currency total: null when some money could not be converted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, schemars::JsonSchema)]
#[schemars(rename = "PublishedReportingTotal")]
pub struct ReportingTotal {
    pub currency: String,
    pub total: Option<f64>,
}

impl Headline {
    /// The headline of one period's metric rows, summed in row order (the
    /// portfolio headline's sums: the same rows give the same bits).
    pub fn of(rows: &[MetricRow], reporting: Option<&crate::metrics::fx::Reporting>) -> Headline {
        let hours: Vec<f64> = rows.iter().filter_map(|r| r.reclaimed_hours).collect();
        let mut money: BTreeMap<String, f64> = BTreeMap::new();
        for r in rows.iter().filter(|r| r.reclaimed_hours.is_some()) {
            if let (Some(m), Some(c)) = (r.reclaimed_money, &r.currency) {
                *money.entry(c.clone()).or_insert(0.0) += m;
            }
        }
        Headline {
            runs: rows.iter().map(|r| r.runs).sum(),
            reclaimed_hours: (!hours.is_empty()).then(|| hours.iter().fold(0.0, |a, b| a + b)),
            reclaimed_money: money,
            reporting: reporting.map(|r| ReportingTotal {
                currency: r.currency.clone(),
                total: r.total,
            }),
        }
    }
}

/// How a headline moved: the later figure less the earlier one; null where
/// either side has no figure.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DiffChange")]
pub struct Change {
    pub runs: i64,
    pub reclaimed_hours: Option<f64>,
    /// Per currency; a currency missing on one side counts 0 there.
    pub reclaimed_money: BTreeMap<String, f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reporting: Option<f64>,
}

impl Change {
    pub fn between(a: &Headline, b: &Headline) -> Change {
        let keys: BTreeSet<&String> = a
            .reclaimed_money
            .keys()
            .chain(b.reclaimed_money.keys())
            .collect();
        let money = keys
            .into_iter()
            .map(|k| {
                let of = |h: &Headline| h.reclaimed_money.get(k).copied().unwrap_or(0.0);
                (k.clone(), of(b) - of(a))
            })
            .collect();
        let reporting = match (&a.reporting, &b.reporting) {
            (Some(x), Some(y)) => x.total.zip(y.total).map(|(x, y)| y - x),
            _ => None,
        };
        Change {
            runs: b.runs - a.runs,
            reclaimed_hours: a.reclaimed_hours.zip(b.reclaimed_hours).map(|(x, y)| y - x),
            reclaimed_money: money,
            reporting,
        }
    }

    fn is_zero(&self) -> bool {
        self.runs == 0
            && self.reclaimed_hours.is_none_or(|h| h == 0.0)
            && self.reclaimed_money.values().all(|m| *m == 0.0)
            && self.reporting.is_none_or(|m| m == 0.0)
    }

    /// The change in words: "runs +3, reclaimed hours −1.25, EUR −62.50".
    fn words(&self) -> String {
        let mut parts = vec![format!("runs {:+}", self.runs)];
        if let Some(h) = self.reclaimed_hours {
            parts.push(format!("reclaimed hours {}", signed(h)));
        }
        for (c, m) in &self.reclaimed_money {
            parts.push(format!("{c} {}", signed(*m)));
        }
        if let Some(m) = self.reporting {
            parts.push(format!("reporting currency {}", signed(m)));
        }
        parts.join(", ")
    }
}

/// A figure with its sign and two decimals, −0.00 shown as 0.00.
fn signed(x: f64) -> String {
    let s = format!("{x:+.2}");
    if s == "-0.00" || s == "+0.00" {
        "0.00".into()
    } else {
        s.replace('-', "−")
    }
}

/// What a published report's body holds beside the reports themselves.
#[derive(Debug, Deserialize)]
struct Frozen {
    batch_ids: Vec<i64>,
    headline: Headline,
    method_version: i32,
}

/// Publishes the report set of `period` under `name` (a slug), with the
/// money also in `currency` when given, as the data stands now.
pub fn publish(
    store: &Store,
    name: &str,
    period: Period,
    currency: Option<&str>,
) -> Result<Published, ReportError> {
    check_name(name)?;
    if let Some(p) = store.published(name)? {
        return Err(taken(&p));
    }
    let currency = currency.map(report::check_currency).transpose()?;
    // Read under the writer's lock: every batch received up to the newest
    // one is committed, so the reports as of that moment read exactly these.
    let ledger = store.ledger_now()?;
    let Some(newest) = ledger.last() else {
        return Err(ReportError::BadRequest(
            "nothing is stored yet: ingest a catalogue and runs before publishing".into(),
        ));
    };
    let as_of = newest.received_at;
    let engine: &dyn Engine = store;
    let at = Some(as_of);
    let mut table = report::metric_table_as_of(engine, period, &[], at)?;
    if let Some(c) = &currency {
        report::in_currency(engine, &mut table, &[], at, c)?;
    }
    report::with_provenance(engine, &mut table, &[], at)?;
    let headline = Headline::of(&table.rows()?, table.reporting.as_ref());
    let iso = format_timestamp;
    let (from, to) = (iso(period.from), iso(period.to));
    // The portfolio's comparisons (every workflow live before the period's
    // end) are the report set's, and its reporting headline is the table's
    // conversion with their replicates: no second bootstrap, no second scan.
    let (portfolio, _, comparisons) = report::portfolio_in(engine, period, &[], at)?;
    let reporting = table
        .reporting
        .clone()
        .map(|r| crate::metrics::portfolio::reporting_headline(r, &comparisons, 0.95));
    let waterfall = report::waterfall(engine, period, &[], at)?;
    let shape = |e: serde_json::Error| ReportError::BadRequest(format!("publish: {e}"));
    let body = serde_json::json!({
        "from": from,
        "to": to,
        "as_of": iso(as_of),
        "currency": currency,
        "method_version": METHOD_VERSION,
        "software": concat!("yardstick ", env!("CARGO_PKG_VERSION")),
        "batch_ids": ledger.iter().map(|b| b.batch_id).collect::<Vec<_>>(),
        "headline": headline,
        "metrics": table.to_json().map_err(ReportError::from)?,
        "portfolio": report::portfolio_json(period, &portfolio, reporting.as_ref())?,
        "waterfall": report::waterfall_json(period, &waterfall),
        "comparisons": comparisons,
    });
    let body = serde_json::to_string(&body).map_err(shape)?;
    let p = Published {
        name: name.to_string(),
        // In microseconds, as stored: what this answer says is what the list says.
        published_at: chrono::DateTime::from_timestamp_micros(
            chrono::Utc::now().timestamp_micros(),
        )
        .map_or_else(|| chrono::Utc::now().naive_utc(), |t| t.naive_utc()),
        as_of,
        from: period.from,
        to: period.to,
        currency,
        method_version: METHOD_VERSION,
        sha256: crate::auth::digest(&body),
        body,
    };
    if !store.publish(&p)? {
        // Another publish took the name while this one computed.
        let other = store.published(name)?.ok_or_else(|| {
            ReportError::BadRequest(format!("published report `{name}` could not be stored"))
        })?;
        return Err(taken(&other));
    }
    Ok(p)
}

/// The JSON Schema of a published report's body as [`publish`] stores it
/// (a report published by an earlier version keeps the shape it had).
pub fn body_schema(g: &mut schemars::SchemaGenerator) -> schemars::Schema {
    use crate::schema::{array, object, timestamp};
    use schemars::json_schema;
    let (from, to, as_of) = (timestamp(g), timestamp(g), timestamp(g));
    let headline = g.subschema_for::<Headline>();
    let metrics = g.subschema_for::<crate::metrics::MetricTableJson<'static>>();
    let portfolio = report::portfolio_json_schema(g);
    let waterfall = report::waterfall_json_schema(g);
    let comparisons = array(g.subschema_for::<crate::metrics::compare::Comparison>());
    object(
        vec![
            ("from", from),
            ("to", to),
            ("as_of", as_of),
            ("currency", json_schema!({ "type": ["string", "null"] })),
            ("method_version", json_schema!({ "type": "integer" })),
            ("software", json_schema!({ "type": "string" })),
            ("batch_ids", array(json_schema!({ "type": "integer" }))),
            ("headline", headline),
            ("metrics", metrics),
            ("portfolio", portfolio),
            ("waterfall", waterfall),
            ("comparisons", comparisons),
        ],
        &[],
    )
}

fn check_name(name: &str) -> Result<(), ReportError> {
    crate::model::check_slug(name).map_err(|_| {
        ReportError::BadRequest(format!(
            "`{name}` is not a report name: use 1 to 128 lowercase letters, digits, `_`, `-` or `.`"
        ))
    })
}

fn taken(p: &Published) -> ReportError {
    ReportError::Conflict(format!(
        "a report named `{}` was published at {} (sha256 {}); a published report never \
         changes: publish under another name",
        p.name,
        format_timestamp(p.published_at),
        p.sha256
    ))
}

/// The published report named `name`, its body checked against its hash.
pub fn get(store: &Store, name: &str) -> Result<Published, ReportError> {
    check_name(name)?;
    let p = store
        .published(name)?
        .ok_or_else(|| ReportError::NotFound(format!("no report is published as `{name}`")))?;
    verify(&p)?;
    Ok(p)
}

/// Whether the stored body still has the hash it was published with.
fn verify(p: &Published) -> Result<(), ReportError> {
    let now = crate::auth::digest(&p.body);
    if now == p.sha256 {
        Ok(())
    } else {
        Err(ReportError::Conflict(format!(
            "published report `{}` does not match its SHA-256 (published {}, now {now}): \
             its stored text was changed outside Yardstick",
            p.name, p.sha256
        )))
    }
}

/// What a published report is, without its body (the list's lines, and the
/// `published` object of a served report).
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "Published")]
pub struct About<'a> {
    pub name: &'a str,
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub published_at: NaiveDateTime,
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub as_of: NaiveDateTime,
    #[serde(flatten)]
    pub period: Period,
    pub currency: Option<&'a str>,
    pub method_version: i32,
    pub sha256: &'a str,
    /// Whether the stored body has that SHA-256 (checked on every read).
    pub verified: bool,
    pub headline: Option<Headline>,
}

impl Published {
    pub fn about(&self) -> About<'_> {
        About {
            name: &self.name,
            published_at: self.published_at,
            as_of: self.as_of,
            period: Period {
                from: self.from,
                to: self.to,
            },
            currency: self.currency.as_deref(),
            method_version: self.method_version,
            sha256: &self.sha256,
            verified: verify(self).is_ok(),
            headline: frozen(self).ok().map(|f| f.headline),
        }
    }

    /// The served form: `published` (what it is, marked as published) and
    /// `report`, the body as stored.
    pub fn to_json(&self) -> Result<serde_json::Value, ReportError> {
        let body: serde_json::Value = serde_json::from_str(&self.body)
            .map_err(|e| ReportError::BadRequest(format!("published `{}`: {e}", self.name)))?;
        Ok(serde_json::json!({ "published": self.about(), "report": body }))
    }
}

fn frozen(p: &Published) -> Result<Frozen, ReportError> {
    serde_json::from_str(&p.body)
        .map_err(|e| ReportError::BadRequest(format!("published `{}`: {e}", p.name)))
}

/// Every published report, newest first, without bodies.
pub fn list(store: &Store) -> Result<serde_json::Value, ReportError> {
    let all = store.published_all()?;
    Ok(serde_json::json!({
        "published": all.iter().map(Published::about).collect::<Vec<_>>()
    }))
}

/// One side of a diff: a published report, or now.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DiffSide")]
pub struct Side {
    /// The published name, or `now`.
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub as_of: NaiveDateTime,
    #[serde(flatten)]
    pub period: Period,
    pub method_version: i32,
    pub headline: Headline,
    #[serde(skip)]
    batch_ids: BTreeSet<i64>,
    #[serde(skip)]
    currency: Option<String>,
}

/// One step of a diff's restatement.
#[derive(Debug, Serialize, schemars::JsonSchema)]
#[schemars(rename = "DiffStep")]
pub struct Step {
    /// `method`, `period`, `data` (runs, steps), `catalogue`, `time study`,
    /// `rates`, `maps`, or `method of the second report`.
    pub cause: String,
    /// The step in a sentence, with its change.
    pub explanation: String,
    /// The moment the report was restated as of after this step.
    #[serde(serialize_with = "serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub as_of: NaiveDateTime,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub batches: Vec<BatchSummary>,
    /// The assumptions the step's batches changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub assumptions: Vec<String>,
    /// How much of the whole change this step accounts for.
    pub change: Change,
}

/// Why the headline moved from `a` to `b`.
#[derive(Debug, Serialize, schemars::JsonSchema)]
pub struct Diff {
    pub a: Side,
    pub b: Side,
    /// `b`'s headline less `a`'s; the steps' changes add up to it.
    pub change: Change,
    pub steps: Vec<Step>,
}

/// At most this many steps of data batches: beyond it, consecutive steps of
/// the same cause are merged (a webhook's group commits are a batch each).
const MAX_STEPS: usize = 200;

/// Explains how the headline moved from the published report `a` to the
/// published report `b`, or to now (`None`), with the period and reporting
/// currency of `a`.
pub fn diff(store: &Store, a: &str, b: Option<&str>) -> Result<Diff, ReportError> {
    let a = side_of(&get(store, a)?)?;
    let ledger = store.ledger()?;
    let b = match b {
        Some(name) => side_of(&get(store, name)?)?,
        None => now(store, &a, &ledger)?,
    };
    if a.currency != b.currency {
        return Err(ReportError::BadRequest(format!(
            "`{}` reports in {} and `{}` in {}: a diff compares one reporting currency",
            a.name,
            a.currency.as_deref().unwrap_or("no reporting currency"),
            b.name,
            b.currency.as_deref().unwrap_or("no reporting currency"),
        )));
    }
    if b.as_of < a.as_of || !a.batch_ids.is_subset(&b.batch_ids) {
        return Err(ReportError::BadRequest(format!(
            "`{}` (as of {}) read batches that `{}` (as of {}) did not: give the earlier \
             report first",
            a.name,
            format_timestamp(a.as_of),
            b.name,
            format_timestamp(b.as_of)
        )));
    }
    let engine: &dyn Engine = store;
    let currency = a.currency.as_deref();
    let mut r = Restatement {
        steps: Vec::new(),
        at: a.headline.clone(),
    };
    let mut moment = a.as_of;

    // The first report, recomputed by this build as of its own moment.
    let a_period = Period::new(a.period.from, a.period.to)?;
    let again = headline_at(engine, a_period, a.as_of, currency)?;
    if Change::between(&r.at, &again).is_zero() {
        r.at = again;
    } else {
        let what = format!(
            "`{}` recomputed by this build (method {} → {METHOD_VERSION}) as of its own moment",
            a.name, a.method_version
        );
        r.step("method", what, a.as_of, vec![], vec![], again);
    }
    // The period.
    let period = Period::new(b.period.from, b.period.to)?;
    if period != a_period {
        let next = headline_at(engine, period, a.as_of, currency)?;
        let what = format!(
            "the period [{}, {}) instead of [{}, {})",
            format_timestamp(b.period.from),
            format_timestamp(b.period.to),
            format_timestamp(a.period.from),
            format_timestamp(a.period.to)
        );
        r.step("period", what, a.as_of, vec![], vec![], next);
    }
    // The batches that arrived in between, in the order received.
    let arrived: Vec<BatchSummary> = ledger
        .into_iter()
        .filter(|x| !a.batch_ids.contains(&x.batch_id) && b.batch_ids.contains(&x.batch_id))
        .collect();
    let groups = group_batches(arrived);
    let mut catalogue_then = None;
    for group in groups {
        let last = group.last().expect("a group is never empty");
        let until = last.received_at.max(moment);
        let cause = cause_of(&last.kind);
        let assumptions = if matches!(cause, "catalogue" | "time study") {
            let before = match catalogue_then.take() {
                Some(c) => c,
                None => engine.catalogue(Some(moment))?,
            };
            let after = engine.catalogue(Some(until))?;
            let changed = describe_changes(&before, &after);
            catalogue_then = Some(after);
            changed
        } else {
            catalogue_then = None;
            Vec::new()
        };
        let next = headline_at(engine, period, until, currency)?;
        let what = describe_batches(&group);
        r.step(cause, what, until, group, assumptions, next);
        moment = until;
    }
    // The second report's own figures, if it was published by another method.
    if b.sha256.is_some() && !Change::between(&r.at, &b.headline).is_zero() {
        let what = format!(
            "`{}` as published (method {}) against its restatement by this build",
            b.name, b.method_version
        );
        r.step(
            "method of the second report",
            what,
            b.as_of,
            vec![],
            vec![],
            b.headline.clone(),
        );
    }
    Ok(Diff {
        change: Change::between(&a.headline, &b.headline),
        a,
        b,
        steps: r.steps,
    })
}

/// A diff's steps so far and the headline they have reached.
struct Restatement {
    steps: Vec<Step>,
    at: Headline,
}

impl Restatement {
    /// A step to `next`: its change is `next` less the headline reached.
    fn step(
        &mut self,
        cause: &str,
        what: String,
        as_of: NaiveDateTime,
        batches: Vec<BatchSummary>,
        assumptions: Vec<String>,
        next: Headline,
    ) {
        let change = Change::between(&self.at, &next);
        self.steps.push(Step {
            cause: cause.into(),
            explanation: format!("{what}: {}", change.words()),
            as_of,
            batches,
            assumptions,
            change,
        });
        self.at = next;
    }
}

fn side_of(p: &Published) -> Result<Side, ReportError> {
    let f = frozen(p)?;
    Ok(Side {
        name: p.name.clone(),
        sha256: Some(p.sha256.clone()),
        as_of: p.as_of,
        period: Period {
            from: p.from,
            to: p.to,
        },
        method_version: f.method_version,
        headline: f.headline,
        batch_ids: f.batch_ids.into_iter().collect(),
        currency: p.currency.clone(),
    })
}

/// Now, as the other side of `a`: its period and currency, as of the newest
/// batch received.
fn now(store: &Store, a: &Side, ledger: &[BatchSummary]) -> Result<Side, ReportError> {
    let as_of = ledger.last().map_or(a.as_of, |b| b.received_at);
    let period = Period::new(a.period.from, a.period.to)?;
    Ok(Side {
        name: "now".into(),
        sha256: None,
        as_of,
        period: a.period,
        method_version: METHOD_VERSION,
        headline: headline_at(store, period, as_of, a.currency.as_deref())?,
        batch_ids: ledger.iter().map(|b| b.batch_id).collect(),
        currency: a.currency.clone(),
    })
}

/// The headline of `period` as of `as_of`.
fn headline_at(
    engine: &dyn Engine,
    period: Period,
    as_of: NaiveDateTime,
    currency: Option<&str>,
) -> Result<Headline, ReportError> {
    let mut table = report::metric_table_as_of(engine, period, &[], Some(as_of))?;
    if let Some(c) = currency {
        report::in_currency(engine, &mut table, &[], Some(as_of), c)?;
    }
    Ok(Headline::of(&table.rows()?, table.reporting.as_ref()))
}

/// The cause a batch of `kind` is a step of.
fn cause_of(kind: &str) -> &'static str {
    match kind {
        "workflows" => "catalogue",
        "baselines" => "time study",
        "fx" => "rates",
        "maps" => "maps",
        _ => "data",
    }
}

/// The batches as steps: each batch that changes assumptions alone, runs of
/// data batches together; past [`MAX_STEPS`], neighbouring steps of the same
/// cause merged.
fn group_batches(batches: Vec<BatchSummary>) -> Vec<Vec<BatchSummary>> {
    let mut groups: Vec<Vec<BatchSummary>> = Vec::new();
    for b in batches {
        match groups.last_mut() {
            Some(g) if cause_of(&g[0].kind) == "data" && cause_of(&b.kind) == "data" => g.push(b),
            _ => groups.push(vec![b]),
        }
    }
    while groups.len() > MAX_STEPS {
        let i = (1..groups.len())
            .find(|&i| cause_of(&groups[i - 1][0].kind) == cause_of(&groups[i][0].kind));
        match i {
            Some(i) => {
                let g = groups.remove(i);
                groups[i - 1].extend(g);
            }
            None => break,
        }
    }
    groups
}

/// A step's batches in words: "batch 7 (runs from corrections.csv, received
/// 2026-06-02T10:00:00Z): 3 rows stored (3 corrections of stored runs), 0 rows rejected".
fn describe_batches(group: &[BatchSummary]) -> String {
    let rows = |f: fn(&BatchSummary) -> i64| group.iter().map(f).sum::<i64>();
    let replaced = match (rows(|b| b.replaced), cause_of(&group[0].kind)) {
        (0, _) => String::new(),
        (1, "data") => " (1 correction of a stored run)".to_string(),
        (n, "data") => format!(" ({n} corrections of stored runs)"),
        (1, _) => " (1 replacing an earlier one)".to_string(),
        (n, _) => format!(" ({n} replacing earlier ones)"),
    };
    let plural = |n: i64, one: &str, many: &str| format!("{n} {}", if n == 1 { one } else { many });
    let counts = format!(
        "{} stored{replaced}, {} rejected",
        plural(rows(|b| b.stored), "row", "rows"),
        plural(rows(|b| b.rejected), "row", "rows")
    );
    match group {
        [b] => format!(
            "batch {} ({} from {}, received {}): {counts}",
            b.batch_id,
            b.kind,
            b.origin,
            format_timestamp(b.received_at)
        ),
        _ => {
            let (first, last) = (&group[0], &group[group.len() - 1]);
            format!(
                "{} batches {}–{} ({}, received {} to {}): {counts}",
                group.len(),
                first.batch_id,
                last.batch_id,
                kinds(group),
                format_timestamp(first.received_at),
                format_timestamp(last.received_at)
            )
        }
    }
}

fn kinds(group: &[BatchSummary]) -> String {
    let k: BTreeSet<&str> = group.iter().map(|b| b.kind.as_str()).collect();
    k.into_iter().collect::<Vec<_>>().join(", ")
}

/// What changed from the catalogue `before` to `after`, a line per change,
/// each workflow in order: a workflow catalogued or changed, and each terms
/// row new (valid time: a new effective_from), corrected (recorded time: the
/// same effective_from, other values) or withdrawn.
pub fn describe_changes(before: &[CatalogueEntry], after: &[CatalogueEntry]) -> Vec<String> {
    let mut out = Vec::new();
    for e in after {
        let id = &e.workflow.workflow_id;
        let Some(old) = before.iter().find(|b| &b.workflow.workflow_id == id) else {
            out.push(format!("`{id}` catalogued"));
            continue;
        };
        let (w, v) = (&old.workflow, &e.workflow);
        let fields = [
            ("name", Some(w.name.clone()), Some(v.name.clone())),
            ("owner", Some(w.owner.clone()), Some(v.owner.clone())),
            ("team", w.team.clone(), v.team.clone()),
            (
                "category",
                Some(w.category.clone()),
                Some(v.category.clone()),
            ),
            (
                "automated_since",
                w.automated_since.map(format_timestamp),
                v.automated_since.map(format_timestamp),
            ),
        ];
        for (f, x, y) in fields {
            if x != y {
                out.push(format!("`{id}`: {f} {} → {}", shown(&x), shown(&y)));
            }
        }
        for t in &e.terms {
            let from = t
                .effective_from
                .map_or_else(|| "the beginning".to_string(), format_timestamp);
            match old
                .terms
                .iter()
                .find(|o| o.effective_from == t.effective_from)
            {
                None => out.push(format!(
                    "`{id}`: new terms effective from {from} (valid time): {}",
                    term_values(t)
                )),
                Some(o) => {
                    let changed = term_changes(o, t);
                    if !changed.is_empty() {
                        let what = if o.b_source == "study mean"
                            && t.b_source == "study mean"
                            && changed.len() == 1
                            && changed[0].starts_with("B ")
                        {
                            "the time study's mean"
                        } else {
                            "corrected (recorded time)"
                        };
                        out.push(format!(
                            "`{id}`: terms effective from {from} {what}: {}",
                            changed.join(", ")
                        ));
                    }
                }
            }
        }
        for o in &old.terms {
            if !e.terms.iter().any(|t| t.effective_from == o.effective_from) {
                let from = o
                    .effective_from
                    .map_or_else(|| "the beginning".to_string(), format_timestamp);
                out.push(format!("`{id}`: terms effective from {from} withdrawn"));
            }
        }
    }
    out
}

fn shown(v: &Option<String>) -> String {
    v.clone().unwrap_or_else(|| "(none)".into())
}

/// A terms row's values that reports use, by name.
fn term_fields(t: &Term) -> [(&'static str, Option<String>); 7] {
    let n = |v: Option<f64>| v.map(|x| x.to_string());
    [
        ("B", n(t.b).map(|b| format!("{b} min ({})", t.b_source))),
        ("hourly_cost", n(t.hourly_cost)),
        ("currency", t.currency.clone()),
        ("sla_response_minutes", n(t.sla_response_minutes)),
        ("sla_cycle_minutes", n(t.sla_cycle_minutes)),
        ("cost_per_run", n(t.cost_per_run)),
        (
            "maintenance_hours_per_month",
            n(t.maintenance_hours_per_month),
        ),
    ]
}

fn term_values(t: &Term) -> String {
    term_fields(t)
        .into_iter()
        .filter_map(|(f, v)| v.map(|v| format!("{f} {v}")))
        .collect::<Vec<_>>()
        .join(", ")
}

fn term_changes(old: &Term, new: &Term) -> Vec<String> {
    term_fields(old)
        .into_iter()
        .zip(term_fields(new))
        .filter(|((_, x), (_, y))| x != y)
        .map(|((f, x), (_, y))| format!("{f} {} → {}", shown(&x), shown(&y)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headline(runs: i64, hours: Option<f64>, eur: f64) -> Headline {
        Headline {
            runs,
            reclaimed_hours: hours,
            reclaimed_money: BTreeMap::from([("EUR".to_string(), eur)]),
            reporting: None,
        }
    }

    #[test]
    fn a_change_is_the_later_figure_less_the_earlier() {
        let c = Change::between(
            &headline(10, Some(2.5), 100.0),
            &headline(12, Some(1.25), 37.5),
        );
        assert_eq!(c.runs, 2);
        assert_eq!(c.reclaimed_hours, Some(-1.25));
        assert_eq!(c.reclaimed_money["EUR"], -62.5);
        assert_eq!(c.words(), "runs +2, reclaimed hours −1.25, EUR −62.50");
        let unknown = Change::between(&headline(1, None, 0.0), &headline(1, Some(1.0), 0.0));
        assert_eq!(unknown.reclaimed_hours, None);
    }

    fn batch(id: i64, kind: &str) -> BatchSummary {
        BatchSummary {
            batch_id: id,
            kind: kind.into(),
            origin: "x.csv".into(),
            format: "csv".into(),
            received_at: chrono::DateTime::from_timestamp(id * 60, 0)
                .unwrap()
                .naive_utc(),
            rows_read: 1,
            accepted: 1,
            stored: 1,
            replaced: 0,
            rejected: 0,
        }
    }

    #[test]
    fn data_batches_in_a_row_are_one_step_and_an_assumption_batch_is_its_own() {
        let groups = group_batches(vec![
            batch(1, "runs"),
            batch(2, "runs"),
            batch(3, "workflows"),
            batch(4, "steps"),
            batch(5, "runs"),
            batch(6, "fx"),
        ]);
        let ids: Vec<Vec<i64>> = groups
            .iter()
            .map(|g| g.iter().map(|b| b.batch_id).collect())
            .collect();
        assert_eq!(ids, vec![vec![1, 2], vec![3], vec![4, 5], vec![6]]);
    }
}
