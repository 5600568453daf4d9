//! Arbitrary bytes as a run file in Json: reading and validating must never
//! panic, and every record read is either a valid run or a reject with a reason.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yardstick::ingest::{read, validate, Format};
use yardstick::model::Kind;

fuzz_target!(|data: &[u8]| {
    let known = ["wf-a".to_string()].into_iter().collect();
    let _ = read::read(Kind::Runs, Format::Json, data, |rec| {
        if let Err(reject) = validate::run(&rec, &known) {
            assert!(!reject.problems.is_empty(), "a reject without a reason");
        }
    });
});
