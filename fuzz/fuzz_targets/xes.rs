//! Arbitrary bytes as an XES event log (plain and as CSV): parsing must never
//! panic, and never expand an entity.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yardstick::ingest::eventlog::{parse, LogFormat, LogOptions};

fuzz_target!(|data: &[u8]| {
    let opts = LogOptions::new("wf-a", "fuzz");
    let _ = parse(data, LogFormat::Xes, &opts);
    let _ = parse(data, LogFormat::Csv, &opts);
});
