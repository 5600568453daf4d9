//! The automation backlog on the golden fixture, by hand.

use crate::{close, golden_store};

#[test]
fn backlog_ranks_unautomated_work_with_its_assumptions() {
    let b = yardstick::report::backlog(&golden_store(), None).unwrap();
    // Residual shares of the automated workflows with a baseline, over their terminal
    // runs since go-live: wf-a (B = 20): a1 2, a2 0, a3 15, a4 20 (failed, none recorded),
    // a5 25, a9 0, a10 0 → (62 / 7) / 20; wf-b (B = 12): b2 1, b3 12, s3/b2 0 → (13 / 3) / 12.
    // wf-c has no baseline. The median of two is their mean.
    let residual = ((62.0 / 7.0) / 20.0 + (13.0 / 3.0) / 12.0) / 2.0;
    close(Some(b.assumptions.residual_share), Some(residual));
    assert!(b
        .assumptions
        .residual_source
        .contains("2 automated workflows"));
    // wf-d: observations of 40 and 50 minutes on 11-06 and 11-07 (the `abc` row was
    // rejected): a span under a week counts as one week, so 2 items a week, 1.5 hours.
    assert_eq!(b.rows.len(), 1);
    let r = &b.rows[0];
    assert_eq!(
        (r.rank, r.workflow_id.as_str(), r.observations),
        (1, "wf-d", 2)
    );
    close(Some(r.items_per_week), Some(2.0));
    close(Some(r.mean_handle_minutes), Some(45.0));
    close(r.error_share, Some(0.5));
    close(Some(r.weekly_manual_hours), Some(1.5));
    close(
        Some(r.projected_reclaimed_hours_per_year),
        Some(1.5 * 52.0 * (1.0 - residual)),
    );
    close(
        r.projected_reclaimed_money_per_year,
        Some(1.5 * 52.0 * (1.0 - residual) * 45.0),
    );
    assert_eq!(r.currency.as_deref(), Some("EUR"));
}
