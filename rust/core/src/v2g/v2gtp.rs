//! V2GTP framing (ISO 15118-2 §7.8, used unchanged by -20): an 8-byte header — version 0x01, its
//! inverse 0xFE, the payload type (u16, big-endian), the payload length (u32, big-endian) — then
//! the payload. Written here rather than taken from the `iso15118` crate because the crate treats
//! the -20 payload types 0x8101–0x8104 as reserved and drops them.

pub const HEADER_LEN: usize = 8;
/// Payload types a -20 session and SDP use.
pub const PAYLOAD_TYPES: [(u16, &str); 14] = [
    (0x8001, "EXI (SAP, -2, DIN)"),
    (0x8002, "-20 CommonMessages"),
    (0x8003, "-20 AC"),
    (0x8004, "-20 DC"),
    (0x8005, "-20 ACDP"),
    (0x8006, "-20 WPT"),
    (0x8101, "-20 schedule renegotiation"),
    (0x8102, "-20 metering confirmation"),
    (0x8103, "-20 ACDP system status"),
    (0x8104, "-20 parking status"),
    (0x9000, "SDP request"),
    (0x9001, "SDP response"),
    (0x9002, "SDP request, wireless"),
    (0x9003, "SDP response, wireless"),
];

#[derive(Debug, thiserror::Error, Clone, PartialEq, Eq)]
pub enum FrameError {
    #[error("V2GTP: {0} bytes is shorter than the 8-byte header")]
    Short(usize),
    #[error("V2GTP: protocol version {version:#04x}/{inverse:#04x} is not 0x01/0xFE")]
    Version { version: u8, inverse: u8 },
    #[error("V2GTP: payload type {0:#06x} is not one of ISO 15118-20's")]
    PayloadType(u16),
    #[error("V2GTP: the header announces {announced} payload bytes, {present} follow")]
    Length { announced: u64, present: usize },
    #[error("V2GTP: payload of {0} bytes is larger than the limit")]
    TooLarge(usize),
}

/// Splits one complete frame: (payload type, payload). Trailing bytes are an error (a frame
/// arrives whole or is incomplete; a stream splitter feeds frames one at a time).
pub fn split(frame: &[u8]) -> Result<(u16, &[u8]), FrameError> {
    if frame.len() < HEADER_LEN {
        return Err(FrameError::Short(frame.len()));
    }
    if frame[0] != 0x01 || frame[1] != 0xFE {
        return Err(FrameError::Version { version: frame[0], inverse: frame[1] });
    }
    let payload_type = u16::from_be_bytes([frame[2], frame[3]]);
    if !PAYLOAD_TYPES.iter().any(|(t, _)| *t == payload_type) {
        return Err(FrameError::PayloadType(payload_type));
    }
    let announced = u32::from_be_bytes([frame[4], frame[5], frame[6], frame[7]]) as u64;
    let present = frame.len() - HEADER_LEN;
    if announced != present as u64 {
        return Err(FrameError::Length { announced, present });
    }
    Ok((payload_type, &frame[HEADER_LEN..]))
}

/// The frame for `payload`.
pub fn frame(payload_type: u16, payload: &[u8]) -> Result<Vec<u8>, FrameError> {
    if !PAYLOAD_TYPES.iter().any(|(t, _)| *t == payload_type) {
        return Err(FrameError::PayloadType(payload_type));
    }
    let len = u32::try_from(payload.len()).map_err(|_| FrameError::TooLarge(payload.len()))?;
    let mut out = Vec::with_capacity(HEADER_LEN + payload.len());
    out.extend_from_slice(&[0x01, 0xFE]);
    out.extend_from_slice(&payload_type.to_be_bytes());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(payload);
    Ok(out)
}
