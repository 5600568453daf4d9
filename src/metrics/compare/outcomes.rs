//! Outcome measures before and after go-live (`report outcomes`): each
//! declared outcome's n, mean, median and share at its target on each side,
//! and the change of its mean with the comparisons' own seeded bootstrap
//! (whole weeks by default), rule of 20 and verdicts — "better" or "worse"
//! by the outcome's declared direction. The comparisons carry the same rows
//! (`Comparison::outcomes`), so speed and quality are judged in one answer.

use chrono::NaiveDateTime;
use serde::Serialize;

use super::weeks::week_of;
use super::{
    metric_row, micros, quantile_cont, BaselineChoice, CompareSpec, Interval, Stat, Values,
};
use crate::outcomes::{Kind, Outcome};

/// One outcome of one workflow, before against after.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct OutcomeRow {
    pub workflow_id: String,
    /// Segmented (`--by`): the segment's value of each key, null where its
    /// runs lack it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub segment: Option<crate::segments::SegmentMap>,
    pub outcome: String,
    pub kind: Kind,
    pub higher_is_better: bool,
    /// A scale's target: `*_share_at_target` is the share of values at or above it.
    pub target: Option<f64>,
    /// Where the before side's values come from: `time study` (the values
    /// its observers recorded), `runs before go-live` (every run of a
    /// workflow not automated), or both.
    pub before_source: String,
    pub before_n: usize,
    pub before_mean: Option<f64>,
    pub before_p50: Option<f64>,
    pub before_share_at_target: Option<f64>,
    /// The runs since go-live.
    pub after_n: usize,
    pub after_mean: Option<f64>,
    pub after_p50: Option<f64>,
    pub after_share_at_target: Option<f64>,
    /// after_mean − before_mean, with its interval.
    pub change: Option<f64>,
    /// The change against the before mean.
    pub change_pct: Option<f64>,
    pub ci_low: Option<f64>,
    pub ci_high: Option<f64>,
    pub verdict: String,
    pub interval: Interval,
    /// Values that were not a number (a scale) or 0/1 (a rate): left out
    /// (of the sides' values).
    pub unreadable: usize,
}

/// An outcome's figures over the runs of one period (the metric table's):
/// n, mean, and for a scale the median and the share at its target.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize, schemars::JsonSchema)]
pub struct OutcomeStat {
    pub outcome: String,
    pub kind: Kind,
    pub n: usize,
    pub mean: Option<f64>,
    pub p50: Option<f64>,
    pub share_at_target: Option<f64>,
    /// Values that were not a number (a scale) or 0/1 (a rate): left out.
    pub unreadable: usize,
}

/// The figures of `outcome` over `values` (the attribute's texts).
pub fn outcome_stat(outcome: &Outcome, values: &[(i64, String)]) -> OutcomeStat {
    let mut xs: Vec<f64> = values
        .iter()
        .filter_map(|(_, t)| outcome.value(t))
        .collect();
    let unreadable = values.len() - xs.len();
    xs.sort_by(f64::total_cmp);
    let n = xs.len();
    let some = n > 0;
    OutcomeStat {
        outcome: outcome.name.clone(),
        kind: outcome.kind,
        n,
        // Summed in sorted order: the same values give the same bits.
        mean: some.then(|| xs.iter().sum::<f64>() / n as f64),
        p50: (some && outcome.kind == Kind::Scale).then(|| quantile_cont(&xs, 0.5)),
        share_at_target: outcome
            .target
            .filter(|_| some)
            .map(|t| xs.iter().filter(|x| **x >= t).count() as f64 / n as f64),
        unreadable,
    }
}

impl OutcomeRow {
    /// The row's name among a comparison's metrics: `<name>_mean` for a
    /// scale, `<name>_rate` for a rate.
    pub fn metric(&self) -> String {
        self.kind.metric(&self.outcome)
    }

    /// The unit of its mean: `scale`, or `share` for a rate.
    pub fn unit(&self) -> &'static str {
        match self.kind {
            Kind::Scale => "scale",
            Kind::Rate => "share",
        }
    }
}

/// The values of one outcome of a workflow: its runs' (anchor in
/// microseconds, the attribute's text) and its time studies' (observation
/// time, the recorded text).
#[derive(Debug, Clone, Copy, Default)]
pub struct Recorded<'a> {
    pub runs: &'a [(i64, String)],
    pub study: &'a [(i64, String)],
}

/// The row of `outcome` of `workflow_id`: after = the runs from go-live or
/// `spec.from`, whichever is later; before = as `baseline` says, the time
/// study's recorded values or the runs before `go_live` (every run without
/// one) or both; `None` (or `Study`) takes the study when it recorded the
/// outcome, else the runs before go-live, and says which in `before_source`.
pub fn outcome_row(
    workflow_id: &str,
    outcome: &Outcome,
    values: Recorded<'_>,
    go_live: Option<NaiveDateTime>,
    spec: CompareSpec,
    baseline: Option<BaselineChoice>,
) -> OutcomeRow {
    let mut unreadable = 0;
    let mut read = |values: &[(i64, String)]| {
        let mut out: Vec<(i64, f64)> = Vec::with_capacity(values.len());
        for (anchor, text) in values {
            match outcome.value(text) {
                Some(x) => out.push((*anchor, x)),
                None => unreadable += 1,
            }
        }
        // The canonical order: the draws do not depend on the order rows came in.
        out.sort_by(|a, b| a.0.cmp(&b.0).then(a.1.total_cmp(&b.1)));
        out
    };
    let (runs, study) = (read(values.runs), read(values.study));
    let (use_study, use_runs) = match baseline {
        Some(BaselineChoice::PreRuns) => (false, true),
        Some(BaselineChoice::Both) => (true, true),
        Some(BaselineChoice::Study) | None => (!study.is_empty(), study.is_empty()),
    };
    let split = go_live.map(micros);
    let after_from = go_live.map(|g| micros(spec.from.map_or(g, |f| f.max(g))));
    let (mut before, mut after) = (Values::default(), Values::default());
    if use_study {
        // A study's observations each their own block, as in the comparisons.
        before.extend(Values::of_study(study.iter().map(|s| s.1).collect()));
    }
    for (anchor, x) in runs {
        let side = match (split, after_from) {
            (Some(_), Some(a)) if anchor >= a => &mut after,
            (Some(g), _) if anchor >= g => continue,
            _ if use_runs => &mut before,
            _ => continue,
        };
        side.push(x, week_of(anchor));
    }
    let before_source = match (use_study, use_runs) {
        (true, true) => "time study and runs before go-live",
        (true, false) => "time study",
        _ => "runs before go-live",
    };
    let words = if outcome.higher_is_better {
        ("worse, clearly", "better, clearly")
    } else {
        ("better, clearly", "worse, clearly")
    };
    // Each outcome its own stream of draws.
    let stream = format!("{workflow_id}\u{0}{}", outcome.name);
    let unit = outcome.kind.as_str();
    let mean = metric_row(
        &stream,
        "outcome_mean",
        unit,
        &before,
        &after,
        Stat::Mean,
        spec,
        words,
    );
    let scale = outcome.kind == Kind::Scale;
    let p50 = |v: &Values| {
        (scale && !v.xs.is_empty()).then(|| {
            let mut s = v.xs.clone();
            s.sort_by(f64::total_cmp);
            quantile_cont(&s, 0.5)
        })
    };
    let share = |v: &Values| {
        let t = outcome.target?;
        (!v.xs.is_empty())
            .then(|| v.xs.iter().filter(|x| **x >= t).count() as f64 / v.xs.len() as f64)
    };
    OutcomeRow {
        workflow_id: workflow_id.to_string(),
        segment: None,
        outcome: outcome.name.clone(),
        kind: outcome.kind,
        higher_is_better: outcome.higher_is_better,
        target: outcome.target,
        before_source: before_source.to_string(),
        before_n: before.len(),
        before_mean: mean.before,
        before_p50: p50(&before),
        before_share_at_target: share(&before),
        after_n: after.len(),
        after_mean: mean.after,
        after_p50: p50(&after),
        after_share_at_target: share(&after),
        change: mean.change,
        change_pct: mean.change_pct,
        ci_low: mean.ci_low,
        ci_high: mean.ci_high,
        verdict: mean.verdict,
        interval: spec.interval,
        unreadable,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> NaiveDateTime {
        crate::model::parse_timestamp_or_date(s).unwrap()
    }

    fn runs(values: &[(i64, String)]) -> Recorded<'_> {
        Recorded {
            runs: values,
            study: &[],
        }
    }

    fn spec() -> CompareSpec {
        CompareSpec {
            baseline: None,
            from: None,
            to: t("2026-12-31"),
            seed: 3,
            resamples: 400,
            level: 0.95,
            interval: Interval::Runs,
        }
    }

    #[test]
    fn an_outcome_by_hand() {
        let csat = &crate::outcomes::parse("csat:scale:target=4").unwrap()[0];
        let at = |d: &str| micros(t(d));
        let v = |d: &str, x: &str| (at(d), x.to_string());
        // Before go-live: 3, 4, 5, 2; after: 5, 5, 4, "n/a".
        let values = [
            v("2026-01-05", "3"),
            v("2026-01-06", "4"),
            v("2026-01-07", "5"),
            v("2026-01-08", "2"),
            v("2026-02-02", "5"),
            v("2026-02-03", "5"),
            v("2026-02-04", "4"),
            v("2026-02-05", "n/a"),
        ];
        let r = outcome_row(
            "w",
            csat,
            runs(&values),
            Some(t("2026-02-01")),
            spec(),
            None,
        );
        assert_eq!((r.before_n, r.after_n, r.unreadable), (4, 3, 1));
        assert_eq!(r.before_mean, Some(3.5));
        assert!((r.after_mean.unwrap() - 14.0 / 3.0).abs() < 1e-12);
        assert_eq!((r.before_p50, r.after_p50), (Some(3.5), Some(5.0)));
        assert_eq!(r.before_share_at_target, Some(0.5));
        assert_eq!(r.after_share_at_target, Some(1.0));
        assert!((r.change.unwrap() - (14.0 / 3.0 - 3.5)).abs() < 1e-12);
        assert_eq!(r.verdict, "too little data: n=4 before, n=3 after");
        // An after side asked from 2026-02-04 leaves out the values between
        // go-live and then; the before side stays what came before go-live.
        let later = CompareSpec {
            from: Some(t("2026-02-04")),
            ..spec()
        };
        let r = outcome_row("w", csat, runs(&values), Some(t("2026-02-01")), later, None);
        assert_eq!((r.before_n, r.after_n, r.unreadable), (4, 1, 1));
        assert_eq!((r.before_mean, r.after_mean), (Some(3.5), Some(4.0)));
        assert_eq!(r.metric(), "csat_mean");
        assert_eq!(r.before_source, "runs before go-live");
        // A time study that recorded CSAT 2 and 3: the before side by
        // default, the runs before go-live when asked, both when asked.
        let study = [
            v("2025-12-01", "2"),
            v("2025-12-02", "3"),
            v("2025-12-03", "?"),
        ];
        let both = Recorded {
            runs: &values,
            study: &study,
        };
        let go_live = Some(t("2026-02-01"));
        let by = |b| outcome_row("w", csat, both, go_live, spec(), b);
        let r = by(None);
        assert_eq!((r.before_source.as_str(), r.before_n), ("time study", 2));
        assert_eq!((r.before_mean, r.unreadable), (Some(2.5), 2));
        assert_eq!(by(Some(BaselineChoice::Study)).before_mean, Some(2.5));
        let r = by(Some(BaselineChoice::PreRuns));
        assert_eq!((r.before_n, r.before_mean), (4, Some(3.5)));
        let r = by(Some(BaselineChoice::Both));
        assert_eq!(
            (r.before_source.as_str(), r.before_n, r.before_mean),
            ("time study and runs before go-live", 6, Some(19.0 / 6.0))
        );
        assert_eq!(r.after_mean, by(None).after_mean);
    }

    #[test]
    fn a_rate_where_lower_is_better_says_worse_when_it_rises() {
        let reopened = &crate::outcomes::parse("reopened:rate").unwrap()[0];
        let mut values = Vec::new();
        // 200 runs before (1 in 10 reopened), 200 after (1 in 2).
        for i in 0..400i64 {
            let day = t("2026-01-01") + chrono::Duration::hours(6 * i);
            let x = if i < 200 { i % 10 == 0 } else { i % 2 == 0 };
            values.push((micros(day), if x { "yes" } else { "no" }.to_string()));
        }
        let go_live = t("2026-01-01") + chrono::Duration::hours(6 * 200);
        let r = outcome_row("w", reopened, runs(&values), Some(go_live), spec(), None);
        assert_eq!((r.before_mean, r.after_mean), (Some(0.1), Some(0.5)));
        assert_eq!((r.before_p50, r.before_share_at_target), (None, None));
        assert_eq!(r.verdict, "worse, clearly");
        // The same rise of a score where higher is better is better.
        let score = &crate::outcomes::parse("score:scale").unwrap()[0];
        let numbers: Vec<(i64, String)> = values
            .iter()
            .map(|(a, x)| (*a, if x == "yes" { "1" } else { "0" }.to_string()))
            .collect();
        let s = outcome_row("w", score, runs(&numbers), Some(go_live), spec(), None);
        assert_eq!(s.verdict, "better, clearly");
    }
}
