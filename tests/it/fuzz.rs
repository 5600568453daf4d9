//! Every parser on arbitrary bytes (and on mangled valid inputs): it never
//! panics, and it either stores one whole batch or nothing at all.

use proptest::prelude::*;
use yardstick::ingest::eventlog::{LogFormat, LogOptions};
use yardstick::ingest::platform;
use yardstick::ingest::{self, Format, Input, Options};
use yardstick::model::Kind;
use yardstick::store::Store;

use crate::{fixture, golden_store};

/// Bytes: random, or a valid input with a random cut and a random byte flipped.
fn arb_input(valid: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..400),
        (
            0..valid.len(),
            any::<prop::sample::Index>(),
            any::<prop::sample::Index>(),
            any::<u8>()
        )
            .prop_map(move |(which, cut, at, byte)| {
                let mut b = std::fs::read(fixture(valid[which])).unwrap();
                let cut = cut.index(b.len() + 1);
                b.truncate(cut);
                if !b.is_empty() {
                    let i = at.index(b.len());
                    b[i] = byte;
                }
                b
            }),
    ]
}

/// Whatever happened, the batch count moved by one only when a batch was stored,
/// and the runs stored equal what the report said it wrote.
fn check(
    store: &Store,
    before: usize,
    runs_before: i64,
    result: Result<ingest::Report, ingest::IngestError>,
) {
    let after = store.batches(10_000).unwrap().len();
    let runs_after = runs(store);
    match result {
        Ok(r) if r.stored => {
            assert_eq!(after, before + 1);
            if r.kind == Kind::Runs {
                assert!(runs_after - runs_before <= r.written as i64);
            }
        }
        Ok(_) | Err(ingest::IngestError::Unreadable(_)) => {
            assert_eq!(after, before, "nothing is stored from a refused input");
            assert_eq!(runs_after, runs_before);
        }
        Err(e) => panic!("store error: {e}"),
    }
}

/// One golden store per property: cases accumulate in it, and every case
/// checks its own before and after.
fn shared(cell: &'static std::sync::OnceLock<Store>) -> &'static Store {
    cell.get_or_init(golden_store)
}

static RUNS: std::sync::OnceLock<Store> = std::sync::OnceLock::new();
static CATALOGUE: std::sync::OnceLock<Store> = std::sync::OnceLock::new();
static LOGS: std::sync::OnceLock<Store> = std::sync::OnceLock::new();
static PLATFORMS: std::sync::OnceLock<Store> = std::sync::OnceLock::new();

fn runs(store: &Store) -> i64 {
    store.workflows(None).unwrap().iter().map(|w| w.runs).sum()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn run_files_in_every_format(bytes in arb_input(&["golden/runs.csv", "golden/runs_batch2.ndjson"]), f in 0usize..3) {
        let store = shared(&RUNS);
        let format = [Format::Csv, Format::Ndjson, Format::Json][f];
        let (b, r) = (store.batches(10_000).unwrap().len(), runs(store));
        let input = Input { kind: Kind::Runs, format, origin: "fuzz", bytes: &bytes };
        check(store, b, r, ingest::ingest(store, &input, Options::default()));
    }

    #[test]
    fn catalogue_and_baseline_files(bytes in arb_input(&["golden/workflows.csv", "golden/baselines.csv"]), k in 0usize..2) {
        let store = shared(&CATALOGUE);
        let kind = [Kind::Workflows, Kind::Baselines][k];
        let (b, r) = (store.batches(10_000).unwrap().len(), runs(store));
        let input = Input { kind, format: Format::Csv, origin: "fuzz", bytes: &bytes };
        check(store, b, r, ingest::ingest(store, &input, Options::default()));
    }

    #[test]
    fn event_logs(bytes in arb_input(&["eventlogs/small.xes", "platforms/power_automate_runs.csv"]), f in 0usize..3) {
        let store = shared(&LOGS);
        let format = [LogFormat::Xes, LogFormat::XesGz, LogFormat::Csv][f];
        let (b, r) = (store.batches(10_000).unwrap().len(), runs(store));
        let res = ingest::ingest_eventlog(store, &bytes[..], "fuzz", format, &LogOptions::new("wf-a", "fuzz"), Options::default());
        check(store, b, r, res);
    }

    #[test]
    fn platform_exports(bytes in arb_input(&["platforms/n8n_executions.json", "platforms/power_automate_runs.csv", "platforms/uipath_jobs.json", "platforms/zapier/doc-zap-runs-list.json", "platforms/make/sdk-mock-scenario-logs-list.json", "platforms/power-automate/doc-logic-workflowruns-list.json"]), p in 0usize..5) {
        let store = shared(&PLATFORMS);
        if store.platform_map("n8n").unwrap().is_empty() {
            let map = std::fs::read(fixture("platforms/workflow_map.csv")).unwrap();
            let input = ingest::Input { kind: yardstick::model::Kind::Maps, format: ingest::Format::Csv, origin: "map", bytes: &map };
            ingest::ingest(store, &input, Options::default()).unwrap();
        }
        let platform = platform::Platform::ALL[p];
        let cx = platform::Context { platform_workflow: Some("1229".into()), tz: Some(chrono_tz::Tz::Europe__Berlin) };
        let (b, r) = (store.batches(10_000).unwrap().len(), runs(store));
        let res = ingest::ingest_platform(store, &bytes, "fuzz", platform, &cx, Options::default());
        check(store, b, r, res);
    }
}

#[test]
fn xes_fragments_never_panic() {
    // Mangled versions of a real XES log, cut at every 97th byte.
    let xes = std::fs::read(fixture("eventlogs/small.xes")).unwrap();
    let opts = LogOptions::new("wf-a", "x");
    for cut in (0..xes.len()).step_by(97) {
        let _ = yardstick::ingest::eventlog::parse(&xes[..cut], LogFormat::Xes, &opts);
    }
}
