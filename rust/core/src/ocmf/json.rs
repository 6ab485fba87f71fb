//! The walk over jiter for the strict OCMF parse: objects with duplicate names caught (a signed
//! payload with two `RV` is ambiguous), numbers as written, and every problem reported with the
//! field path. What type each field must have is in `fields.rs`, which reads values through this.
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
