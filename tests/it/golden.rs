//! Every field of the metric table on the golden fixture, against values
//! computed by hand from `fixtures/golden/*` (the arithmetic is in the comments).

use yardstick::metrics::{field_names, Period};
use yardstick::model::Kind;

use crate::{close, golden_store, ingest_file, ingest_text, january, row, table};

#[test]
fn workflow_a_every_field() {
    let s = golden_store();
    let r = row(&s, january(), "wf-a");
    // In [2026-01-01, 2026-02-01) on coalesce(trigger_at, started_at): a1 (later row wins),
    // a2 (no trigger: started_at), a3, a4, a5, a6, a7, a8 and a10 (exactly at `from`).
    // a9 is exactly at `to`, a11's trigger is on 2025-12-31 although it started in January.
    assert_eq!(r.runs, 9);
    assert_eq!(
        (r.succeeded, r.failed, r.escalated, r.cancelled, r.running),
        (3, 2, 1, 1, 2)
    );
    // a7 runs since 01-20, before to − 7 days = 01-25; a8 since 01-28 is not leaked yet.
    assert_eq!(r.leaked, 1);
    // 2 failed and 1 escalated of 6 terminal-for-rates runs (3 + 2 + 1).
    close(r.error_rate, Some(2.0 / 6.0));
    close(r.escalation_rate, Some(1.0 / 6.0));
    // Cycle minutes: a10 15, a1 30 (09:00 → 09:30), a2 60 (10:00Z → 12:00+01:00),
    // a3 120 (08:00+02:00 → 08:00Z). Mean 225 / 4; p50 at rank 1.5 → 30 + 0.5·30;
    // p90 at rank 2.7 → 60 + 0.7·60.
    assert_eq!(r.cycle_time_n, 4);
    close(r.cycle_time_mean_min, Some(56.25));
    close(r.cycle_time_p50_min, Some(45.0));
    close(r.cycle_time_p90_min, Some(102.0));
    // Response minutes: a10 3, a1 5, a2 20 (naive 10:20 − started 10:00).
    // p50 = 5; p90 at rank 1.8 → 5 + 0.8·15 = 17.
    assert_eq!(r.response_n, 3);
    close(r.response_p50_min, Some(5.0));
    close(r.response_p90_min, Some(17.0));
    // SLA 10 min response: 3 and 5 within, 20 not. SLA 60 min cycle: 15, 30, 60 within, 120 not.
    close(r.sla_response_compliance, Some(2.0 / 3.0));
    close(r.sla_cycle_compliance, Some(0.75));
    // B = mean(10, 20, 30) = 20. Reclaimed: a1 20−2, a2 20−0, a3 20−15, a4 failed without
    // human minutes 0, a5 20−25 = −5 (stands), a10 20−0: 18+20+5+0−5+20 = 58 minutes.
    close(r.baseline_minutes_per_item, Some(20.0));
    close(r.reclaimed_hours, Some(58.0 / 60.0));
    close(r.reclaimed_money, Some(58.0));
    assert_eq!(r.currency.as_deref(), Some("EUR"));
}

#[test]
fn workflow_b_override_pre_go_live_and_cross_batch_replacement() {
    let s = golden_store();
    let r = row(&s, january(), "wf-b");
    // Batch 1: b1 (before go-live on 01-10), b2, b3 failed, b4 still running, and s3/b2,
    // a different run because the source differs.
    assert_eq!(r.runs, 5);
    assert_eq!((r.succeeded, r.failed, r.running, r.leaked), (3, 1, 1, 1));
    // Cycle: b1 120, b2 60, s3/b2 30 → mean 70, p50 60, p90 at rank 1.8 → 60 + 0.8·60.
    assert_eq!(r.cycle_time_n, 3);
    close(r.cycle_time_mean_min, Some(70.0));
    close(r.cycle_time_p90_min, Some(108.0));
    // B is the override 12 (the observed 100 is ignored). b1 precedes go-live and
    // reclaims nothing; b2 12−1, b3 failed without human minutes 0, s3/b2 12−0 = 23.
    close(r.baseline_minutes_per_item, Some(12.0));
    close(r.reclaimed_hours, Some(23.0 / 60.0));

    // Batch 2 (NDJSON) finishes b4: the stored version is replaced, not added.
    let rep = ingest_file(&s, Kind::Runs, "golden/runs_batch2.ndjson");
    assert_eq!((rep.written, rep.replaced, rep.rejected), (1, 1, 0));
    let r = row(&s, january(), "wf-b");
    assert_eq!(r.runs, 5);
    assert_eq!((r.succeeded, r.failed, r.running, r.leaked), (4, 1, 0, 0));
    close(r.error_rate, Some(0.2));
    close(r.escalation_rate, Some(0.0));
    // Cycle: 30, 45, 60, 120 → mean 63.75, p50 52.5, p90 60 + 0.7·60 = 102; all within 120.
    assert_eq!(r.cycle_time_n, 4);
    close(r.cycle_time_mean_min, Some(63.75));
    close(r.cycle_time_p50_min, Some(52.5));
    close(r.cycle_time_p90_min, Some(102.0));
    assert_eq!(r.response_n, 0);
    close(r.response_p50_min, None);
    close(r.sla_response_compliance, None);
    close(r.sla_cycle_compliance, Some(1.0));
    // Reclaimed 23 + b4 (12 − 2) = 33 minutes = 0.55 h; × 50 USD.
    close(r.reclaimed_hours, Some(0.55));
    close(r.reclaimed_money, Some(27.5));
    assert_eq!(r.currency.as_deref(), Some("USD"));
}

#[test]
fn workflow_without_baseline_and_backlog_candidate() {
    let s = golden_store();
    let c = row(&s, january(), "wf-c");
    // Only c1 counts: the eight rejected wf-c rows never reach a metric.
    assert_eq!((c.runs, c.succeeded, c.cycle_time_n), (1, 1, 1));
    close(c.cycle_time_p50_min, Some(30.0));
    close(c.error_rate, Some(0.0));
    close(c.sla_cycle_compliance, None);
    close(c.baseline_minutes_per_item, None);
    close(c.reclaimed_hours, None);
    close(c.reclaimed_money, None);

    // wf-d: observed by hand (B = mean(40, 50); the `abc` row was rejected), never automated.
    let d = row(&s, january(), "wf-d");
    assert_eq!(
        (d.runs, d.cycle_time_n, d.response_n, d.leaked),
        (0, 0, 0, 0)
    );
    close(d.error_rate, None);
    close(d.cycle_time_mean_min, None);
    close(d.baseline_minutes_per_item, Some(45.0));
    close(d.reclaimed_hours, None);
}

#[test]
fn every_catalogued_workflow_has_a_row_and_an_empty_period_is_all_zero() {
    let s = golden_store();
    let t = table(&s, Period::parse("2027-01-01", "2027-02-01").unwrap());
    let rows = t.rows().unwrap();
    // wf-bad was rejected (category `marketing`), so four workflows.
    let ids: Vec<&str> = rows.iter().map(|r| r.workflow_id.as_str()).collect();
    assert_eq!(ids, ["wf-a", "wf-b", "wf-c", "wf-d"]);
    for r in &rows {
        assert_eq!((r.runs, r.cycle_time_n, r.response_n), (0, 0, 0));
        close(r.error_rate, None);
        close(r.cycle_time_p50_min, None);
    }
    // A workflow with a baseline and a go-live reclaimed exactly nothing in an empty period.
    close(rows[0].reclaimed_hours, Some(0.0));
    close(rows[0].reclaimed_money, Some(0.0));
    let names: Vec<&str> = t
        .frame()
        .columns()
        .iter()
        .map(|c| c.name().as_str())
        .collect();
    assert_eq!(names, field_names());
}

#[test]
fn filters_by_workflow() {
    let s = golden_store();
    let t =
        yardstick::report::metric_table(&s, january(), &["wf-c".into(), "wf-a".into()]).unwrap();
    let ids: Vec<String> = t
        .rows()
        .unwrap()
        .into_iter()
        .map(|r| r.workflow_id)
        .collect();
    assert_eq!(ids, ["wf-a", "wf-c"]);
    let err = yardstick::report::metric_table(&s, january(), &["nope".into()]).unwrap_err();
    assert!(
        err.to_string().contains("`nope` is not in the catalogue"),
        "{err}"
    );
}

#[test]
fn json_and_csv_carry_the_same_numbers() {
    let s = golden_store();
    let t = table(&s, january());
    let json = t.to_json().unwrap();
    assert_eq!(json["from"], "2026-01-01T00:00:00Z");
    assert_eq!(json["to"], "2026-02-01T00:00:00Z");
    let rows = json["rows"].as_array().unwrap();
    let csv_bytes = t.to_csv().unwrap();
    let mut rdr = csv::Reader::from_reader(csv_bytes.as_slice());
    let header: Vec<String> = rdr.headers().unwrap().iter().map(str::to_string).collect();
    assert_eq!(header, field_names());
    let records: Vec<csv::StringRecord> = rdr.records().map(Result::unwrap).collect();
    assert_eq!(records.len(), rows.len());
    for (rec, obj) in records.iter().zip(rows) {
        for (name, cell) in header.iter().zip(rec.iter()) {
            let v = &obj[name];
            match v {
                serde_json::Value::Null => assert_eq!(cell, "", "{name}"),
                serde_json::Value::String(s) => assert_eq!(cell, s, "{name}"),
                serde_json::Value::Number(n) => {
                    let c: f64 = cell.parse().unwrap_or_else(|_| panic!("{name}: `{cell}`"));
                    assert_eq!(c, n.as_f64().unwrap(), "{name}");
                }
                other => panic!("{name}: unexpected {other}"),
            }
        }
    }
}

#[test]
fn as_of_reproduces_a_report_after_the_catalogue_changed() {
    use yardstick::ingest::{Format, Options};
    let s = golden_store();
    let before = yardstick::report::metric_table(&s, january(), &[])
        .unwrap()
        .to_json()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(5));
    let then = chrono::Utc::now().naive_utc();
    std::thread::sleep(std::time::Duration::from_millis(5));
    // Finance doubles wf-a's hourly cost and overrides its baseline to 30 minutes.
    let text = "workflow_id,name,owner,team,category,hourly_cost,currency,sla_response_minutes,sla_cycle_minutes,automated_since,baseline_minutes_per_item\n\
                wf-a,Lead intake,Ana Lopez,Sales Ops,intake,120,EUR,10,60,2026-01-01,30\n";
    let rep = ingest_text(
        &s,
        Kind::Workflows,
        Format::Csv,
        "change",
        text,
        Options::default(),
    )
    .unwrap();
    assert_eq!((rep.written, rep.replaced), (1, 1));
    // Now: B = 30, reclaimed 30−2 + 30 + 30−15 + 0 + 30−25 + 30 = 108 minutes, × 120/60.
    let now = row(&s, january(), "wf-a");
    close(now.baseline_minutes_per_item, Some(30.0));
    close(now.reclaimed_hours, Some(108.0 / 60.0));
    close(now.reclaimed_money, Some(216.0));
    // As of `then`, the earlier report comes back exactly.
    let past = yardstick::report::metric_table_as_of(&s, january(), &[], Some(then)).unwrap();
    assert_eq!(past.to_json().unwrap(), before);
    // A comparison as of `then` uses the old B and cost too.
    let money_of = |as_of: Option<String>| {
        let req = yardstick::report::CompareRequest {
            workflows: vec!["wf-a".into()],
            to: Some("2026-02-01".into()),
            as_of,
            ..Default::default()
        };
        let c = yardstick::report::compare(&s, &req).unwrap();
        c[0].rows
            .iter()
            .find(|r| r.metric == "reclaimed_money")
            .unwrap()
            .after
    };
    close(
        money_of(Some(yardstick::model::format_timestamp(then))),
        Some(58.0),
    );
    close(money_of(None), Some(216.0));
    // So do the portfolio headline and the trend.
    let eur = |as_of| {
        let (_, p) =
            yardstick::report::portfolio(&s, Some("2026-01-01"), Some("2026-02-01"), as_of)
                .unwrap();
        p.headline.iter().find(|h| h.unit == "EUR").unwrap().value
    };
    close(Some(eur(Some(then))), Some(58.0));
    close(Some(eur(None)), Some(216.0));
    let g = yardstick::metrics::trend::Granularity::Month;
    let t = yardstick::report::trend(
        &s,
        g,
        "UTC",
        Some("2026-01-01"),
        Some("2026-02-01"),
        &[],
        Some(then),
    )
    .unwrap();
    assert_eq!(t.tables[0].to_json().unwrap()["rows"], before["rows"]);
    // Both versions stay in the ledger.
    let old = s.workflows(Some(then)).unwrap();
    let cur = s.workflows(None).unwrap();
    assert_eq!(old[0].workflow.hourly_cost, Some(60.0));
    assert_eq!(cur[0].workflow.hourly_cost, Some(120.0));
    assert!(cur[0].recorded_at > then && old[0].recorded_at < then);
    // A run corrected after `then` is reported in its version of the time: b4 was
    // still running then (batch 1), and batch 2 finishes it.
    ingest_file(&s, Kind::Runs, "golden/runs_batch2.ndjson");
    assert_eq!(row(&s, january(), "wf-b").running, 0);
    let b_then =
        yardstick::report::metric_table_as_of(&s, january(), &["wf-b".into()], Some(then)).unwrap();
    assert_eq!(b_then.rows().unwrap()[0].running, 1);
    // Runs ingested after `then` are left out of a report as of `then`.
    let late = "source,run_id,workflow_id,started_at,finished_at,status\nlate,z1,wf-a,2026-01-09T00:00:00Z,2026-01-09T00:05:00Z,succeeded\n";
    let rep = ingest_text(
        &s,
        Kind::Runs,
        Format::Csv,
        "late",
        late,
        Options::default(),
    );
    assert!(rep.unwrap().stored);
    assert_eq!(row(&s, january(), "wf-a").runs, 10);
    assert_eq!(
        s.workflows(None).unwrap()[0].runs,
        12,
        "wf-a: 11 runs of runs.csv and z1"
    );
    let past = yardstick::report::metric_table_as_of(&s, january(), &[], Some(then)).unwrap();
    assert_eq!(past.to_json().unwrap(), before);
}

#[test]
fn the_json_names_the_assumptions_behind_each_row() {
    let s = golden_store();
    let j = table(&s, january()).to_json().unwrap();
    let a = j["assumptions"].as_array().unwrap();
    let of = |id: &str| a.iter().find(|x| x["workflow_id"] == id).unwrap().clone();
    assert_eq!(of("wf-a")["baseline_source"], "study mean");
    assert_eq!(of("wf-a")["baseline_observations"], 3);
    assert_eq!(of("wf-a")["hourly_cost"], 60.0);
    assert_eq!(of("wf-b")["baseline_source"], "override");
    assert_eq!(of("wf-b")["automated_since"], "2026-01-10T00:00:00Z");
    assert_eq!(of("wf-c")["baseline_source"], "none");
    assert!(of("wf-d")["catalogue_version"]
        .as_str()
        .unwrap()
        .ends_with('Z'));
}
