//! The rates over terminal runs, written once for Rust: DESIGN.md's error
//! rate (failed over succeeded + failed + escalated) and escalation rate
//! (escalated over the same). Cancelled and running runs are neither success
//! nor failure and are left out. The metric SQL computes the same per
//! workflow (`queries/metrics/workflow_metrics.sql`); this module pools the
//! counts of several rows (a portfolio group, a week of the workflows in
//! view) and gives the per-run indicators the bootstrap resamples.

use crate::metrics::MetricRow;
use crate::model::Status;

/// Counts of terminal runs, pooled over any number of metric rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Terminal {
    pub succeeded: i64,
    pub failed: i64,
    pub escalated: i64,
}

impl Terminal {
    /// The terminal counts of some metric rows, summed.
    pub fn of<'a>(rows: impl IntoIterator<Item = &'a MetricRow>) -> Terminal {
        rows.into_iter().fold(Terminal::default(), |t, r| Terminal {
            succeeded: t.succeeded + r.succeeded,
            failed: t.failed + r.failed,
            escalated: t.escalated + r.escalated,
        })
    }

    /// Succeeded + failed + escalated: the rates' denominator.
    pub fn n(&self) -> i64 {
        self.succeeded + self.failed + self.escalated
    }

    /// Failed over terminal; `None` without terminal runs.
    pub fn error_rate(&self) -> Option<f64> {
        share(self.failed, self.n())
    }

    /// Escalated over terminal; `None` without terminal runs.
    pub fn escalation_rate(&self) -> Option<f64> {
        share(self.escalated, self.n())
    }
}

fn share(part: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| part as f64 / n as f64)
}

/// Whether a run of this status counts in the rates (and toward reclaimed
/// hours): succeeded, failed or escalated. Not `Status::is_terminal`, which
/// is whether the case is closed (a cancelled run is, and counts in neither).
pub fn counted(status: Status) -> bool {
    matches!(
        status,
        Status::Succeeded | Status::Failed | Status::Escalated
    )
}

/// A counted run's contribution to the error rate and to the escalation rate
/// (1 or 0 each; their means are the rates); `None` for a run not counted.
pub fn indicators(status: Status) -> Option<(f64, f64)> {
    counted(status).then(|| {
        (
            f64::from(u8::from(status == Status::Failed)),
            f64::from(u8::from(status == Status::Escalated)),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_leave_out_cancelled_and_running() {
        let t = Terminal {
            succeeded: 6,
            failed: 3,
            escalated: 1,
        };
        assert_eq!(t.n(), 10);
        assert_eq!(t.error_rate(), Some(0.3));
        assert_eq!(t.escalation_rate(), Some(0.1));
        assert_eq!(Terminal::default().error_rate(), None);
        assert_eq!(indicators(Status::Failed), Some((1.0, 0.0)));
        assert_eq!(indicators(Status::Escalated), Some((0.0, 1.0)));
        assert_eq!(indicators(Status::Succeeded), Some((0.0, 0.0)));
        assert_eq!(indicators(Status::Cancelled), None);
        assert_eq!(indicators(Status::Running), None);
    }
}
