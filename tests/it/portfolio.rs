//! The portfolio roll-up on the golden fixture, by hand.

use crate::{close, golden_store};

#[test]
fn groups_and_headline_never_mix_currencies() {
    let s = golden_store();
    let (_, p) = yardstick::report::portfolio(&s, Some("2026-01-01"), Some("2026-02-01")).unwrap();
    // Headline: wf-a 58 min and wf-b 23 min reclaimed (wf-c has no baseline, wf-d no go-live).
    let hours = &p.headline[0];
    assert_eq!(
        (hours.unit.as_str(), hours.workflows, hours.runs),
        ("hours", 2, 6 + 4)
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
    let reporting = g("category", "reporting");
    assert_eq!(
        reporting.reclaimed_hours.to_bits(),
        0.0f64.to_bits(),
        "zero, not −0"
    );
    assert_eq!(
        p.groups.iter().filter(|g| g.dimension == "owner").count(),
        4
    );
}
