//! ISO 15118-20: any bytes through V2GTP splitting and EXI decoding in every namespace; whatever
//! decodes must encode again. An error is fine; a panic is the bug.
#![no_main]

use hilbench_core::v2g::{decode, encode, v2gtp, NAMESPACES};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = v2gtp::split(data);
    for ns in NAMESPACES {
        if let Ok(message) = decode(data, ns) {
            encode(&message, ns).expect("a decoded message encodes");
        }
    }
});
