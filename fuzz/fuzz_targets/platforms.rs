//! Arbitrary bytes as each automation platform's run history: reading must
//! never panic (with a workflow for runs that name none, and a time zone for
//! naive timestamps, so those paths are reached too).
#![no_main]
use libfuzzer_sys::fuzz_target;
use yardstick::ingest::platform::{read, Context, Platform};

fuzz_target!(|data: &[u8]| {
    let map = [("*".to_string(), "wf-a".to_string())].into_iter().collect();
    let cx = Context {
        platform_workflow: Some("*".into()),
        tz: "Europe/Berlin".parse().ok(),
    };
    for p in Platform::ALL {
        let _ = read(p, data, &map, &cx, &mut |_| {});
    }
});
