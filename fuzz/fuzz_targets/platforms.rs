//! Arbitrary bytes as each automation platform's run export: reading must
//! never panic.
#![no_main]
use libfuzzer_sys::fuzz_target;
use yardstick::ingest::platform::{read, Platform};

fuzz_target!(|data: &[u8]| {
    let map = [("*".to_string(), "wf-a".to_string())].into_iter().collect();
    for p in [Platform::N8n, Platform::Zapier, Platform::PowerAutomate, Platform::Uipath] {
        let _ = read(p, data, &map, "map.csv", &mut |_| {});
    }
});
