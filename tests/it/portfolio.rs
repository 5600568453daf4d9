//! The portfolio roll-up on the golden fixture, by hand.

use crate::{close, golden_store, summary_figure as figure};

#[test]
fn groups_and_headline_never_mix_currencies() {
    let s = golden_store();
    let (_, p) =
        yardstick::report::portfolio(&s, Some("2026-01-01"), Some("2026-02-01"), None).unwrap();
    // Headline: wf-a 58 min and wf-b 23 min reclaimed (wf-c has no baseline, wf-d no go-live).
    let hours = &p.headline[0];
    // Behind them: wf-a's six terminal runs since go-live and wf-b's three (b1 precedes it).
    assert_eq!(
        (hours.unit.as_str(), hours.workflows, hours.runs),
        ("hours", 2, 6 + 3)
    );
    close(Some(hours.value), Some(81.0 / 60.0));
    let (lo, hi) = (hours.ci_low.unwrap(), hours.ci_high.unwrap());
    assert!(lo < hi, "[{lo}, {hi}]");
    // Money per currency, never summed across them: 58 EUR from wf-a, 23/60 h × 50 USD from wf-b.
    let units: Vec<&str> = p.headline.iter().map(|h| h.unit.as_str()).collect();
    assert_eq!(units, ["hours", "EUR", "USD"]);
    close(Some(p.headline[1].value), Some(58.0));
    close(Some(p.headline[2].value), Some(23.0 / 60.0 * 50.0));
    assert_eq!(p.without_baseline, ["wf-c"]);

    let g = |dim: &str, key: &str| {
        p.groups
            .iter()
            .find(|g| g.dimension == dim && g.key == key)
            .unwrap()
            .clone()
    };
    let fin = g("team", "Finance");
    assert_eq!((fin.workflows, fin.runs, fin.failed), (1, 5, 1));
    close(fin.error_rate, Some(1.0 / 4.0));
    close(
        fin.reclaimed_money.get("USD").copied(),
        Some(23.0 / 60.0 * 50.0),
    );
    assert!(!fin.reclaimed_money.contains_key("EUR"));
    // The reporting category's one workflow (wf-c) has no baseline: its
    // reclaimed hours are not measurable, so null with the reason, not 0.
    let reporting = g("category", "reporting");
    assert_eq!(reporting.reclaimed_hours, None);
    assert!(reporting
        .reclaimed_hours_missing
        .as_deref()
        .is_some_and(|m| m.contains("no workflow of the group has both a baseline B")));
    // A group with a measured workflow sums it, and says nothing is missing.
    close(fin.reclaimed_hours, Some(23.0 / 60.0));
    assert_eq!(fin.reclaimed_hours_missing, None);
    assert_eq!(
        p.groups.iter().filter(|g| g.dimension == "owner").count(),
        4
    );
}

#[test]
fn summary_sets_a_period_against_the_previous_one_of_equal_length() {
    let s = golden_store();
    let j =
        yardstick::report::summary(&s, Some("2026-01-01"), Some("2026-02-01"), None, None).unwrap();
    // January has 31 days, so the previous period is the 31 days before it.
    assert_eq!(j["previous_from"], "2025-12-01T00:00:00Z");
    assert_eq!(j["previous_to"], "2026-01-01T00:00:00Z");
    let fig = |name: &str| figure(&j, name);
    // Hours: 81/60 now; in December only a11 ran, before wf-a's go-live: 0 reclaimed.
    let h = fig("reclaimed_hours");
    close(h["value"].as_f64(), Some(81.0 / 60.0));
    close(h["previous"].as_f64(), Some(0.0));
    close(h["change"].as_f64(), Some(81.0 / 60.0));
    assert_eq!(
        (h["n"].as_i64(), h["previous_n"].as_i64()),
        (Some(9), Some(0))
    );
    // Error rate: failed a4, a5, b3 of 11 terminal runs now; a11 succeeded before.
    let e = fig("error_rate");
    close(e["value"].as_f64(), Some(3.0 / 11.0));
    close(e["previous"].as_f64(), Some(0.0));
    assert_eq!(e["verdict"], "too little data: n=11 now, n=1 before");
    let r = fig("runs");
    assert_eq!(
        (r["value"].as_f64(), r["previous"].as_f64()),
        (Some(15.0), Some(1.0))
    );
}

/// A previous period that ends before the first stored run was never
/// stored: its figures are unknown (null, with the reason), not 0. A
/// previous period after the first stored run without runs of its own is a
/// measured 0.
#[test]
fn a_previous_period_before_the_first_stored_run_is_unknown_not_0() {
    let s = golden_store();
    // The first stored run is a11, triggered 2025-12-31T23:59:59Z: the day
    // before 31 December holds nothing that was ever stored.
    let j =
        yardstick::report::summary(&s, Some("2025-12-31"), Some("2026-01-01"), None, None).unwrap();
    let why = "not measurable: the previous period ends before the first stored run \
               (2025-12-31T23:59:59Z)";
    for name in ["reclaimed_hours", "runs", "error_rate"] {
        let f = figure(&j, name);
        assert_eq!(
            (
                f["previous"].as_f64(),
                f["change"].as_f64(),
                f["ci_low"].as_f64()
            ),
            (None, None, None),
            "{f}"
        );
        assert_eq!(f["verdict"], why, "{f}");
    }
    // The period itself is measured: a11 ran in it (before wf-a's go-live).
    assert_eq!(figure(&j, "runs")["value"].as_f64(), Some(1.0));
    // 1 March 2026 has no run, but runs were stored before it: 0 runs then.
    let j =
        yardstick::report::summary(&s, Some("2026-03-02"), Some("2026-03-03"), None, None).unwrap();
    let runs = figure(&j, "runs");
    assert_eq!(
        (runs["previous"].as_f64(), runs["verdict"].as_str()),
        (Some(0.0), Some("a count: no interval"))
    );
}
