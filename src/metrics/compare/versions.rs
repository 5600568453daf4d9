//! Versions of an automation: each version against the one before it
//! (`report versions`), and the newest version's regression checks from its
//! first day (`report alerts`). A version is what the runs name in their
//! `version`; versions are ordered by their first run, and "the one before"
//! is the named version whose first run came last before this one's.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::weeks::MIN_WEEKS;
use super::{
    metric_row, micros, runs_side, worse_than_trailing, CompareRow, CompareSpec, Interval,
    RegressionCheck, Side, Stat, Values, VersionChange, TRAILING_WEEKS,
};
use crate::model::RunSample;

/// A workflow's runs by version: the version as the runs name it (`None`:
/// runs that name none) and its sample.
pub type ByVersion = [(Option<String>, RunSample)];

/// The metrics a version is judged on, as regression checks judge a week,
/// with the mean cycle time beside the median.
const METRICS: [(&str, Stat); 5] = [
    ("error_rate", Stat::Mean),
    ("escalation_rate", Stat::Mean),
    ("cycle_time_p50_min", Stat::Median),
    ("cycle_time_mean_min", Stat::Mean),
    ("response_p50_min", Stat::Median),
];

/// Plain words for a clear decrease and a clear increase of `metric`.
fn words(metric: &str) -> (&'static str, &'static str) {
    match metric {
        "error_rate" => ("fewer errors, clearly", "more errors, clearly"),
        "escalation_rate" => ("fewer escalations, clearly", "more escalations, clearly"),
        m if m.starts_with("response") => ("answers sooner, clearly", "answers later, clearly"),
        _ => ("faster, clearly", "slower, clearly"),
    }
}

/// The values of `metric` on a side.
fn values<'a>(side: &'a Side, metric: &str) -> &'a Values {
    match metric {
        "error_rate" => &side.error,
        "escalation_rate" => &side.escalation,
        m if m.starts_with("cycle") => &side.cycle,
        _ => &side.response,
    }
}

/// One version of a workflow's automation and how it did against the one
/// before it.
#[derive(Debug, Clone, Serialize, schemars::JsonSchema)]
pub struct VersionRow {
    pub workflow_id: String,
    /// The version as its runs name it; null for the runs that name none
    /// (work done by hand before go-live, or a source without versions).
    pub version: Option<String>,
    /// The anchor of its first and last run.
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub first_run: NaiveDateTime,
    #[serde(serialize_with = "crate::model::serialize_timestamp")]
    #[schemars(with = "crate::schema::Timestamp")]
    pub last_run: NaiveDateTime,
    pub runs: usize,
    /// The version it is set against: the named version first run before
    /// it. Null for the first version and for runs that name none.
    pub previous: Option<String>,
    /// `weeks` when this version's runs (and the previous version's) span at
    /// least 5 ISO weeks and are drawn as whole weeks; else `runs` (runs
    /// resampled one by one).
    pub interval: Interval,
    /// Each metric: `before` the previous version's, `after` this one's,
    /// the change with its interval and verdict (`no data before` for the
    /// first version).
    pub rows: Vec<CompareRow>,
}

/// Every version of `by` in the order of its first run (the runs naming no
/// version last), each against the named version before it, with `spec`'s
/// seeded bootstrap and level.
pub fn versions(workflow_id: &str, by: &ByVersion, spec: CompareSpec) -> Vec<VersionRow> {
    let mut sides: Vec<(Option<&str>, i64, i64, usize, Side)> = by
        .iter()
        .filter(|(_, s)| !s.is_empty())
        .map(|(v, s)| {
            let first = *s.anchor_us.iter().min().expect("not empty");
            let last = *s.anchor_us.iter().max().expect("not empty");
            let side = runs_side(&s.canonical(), |_| true, None, true);
            (v.as_deref(), first, last, s.len(), side)
        })
        .collect();
    sides.sort_by_key(|(v, first, ..)| (v.is_none(), *first, v.map(str::to_string)));
    let empty = Side::default();
    let mut previous: Option<(&str, &Side)> = None;
    let mut out = Vec::new();
    for (version, first, last, runs, side) in &sides {
        let before = previous.filter(|_| version.is_some());
        let before_side = before.map_or(&empty, |(_, s)| s);
        let weekly = |s: &Side| distinct_weeks(&s.error) >= MIN_WEEKS;
        let interval = if weekly(side) && (before.is_none() || weekly(before_side)) {
            Interval::Weeks
        } else {
            Interval::Runs
        };
        let spec = CompareSpec { interval, ..spec };
        let rows = METRICS
            .iter()
            .map(|&(metric, stat)| {
                let unit = if metric.ends_with("_rate") {
                    "share"
                } else {
                    "min"
                };
                metric_row(
                    workflow_id,
                    metric,
                    unit,
                    values(before_side, metric),
                    values(side, metric),
                    stat,
                    spec,
                    words(metric),
                )
            })
            .collect();
        out.push(VersionRow {
            workflow_id: workflow_id.to_string(),
            version: version.map(str::to_string),
            first_run: moment(*first),
            last_run: moment(*last),
            runs: *runs,
            previous: before.map(|(v, _)| v.to_string()),
            interval,
            rows,
        });
        if let Some(v) = version {
            previous = Some((v, side));
        }
    }
    out
}

/// The newest version's regression checks, from its first day: when the
/// named version whose first run (before `at`) came last began within the
/// [`TRAILING_WEEKS`] weeks before `at` and follows another, its runs in
/// `[first run, at)` are checked against the previous version's runs of the
/// `TRAILING_WEEKS` weeks before its first run (from go-live at the
/// earliest), as [`super::regression_checks`] checks a week against the
/// weeks before it. No new version: no checks.
pub fn version_checks(
    workflow_id: &str,
    go_live: NaiveDateTime,
    by: &ByVersion,
    at: NaiveDateTime,
    seed: u64,
    resamples: usize,
) -> Vec<RegressionCheck> {
    let end = micros(at);
    let mut named: Vec<(&str, i64, &RunSample)> = by
        .iter()
        .filter_map(|(v, s)| {
            let first = s.anchor_us.iter().copied().filter(|a| *a < end).min()?;
            Some((v.as_deref()?, first, s))
        })
        .collect();
    named.sort_by_key(|(v, first, _)| (*first, *v));
    let [.., (previous, _, before), (version, first, after)] = named[..] else {
        return Vec::new();
    };
    if first < micros(at - chrono::Duration::weeks(TRAILING_WEEKS)) {
        return Vec::new();
    }
    let from = (moment(first) - chrono::Duration::weeks(TRAILING_WEEKS)).max(go_live);
    let from = micros(from);
    let last = runs_side(&after.canonical(), |a| a >= first && a < end, None, true);
    let trailing = runs_side(&before.canonical(), |a| a >= from && a < first, None, true);
    let change = VersionChange {
        version: version.to_string(),
        from: moment(first),
        previous_version: previous.to_string(),
    };
    worse_than_trailing(workflow_id, &trailing, &last, at, seed, resamples)
        .into_iter()
        .map(|c| RegressionCheck {
            version: Some(change.clone()),
            ..c
        })
        .collect()
}

fn distinct_weeks(v: &Values) -> usize {
    super::weeks::groups(&v.weeks).1.len()
}

/// The UTC moment of an anchor in microseconds since the epoch.
fn moment(us: i64) -> NaiveDateTime {
    crate::model::from_micros(us).expect("an anchor is a valid moment")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn t(s: &str) -> NaiveDateTime {
        crate::model::parse_timestamp_or_date(s).unwrap()
    }

    /// `n` runs a day from `from` for `days` days, cycle `cycle` minutes,
    /// every `fail_every`th failed.
    fn runs(from: &str, days: i64, n: i64, cycle: f64, fail_every: i64) -> RunSample {
        let mut s = RunSample::default();
        let start = t(from);
        for d in 0..days {
            for i in 0..n {
                let a = start + chrono::Duration::days(d) + chrono::Duration::minutes(10 * i);
                let k = d * n + i;
                let failed = fail_every > 0 && k % fail_every == 0;
                let status = if failed {
                    Status::Failed
                } else {
                    Status::Succeeded
                };
                let cycle = (!failed).then_some(cycle + (k % 7) as f64);
                s.push(micros(a), status, cycle, None, None);
            }
        }
        s
    }

    fn spec() -> CompareSpec {
        CompareSpec {
            baseline: None,
            from: None,
            to: t("2026-12-31"),
            seed: 7,
            resamples: 400,
            level: 0.95,
            interval: Interval::Weeks,
        }
    }

    #[test]
    fn each_version_is_set_against_the_one_before() {
        // 13: 10 weeks, 1 failure in 20; 14: 2 weeks, 1 in 4; runs without a version.
        let by = vec![
            (Some("14".to_string()), runs("2026-06-15", 14, 20, 30.0, 4)),
            (Some("13".to_string()), runs("2026-04-06", 70, 20, 30.0, 20)),
            (None, runs("2026-01-05", 30, 5, 300.0, 0)),
        ];
        let rows = versions("w", &by, spec());
        let names: Vec<Option<&str>> = rows.iter().map(|r| r.version.as_deref()).collect();
        assert_eq!(names, [Some("13"), Some("14"), None]);
        let (v13, v14, none) = (&rows[0], &rows[1], &rows[2]);
        assert_eq!((v13.runs, v14.runs, none.runs), (1400, 280, 150));
        assert_eq!(v13.first_run, t("2026-04-06"));
        assert_eq!(
            v13.last_run,
            t("2026-06-14") + chrono::Duration::minutes(190)
        );
        assert_eq!(v13.previous, None);
        assert_eq!(v14.previous.as_deref(), Some("13"));
        assert_eq!(none.previous, None, "runs without a version follow none");
        // 14 spans two weeks: drawn by runs.
        assert_eq!(v14.interval, Interval::Runs);
        let error = |r: &VersionRow| r.rows.iter().find(|x| x.metric == "error_rate").cloned();
        let e13 = error(v13).unwrap();
        assert_eq!((e13.before, e13.after), (None, Some(0.05)));
        assert_eq!(e13.verdict, "no data before");
        let e14 = error(v14).unwrap();
        assert_eq!((e14.before, e14.after), (Some(0.05), Some(0.25)));
        assert_eq!((e14.before_n, e14.after_n), (1400, 280));
        assert!((e14.change.unwrap() - 0.20).abs() < 1e-12);
        assert_eq!(e14.verdict, "more errors, clearly");
        // Same cycle times: no clear change.
        let c14 = v14
            .rows
            .iter()
            .find(|x| x.metric == "cycle_time_p50_min")
            .unwrap();
        assert_eq!(c14.verdict, "no clear change", "{c14:?}");
    }

    #[test]
    fn a_new_version_is_checked_from_its_first_day_and_not_before() {
        let go_live = t("2026-01-05");
        // 13 from go-live; 14 from 2026-06-15 08:00, 1 failure in 3.
        let v13 = runs("2026-01-05T08:00:00Z", 161, 20, 30.0, 20);
        let v14 = runs("2026-06-15T08:00:00Z", 7, 20, 30.0, 3);
        let by = vec![(Some("13".into()), v13), (Some("14".into()), v14)];
        let check = |at: &str| version_checks("w", go_live, &by, t(at), 7, 400);
        // Before 14's first run: 13 is the newest, and it is not new.
        assert!(check("2026-06-15T07:00:00Z").is_empty());
        // Its first day: 20 runs of 14, 7 of them failed.
        let day1 = check("2026-06-16T00:00:00Z");
        assert_eq!(day1.len(), 4);
        let e = day1.iter().find(|c| c.metric == "error_rate").unwrap();
        assert_eq!(e.last_week_n, 20);
        assert!((e.last_week.unwrap() - 7.0 / 20.0).abs() < 1e-12, "{e:?}");
        assert!((e.trailing.unwrap() - 0.05).abs() < 1e-12, "{e:?}");
        assert_eq!(e.trailing_n, 8 * 7 * 20);
        assert!(e.regressed, "{e:?}");
        assert_eq!(e.interval, Interval::Weeks);
        let change = e.version.as_ref().unwrap();
        assert_eq!(change.version, "14");
        assert_eq!(change.previous_version, "13");
        assert_eq!(change.from, t("2026-06-15T08:00:00Z"));
        let c = day1
            .iter()
            .find(|c| c.metric == "cycle_time_p50_min")
            .unwrap();
        assert!(!c.regressed, "{c:?}");
        // Nine weeks on, 14 is no longer new.
        assert!(check("2026-08-20").is_empty());
    }
}
