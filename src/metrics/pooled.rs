//! Figures pooled over several workflows' comparisons: each side's mean
//! weighted by its n, over the workflows that have both sides. For the error
//! rate this is the pooled rate of `rates` (failed over terminal items),
//! since a side's rate times its n is its failed count; for the means it is
//! the mean of every item on that side.

use crate::metrics::compare::Comparison;

/// One metric's before and after, pooled.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Sides {
    /// The pooled before side; `None` when no workflow has one with items.
    pub before: Option<f64>,
    pub after: Option<f64>,
    /// The items behind each side, summed over the workflows pooled.
    pub before_n: usize,
    pub after_n: usize,
    /// The workflows pooled: those whose comparison of `metric` has both sides.
    pub workflows: usize,
}

impl Sides {
    /// After minus before, when there are both.
    pub fn change(&self) -> Option<f64> {
        self.before.zip(self.after).map(|(b, a)| a - b)
    }
}

/// `metric` (a `CompareRow::metric`, such as `error_rate`) before and after,
/// pooled over `comparisons`.
pub fn before_after(comparisons: &[Comparison], metric: &str) -> Sides {
    let (mut before_sum, mut after_sum) = (0.0, 0.0);
    let mut s = Sides::default();
    for row in comparisons
        .iter()
        .filter_map(|c| c.rows.iter().find(|r| r.metric == metric))
    {
        if let (Some(b), Some(a)) = (row.before, row.after) {
            before_sum += b * row.before_n as f64;
            s.before_n += row.before_n;
            after_sum += a * row.after_n as f64;
            s.after_n += row.after_n;
            s.workflows += 1;
        }
    }
    s.before = (s.before_n > 0).then(|| before_sum / s.before_n as f64);
    s.after = (s.after_n > 0).then(|| after_sum / s.after_n as f64);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::compare::{BaselineChoice, CompareRow};

    /// The comparison of workflow `id` with one row: `metric`, its before
    /// side and n, its after side and n.
    fn comparison(
        id: &str,
        metric: &'static str,
        (before, before_n): (Option<f64>, usize),
        (after, after_n): (Option<f64>, usize),
    ) -> Comparison {
        let t = chrono::NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        Comparison {
            workflow_id: id.into(),
            baseline: BaselineChoice::Study,
            automated_since: Some(t),
            period: crate::metrics::Period { from: t, to: t },
            baseline_minutes_per_item: None,
            baseline_minutes_source: String::new(),
            seed: 0,
            resamples: 0,
            interval: Default::default(),
            segment: None,
            rows: vec![CompareRow {
                workflow_id: id.into(),
                metric: metric.into(),
                unit: String::new(),
                before,
                before_n,
                after,
                after_n,
                change: None,
                change_pct: None,
                ci_low: None,
                ci_high: None,
                verdict: String::new(),
            }],
            outcomes: Vec::new(),
            summary: String::new(),
            reclaimed_hours_draws: Vec::new(),
            reclaimed_money_draws: Vec::new(),
        }
    }

    #[test]
    fn rates_pool_to_failed_over_terminal_and_one_sided_workflows_are_left_out() {
        let comparisons = [
            // 2 of 10 failed before, 1 of 20 after.
            comparison("a", "error_rate", (Some(0.2), 10), (Some(0.05), 20)),
            // 6 of 30 before, 3 of 60 after.
            comparison("b", "error_rate", (Some(0.2), 30), (Some(0.05), 60)),
            // No after side: not pooled.
            comparison("c", "error_rate", (Some(0.9), 50), (None, 0)),
            // No such metric.
            comparison("d", "cycle_time_mean_min", (Some(5.0), 4), (Some(3.0), 4)),
        ];
        let s = before_after(&comparisons, "error_rate");
        assert_eq!((s.before_n, s.after_n, s.workflows), (40, 80, 2));
        assert!((s.before.unwrap() - 8.0 / 40.0).abs() < 1e-12);
        assert!((s.after.unwrap() - 4.0 / 80.0).abs() < 1e-12);
        assert!((s.change().unwrap() + 0.15).abs() < 1e-12);
        let none = before_after(&comparisons, "response_mean_min");
        assert_eq!(none, Sides::default());
        assert_eq!(none.change(), None);
    }
}
