//! Validation: one raw record in, one typed row or one reject out.
//!
//! Every problem in a row is collected, not just the first, so a user can
//! fix a file in one pass. Validation is pure: the set of catalogued workflow
//! ids is handed in by the caller.

use std::collections::HashSet;

use super::read::{RawRecord, MAX_FIELD_BYTES, MAX_ROW_BYTES};
use crate::model::{
    check_slug, format_timestamp, parse_bool, parse_non_negative, parse_timestamp,
    parse_timestamp_or_date, BaselineObservation, Kind, Problem, Reject, Run, Status, Workflow,
    CATEGORIES,
};
use chrono::NaiveDateTime;

/// Collects the problems of one row while its fields are parsed.
struct Checker<'a> {
    rec: &'a RawRecord<'a>,
    problems: Vec<Problem>,
}

impl<'a> Checker<'a> {
    fn new(rec: &'a RawRecord<'a>) -> Self {
        let mut problems = Vec::new();
        if let Some(b) = &rec.broken {
            problems.push(Problem {
                field: None,
                reason: b.clone(),
            });
        }
        let row: usize = rec
            .fields
            .iter()
            .map(|(k, v)| k.len() + v.as_ref().map_or(0, |v| v.len()))
            .sum();
        if row > MAX_ROW_BYTES {
            problems.push(Problem {
                field: None,
                reason: format!("the row is longer than {MAX_ROW_BYTES} bytes ({row})"),
            });
        }
        for (k, v) in &rec.fields {
            if v.as_ref().is_some_and(|v| v.len() > MAX_FIELD_BYTES) {
                problems.push(Problem {
                    field: Some(k.to_string()),
                    reason: format!("value is longer than {MAX_FIELD_BYTES} bytes"),
                });
            }
        }
        Checker { rec, problems }
    }

    fn fail(&mut self, field: &str, reason: impl Into<String>) {
        self.problems.push(Problem {
            field: Some(field.to_string()),
            reason: reason.into(),
        });
    }

    fn opt_text(&mut self, field: &str) -> Option<String> {
        self.rec.get(field).map(str::to_string)
    }

    fn text(&mut self, field: &str) -> Option<String> {
        let v = self.opt_text(field);
        if v.is_none() && self.rec.broken.is_none() {
            self.fail(field, "missing required field");
        }
        v
    }

    fn parsed<T>(
        &mut self,
        field: &str,
        required: bool,
        parse: impl Fn(&str) -> Result<T, String>,
    ) -> Option<T> {
        match self.rec.get(field) {
            None => {
                if required && self.rec.broken.is_none() {
                    self.fail(field, "missing required field");
                }
                None
            }
            Some(s) => match parse(s) {
                Ok(v) => Some(v),
                Err(e) => {
                    self.fail(field, e);
                    None
                }
            },
        }
    }

    fn timestamp(&mut self, field: &str, required: bool) -> Option<NaiveDateTime> {
        self.parsed(field, required, parse_timestamp)
    }

    /// An ISO 4217 code: three letters, stored in capitals (`eur`, as
    /// Stripe's exports write it, is EUR).
    fn currency(&mut self, field: &str, required: bool) -> Option<String> {
        let v = if required {
            self.text(field)
        } else {
            self.opt_text(field)
        }?;
        match crate::model::currency_code(&v) {
            Some(code) => Some(code),
            None => {
                self.fail(
                    field,
                    format!("`{v}` is not an ISO 4217 code such as EUR or USD"),
                );
                Some(v)
            }
        }
    }

    fn minutes(&mut self, field: &str, required: bool) -> Option<f64> {
        self.parsed(field, required, parse_non_negative)
    }

    fn workflow_ref(&mut self, known: &HashSet<String>) -> Option<String> {
        let id = self.text("workflow_id")?;
        if !known.contains(&id) {
            // `INV` for `inv`: ids are lower case, so this one is meant.
            let other_case = known.iter().find(|k| k.eq_ignore_ascii_case(&id));
            let reason = match other_case {
                Some(k) => format!(
                    "unknown workflow `{id}`: the catalogue has `{k}` (workflow ids are lower \
                     case)"
                ),
                None => format!(
                    "unknown workflow `{id}`: add it to the catalogue first (yardstick ingest \
                     workflows FILE)"
                ),
            };
            self.fail("workflow_id", reason);
        }
        Some(id)
    }

    fn finish<T>(self, value: Option<T>, key: Option<String>) -> Result<T, Reject> {
        match value {
            Some(v) if self.problems.is_empty() => Ok(v),
            _ => Err(Reject {
                line: self.rec.line,
                key,
                raw: self.rec.raw.to_string(),
                problems: if self.problems.is_empty() {
                    vec![Problem {
                        field: None,
                        reason: "row could not be read".into(),
                    }]
                } else {
                    self.problems
                },
            }),
        }
    }
}

/// Validates one catalogue row.
pub fn workflow(rec: &RawRecord) -> Result<Workflow, Reject> {
    let mut c = Checker::new(rec);
    let workflow_id = c.text("workflow_id");
    if let Some(id) = &workflow_id {
        if let Err(e) = check_slug(id) {
            c.fail("workflow_id", e);
        }
    }
    let name = c.text("name");
    let owner = c.text("owner");
    let team = c.opt_text("team");
    let category = c.text("category");
    if let Some(cat) = &category {
        if !CATEGORIES.contains(&cat.as_str()) {
            c.fail(
                "category",
                format!("category `{cat}` is not one of {}", CATEGORIES.join(", ")),
            );
        }
    }
    let hourly_cost = c.minutes("hourly_cost", false);
    let currency = c.currency("currency", false);
    if hourly_cost.is_some() && currency.is_none() && rec.get("hourly_cost").is_some() {
        c.fail("currency", "hourly_cost is given without a currency");
    }
    let sla_response_minutes = c.minutes("sla_response_minutes", false);
    let sla_cycle_minutes = c.minutes("sla_cycle_minutes", false);
    let automated_since = c.parsed("automated_since", false, parse_timestamp_or_date);
    let baseline_minutes_per_item = c.minutes("baseline_minutes_per_item", false);
    let effective_from = c.parsed("effective_from", false, parse_timestamp_or_date);
    let cost_per_run = c.minutes("cost_per_run", false);
    let maintenance_hours_per_month = c.minutes("maintenance_hours_per_month", false);
    let outcomes = match c.opt_text("outcomes") {
        None => None,
        Some(text) => match crate::outcomes::parse(&text) {
            Ok(o) => crate::outcomes::canonical(&o),
            Err(e) => {
                c.fail("outcomes", e);
                None
            }
        },
    };
    if cost_per_run.is_some() && currency.is_none() {
        c.fail("currency", "cost_per_run is given without a currency");
    }
    let value = match (workflow_id.clone(), name, owner, category) {
        (Some(workflow_id), Some(name), Some(owner), Some(category)) => Some(Workflow {
            workflow_id,
            name,
            owner,
            team,
            category,
            hourly_cost,
            currency,
            sla_response_minutes,
            sla_cycle_minutes,
            automated_since,
            baseline_minutes_per_item,
            effective_from,
            cost_per_run,
            maintenance_hours_per_month,
            outcomes,
        }),
        _ => None,
    };
    c.finish(value, workflow_id)
}

/// The first row of each workflow in one catalogue input, to hold its other
/// rows to: a workflow's rows differ only in `effective_from` and the terms
/// it dates (hourly_cost, the SLAs, baseline_minutes_per_item).
#[derive(Default)]
pub struct CatalogueRows {
    first: std::collections::HashMap<String, (u64, Workflow)>,
}

impl CatalogueRows {
    /// Validates one catalogue row, and rejects it when a column that is not
    /// a term differs from the first row of the same workflow. The currency
    /// is one of those: money of one workflow is never in two currencies
    /// (a reporting currency converts at report time).
    pub fn row(&mut self, rec: &RawRecord) -> Result<Workflow, Reject> {
        let w = workflow(rec)?;
        let Some((line, first)) = self.first.get(&w.workflow_id) else {
            self.first
                .insert(w.workflow_id.clone(), (rec.line, w.clone()));
            return Ok(w);
        };
        let ts = |t: &Option<NaiveDateTime>| t.map(|t| t.to_string());
        let differs: Vec<(&str, bool)> = vec![
            ("name", w.name != first.name),
            ("owner", w.owner != first.owner),
            ("team", w.team != first.team),
            ("category", w.category != first.category),
            ("currency", w.currency != first.currency),
            ("outcomes", w.outcomes != first.outcomes),
            (
                "automated_since",
                ts(&w.automated_since) != ts(&first.automated_since),
            ),
        ];
        let problems: Vec<Problem> = differs
            .into_iter()
            .filter(|(_, d)| *d)
            .map(|(field, _)| Problem {
                field: Some(field.into()),
                reason: format!(
                    "differs from line {line}, the first row of workflow `{}`: a workflow's rows \
                     may differ only in effective_from and the terms it dates (hourly_cost, \
                     sla_response_minutes, sla_cycle_minutes, baseline_minutes_per_item, \
                     cost_per_run, maintenance_hours_per_month)",
                    w.workflow_id
                ),
            })
            .collect();
        if problems.is_empty() {
            Ok(w)
        } else {
            Err(Reject {
                line: rec.line,
                key: Some(w.workflow_id),
                raw: rec.raw.to_string(),
                problems,
            })
        }
    }
}

/// The columns of `rec` that are not run fields, as the JSON object of strings
/// that `serde_json` prints for them (names in column order), or `None` if
/// there are none: the attributes of a row without an `attributes` field,
/// written without building the object first.
fn extra_columns_json(rec: &RawRecord<'_>) -> Option<String> {
    let mut out: Vec<u8> = Vec::new();
    for (k, v) in &rec.fields {
        if let (Some(v), false) = (v, Kind::Runs.fields().contains(&&**k)) {
            out.push(if out.is_empty() { b'{' } else { b',' });
            // Writing a string to memory cannot fail.
            let _ = serde_json::to_writer(&mut out, &**k);
            out.push(b':');
            let _ = serde_json::to_writer(&mut out, &**v);
        }
    }
    if out.is_empty() {
        return None;
    }
    out.push(b'}');
    String::from_utf8(out).ok()
}

/// Validates one run against the catalogue.
pub fn run(rec: &RawRecord, known: &HashSet<String>) -> Result<Run, Reject> {
    let mut c = Checker::new(rec);
    let source = c.text("source");
    let run_id = c.text("run_id");
    let workflow_id = c.workflow_ref(known);
    let trigger_at = c.timestamp("trigger_at", false);
    let started_at = c.timestamp("started_at", true);
    let first_response_at = c.timestamp("first_response_at", false);
    let finished_at = c.timestamp("finished_at", false);
    let status = c.parsed("status", true, |s| {
        let s = s.trim();
        match Status::ALL
            .into_iter()
            .find(|st| st.as_str().eq_ignore_ascii_case(s))
        {
            Some(st) => Ok(st),
            None => s.to_ascii_lowercase().parse::<Status>(),
        }
    });
    let error_kind = c.opt_text("error_kind");
    let human_minutes = c.minutes("human_minutes", false);
    let version = c.opt_text("version");

    // Attributes: the `attributes` object, plus every column that is not a run field.
    let attributes = match rec.get("attributes") {
        None => extra_columns_json(rec),
        Some(a) => {
            let mut attrs = serde_json::Map::new();
            match serde_json::from_str::<serde_json::Value>(a) {
                Ok(serde_json::Value::Object(m)) => attrs.extend(m),
                _ => c.fail(
                    "attributes",
                    "attributes must be a JSON object such as {\"region\":\"EU\"}",
                ),
            }
            for (k, v) in &rec.fields {
                if !Kind::Runs.fields().contains(&&**k) {
                    if let Some(v) = v {
                        attrs.insert(k.to_string(), serde_json::Value::String(v.to_string()));
                    }
                }
            }
            (!attrs.is_empty()).then(|| serde_json::Value::Object(attrs).to_string())
        }
    };

    // The run's anchor, coalesce(trigger_at, started_at): nothing of a run
    // happens before it.
    let anchor = trigger_at.or(started_at);
    for (field, t) in [
        ("finished_at", finished_at),
        ("first_response_at", first_response_at),
    ] {
        if let (Some(a), Some(t)) = (anchor, t) {
            if t < a {
                let (t, a) = (format_timestamp(t), format_timestamp(a));
                c.fail(
                    field,
                    format!(
                        "{field} {t} is before the run began at {a} (trigger_at, else started_at)"
                    ),
                );
            }
        }
    }
    if let Some(st) = status {
        if st.is_terminal() && finished_at.is_none() && rec.get("finished_at").is_none() {
            c.fail(
                "finished_at",
                format!("status {} needs finished_at", st.as_str()),
            );
        }
        if !st.is_terminal() && finished_at.is_some() {
            c.fail(
                "finished_at",
                "a running run cannot have finished_at; set its final status",
            );
        }
    }
    let value = match (source, run_id.clone(), workflow_id, started_at, status) {
        (Some(source), Some(run_id), Some(workflow_id), Some(started_at), Some(status)) => {
            Some(Run {
                source,
                run_id,
                workflow_id,
                trigger_at,
                started_at,
                first_response_at,
                finished_at,
                status,
                error_kind,
                human_minutes,
                attributes,
                version,
            })
        }
        _ => None,
    };
    c.finish(value, run_id)
}

/// Validates one time-study observation against the catalogue.
pub fn baseline(rec: &RawRecord, known: &HashSet<String>) -> Result<BaselineObservation, Reject> {
    let mut c = Checker::new(rec);
    let study = c.text("study");
    let workflow_id = c.workflow_ref(known);
    let observed_at = c.parsed("observed_at", true, parse_timestamp_or_date);
    let performer = c.opt_text("performer");
    let handle_minutes = c.minutes("handle_minutes", true);
    let response_minutes = c.minutes("response_minutes", false);
    let cycle_minutes = c.minutes("cycle_minutes", false);
    let had_error = c.parsed("had_error", false, parse_bool);
    let note = c.opt_text("note");
    // Outcome values the observer recorded: every `outcome_<name>` column
    // with a value, as {"<name>": "<text>"} (read by the declared outcomes).
    let recorded: serde_json::Map<String, serde_json::Value> = rec
        .fields
        .iter()
        .filter_map(|(k, v)| {
            let name = k.strip_prefix(OUTCOME_PREFIX).filter(|n| !n.is_empty())?;
            Some((name.to_string(), serde_json::Value::from(v.as_deref()?)))
        })
        .collect();
    let outcomes = (!recorded.is_empty()).then(|| serde_json::Value::Object(recorded).to_string());
    let value = match (study, workflow_id.clone(), observed_at, handle_minutes) {
        (Some(study), Some(workflow_id), Some(observed_at), Some(handle_minutes)) => {
            Some(BaselineObservation {
                study,
                workflow_id,
                observed_at,
                performer,
                handle_minutes,
                response_minutes,
                cycle_minutes,
                had_error,
                note,
                outcomes,
            })
        }
        _ => None,
    };
    c.finish(value, workflow_id)
}

/// A time-study column holding an outcome value: `outcome_<name>`.
const OUTCOME_PREFIX: &str = "outcome_";

/// Validates one exchange rate: a date, two ISO 4217 codes and a positive
/// rate (1 for a currency into itself).
pub fn fx(rec: &RawRecord) -> Result<crate::model::FxRate, Reject> {
    let mut c = Checker::new(rec);
    let date = c.parsed("date", true, |s| {
        chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .map_err(|_| format!("`{s}` is not a date (YYYY-MM-DD)"))
    });
    let currency = c.currency("currency", true);
    let to = match rec.get("to") {
        Some(_) => c.currency("to", true),
        None => {
            if rec.broken.is_none() {
                c.fail(
                    "to",
                    "missing: the currency the rate is into (a `to` column, or --to CODE / to= when ingesting)",
                );
            }
            None
        }
    };
    let rate = c.parsed("rate", true, |s| {
        match crate::model::parse_non_negative(s) {
            Ok(r) if r > 0.0 => Ok(r),
            // `0,92`: the decimal comma named, as for every other number.
            Err(e) if e.contains("a decimal point") => Err(e),
            _ => Err(format!("`{}` is not a positive number", s.trim())),
        }
    });
    if let (Some(cur), Some(to), Some(rate)) = (&currency, &to, rate) {
        if cur == to && rate != 1.0 {
            c.fail("rate", format!("one {cur} is 1 {to}, not {rate}"));
        }
    }
    let value = match (date, currency.clone(), to, rate) {
        (Some(date), Some(currency), Some(to), Some(rate)) => Some(crate::model::FxRate {
            date,
            currency,
            to,
            rate,
        }),
        _ => None,
    };
    c.finish(value, currency)
}

/// Validates one step of a stored run; `seq` is set when the batch is sorted.
pub fn step(rec: &RawRecord) -> Result<crate::model::Step, Reject> {
    let mut c = Checker::new(rec);
    let source = c.text("source");
    let run_id = c.text("run_id");
    let step = c.text("step");
    let started_at = c.timestamp("started_at", true);
    let finished_at = c.timestamp("finished_at", true);
    let actor = c.opt_text("actor").map(|a| a.to_ascii_lowercase());
    if actor
        .as_deref()
        .is_some_and(|a| a != "system" && a != "human")
    {
        c.fail(
            "actor",
            "actor is `system` or `human`; name the person or robot in `resource`",
        );
    }
    let resource = c.opt_text("resource");
    if let (Some(s), Some(f)) = (started_at, finished_at) {
        if f < s {
            c.fail("finished_at", "finished_at is before started_at");
        }
    }
    let value = match (source, run_id.clone(), step, started_at, finished_at) {
        (Some(source), Some(run_id), Some(step), Some(started_at), Some(finished_at)) => {
            Some(crate::model::Step {
                source,
                run_id,
                seq: 0,
                step,
                started_at,
                finished_at,
                actor,
                resource,
            })
        }
        _ => None,
    };
    c.finish(value, run_id)
}

/// Validates one line of the platform workflow map against the catalogue `known`.
pub fn mapping(
    rec: &RawRecord,
    known: &HashSet<String>,
) -> Result<crate::model::PlatformMapping, Reject> {
    let mut c = Checker::new(rec);
    let platform = c.text("platform").map(|p| p.to_ascii_lowercase());
    if let Some(p) = &platform {
        if let Err(e) = p.parse::<super::platform::Platform>() {
            c.fail("platform", e);
        }
    }
    let platform_workflow = c.text("platform_workflow");
    let workflow_id = c.text("workflow_id");
    if let Some(w) = &workflow_id {
        if let Err(e) = check_slug(w) {
            c.fail("workflow_id", e);
        } else if !known.contains(w) {
            c.fail(
                "workflow_id",
                format!("workflow `{w}` is not in the catalogue: ingest it first"),
            );
        }
    }
    let value = match (platform, platform_workflow.clone(), workflow_id) {
        (Some(platform), Some(platform_workflow), Some(workflow_id)) => {
            Some(crate::model::PlatformMapping {
                platform,
                platform_workflow,
                workflow_id,
            })
        }
        _ => None,
    };
    c.finish(value, platform_workflow)
}

#[cfg(test)]
mod tests {
    use std::borrow::Cow;
    use std::sync::Arc;

    use super::*;

    #[test]
    fn extra_columns_print_as_serde_json_prints_them() {
        let values = [
            ("region", Some("EU")),
            ("source", Some("n8n")),
            ("note", Some("say \"hi\"\\ \u{e9}\u{1F600}\ttab\u{1}")),
            ("empty", None),
            ("channel", Some("web")),
        ];
        let rec = RawRecord {
            line: 2,
            raw: Cow::Borrowed(""),
            fields: values
                .iter()
                .map(|(k, v)| (Arc::from(*k), v.map(Cow::Borrowed)))
                .collect(),
            broken: None,
        };
        let mut expect = serde_json::Map::new();
        for (k, v) in values {
            if let (Some(v), false) = (v, Kind::Runs.fields().contains(&k)) {
                expect.insert(k.to_string(), serde_json::Value::String(v.to_string()));
            }
        }
        assert_eq!(
            extra_columns_json(&rec).as_deref(),
            Some(serde_json::Value::Object(expect).to_string().as_str())
        );
        let none = RawRecord {
            fields: vec![(Arc::from("source"), Some(Cow::Borrowed("n8n")))],
            ..rec
        };
        assert_eq!(extra_columns_json(&none), None);
    }

    #[test]
    fn a_currency_code_is_three_letters_in_capitals() {
        use crate::model::currency_code;
        assert_eq!(currency_code("EUR").as_deref(), Some("EUR"));
        assert_eq!(currency_code("eur").as_deref(), Some("EUR"));
        assert_eq!(currency_code(" usd ").as_deref(), Some("USD"));
        for bad in ["euro", "€", "EU", "E1R", "ÉUR", ""] {
            assert_eq!(currency_code(bad), None, "{bad}");
        }
    }
}
