//! Typed reads over jiter for the strict OCMF walk: every value is checked for its type where it
//! is read, duplicate names are caught (a signed payload with two `RV` is ambiguous), and every
//! problem is reported with the field path.
//!
//! Written on jiter's pull parser rather than serde because OCMF needs what serde hides: the
//! duplicate-name check, the number as written (RV's spelling is signed), and the byte position
//! where the payload's JSON ends (the signed bytes end there, whatever the text contains).

use std::borrow::Cow;
use std::fmt;

use jiter::{Jiter, JiterError, Peek};

use super::finding::Findings;

/// A JSON number as written and as a value.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub text: String,
    pub value: f64,
}

pub struct Walk<'j> {
    pub j: Jiter<'j>,
    /// Byte offset of the walked text inside the whole record (for error positions).
    pub base: usize,
}

fn kind(peek: Peek) -> &'static str {
    match peek {
        Peek::Null => "null",
        Peek::True | Peek::False => "a boolean",
        Peek::String => "a string",
        Peek::Array => "an array",
        Peek::Object => "an object",
        _ => "a number",
    }
}

impl<'j> Walk<'j> {
    pub fn new(text: &'j str, base: usize) -> Self {
        Self { j: Jiter::new(text.as_bytes()), base }
    }

    pub fn json_error(&self, e: &JiterError) -> String {
        format!("invalid JSON: {} at byte {} of the record", e.error_type, self.base + e.index)
    }

    /// Iterates the names of an object the walk is positioned on (after `peek` said Object),
    /// calling `each(walk, name, peek_of_value)`; each call must consume the value. Reports
    /// duplicates under `path`.
    pub fn object(
        &mut self,
        path: &str,
        findings: &mut Findings,
        mut each: impl FnMut(&mut Self, &str, Peek, &mut Findings) -> Result<(), JiterError>,
    ) -> Result<(), JiterError> {
        let mut seen: Vec<Cow<'static, str>> = Vec::new();
        let mut key = self.j.known_object()?.map(intern);
        while let Some(name) = key {
            let peek = self.j.peek()?;
            if seen.contains(&name) {
                findings.error(join(path, &name), "appears twice (the signed payload is ambiguous)");
            }
            each(self, &name, peek, findings)?;
            seen.push(name);
            key = self.j.next_key()?.map(intern);
        }
        Ok(())
    }

    pub fn skip(&mut self, peek: Peek) -> Result<(), JiterError> {
        self.j.known_skip(peek)
    }

    pub fn string(&mut self, field: impl fmt::Display + Copy, peek: Peek, findings: &mut Findings) -> Result<Option<String>, JiterError> {
        if peek == Peek::String {
            return Ok(Some(self.j.known_str()?.to_owned()));
        }
        findings.error(field, format!("expected a string, found {}", kind(peek)));
        self.skip(peek).map(|()| None)
    }

    pub fn boolean(&mut self, peek: Peek) -> Result<Option<bool>, JiterError> {
        match peek {
            Peek::True | Peek::False => Ok(Some(self.j.known_bool(peek)?)),
            _ => Ok(None),
        }
    }

    /// A JSON number; `None` (value left unread) for any other type.
    pub fn number(&mut self, peek: Peek) -> Result<Option<Number>, JiterError> {
        if matches!(peek, Peek::Null | Peek::True | Peek::False | Peek::String | Peek::Array | Peek::Object) {
            return Ok(None);
        }
        let text = std::str::from_utf8(self.j.known_number_bytes(peek)?).unwrap_or_default().to_owned();
        // Rust's float parser reads every JSON number spelling exactly (correctly rounded).
        let value = text.parse::<f64>().unwrap_or(f64::NAN);
        Ok(Some(Number { text, value }))
    }

    /// An optional number: anything else is a deviation (the field is informative, not billed).
    pub fn number_or_deviation(
        &mut self,
        field: impl fmt::Display + Copy,
        peek: Peek,
        findings: &mut Findings,
    ) -> Result<Option<f64>, JiterError> {
        match self.number(peek)? {
            Some(n) => Ok(Some(n.value)),
            None => {
                findings.deviation(field, format!("expected a number, found {}", kind(peek)));
                self.skip(peek).map(|()| None)
            }
        }
    }

    pub fn integer(&mut self, field: impl fmt::Display + Copy, peek: Peek, findings: &mut Findings) -> Result<Option<i64>, JiterError> {
        match self.number(peek)? {
            Some(n) if n.value.fract() == 0.0 && !n.text.contains(['.', 'e', 'E']) => Ok(Some(n.value as i64)),
            Some(n) => {
                findings.deviation(field, format!("expected an integer, found {}", n.text));
                Ok(None)
            }
            None => {
                findings.deviation(field, format!("expected an integer, found {}", kind(peek)));
                self.skip(peek).map(|()| None)
            }
        }
    }

    /// Array of strings.
    pub fn strings(&mut self, field: impl fmt::Display + Copy, peek: Peek, findings: &mut Findings) -> Result<Vec<String>, JiterError> {
        let mut out = Vec::new();
        if peek != Peek::Array {
            findings.error(field, format!("expected an array of strings, found {}", kind(peek)));
            self.skip(peek)?;
            return Ok(out);
        }
        let mut next = self.j.known_array()?;
        while let Some(p) = next {
            let at = format!("{field}[{}]", out.len());
            if let Some(s) = self.string(at.as_str(), p, findings)? {
                out.push(s);
            }
            next = self.j.array_step()?;
        }
        Ok(out)
    }

    pub fn describe(&self, peek: Peek) -> &'static str {
        kind(peek)
    }
}

/// `path.name` (or `name` at the top level), written out only when a finding needs it.
#[derive(Clone, Copy)]
pub struct FieldPath<'a>(pub &'a str, pub &'a str);

impl fmt::Display for FieldPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.is_empty() {
            f.write_str(self.1)
        } else {
            write!(f, "{}.{}", self.0, self.1)
        }
    }
}

pub fn join<'a>(path: &'a str, name: &'a str) -> FieldPath<'a> {
    FieldPath(path, name)
}

/// Every name OCMF defines, so that the duplicate check needs no allocation for them.
const NAMES: &[&str] = &[
    "FV", "GI", "GS", "GV", "PG", "MV", "MM", "MS", "MF", "IS", "IL", "IF", "IT", "ID", "TT", "CF", "LC", "CT", "CI",
    "RD", "TM", "TX", "RV", "RI", "RU", "RT", "CL", "EF", "ST", "EI", "LN", "LI", "LR", "LU", "SA", "SE", "SM", "SD",
];

fn intern(name: &str) -> Cow<'static, str> {
    match NAMES.iter().find(|n| **n == name) {
        Some(n) => Cow::Borrowed(n),
        None => Cow::Owned(name.to_owned()),
    }
}
