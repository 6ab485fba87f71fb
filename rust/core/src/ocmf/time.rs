//! OCMF time stamps: `YYYY-MM-DDThh:mm:ss,fff±hhmm S` (comma before the milliseconds, offset
//! without a colon, a space and the time status).

use super::values::TIME_STATES;

/// A parsed TM value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    pub epoch_ms: i64,
    /// Offset from UTC in minutes.
    pub offset_min: i32,
    /// Time status: U unknown, I informative, S synchronised, R relative.
    pub status: Option<u8>,
}

/// Parses TM. `Err` says what is wrong; the deviations list what was accepted although the
/// spec spells it otherwise.
pub fn parse_time(text: &str, deviations: &mut Vec<String>) -> Result<Timestamp, String> {
    let b = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Result<i64, String> {
        let part = b.get(range.clone()).ok_or_else(|| format!("{text:?} is too short for YYYY-MM-DDThh:mm:ss,fff±hhmm S"))?;
        if !part.iter().all(u8::is_ascii_digit) {
            return Err(format!("{text:?}: expected digits at position {}", range.start));
        }
        Ok(part.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    let sep = |at: usize, want: u8| -> Result<(), String> {
        match b.get(at) {
            Some(&c) if c == want => Ok(()),
            _ => Err(format!("{text:?}: expected '{}' at position {at}", want as char)),
        }
    };
    let (year, month, day) = (digits(0..4)?, digits(5..7)?, digits(8..10)?);
    sep(4, b'-')?;
    sep(7, b'-')?;
    sep(10, b'T')?;
    let (hour, minute, second) = (digits(11..13)?, digits(14..16)?, digits(17..19)?);
    sep(13, b':')?;
    sep(16, b':')?;
    let mut at = 19;
    let mut millis = 0;
    match b.get(at) {
        Some(b',') | Some(b'.') => {
            if b[at] == b'.' {
                deviations.push("milliseconds after '.' (OCMF writes ',')".into());
            }
            let start = at + 1;
            let end = start + b[start..].iter().take_while(|c| c.is_ascii_digit()).count();
            if end == start {
                return Err(format!("{text:?}: no digits after the decimal separator"));
            }
            if end - start != 3 {
                deviations.push(format!("{} fraction digits (OCMF writes 3)", end - start));
            }
            let frac = &text[start..(start + 3).min(end)];
            millis = frac.parse::<i64>().unwrap_or(0) * 10i64.pow(3 - frac.len() as u32);
            at = end;
        }
        _ => deviations.push("no milliseconds (OCMF writes ',fff')".into()),
    }
    let sign = match b.get(at) {
        Some(b'+') => 1,
        Some(b'-') => -1,
        Some(b'Z') => {
            deviations.push("'Z' instead of an offset ±hhmm".into());
            0
        }
        _ => return Err(format!("{text:?}: expected the UTC offset ±hhmm at position {at}")),
    };
    let mut offset_min = 0i64;
    if sign != 0 {
        let oh = digits(at + 1..at + 3)?;
        at += 3;
        if b.get(at) == Some(&b':') {
            deviations.push("offset written ±hh:mm (OCMF writes ±hhmm)".into());
            at += 1;
        }
        let om = digits(at..at + 2)?;
        at += 2;
        if oh > 14 || om > 59 {
            return Err(format!("{text:?}: UTC offset out of range"));
        }
        offset_min = sign * (oh * 60 + om);
    } else {
        at += 1;
    }
    let status = match &b[at.min(b.len())..] {
        [] => {
            deviations.push("no time status (U, I, S or R) after the time".into());
            None
        }
        [b' ', s] if TIME_STATES.contains(s) => Some(*s),
        [b' ', s] => return Err(format!("{text:?}: time status '{}' is not one of U, I, S, R", *s as char)),
        _ => return Err(format!("{text:?}: expected a space and one time status letter (U, I, S, R) at position {at}")),
    };
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return Err(format!("{text:?}: no such date"));
    }
    if hour > 23 || minute > 59 || second > 59 {
        return Err(format!("{text:?}: no such time of day"));
    }
    let days = days_from_civil(year, month, day);
    let local_ms = ((days * 24 + hour) * 60 + minute) * 60_000 + second * 1000 + millis;
    Ok(Timestamp { epoch_ms: local_ms - offset_min * 60_000, offset_min: offset_min as i32, status })
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spec_example() {
        let mut dev = Vec::new();
        let t = parse_time("2018-07-24T13:22:04,000+0200 S", &mut dev).unwrap();
        assert_eq!(t.epoch_ms, 1_532_431_324_000);
        assert_eq!((t.offset_min, t.status), (120, Some(b'S')));
        assert!(dev.is_empty());
    }

    #[test]
    fn deviations_and_errors() {
        let mut dev = Vec::new();
        let t = parse_time("2018-07-24T11:22:04.5+02:00", &mut dev).unwrap();
        assert_eq!(t.epoch_ms, 1_532_424_124_500);
        assert_eq!(dev.len(), 4, "{dev:?}");
        assert!(parse_time("2018-02-30T00:00:00,000+0000 S", &mut dev).unwrap_err().contains("no such date"));
        assert!(parse_time("2018-07-24T13:22:04,000+0200 Q", &mut dev).unwrap_err().contains("'Q'"));
        assert!(parse_time("2018-07-24", &mut dev).is_err());
    }
}
