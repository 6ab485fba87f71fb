#![no_main]
//! Any text must give a frame or a FrameError, never a panic; a parsed frame re-serialises and
//! parses back to the same frame.

use hilbench_core::ocppj::{self, parse_frame, MessageType};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(frame) = parse_frame(text) else { return };
    let payload = frame.payload_str(text);
    let again = match frame.message_type {
        MessageType::Call => ocppj::call(&frame.unique_id, frame.action.as_deref().unwrap(), payload),
        MessageType::Send => ocppj::send(&frame.unique_id, frame.action.as_deref().unwrap(), payload),
        MessageType::CallResult => ocppj::call_result(&frame.unique_id, payload),
        MessageType::CallError => ocppj::call_error(
            &frame.unique_id, frame.error_code.as_deref().unwrap(), frame.error_description.as_deref().unwrap(), payload),
        MessageType::CallResultError => ocppj::call_result_error(
            &frame.unique_id, frame.error_code.as_deref().unwrap(), frame.error_description.as_deref().unwrap(), payload),
    }
    .expect("a parsed frame serialises");
    let back = parse_frame(&again).expect("a serialised frame parses");
    assert_eq!((back.message_type, &back.unique_id, &back.action), (frame.message_type, &frame.unique_id, &frame.action));
});
