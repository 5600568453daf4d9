//! Event logs: the shared real logs against pm4py's reference figures, the
//! work/wait split of BPI 2012, and the edge cases of XES by hand.

use std::path::PathBuf;

use yardstick::ingest::eventlog::{self, LogFormat, LogOptions, Pattern};
use yardstick::ingest::{self, IngestError, Options};
use yardstick::metrics::Period;
use yardstick::model::{Kind, Status};
use yardstick::store::Store;

use crate::{ingest_file, ingest_text};

/// The folder of the shared real event logs: `YARDSTICK_EVENTLOGS`, else
/// `../shared/data/eventlogs` beside the checkout.
pub(crate) fn shared_logs() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("YARDSTICK_EVENTLOGS").map(PathBuf::from),
        Some(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data/eventlogs")),
    ];
    let found = candidates
        .into_iter()
        .flatten()
        .find(|p| p.join("README.md").is_file());
    if found.is_none() && std::env::var_os("YARDSTICK_SKIP_SHARED_LOGS").is_none() {
        panic!(
            "the shared event logs are not found: set YARDSTICK_EVENTLOGS to their folder \
             (or YARDSTICK_SKIP_SHARED_LOGS=1 where they do not exist)"
        );
    }
    found
}

/// The reference table of the folder's README: log → (cases, mean s, median s, p90 s).
fn references(dir: &std::path::Path) -> Vec<(String, i64, f64, f64, f64)> {
    let readme = std::fs::read_to_string(dir.join("README.md")).unwrap();
    let start = readme
        .find("| log | cases | mean s")
        .expect("reference table");
    readme[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .map(|l| {
            let c: Vec<&str> = l.split('|').map(str::trim).collect();
            (
                c[1].to_string(),
                c[2].parse().unwrap(),
                c[3].parse().unwrap(),
                c[4].parse().unwrap(),
                c[5].parse().unwrap(),
            )
        })
        .collect()
}

fn log_file(dir: &std::path::Path, name: &str) -> PathBuf {
    ["xes", "xes.gz", "csv"]
        .iter()
        .map(|ext| dir.join(format!("{name}.{ext}")))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("no file for log {name}"))
}

fn catalogue_store() -> Store {
    let store = Store::open_in_memory().unwrap();
    ingest_file(&store, Kind::Workflows, "eventlogs/workflows.csv");
    store
}

fn import(store: &Store, path: &std::path::Path, opts: &LogOptions) -> ingest::Report {
    let name = path.display().to_string();
    let format = LogFormat::from_path(&name).unwrap();
    let f = std::fs::File::open(path).unwrap();
    ingest::ingest_eventlog(store, f, &name, format, opts, Options::default()).unwrap()
}

fn rel(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        a.abs()
    } else {
        ((a - b) / b).abs()
    }
}

#[test]
fn shared_logs_give_pm4py_case_durations() {
    let Some(dir) = shared_logs() else { return };
    let refs = references(&dir);
    assert!(refs.len() >= 4, "{refs:?}");
    for (log, cases, mean, p50, p90) in refs {
        let store = catalogue_store();
        let workflow = if store.workflow_ids().unwrap().contains(&log) {
            log.clone()
        } else {
            // A log added to the folder later: catalogue it on the fly.
            let csv = format!(
                "workflow_id,name,owner,team,category\n{log},{log},Process Mining,Research,other\n"
            );
            let format = ingest::Format::Csv;
            ingest_text(
                &store,
                Kind::Workflows,
                format,
                "inline",
                &csv,
                Options::default(),
            )
            .unwrap();
            log.clone()
        };
        let rep = import(
            &store,
            &log_file(&dir, &log),
            &LogOptions::new(&workflow, &log),
        );
        assert!(rep.stored && rep.rejected == 0, "{log}: {rep:?}");
        assert_eq!(rep.written, cases as u64, "{log}");
        let (a, b) = store.run_span().unwrap().unwrap();
        let t =
            yardstick::report::metric_table(&store, Period::covering(a, b), &[workflow]).unwrap();
        let r = &t.rows().unwrap()[0];
        assert_eq!(r.cycle_time_n, cases, "{log}");
        for (what, got, want) in [
            ("mean", r.cycle_time_mean_min.unwrap() * 60.0, mean),
            ("p50", r.cycle_time_p50_min.unwrap() * 60.0, p50),
            ("p90", r.cycle_time_p90_min.unwrap() * 60.0, p90),
        ] {
            assert!(
                rel(got, want) <= 1e-6,
                "{log} {what}: {got} s, pm4py {want} s"
            );
        }
        // Sending the same log again changes nothing.
        let again = import(&store, &log_file(&dir, &log), &LogOptions::new(&log, &log));
        assert_eq!((again.written, again.unchanged), (0, cases as u64), "{log}");
    }
}

#[test]
fn bpic2012_work_and_wait_split_equals_the_reference() {
    let Some(dir) = shared_logs() else { return };
    let f = std::fs::File::open(dir.join("bpic2012.xes.gz")).unwrap();
    let p = eventlog::parse(f, LogFormat::XesGz, &LogOptions::new("bpic2012", "bpi")).unwrap();
    assert_eq!(p.runs.len(), 13_087);
    let n = p.runs.len() as f64;
    // The mean over the cases of a run attribute in minutes, in seconds.
    let mean_seconds = |k: &str| -> f64 {
        let attr = |r: &yardstick::model::Run| -> f64 {
            let v: serde_json::Value =
                serde_json::from_str(r.attributes.as_deref().unwrap()).unwrap();
            v[k].as_f64().unwrap_or(0.0)
        };
        p.runs.iter().map(|r| attr(r) * 60.0).sum::<f64>() / n
    };
    let work: f64 = p
        .steps
        .iter()
        .map(|s| (s.finished_at - s.started_at).num_microseconds().unwrap() as f64 / 1e6)
        .sum::<f64>()
        / n;
    let wait = mean_seconds("wait_minutes");
    let work_attr = mean_seconds("work_minutes");
    // The README gives them to a tenth of a second.
    assert!((work - 3_949.5).abs() < 0.05, "work {work}");
    assert!((work_attr - work).abs() < 1e-6, "{work_attr} vs {work}");
    assert!((wait - 740_194.9).abs() < 0.05, "wait {wait}");
    // Human effort defaults to every resource's steps.
    let human: f64 = p.runs.iter().filter_map(|r| r.human_minutes).sum::<f64>() * 60.0 / n;
    assert!((human - work).abs() < 1e-6);
}

/// A small XES log by hand, with the edge cases (the same file the fuzz tests mangle).
const SMALL: &str = include_str!("../../fixtures/eventlogs/small.xes");

fn small_opts() -> LogOptions {
    let mut o = LogOptions::new("helpdesk", "small");
    o.escalated = vec![Pattern::new("escalate*")];
    o.response = vec![Pattern::new("reply")];
    o.human = vec![Pattern::new("ann")];
    o
}

#[test]
fn xes_edge_cases_by_hand() {
    let p = eventlog::parse(SMALL.as_bytes(), LogFormat::Xes, &small_opts()).unwrap();
    // c1 and c2 become runs; the trace without a case id and c4 (no readable time) do not.
    let ids: Vec<&str> = p.runs.iter().map(|r| r.run_id.as_str()).collect();
    assert_eq!(ids, ["c1", "c2"]);
    let c1 = &p.runs[0];
    // Out of order in the file and in three time zones: 08:00Z (Receive), 08:10Z (start),
    // 08:30Z (Review complete), 09:00Z (Reply).
    let t = |s: &str| yardstick::model::parse_timestamp(s).unwrap();
    assert_eq!(c1.started_at, t("2026-03-02T08:00:00Z"));
    assert_eq!(c1.trigger_at, Some(t("2026-03-02T08:00:00Z")));
    assert_eq!(c1.finished_at, Some(t("2026-03-02T09:00:00Z")));
    assert_eq!(c1.first_response_at, Some(t("2026-03-02T09:00:00Z")));
    assert_eq!(c1.status, Status::Succeeded);
    // One step: Review by ann, 08:10 → 08:30, human.
    assert_eq!(p.steps.len(), 1);
    assert_eq!(p.steps[0].step, "Review");
    assert_eq!(p.steps[0].resource.as_deref(), Some("ann"));
    assert_eq!(p.steps[0].actor.as_deref(), Some("human"));
    assert_eq!(c1.human_minutes, Some(20.0));
    let attrs: serde_json::Value = serde_json::from_str(c1.attributes.as_deref().unwrap()).unwrap();
    // Intervals: [08:00], [08:10, 08:30], [09:00]: work 20, wait 10 + 30.
    assert_eq!(attrs["work_minutes"], 20.0);
    assert_eq!(attrs["wait_minutes"], 40.0);
    assert_eq!(attrs["events"], 4);
    assert!(attrs.get("x").is_none(), "nested attributes stay out");
    assert_eq!(p.runs[1].status, Status::Escalated);
    assert_eq!(
        p.runs[1].human_minutes, None,
        "no start/complete pairs: effort unknown"
    );
    // Rejects: the Reply without a time (its <event> on line 24), the trace
    // without id (line 39), c4's event with a bad time (line 44) and c4 itself (line 42).
    let lines: Vec<(u64, Option<&str>, &str)> = p
        .rejects
        .iter()
        .map(|r| (r.line, r.key.as_deref(), r.problems[0].reason.as_str()))
        .collect();
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert_eq!((lines[0].0, lines[0].1), (24, Some("c1")), "{lines:?}");
    assert!(lines[0].2.contains("no timestamp"));
    assert_eq!(lines[1].0, 39, "{lines:?}");
    assert!(lines[1].2.contains("no case id"));
    assert_eq!((lines[2].0, lines[2].1), (44, Some("c4")), "{lines:?}");
    assert!(lines[2].2.contains("not a timestamp"));
    assert!(lines[3].2.contains("no event of the case has a timestamp"));
    assert_eq!(lines[3].0, 42);
    assert_eq!(p.events_read, 9);
    assert_eq!(p.events_accepted, 6);

    // The same log gzipped reads the same.
    use std::io::Write;
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(SMALL.as_bytes()).unwrap();
    let zipped = gz.finish().unwrap();
    let q = eventlog::parse(&zipped[..], LogFormat::XesGz, &small_opts()).unwrap();
    assert_eq!(q.runs, p.runs);
    assert_eq!(q.steps, p.steps);
}

#[test]
fn broken_and_hostile_xes_store_nothing() {
    let store = catalogue_store();
    let before = store.batches(100).unwrap().len();
    let cases: [(&str, &str); 5] = [
        (
            "<?xml version=\"1.0\"?><!DOCTYPE log [<!ENTITY a \"aaaaaaaaaa\"><!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;\">]><log><trace><string key=\"concept:name\" value=\"&b;\"/></trace></log>",
            "DOCTYPE",
        ),
        (&SMALL[..SMALL.len() / 2], "not well-formed"),
        (&SMALL[..SMALL.rfind("</log>").unwrap()], "truncated"),
        ("<log><trace><event></trace></log>", "not well-formed"),
        ("\u{0}\u{1}binary garbage", "not"),
    ];
    // The reason an XES text is unreadable, for the workflow given.
    let unreadable = |text: &str, origin: &str, workflow: &str| -> String {
        let opts = LogOptions::new(workflow, "h");
        let r = ingest::ingest_eventlog(
            &store,
            text.as_bytes(),
            origin,
            LogFormat::Xes,
            &opts,
            Options::default(),
        );
        match r {
            Err(IngestError::Unreadable(e)) => e.0,
            other => panic!("{origin}: expected unreadable, got {other:?}"),
        }
    };
    for (text, want) in cases {
        let e = unreadable(text, "hostile.xes", "helpdesk");
        assert!(e.contains(want), "{want}: {e}");
    }
    let e = unreadable(SMALL, "small.xes", "no-such-workflow");
    assert!(e.contains("not in the catalogue"), "{e}");
    assert_eq!(
        store.batches(100).unwrap().len(),
        before,
        "nothing was stored"
    );
}

#[test]
fn csv_event_logs_map_their_columns_and_interleave_cases() {
    let csv = "ticket,task,when,phase,who\n\
               t1,Open,2026-03-02 08:00:00,complete,ann\n\
               t2,Open,2026-03-02 08:05:00+01:00,complete,bob\n\
               t1,Fix,2026-03-02 08:10:00,start,ann\n\
               t1,Fix,2026-03-02 09:10:00,complete,ann\n\
               ,Fix,2026-03-02 09:10:00,complete,ann\n\
               t2,Close,2026-03-02 10:00:00,complete,bob\n";
    let mut o = LogOptions::new("receipt", "csvlog");
    o.columns.case = "ticket".into();
    o.columns.activity = "task".into();
    o.columns.timestamp = "when".into();
    o.columns.lifecycle = "phase".into();
    o.columns.resource = "who".into();
    let p = eventlog::parse(csv.as_bytes(), LogFormat::Csv, &o).unwrap();
    assert_eq!(p.runs.len(), 2);
    let t2 = p.runs.iter().find(|r| r.run_id == "t2").unwrap();
    let t = |s: &str| yardstick::model::parse_timestamp(s).unwrap();
    assert_eq!(t2.started_at, t("2026-03-02T07:05:00Z"));
    assert_eq!(t2.finished_at, Some(t("2026-03-02T10:00:00Z")));
    let t1 = p.runs.iter().find(|r| r.run_id == "t1").unwrap();
    assert_eq!(t1.human_minutes, Some(60.0));
    assert_eq!(p.rejects.len(), 1);
    assert_eq!(p.rejects[0].line, 6);
    // A missing mapped column names the flag that maps it.
    let e = eventlog::parse(
        csv.as_bytes(),
        LogFormat::Csv,
        &LogOptions::new("receipt", "x"),
    )
    .unwrap_err();
    assert!(
        e.0.contains("no column `case:concept:name`") && e.0.contains("--case-column"),
        "{}",
        e.0
    );
}

#[test]
fn step_timings_by_hand_and_on_bpic2012() {
    let store = catalogue_store();
    let ingest_small = || {
        let (format, opts) = (LogFormat::Xes, small_opts());
        ingest::ingest_eventlog(
            &store,
            SMALL.as_bytes(),
            "small.xes",
            format,
            &opts,
            Options::default(),
        )
        .unwrap()
    };
    // Before the log: no run has steps, and the answer says so.
    let span = (Some("2026-01-01"), Some("2027-01-01"));
    let (_, none) = yardstick::report::steps(&store, "helpdesk", span.0, span.1).unwrap();
    assert_eq!((none.runs, none.bottleneck), (0, None));
    assert!(none
        .bottleneck_missing
        .unwrap()
        .starts_with("no run of the period has steps"));
    assert!(ingest_small().stored);
    let (_, t) = yardstick::report::steps(&store, "helpdesk", None, None).unwrap();
    // c1 alone has a step: Review 08:10 → 08:30, anchor 08:00, cycle 60 min.
    assert_eq!(t.runs, 1);
    assert_eq!(t.rows.len(), 1);
    let r = &t.rows[0];
    assert_eq!((r.step.as_str(), r.n), ("Review", 1));
    assert_eq!((r.work_mean_min, r.wait_mean_min), (Some(20.0), Some(10.0)));
    assert_eq!(
        (r.work_share, r.wait_share),
        (Some(20.0 / 60.0), Some(10.0 / 60.0))
    );
    assert!(r.bottleneck);
    assert_eq!(t.bottleneck.as_deref(), Some("Review"));
    // Re-ingesting the log replaces the steps, never duplicates them.
    ingest_small();
    let (_, again) = yardstick::report::steps(&store, "helpdesk", None, None).unwrap();
    assert_eq!(again, t);

    let Some(dir) = shared_logs() else { return };
    let store = catalogue_store();
    import(
        &store,
        &dir.join("bpic2012.xes.gz"),
        &LogOptions::new("bpic2012", "bpi"),
    );
    let (_, t) = yardstick::report::steps(&store, "bpic2012", None, None).unwrap();
    let n: i64 = t.rows.iter().map(|r| r.n).sum();
    assert_eq!(n, 71_373, "every paired step is counted once");
    // Σ work over all steps / cases = the README's 3,949.5 s per case.
    let work: f64 = t
        .rows
        .iter()
        .map(|r| r.work_mean_min.unwrap() * r.n as f64 * 60.0)
        .sum::<f64>()
        / 13_087.0;
    assert!((work - 3_949.5).abs() < 0.05, "{work}");
    // In a loan process people wait far longer than they work: some step waits more than it works.
    let b = t.rows.iter().find(|r| r.bottleneck).unwrap();
    assert!(b.wait_share.unwrap() > b.work_share.unwrap());
    let shares: f64 = t.rows.iter().map(|r| r.cycle_share.unwrap()).sum();
    assert!(shares > 0.0 && shares <= 1.0 + 1e-9, "{shares}");
}

#[test]
fn steps_files_attach_to_stored_runs_and_replace_their_steps() {
    let store = crate::golden_store();
    let text = "source,run_id,step,started_at,finished_at,actor,resource\n\
                s1,a1,Check,2026-01-02T09:10:00Z,2026-01-02T09:20:00Z,human,ann\n\
                s1,a1,Enter,2026-01-02T09:30:00Z,2026-01-02T09:35:00Z,System,bot-7\n\
                s1,nope,Check,2026-01-02T09:10:00Z,2026-01-02T09:20:00Z,human,ann\n\
                s1,a1,Late,2026-01-02T09:40:00Z,2026-01-02T09:39:00Z,robot,ann\n";
    let send = || {
        let format = ingest::Format::Csv;
        ingest_text(
            &store,
            Kind::Steps,
            format,
            "steps.csv",
            text,
            Options::default(),
        )
        .unwrap()
    };
    let rep = send();
    assert_eq!((rep.written, rep.rejected), (2, 2), "{rep:?}");
    assert_eq!(rep.rejects.len(), 3, "line 5 has two problems: {rep:?}");
    assert_eq!(rep.rejects[0].line, 4);
    assert!(rep.rejects[0].reason.contains("no stored run `nope`"));
    assert_eq!(rep.rejects[1].line, 5);
    assert!(rep.rejects[1]
        .reason
        .contains("actor is `system` or `human`"));
    assert_eq!(rep.rejects[2].line, 5);
    assert!(rep.rejects[2].reason.contains("before started_at"));
    // a1 (its later row in the golden file wins) is triggered 09:00 and finished 09:30:
    // Check waits 10 and works 10, Enter waits 10 and works 5.
    let (_, t) =
        yardstick::report::steps(&store, "wf-a", Some("2026-01-01"), Some("2026-02-01")).unwrap();
    let check = t.rows.iter().find(|r| r.step == "Check").unwrap();
    let enter = t.rows.iter().find(|r| r.step == "Enter").unwrap();
    assert_eq!(
        (check.work_mean_min, check.wait_mean_min),
        (Some(10.0), Some(10.0))
    );
    assert_eq!(
        (enter.work_mean_min, enter.wait_mean_min),
        (Some(5.0), Some(10.0))
    );
    assert_eq!(t.runs, 1);
    assert_eq!(check.work_share, Some(10.0 / 30.0));
    // Sending the file again replaces the steps; nothing doubles.
    send();
    let (_, again) =
        yardstick::report::steps(&store, "wf-a", Some("2026-01-01"), Some("2026-02-01")).unwrap();
    assert_eq!(again, t);
    assert_eq!(
        (t.bottleneck.as_deref(), t.bottleneck_missing),
        (Some("Check"), None)
    );
    // Steps back to back from the trigger: nothing waited, so no bottleneck,
    // and the answer says why.
    let text = "source,run_id,step,started_at,finished_at,actor\n\
                s1,a1,Check,2026-01-02T09:00:00Z,2026-01-02T09:20:00Z,human\n\
                s1,a1,Enter,2026-01-02T09:20:00Z,2026-01-02T09:30:00Z,system\n";
    ingest_text(
        &store,
        Kind::Steps,
        ingest::Format::Csv,
        "s.csv",
        text,
        Options::default(),
    )
    .unwrap();
    let (_, t) =
        yardstick::report::steps(&store, "wf-a", Some("2026-01-01"), Some("2026-02-01")).unwrap();
    assert_eq!(t.bottleneck, None);
    assert_eq!(
        t.bottleneck_missing.as_deref(),
        Some("no step waited: each began as the one before it ended, or alongside it")
    );
}
