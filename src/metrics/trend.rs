//! Trend periods: ISO weeks (Monday start) or calendar months in a reporting
//! time zone, as half-open UTC intervals that the metric table is computed
//! over. Daylight-saving changes make some weeks 167 or 169 hours long; the
//! boundaries are always local midnight. No I/O.

use chrono::{Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone};
use chrono_tz::Tz;
use serde::Serialize;

use super::MetricsError;

/// The length of a trend period.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, schemars::JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Granularity {
    Week,
    Month,
}

impl std::str::FromStr for Granularity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "week" => Ok(Granularity::Week),
            "month" => Ok(Granularity::Month),
            other => Err(format!("granularity `{other}` is not week or month")),
        }
    }
}

/// Parses an IANA time zone name such as `Europe/Madrid`.
pub fn parse_tz(name: &str) -> Result<Tz, MetricsError> {
    name.parse::<Tz>().map_err(|_| {
        MetricsError::BadRequest(format!(
            "time zone `{name}` is not an IANA name such as Europe/Madrid or UTC"
        ))
    })
}

/// One trend period: its local dates and its UTC bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bucket {
    /// First local day of the period.
    pub start_local: NaiveDate,
    /// First local day after the period.
    pub end_local: NaiveDate,
    pub start: NaiveDateTime,
    pub end: NaiveDateTime,
}

/// Local midnight of `d` in `tz`, as UTC. Where midnight does not exist (a
/// daylight-saving gap at midnight) the first local time after it is used.
pub fn local_midnight_utc(tz: Tz, d: NaiveDate) -> NaiveDateTime {
    let mut t = d.and_hms_opt(0, 0, 0).expect("midnight exists");
    for _ in 0..4 {
        match tz.from_local_datetime(&t) {
            LocalResult::Single(x) => return x.naive_utc(),
            LocalResult::Ambiguous(a, _) => return a.naive_utc(),
            LocalResult::None => t += Duration::minutes(30),
        }
    }
    tz.from_utc_datetime(&t).naive_utc()
}

fn period_start(g: Granularity, d: NaiveDate) -> NaiveDate {
    match g {
        Granularity::Week => d - Duration::days(d.weekday().num_days_from_monday() as i64),
        Granularity::Month => d.with_day(1).expect("day 1 exists"),
    }
}

fn next_start(g: Granularity, d: NaiveDate) -> NaiveDate {
    match g {
        Granularity::Week => d + Duration::days(7),
        Granularity::Month => {
            let (y, m) = if d.month() == 12 {
                (d.year() + 1, 1)
            } else {
                (d.year(), d.month() + 1)
            };
            NaiveDate::from_ymd_opt(y, m, 1).expect("first of month exists")
        }
    }
}

/// The periods that cover `[from, to)` (UTC), from the one holding `from` to
/// the one holding the last instant before `to`; at most `max` of them.
pub fn buckets(
    g: Granularity,
    tz: Tz,
    from: NaiveDateTime,
    to: NaiveDateTime,
    max: usize,
) -> Result<Vec<Bucket>, MetricsError> {
    if from >= to {
        return Err(MetricsError::BadRequest(
            "the period is empty: from must be before to".into(),
        ));
    }
    let local_from = tz.from_utc_datetime(&from).date_naive();
    let mut d = period_start(g, local_from);
    let mut out = Vec::new();
    loop {
        let start = local_midnight_utc(tz, d);
        if start >= to {
            break;
        }
        let e = next_start(g, d);
        out.push(Bucket {
            start_local: d,
            end_local: e,
            start,
            end: local_midnight_utc(tz, e),
        });
        if out.len() > max {
            return Err(MetricsError::BadRequest(format!(
                "more than {max} periods: choose a shorter span or a coarser granularity"
            )));
        }
        d = e;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    fn utc(s: &str) -> NaiveDateTime {
        crate::model::parse_timestamp(s).unwrap()
    }

    /// The weeks in Madrid of `[from, to)`, both UTC timestamps.
    fn madrid_weeks(from: &str, to: &str) -> Vec<Bucket> {
        let tz = parse_tz("Europe/Madrid").unwrap();
        buckets(Granularity::Week, tz, utc(from), utc(to), 10).unwrap()
    }

    #[test]
    fn a_sunday_evening_in_madrid_belongs_to_its_own_week() {
        // Sunday 2026-03-08 23:30 in Madrid (UTC+1) is 22:30 UTC: still the week of Monday 03-02,
        // whose end is Monday 03-09 00:00 Madrid = 03-08 23:00 UTC.
        let b = madrid_weeks("2026-03-08T22:30:00Z", "2026-03-08T22:31:00Z");
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].start_local.to_string(), "2026-03-02");
        assert_eq!(b[0].start, utc("2026-03-01T23:00:00Z"));
        assert_eq!(b[0].end, utc("2026-03-08T23:00:00Z"));
        // The same instant in UTC falls in the same week; 30 minutes later in Madrid it is Monday.
        let b = madrid_weeks("2026-03-08T23:30:00Z", "2026-03-08T23:31:00Z");
        assert_eq!(b[0].start_local.to_string(), "2026-03-09");
    }

    #[test]
    fn weeks_across_daylight_saving_are_bounded_by_local_midnight() {
        // Madrid moves to UTC+2 on Sunday 2026-03-29: that week is 167 hours long.
        let b = madrid_weeks("2026-03-23T12:00:00Z", "2026-04-01T00:00:00Z");
        assert_eq!(b.len(), 2);
        assert_eq!(b[0].end - b[0].start, Duration::hours(167));
        assert_eq!(b[1].start, utc("2026-03-29T22:00:00Z"));
        assert!(b.iter().all(|x| x.start_local.weekday() == Weekday::Mon));
    }

    #[test]
    fn months_in_utc() {
        let b = buckets(
            Granularity::Month,
            Tz::UTC,
            utc("2026-01-15T00:00:00Z"),
            utc("2026-03-01T00:00:00Z"),
            10,
        )
        .unwrap();
        let starts: Vec<String> = b.iter().map(|x| x.start_local.to_string()).collect();
        assert_eq!(starts, ["2026-01-01", "2026-02-01"]);
        assert_eq!(b[1].end, utc("2026-03-01T00:00:00Z"));
        assert!(parse_tz("Mars/Olympus").is_err());
        assert!(buckets(
            Granularity::Week,
            Tz::UTC,
            utc("2020-01-01T00:00:00Z"),
            utc("2030-01-01T00:00:00Z"),
            100
        )
        .is_err());
    }
}
