//! Any bytes, as a zip, in full mode: the validator must answer with a report, never panic, hang
//! or allocate without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use nanos_validate::source::block_on;
use nanos_validate::{validate, Mode, Options};

fuzz_target!(|data: &[u8]| {
    let options = Options {
        mode: Mode::Full,
        ..Options::default()
    };
    let report = block_on(validate(data, &options)).expect("in-memory reads never fail");
    assert_eq!(
        report.valid,
        report
            .diagnostics
            .iter()
            .all(|d| d.severity == nanos_validate::Severity::Warning)
    );
});
