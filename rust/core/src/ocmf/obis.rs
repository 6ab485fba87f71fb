//! OBIS ids of OCMF readings (`1-b:1.8.0`, `01-00:B2.08.00*FF`, `0100010800FF`): which register a
//! reading belongs to.

use serde::Serialize;

/// The direction of an energy register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Into the EV: C = 1 (+A), or OCMF 1.4's B0–B3.
    Import,
    /// Out of the EV: C = 2 (−A), or OCMF 1.4's C0–C3.
    Export,
}

/// Value groups C and D of an OBIS id.
fn groups(id: &str) -> Option<(u32, u32)> {
    let number = |s: &str| -> Option<u32> {
        // C is decimal in `A-B:C.D.E` except for OCMF 1.4's hex codes (B0–C7).
        if s.bytes().any(|b| b.is_ascii_alphabetic()) {
            u32::from_str_radix(s, 16).ok()
        } else {
            s.parse().ok()
        }
    };
    if let Some((_, cde)) = id.split_once(':') {
        let mut parts = cde.split(['.', '*']);
        Some((number(parts.next()?)?, number(parts.next()?)?))
    } else if id.len() == 12 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        Some((u32::from_str_radix(&id[4..6], 16).ok()?, u32::from_str_radix(&id[6..8], 16).ok()?))
    } else {
        None
    }
}

/// Whether an OBIS id names a cumulative energy register (D = 8), the kind billing rests on.
/// Readings without an id, or with one that does not parse, count as billing registers.
pub fn is_billing_register(obis: Option<&str>) -> bool {
    obis.and_then(groups).is_none_or(|(_, d)| d == 8)
}

/// Import or export, for cumulative active energy registers.
pub fn direction(obis: &str) -> Option<Direction> {
    match groups(obis)? {
        (1 | 0xB0..=0xB3, 8) => Some(Direction::Import),
        (2 | 0xC0..=0xC3, 8) => Some(Direction::Export),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn obis_forms() {
        for id in ["1-b:1.8.0", "01-00:B2.08.00*FF", "0100010800FF", "1-0:1.8.0*198", "1-b:1.8.e"] {
            assert!(is_billing_register(Some(id)), "{id}");
            assert_eq!(direction(id), Some(Direction::Import), "{id}");
        }
        for id in ["1-b:2.8.0", "01-00:C3.08.00*FF", "0100020800FF"] {
            assert_eq!(direction(id), Some(Direction::Export), "{id}");
        }
        for id in ["1-b:1.9.0", "0100010900FF", "1-0:1.7.0*255"] {
            assert!(!is_billing_register(Some(id)), "{id}");
            assert_eq!(direction(id), None);
        }
        assert!(is_billing_register(Some("garbage")) && is_billing_register(None));
    }
}
