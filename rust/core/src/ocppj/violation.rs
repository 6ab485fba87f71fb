//! One schema violation, with the JSON pointer of the offending value and the RPC error code
//! that this kind of violation earns.

use jsonschema::error::ValidationErrorKind as K;
use jsonschema::ValidationError;

use super::error::RpcErrorCode;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// JSON pointer into the payload (RFC 6901), `""` for the payload itself.
    pub pointer: String,
    /// Human-readable explanation, including the limit that was violated.
    pub message: String,
    /// The JSON-schema keyword that failed (`required`, `type`, `maxLength`, ...).
    pub keyword: &'static str,
    /// The RPC error code for this kind of violation.
    pub code: RpcErrorCode,
}

impl Violation {
    pub(crate) fn from_schema_error(err: &ValidationError<'_>) -> Self {
        let (keyword, code) = classify(err.kind());
        let mut pointer = err.instance_path().as_str().to_owned();
        // A missing required property is reported at its parent; point at the property itself so
        // that a reader sees which field is absent.
        if let K::Required { property } = err.kind() {
            if let Some(name) = property.as_str() {
                pointer.push('/');
                pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
            }
        }
        Violation { pointer, message: err.to_string(), keyword, code }
    }
}

/// Maps a schema keyword to the OCPP-J error code whose definition it matches:
/// - cardinality (`required`, `minItems`, `maxItems`) is an occurrence constraint;
/// - a value of the wrong JSON type is a type constraint;
/// - a property the PDU does not define breaks the PDU's syntax: format violation;
/// - every other value restriction (enum, length, range, format, pattern) is a property
///   constraint.
fn classify(kind: &K) -> (&'static str, RpcErrorCode) {
    use RpcErrorCode::*;
    match kind {
        K::Required { .. } => ("required", OccurrenceConstraintViolation),
        K::MinItems { .. } => ("minItems", OccurrenceConstraintViolation),
        K::MaxItems { .. } => ("maxItems", OccurrenceConstraintViolation),
        K::MinProperties { .. } => ("minProperties", OccurrenceConstraintViolation),
        K::MaxProperties { .. } => ("maxProperties", OccurrenceConstraintViolation),
        K::Type { .. } => ("type", TypeConstraintViolation),
        K::AdditionalProperties { .. } => ("additionalProperties", FormatViolation),
        K::AdditionalItems { .. } => ("additionalItems", FormatViolation),
        K::Enum { .. } => ("enum", PropertyConstraintViolation),
        K::Constant { .. } => ("const", PropertyConstraintViolation),
        K::MaxLength { .. } => ("maxLength", PropertyConstraintViolation),
        K::MinLength { .. } => ("minLength", PropertyConstraintViolation),
        K::Maximum { .. } => ("maximum", PropertyConstraintViolation),
        K::Minimum { .. } => ("minimum", PropertyConstraintViolation),
        K::ExclusiveMaximum { .. } => ("exclusiveMaximum", PropertyConstraintViolation),
        K::ExclusiveMinimum { .. } => ("exclusiveMinimum", PropertyConstraintViolation),
        K::MultipleOf { .. } => ("multipleOf", PropertyConstraintViolation),
        K::Format { .. } => ("format", PropertyConstraintViolation),
        K::Pattern { .. } => ("pattern", PropertyConstraintViolation),
        K::UniqueItems => ("uniqueItems", PropertyConstraintViolation),
        _ => ("schema", PropertyConstraintViolation),
    }
}
