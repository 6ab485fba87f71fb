//! RFC 3339 `date-time` check for the one-pass validator.
//!
//! Deliberately a little stricter than the `jsonschema` crate's format check, which stays the
//! authority: leap seconds (`:60`) and lower-case `t` / `z` are not proven here and so go to the
//! full validator. It must never accept what that check rejects (tested in `tests/onepass.rs`).

fn digits<const N: usize>(b: &[u8]) -> Option<u32> {
    if b.len() != N || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0')))
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM|-HH:MM)`
pub(crate) fn is_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || b[10] != b'T' || b[13] != b':' || b[16] != b':' {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (digits::<4>(&b[0..4]), digits::<2>(&b[5..7]), digits::<2>(&b[8..10]))
    else {
        return false;
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return false;
    }
    let (Some(h), Some(m), Some(sec)) = (digits::<2>(&b[11..13]), digits::<2>(&b[14..16]), digits::<2>(&b[17..19]))
    else {
        return false;
    };
    if h > 23 || m > 59 || sec > 59 {
        return false;
    }
    let mut i = 19;
    if b[i] == b'.' {
        let frac = b[i + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if frac == 0 {
            return false;
        }
        i += 1 + frac;
    }
    match &b[i..] {
        [b'Z'] => true,
        [b'+' | b'-', hh @ .., ] if hh.len() == 5 && hh[2] == b':' => {
            matches!((digits::<2>(&hh[0..2]), digits::<2>(&hh[3..5])), (Some(oh), Some(om)) if oh <= 23 && om <= 59)
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::is_date_time;

    #[test]
    fn accepts_and_refuses() {
        for ok in ["2025-01-01T00:00:00Z", "2024-02-29T23:59:59.123456+05:30", "2025-12-31T10:00:00-00:00"] {
            assert!(is_date_time(ok), "{ok}");
        }
        for bad in [
            "yesterday", "2025-01-01", "2025-01-01T00:00:00", "2025-02-29T00:00:00Z", "2025-13-01T00:00:00Z",
            "2025-01-01T24:00:00Z", "2025-01-01T00:00:00.Z", "2025-01-01T00:00:00+24:00", "2025-01-01 00:00:00Z",
            "2025-01-01T00:00:60Z", "2025-01-01t00:00:00z", "2025-01-01T00:00:00+0100", "2025-01-01T00:00:00ZZ",
        ] {
            assert!(!is_date_time(bad), "{bad}");
        }
    }
}
