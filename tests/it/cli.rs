//! The command line, run as a user runs it: the built binary, its output and exit status.

use std::process::{Command, Output};

use clap::CommandFactory;

use crate::fixture;

fn yardstick(db: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_yardstick"))
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("the binary runs")
}

/// The words of a command line that quotes nothing.
fn words(line: &str) -> Vec<&str> {
    line.split_whitespace().collect()
}

fn path(rel: &str) -> String {
    fixture(rel).display().to_string()
}

fn stderr(out: &Output) -> String {
    stderr_of(&out.stderr)
}

fn stderr_of(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Asserts that a command exited with `code`, showing its standard error if not.
#[track_caller]
fn assert_exit(out: &Output, code: i32) {
    assert_eq!(out.status.code(), Some(code), "{}", stderr(out));
}

/// Asserts that a command exited with `code` and said `needle` on its standard error.
#[track_caller]
fn assert_refused(out: &Output, code: i32, needle: &str) {
    assert_exit(out, code);
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// Asserts that a command failed and said `needle` on its standard error.
#[track_caller]
fn assert_fails(out: &Output, needle: &str) {
    assert!(!out.status.success());
    assert!(stderr(out).contains(needle), "{}", stderr(out));
}

/// Ingests the golden catalogue, time study and runs into `db`.
#[track_caller]
fn ingest_golden(db: &std::path::Path) {
    for (kind, file) in [
        ("workflows", "golden/workflows.csv"),
        ("baselines", "golden/baselines.csv"),
        ("runs", "golden/runs.csv"),
    ] {
        assert_exit(&yardstick(db, &["ingest", kind, &path(file)]), 0);
    }
}

#[test]
fn clap_definition_is_consistent() {
    yardstick::cli::Cli::command().debug_assert();
}

#[test]
fn ingest_report_and_rejects_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    let out = yardstick(&db, &["ingest", "workflows", &path("golden/workflows.csv")]);
    assert_exit(&out, 0);
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(
        stdout.contains("read 5, accepted 4, rejected 1"),
        "{stdout}"
    );
    assert!(
        stdout.contains("rejected line 6 (wf-bad): category: category `marketing`"),
        "{stdout}"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("`cost_center`"));

    assert_exit(
        &yardstick(&db, &["ingest", "baselines", &path("golden/baselines.csv")]),
        0,
    );
    let out = yardstick(&db, &["ingest", "runs", &path("golden/runs.csv"), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["rejected"], 9);
    assert_eq!(j["written"], 17);

    // --strict refuses a file with rejects: exit 1, nothing stored.
    let out = yardstick(
        &db,
        &["ingest", "runs", &path("golden/runs.csv"), "--strict"],
    );
    assert_eq!(out.status.code(), Some(1));
    // Nothing readable: exit 2.
    assert_exit(&yardstick(&db, &["ingest", "runs", "/no/such/file.csv"]), 2);
    assert_refused(
        &yardstick(
            &db,
            &[
                "ingest",
                "runs",
                &path("golden/runs.csv").replace(".csv", ".txt"),
            ],
        ),
        2,
        "unknown format; name the file .csv, .ndjson, .jsonl, .json, .parquet, or pass --format",
    );
    // A gzip-compressed file is read as the format it holds: the same
    // report as the plain file (a second batch of the same runs: every
    // line already stored), and a damaged one stores nothing.
    let plain = std::fs::read(path("golden/runs.csv")).unwrap();
    let gz = db.with_file_name("runs.csv.gz");
    let packed = crate::gzip(&plain);
    std::fs::write(&gz, &packed).unwrap();
    let out = yardstick(&db, &["ingest", "runs", gz.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let again: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (&again["rows_read"], &again["rejected"]),
        (&j["rows_read"], &j["rejected"])
    );
    assert_eq!(again["written"], 0, "{again}");
    assert_eq!(again["unchanged"], j["written"], "{again}");
    let cut = db.with_file_name("cut.csv.gz");
    std::fs::write(&cut, &packed[..packed.len() / 2]).unwrap();
    let out = yardstick(&db, &["ingest", "runs", cut.to_str().unwrap()]);
    assert_refused(&out, 2, "nothing was stored");
    let out = yardstick(&db, &["ingest", "runs", &path("golden/workflows.csv")]);
    assert_refused(&out, 2, "missing required columns");

    let out = yardstick(
        &db,
        &words("report metrics --from 2026-01-01 --to 2026-02-01 --workflow wf-a"),
    );
    assert_exit(&out, 0);
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["rows"][0]["runs"], 9);
    // The interpolated p90 is 102.00000000000001 in f64; the JSON says so, and
    // a parser that reads it exactly (float_roundtrip) no longer rounds it to 102.
    crate::close(j["rows"][0]["cycle_time_p90_min"].as_f64(), Some(102.0));
    let out = yardstick(
        &db,
        &words("report metrics --from 2026-01-01 --to 2026-02-01 --format csv"),
    );
    let csv = String::from_utf8(out.stdout).unwrap();
    assert_eq!(csv.lines().count(), 5, "{csv}");

    let out = yardstick(
        &db,
        &words("report compare --workflow wf-a --to 2026-02-01 --baseline pre-runs --format csv"),
    );
    assert_exit(&out, 0);
    let csv = String::from_utf8(out.stdout).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("wf-a,cycle_time_p50_min,min,20.016666666666666,1,45.0,4,"),
        "{csv}"
    );

    let out = yardstick(&db, &["rejects"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("line 24 (x5): workflow_id: unknown workflow `wf-zzz`"),
        "{text}"
    );
}

#[test]
fn a_memory_limit_is_accepted_and_a_bad_one_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    let wf = path("golden/workflows.csv");
    let out = yardstick(&db, &["--memory-limit", "64MB", "ingest", "workflows", &wf]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    let out = yardstick(
        &db,
        &[
            "--memory-limit",
            "lots",
            "ingest",
            "runs",
            &path("golden/runs.csv"),
        ],
    );
    assert_refused(&out, 2, "--memory-limit");
    assert_refused(&out, 2, "`lots` is not a memory size");
    // Refused before the database was opened: nothing was stored.
    let out = yardstick(&db, &["workflows", "--json"]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs: Vec<i64> = list["workflows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["runs"].as_i64().unwrap())
        .collect();
    assert_eq!(runs, [0, 0, 0, 0]);
}

/// A CSV event log compressed (`log.csv.gz`) is read as the CSV it holds:
/// the same report as the plain file, two cases from three events (the
/// event without a case rejected).
#[test]
fn a_gzipped_csv_event_log_is_read_as_its_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = "case:concept:name,concept:name,time:timestamp\n\
               c1,Open,2026-01-12T08:00:00Z\n\
               c1,Close,2026-01-12T09:30:00Z\n\
               ,Close,2026-01-12T09:30:00Z\n\
               c2,Open,2026-01-13T10:00:00Z\n";
    let plain = dir.path().join("log.csv");
    std::fs::write(&plain, csv).unwrap();
    let gz = dir.path().join("log.csv.gz");
    std::fs::write(&gz, crate::gzip(csv.as_bytes())).unwrap();
    let first_line = |file: &std::path::Path, db: &str| {
        let db = dir.path().join(db);
        ingest_golden(&db);
        let f = file.display().to_string();
        let out = yardstick(&db, &["ingest", "eventlog", &f, "--workflow", "wf-a"]);
        assert_exit(&out, 0);
        // The three accepted events (not the rejected one) made the runs.
        let said = format!("{f}: 3 events in 2 cases became 2 runs with 0 steps");
        assert!(stderr(&out).contains(&said), "{}", stderr(&out));
        let text = String::from_utf8(out.stdout).unwrap();
        let line = text.lines().next().unwrap().to_string();
        line.strip_prefix(&f).unwrap().to_string()
    };
    let zipped = first_line(&gz, "gz.duckdb");
    assert!(zipped.contains(" rejected 1; stored 2 "), "{zipped}");
    let counts = |l: &str| l.split(" as batch").next().unwrap().to_string();
    assert_eq!(counts(&zipped), counts(&first_line(&plain, "plain.duckdb")));
    // A name that says neither XES nor CSV is refused by name.
    let odd = dir.path().join("log.txt.gz");
    std::fs::write(&odd, crate::gzip(csv.as_bytes())).unwrap();
    let odd_s = odd.display().to_string();
    let out = yardstick(
        &dir.path().join("odd.duckdb"),
        &["ingest", "eventlog", &odd_s, "--workflow", "wf-a"],
    );
    assert_refused(
        &out,
        2,
        "log.txt.gz: unknown event-log format; name the file .xes or .csv (either may end .gz)",
    );
    // A format an event log is not, named as the flag is written.
    let out = yardstick(
        &dir.path().join("odd.duckdb"),
        &[
            "ingest",
            "eventlog",
            &odd_s,
            "--workflow",
            "wf-a",
            "--format",
            "ndjson",
        ],
    );
    assert_refused(&out, 2, "not --format ndjson");
}

#[test]
fn stdin_needs_a_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = yardstick(&dir.path().join("y.duckdb"), &["ingest", "runs", "-"]);
    assert_refused(&out, 2, "--format");
}

#[test]
fn export_takes_the_pages_segment() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    ingest_golden(&db);
    let out_dir = dir.path().join("out");
    let out_s = out_dir.display().to_string();
    let export = |extra: &[&str]| {
        let mut args = vec![
            "export",
            "--dashboard",
            "leadership",
            "--from",
            "2026-01-01",
            "--to",
            "2026-02-01",
            "--format",
            "csv",
            "--out",
            &out_s,
        ];
        args.extend_from_slice(extra);
        yardstick(&db, &args)
    };
    // By version: no golden run names one, so each workflow is one
    // segment, "(missing)".
    assert_exit(&export(&["--by", "version"]), 0);
    let csv = std::fs::read_to_string(out_dir.join("leadership-by-segment.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(&rd.headers().unwrap()[1], "segment");
    let segments: Vec<String> = rd.records().map(|r| r.unwrap()[1].to_string()).collect();
    assert!(
        !segments.is_empty() && segments.iter().all(|s| s == "(missing)"),
        "{segments:?}"
    );
    // The panel's own key (attributes.tier) is missing on every golden run
    // too, so the lines above would pass with --by ignored: by region (EU
    // or US on every golden run), the rows must be regions.
    assert_exit(&export(&["--by", "attributes.region"]), 0);
    let csv = std::fs::read_to_string(out_dir.join("leadership-by-segment.csv")).unwrap();
    let mut rd = csv::Reader::from_reader(csv.as_bytes());
    let regions: Vec<String> = rd.records().map(|r| r.unwrap()[1].to_string()).collect();
    assert!(
        regions.iter().any(|s| s == "EU") && regions.iter().all(|s| s == "EU" || s == "US"),
        "{regions:?}"
    );
    assert_fails(&export(&["--segment", "tier=gold"]), "segment: `tier`");
}

#[test]
fn export_writes_every_panel_and_a_broken_dashboard_file_stops_the_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    ingest_golden(&db);
    let out_dir = dir.path().join("out");
    let out_s = out_dir.display().to_string();
    for format in ["csv", "svg", "png", "xlsx"] {
        let out = yardstick(
            &db,
            &[
                "export",
                "--dashboard",
                "finance",
                "--from",
                "2026-01-01",
                "--to",
                "2026-02-01",
                "--format",
                format,
                "--out",
                &out_s,
            ],
        );
        assert_exit(&out, 0);
    }
    let mut names: Vec<String> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    let mut want = vec!["finance.xlsx".to_string()];
    for p in [
        "assumptions",
        "by-team",
        "by-team-hours",
        "totals",
        "waterfall",
    ] {
        for ext in ["csv", "png", "svg"] {
            want.push(format!("finance-{p}.{ext}"));
        }
    }
    want.sort();
    assert_eq!(names, want);
    let csv = std::fs::read_to_string(out_dir.join("finance-totals.csv")).unwrap();
    assert!(
        csv.starts_with(
            "figure,unit,value,ci_low,ci_high,workflows,runs,previous,change,change_low,\
             change_high,change_verdict,change_against,previous_calendar,change_calendar,\
             calendar_against\n"
        ),
        "{csv}"
    );
    assert!(!csv.contains("all in"), "{csv}");
    // --currency adds the reporting-currency total (EUR into EUR is 1).
    let eur = dir.path().join("eur");
    let eur_s = eur.display().to_string();
    let mut args = words("export --dashboard finance --from 2026-01-01 --to 2026-02-01 --format csv --currency EUR --out");
    args.push(&eur_s);
    assert_exit(&yardstick(&db, &args), 0);
    let csv = std::fs::read_to_string(eur.join("finance-totals.csv")).unwrap();
    let money = |label: &str| {
        csv.lines()
            .find(|l| l.starts_with(label))
            .unwrap_or_else(|| panic!("no {label} in {csv}"))
            .split(',')
            .nth(if label.starts_with('"') { 3 } else { 2 })
            .unwrap()
            .to_string()
    };
    // USD has no rate into EUR yet: the total is empty, never a partial sum.
    assert_eq!(money("\"Money reclaimed, all in EUR\""), "");
    let fx = dir.path().join("fx.csv");
    std::fs::write(&fx, "date,currency,rate,to\n2026-01-01,USD,0.5,EUR\n").unwrap();
    assert_exit(
        &yardstick(&db, &["ingest", "fx", &fx.display().to_string()]),
        0,
    );
    assert_exit(&yardstick(&db, &args), 0);
    let csv = std::fs::read_to_string(eur.join("finance-totals.csv")).unwrap();
    let money = |label: &str| -> f64 {
        let l = csv.lines().find(|l| l.starts_with(label)).unwrap();
        let cells: Vec<&str> = l.split(',').collect();
        cells[if label.starts_with('"') { 3 } else { 2 }]
            .parse()
            .unwrap()
    };
    let want = money("Money reclaimed (EUR)") + 0.5 * money("Money reclaimed (USD)");
    assert!(
        (money("\"Money reclaimed, all in EUR\"") - want).abs() < 1e-9,
        "{csv}"
    );

    let out = yardstick(
        &db,
        &[
            "export",
            "--dashboard",
            "nope",
            "--format",
            "csv",
            "--out",
            &out_s,
        ],
    );
    assert_fails(&out, "no dashboard `nope`");

    let boards = dir.path().join("boards");
    std::fs::create_dir(&boards).unwrap();
    std::fs::write(boards.join("bad.toml"), "title = \"Bad\"\n[[panels]]\nid = \"x\"\ntitle = \"X\"\nview = \"weekly\"\nchart = \"line\"\nx = \"week\"\nfields = [\"runs\", \"colour\"]\n").unwrap();
    let out = yardstick(
        &db,
        &[
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--dashboards",
            &boards.display().to_string(),
        ],
    );
    assert_fails(
        &out,
        "bad.toml:8: `colour` is not a column of view `weekly`",
    );
}

#[test]
fn tokens_are_printed_once_and_open_mode_is_loopback_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    let out = yardstick(&db, &words("token create --role viewer --name board"));
    assert_exit(&out, 0);
    let token = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let (id, secret) = yardstick::auth::split(&token).expect("a token");
    let list = String::from_utf8(yardstick(&db, &["token", "list"]).stdout).unwrap();
    assert!(list.contains(id) && list.contains("\"viewer\"") && list.contains("board"));
    assert!(!list.contains(secret), "the secret is never shown again");
    let raw = std::fs::read(&db).unwrap();
    assert!(
        !raw.windows(secret.len()).any(|w| w == secret.as_bytes()),
        "only the hash is stored"
    );
    let bad = yardstick(&db, &words("token create --role root --name x"));
    assert_fails(&bad, "viewer, ingester or admin");
    assert!(yardstick(&db, &["token", "revoke", id]).status.success());
    assert!(!yardstick(&db, &["token", "revoke", id]).status.success());

    let out = yardstick(&db, &words("serve --open --addr 0.0.0.0:0"));
    assert_fails(&out, "only on a loopback address");
    let out = yardstick(
        &db,
        &[
            "demo",
            "--addr",
            "0.0.0.0:0",
            "--file",
            &dir.path().join("d.duckdb").display().to_string(),
        ],
    );
    assert_fails(&out, "only on a loopback address");
}

#[test]
fn lake_publish_show_and_the_engine_switch() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    let lake = dir.path().join("lake");
    let lake_s = lake.display().to_string();
    ingest_golden(&db);
    // Without --lake, the lake commands and the lake engines say what is missing.
    let out = yardstick(&db, &["lake", "publish"]);
    assert_refused(&out, 1, "--lake DIR");
    let out = yardstick(&db, &["--lake", &lake_s, "lake", "show"]);
    assert_refused(&out, 1, "no committed snapshot");
    let out = yardstick(&db, &["--lake", &lake_s, "lake", "publish"]);
    assert_exit(&out, 0);
    let published: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(published["rows"]["runs"], 17);
    assert_eq!(published["rows"]["workflows"], 4);
    let out = yardstick(&db, &["--lake", &lake_s, "lake", "show"]);
    let shown: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(shown, published);
    // DuckDB on the lake prints what DuckDB on the file prints.
    let report = ["report", "metrics", "--format", "csv"];
    let file = yardstick(&db, &report);
    let mut args = vec!["--engine", "duckdb-lake", "--lake", &lake_s];
    args.extend(report);
    let on_lake = yardstick(&dir.path().join("unused.duckdb"), &args);
    assert_exit(&on_lake, 0);
    assert_eq!(file.stdout, on_lake.stdout);
    assert!(String::from_utf8_lossy(&file.stdout).starts_with("workflow_id,runs,"));
    // Commands that read the file refuse another engine instead of ignoring it.
    let out = yardstick(
        &db,
        &[
            "--engine",
            "spark",
            "ingest",
            "runs",
            &path("golden/runs.csv"),
        ],
    );
    assert_refused(&out, 1, "leave --engine out");
    // Spark without a lake says so before it tries to connect.
    let out = yardstick(&db, &words("--engine spark report metrics"));
    assert_refused(&out, 1, "--lake DIR");
}

/// A command on a file that a running server holds runs through that
/// server (its address recorded beside the file): the same output and exit
/// status as on the file. Without a record, one message names the holder
/// and says what to do; a record left by a killed server is removed.
#[test]
fn a_command_on_a_file_a_server_holds_runs_through_it() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("held.duckdb");
    ingest_golden(&db);
    let bad = dir.path().join("late.csv");
    std::fs::write(
        &bad,
        "source,run_id,workflow_id,started_at,finished_at,status\n\
         late,1,wf-b,2026-01-20T10:00:00Z,2026-01-20T10:05:00Z,succeeded\n\
         late,2,wf-b,2026-01-20T10:00:00Z,2026-01-20T10:05:00Z,bogus\n",
    )
    .unwrap();
    let bad_s = bad.display().to_string();
    let commands: Vec<Vec<&str>> = vec![
        words("report metrics --from 2026-01-01 --to 2026-02-01"),
        words("report metrics --from 2026-01-01 --to 2026-02-01 --format csv"),
        words("report summary --from 2026-01-01 --to 2026-02-01"),
        words("report compare --workflow wf-b --format csv"),
        words("report trend --granularity month"),
        words("workflows"),
        words("rejects"),
        words("report metrics --from 2026-02-30 --to 2026-03-01"),
        words("report versions --workflow wf-b --resamples 200"),
        words("report versions --workflow wf-b --format csv"),
        words("report trend --granularity month --by version --format csv"),
        words("report outcomes --resamples 200"),
    ];
    let outputs = |what: &str| -> Vec<(Option<i32>, String, String)> {
        commands
            .iter()
            .map(|c| {
                let out = yardstick(&db, c);
                let text = String::from_utf8(out.stdout).unwrap();
                assert!(
                    !text.is_empty() || out.status.code() != Some(0),
                    "{what}: {c:?}"
                );
                (out.status.code(), text, stderr_of(&out.stderr))
            })
            .collect()
    };
    let wf = |db: &std::path::Path| -> i64 {
        let out = yardstick(db, &words("workflows --json"));
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        v["workflows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["workflow_id"] == "wf-b")
            .unwrap()["runs"]
            .as_i64()
            .unwrap()
    };
    let runs_before = wf(&db);
    let on_file = outputs("on the file");
    assert_eq!(on_file[7].0, Some(1), "a bad date fails: {}", on_file[7].2);

    let (server, base) = crate::service::serve(&db);
    let record = dir.path().join("held.duckdb.server.json");
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&record).unwrap()).unwrap();
    assert_eq!(
        (r["pid"].as_u64(), r["url"].as_str()),
        (Some(server.id() as u64), Some(base.as_str()))
    );
    assert_eq!(r["open"], true);
    let through = outputs("through the server");
    for (i, c) in commands.iter().enumerate() {
        assert_eq!(on_file[i], through[i], "{c:?}");
    }
    // An ingest through it: stored with its reject, or refused by --strict,
    // or unreadable, each with the exit status the file gives.
    let out = yardstick(&db, &["ingest", "runs", &bad_s, "--strict"]);
    assert_exit(&out, 1);
    let out = yardstick(&db, &["ingest", "runs", &bad_s]);
    assert_exit(&out, 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "{bad_s}: runs: read 2, accepted 1, rejected 1; stored 1 "
        )) && text.contains("rejected line 3 (2): status: "),
        "{text}"
    );
    let missing = dir.path().join("missing.csv").display().to_string();
    assert_refused(
        &yardstick(&db, &["ingest", "runs", &missing]),
        2,
        "cannot read the file",
    );
    let rejects = String::from_utf8(yardstick(&db, &["rejects"]).stdout).unwrap();
    assert!(
        rejects.contains("late.csv line 3 (2): status:"),
        "{rejects}"
    );
    // The server counts it at once (the command asks for a current answer).
    let runs_b = wf(&db);
    assert_eq!(runs_b, runs_before + 1);
    // Tokens through it (an admin's routes; this server is open).
    let out = yardstick(&db, &words("token create --role viewer --name board"));
    assert_exit(&out, 0);
    let token = String::from_utf8(out.stdout.clone())
        .unwrap()
        .trim()
        .to_string();
    let (id, secret) = yardstick::auth::split(&token).expect("a token");
    assert!(stderr(&out).starts_with("a viewer token for board: shown this once"));
    let list = String::from_utf8(yardstick(&db, &words("token list")).stdout).unwrap();
    assert!(
        list.contains(id) && list.contains("\"viewer\"") && !list.contains(secret),
        "{list}"
    );
    let out = yardstick(&db, &["token", "revoke", id]);
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!("revoked {id}\n")
    );
    assert_refused(
        &yardstick(&db, &["token", "revoke", id]),
        1,
        &format!("no live token `{id}`"),
    );
    // Parquet: posted as it is, read by the server as the command reads it.
    let csv = dir.path().join("more.csv");
    std::fs::write(
        &csv,
        "source,run_id,workflow_id,started_at,finished_at,status\n\
         pq,1,wf-b,2026-01-21T10:00:00Z,2026-01-21T10:05:00Z,succeeded\n\
         pq,2,wf-b,2026-01-21T11:00:00Z,2026-01-21T11:04:00Z,failed\n",
    )
    .unwrap();
    let parquet = dir.path().join("more.parquet");
    assert_eq!(
        yardstick::store::files::csv_to_parquet(&csv, &parquet).unwrap(),
        2
    );
    let parquet_s = parquet.display().to_string();
    let out = yardstick(&db, &["ingest", "runs", &parquet_s]);
    assert_exit(&out, 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with(&format!(
            "{parquet_s}: runs: read 2, accepted 2, rejected 0; stored 2 "
        )),
        "{text}"
    );
    assert_eq!(wf(&db), runs_before + 3);
    // A gzipped XES log through it: the command reads the file decompressed
    // and the server gets the XML; the same report as the plain file read
    // on a file of its own (9 events, 4 rejected, 2 runs).
    let xes = std::fs::read(path("eventlogs/small.xes")).unwrap();
    let gz = dir.path().join("small.xes.gz");
    std::fs::write(&gz, crate::gzip(&xes)).unwrap();
    let gz_s = gz.display().to_string();
    let out = yardstick(&db, &["ingest", "eventlog", &gz_s, "--workflow", "wf-a"]);
    assert_exit(&out, 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("runs: read 9, accepted 6, rejected 4; stored 2 "),
        "{text}"
    );
    // Those counts are the plain file's, read by the command itself on a
    // file no server holds (not copied from the server's answer).
    let alone = dir.path().join("alone.duckdb");
    ingest_golden(&alone);
    let plain = path("eventlogs/small.xes");
    let out = yardstick(
        &alone,
        &["ingest", "eventlog", &plain, "--workflow", "wf-a"],
    );
    let local = String::from_utf8(out.stdout).unwrap();
    // The first line's counts, without the file's name and batch number.
    let counts = |t: &str| {
        let line = t.lines().next().unwrap();
        let after = line.split_once(": runs:").unwrap().1;
        after.split(" as batch").next().unwrap().to_string()
    };
    assert_eq!(counts(&text), counts(&local), "{local}");
    // A pull: the server fetches from the platform with the key the command
    // sends, stores the runs, and remembers where it stopped.
    let n8n = crate::pull::stub(std::sync::Arc::new(
        |path: &str, _: &std::collections::HashMap<String, String>, h: &axum::http::HeaderMap| {
            if h.get("x-n8n-api-key").and_then(|v| v.to_str().ok()) != Some("k3y") {
                return (401, serde_json::json!({"message": "unauthorized"}));
            }
            assert_eq!(path, "/api/v1/executions");
            let exec = serde_json::json!({"id": "1", "finished": true, "mode": "webhook",
                "createdAt": "2026-01-22T09:00:00.000Z", "startedAt": "2026-01-22T09:00:00.000Z",
                "stoppedAt": "2026-01-22T09:03:00.000Z", "workflowId": "wfA", "status": "success",
                "data": {"resultData": {}}});
            (200, serde_json::json!({"data": [exec], "nextCursor": null}))
        },
    ));
    let map = dir.path().join("map.csv");
    std::fs::write(
        &map,
        "platform,platform_workflow,workflow_id\nn8n,wfA,wf-b\n",
    )
    .unwrap();
    assert_exit(
        &yardstick(&db, &["ingest", "maps", &map.display().to_string()]),
        0,
    );
    let pull = |key: &str| {
        Command::new(env!("CARGO_BIN_EXE_yardstick"))
            .arg("--db")
            .arg(&db)
            .args(["pull", "n8n", "--url", &n8n.url, "--token-env", "N8N_KEY"])
            .env("N8N_KEY", key)
            .output()
            .unwrap()
    };
    let out = pull("k3y");
    assert_exit(&out, 0);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.starts_with("pulled 1 run(s) in 1 request(s) from n8n ")
            && text.contains("; batch ")
            && text.contains(": 1 new or changed, 0 unchanged, 0 rejected;"),
        "{text}"
    );
    assert_eq!(wf(&db), runs_before + 4);
    let again = String::from_utf8(pull("k3y").stdout).unwrap();
    assert!(again.contains("; nothing new;"), "{again}");
    // The platform refusing the key is the command's failure, exit 1.
    let out = pull("wrong");
    assert_refused(&out, 1, "401");
    // A lake publish: the server writes the file's tables to the lake.
    let lake = dir.path().join("lake");
    let lake_s = lake.display().to_string();
    let out = yardstick(&db, &["--lake", &lake_s, "lake", "publish"]);
    assert_exit(&out, 0);
    let manifest: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let shown: serde_json::Value =
        serde_json::from_slice(&yardstick(&db, &["--lake", &lake_s, "lake", "show"]).stdout)
            .unwrap();
    assert_eq!(manifest, shown, "the publish is the committed snapshot");
    assert!(lake.join("CURRENT").exists());
    let runs_b = wf(&db);

    // Without the record, the file's holder is named once, with --server.
    std::fs::rename(&record, dir.path().join("aside.json")).unwrap();
    let out = yardstick(
        &db,
        &words("report metrics --from 2026-01-01 --to 2026-02-01"),
    );
    let err = stderr_of(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("another process holds it: ")
            && err.contains(&format!("(PID {})", server.id()))
            && err.contains("--server URL"),
        "{err}"
    );
    assert!(
        !err.contains("Could not set lock") && !err.contains("Error code"),
        "DuckDB's text is not repeated: {err}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    let mut args = vec!["--server", base.as_str()];
    args.extend(words("report metrics --from 2026-01-01 --to 2026-02-01"));
    let out = yardstick(&db, &args);
    assert_exit(&out, 0);
    std::fs::rename(dir.path().join("aside.json"), &record).unwrap();

    // Stopped as Ctrl-C or SIGTERM stops it, the server removes its record.
    let stopped = Command::new("kill")
        .args(["-TERM", &server.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let mut server = server;
    server.wait().unwrap();
    assert!(!record.exists(), "the record goes with the server");
    assert_eq!(
        wf(&db),
        runs_b,
        "the ingest through the server is in the file"
    );

    // Killed, it leaves the record: the next command says so, removes it
    // and opens the file.
    let (mut server, _) = crate::service::serve(&db);
    server.kill().unwrap();
    server.wait().unwrap();
    assert!(record.exists());
    let out = yardstick(
        &db,
        &words("report metrics --from 2026-01-01 --to 2026-02-01 --format csv"),
    );
    assert_exit(&out, 0);
    assert!(
        stderr_of(&out.stderr).starts_with("note: removed "),
        "{}",
        stderr_of(&out.stderr)
    );
    assert!(!record.exists());
}

#[test]
fn platform_history_and_its_map_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    assert_exit(
        &yardstick(&db, &["ingest", "workflows", &path("golden/workflows.csv")]),
        0,
    );
    let runs = path("platforms/n8n/live-executions-include-data.json");
    // No map yet: nothing is read, and the message says what to do.
    let out = yardstick(&db, &["ingest", "runs", &runs, "--platform", "n8n"]);
    assert_refused(&out, 2, "ingest a workflow map first");
    // A map of n8n's workflows, two columns, --platform naming the platform.
    let map = dir.path().join("map.csv");
    std::fs::write(
        &map,
        "platform_workflow,workflow_id\nOE8SO2QZ9mGRJwjU,wf-a\nOfQlL7YulC4r8HPu,wf-b\n",
    )
    .unwrap();
    let map = map.display().to_string();
    let out = yardstick(
        &db,
        &["ingest", "maps", &map, "--platform", "n8n", "--json"],
    );
    assert_exit(&out, 0);
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (rep["kind"].as_str(), rep["written"].as_u64()),
        (Some("maps"), Some(2))
    );
    // Runs of the third (unmapped) workflow are rejected with the line to add.
    let out = yardstick(&db, &["ingest", "runs", &runs, "--platform", "n8n"]);
    assert_exit(&out, 0);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("add the line `n8n,n0KznM7hefm8SrqO,<workflow_id>`"),
        "{text}"
    );
    // --workflow-map stores the map first, then the runs: now all seven.
    let full = dir.path().join("full.csv");
    std::fs::write(
        &full,
        "platform_workflow,workflow_id\nn0KznM7hefm8SrqO,wf-c\n",
    )
    .unwrap();
    let out = yardstick(
        &db,
        &[
            "ingest",
            "runs",
            &runs,
            "--platform",
            "n8n",
            "--workflow-map",
            full.to_str().unwrap(),
            "--json",
        ],
    );
    assert_exit(&out, 0);
    assert!(
        stderr(&out).contains("workflow map stored as batch"),
        "{}",
        stderr(&out)
    );
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (
            rep["rejected"].as_u64(),
            rep["written"].as_u64(),
            rep["unchanged"].as_u64()
        ),
        (Some(0), Some(2), Some(5))
    );
    // The export gzip-compressed reads the same: all seven now unchanged.
    let gz = dir.path().join("executions.json.gz");
    std::fs::write(&gz, crate::gzip(&std::fs::read(&runs).unwrap())).unwrap();
    let gz = gz.display().to_string();
    let out = yardstick(&db, &["ingest", "runs", &gz, "--platform", "n8n", "--json"]);
    assert_exit(&out, 0);
    let rep: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (rep["rejected"].as_u64(), rep["unchanged"].as_u64()),
        (Some(0), Some(7))
    );
    // A map with a bad line stores neither the map nor the runs.
    std::fs::write(&full, "platform_workflow,workflow_id\nx,no-such-workflow\n").unwrap();
    let out = yardstick(
        &db,
        &[
            "ingest",
            "runs",
            &runs,
            "--platform",
            "n8n",
            "--workflow-map",
            full.to_str().unwrap(),
        ],
    );
    assert_refused(&out, 2, "neither it nor");
    // pull without its token's variable set: a usage error naming it.
    let out = yardstick(
        &db,
        &[
            "pull",
            "n8n",
            "--url",
            "http://127.0.0.1:9",
            "--token-env",
            "YARDSTICK_NO_SUCH_VAR",
        ],
    );
    assert_refused(&out, 2, "YARDSTICK_NO_SUCH_VAR");
    // An API that does not answer: exit 1, saying where.
    let out = Command::new(env!("CARGO_BIN_EXE_yardstick"))
        .args([
            "--db",
            db.to_str().unwrap(),
            "pull",
            "n8n",
            "--url",
            "http://127.0.0.1:9",
            "--token-env",
            "K",
        ])
        .env("K", "x")
        .output()
        .unwrap();
    assert_refused(&out, 1, "127.0.0.1:9/api/v1/executions");
}

/// The log on standard error is plain text when it does not go to a
/// terminal (here a pipe, as to a file or a log collector): no colour
/// escape codes around its levels and fields.
#[test]
fn the_log_is_plain_text_off_a_terminal() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("y.duckdb");
    let out = Command::new(env!("CARGO_BIN_EXE_yardstick"))
        .arg("--db")
        .arg(&db)
        .args(["ingest", "runs", &path("golden/runs.csv")])
        .env("YARDSTICK_LOG", "yardstick=debug")
        .output()
        .unwrap();
    let err = stderr(&out);
    assert!(err.contains("DEBUG"), "a debug line is logged: {err}");
    assert!(!err.contains('\u{1b}'), "escape codes in the log: {err:?}");
}
