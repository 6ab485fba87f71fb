//! What a check found: an error (the record is not valid) or a deviation (the record departs from
//! the OCMF text the way real devices do, and still verifies; `strict` turns deviations into errors).

use std::fmt;

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Deviation,
}

/// One finding, naming the field it is about (`RD[1].TX`, `SD`, `public key`, `record 2 PG`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    pub field: String,
    pub message: String,
}

impl Finding {
    pub fn error(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Error, field: field.into(), message: message.into() }
    }

    pub fn deviation(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { severity: Severity::Deviation, field: field.into(), message: message.into() }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

/// Findings collected while checking one record.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Findings(pub Vec<Finding>);

impl Findings {
    /// `field` is anything printable (a `&str`, or a [`super::json::FieldPath`] that is only
    /// turned into text here, when there is something to report).
    pub fn error(&mut self, field: impl fmt::Display, message: impl Into<String>) {
        self.0.push(Finding::error(field.to_string(), message));
    }

    pub fn deviation(&mut self, field: impl fmt::Display, message: impl Into<String>) {
        self.0.push(Finding::deviation(field.to_string(), message));
    }

    pub fn push(&mut self, finding: Finding) {
        self.0.push(finding);
    }

    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Finding::is_error)
    }

    pub fn first_error(&self) -> Option<&Finding> {
        self.0.iter().find(|f| f.is_error())
    }

    /// Strict mode: every deviation counts as an error.
    pub fn promote_deviations(&mut self) {
        for f in &mut self.0 {
            f.severity = Severity::Error;
        }
    }
}
