//! The schema's names for the `iso15118` crate's generated types, from `schema_names.json`
//! (written by `tools/gen_v2g_names.py` from the crate's own doc comments): for every struct its
//! fields and for every enum its variants, each as (Rust name, schema name, Rust type).

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Deserialize;

#[derive(Debug, Deserialize)]
pub struct TypeDef {
    pub kind: Kind,
    /// (Rust name, schema name, Rust type — `None` for a variant without content).
    pub members: Vec<(String, String, Option<String>)>,
    /// The document event code, for a type that can be a document's root element.
    #[serde(default)]
    pub document_code: Option<u64>,
}

#[derive(Debug, Deserialize, Clone, Copy, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Struct,
    Enum,
    /// An element without content (`EIM_AReqAuthorizationMode`).
    Unit,
}

#[derive(Debug, Deserialize)]
struct Table {
    types: HashMap<String, TypeDef>,
}

/// The supportedAppProtocol types are written by hand in the crate (no generated doc comments):
/// their schema names are listed here.
const APP_PROTOCOL: &str = r#"{
 "app::SupportedAppProtocolReq": {"kind": "struct", "members": [["app_protocols", "AppProtocol", "Vec<app::AppProtocol>"]]},
 "app::SupportedAppProtocolRes": {"kind": "struct", "members": [["response_code", "ResponseCode", "app::ResponseCode"],
                                                                ["schema_id", "SchemaID", "Option<u8>"]]},
 "app::AppProtocol": {"kind": "struct", "members": [["protocol_namespace", "ProtocolNamespace", "String"],
     ["version_number_major", "VersionNumberMajor", "u32"], ["version_number_minor", "VersionNumberMinor", "u32"],
     ["schema_id", "SchemaID", "u8"], ["priority", "Priority", "u8"]]},
 "app::ResponseCode": {"kind": "enum", "members": [["OkSuccessfulNegotiation", "OK_SuccessfulNegotiation", null],
     ["OkSuccessfulNegotiationWithMinorDeviation", "OK_SuccessfulNegotiationWithMinorDeviation", null],
     ["FailedNoNegotiation", "Failed_NoNegotiation", null]]},
 "app::Document": {"kind": "enum", "members": [["Req", "supportedAppProtocolReq", "app::SupportedAppProtocolReq"],
     ["Res", "supportedAppProtocolRes", "app::SupportedAppProtocolRes"]]}
}"#;

/// The table as shipped (with each element's occurrences and facets), for generators of messages.
pub const TABLE_JSON: &str = include_str!("schema_names.json");

pub fn types() -> &'static HashMap<String, TypeDef> {
    static TYPES: OnceLock<HashMap<String, TypeDef>> = OnceLock::new();
    TYPES.get_or_init(|| {
        let table: Table = serde_json::from_str(include_str!("schema_names.json")).expect("schema_names.json is valid");
        let mut types = table.types;
        let app: HashMap<String, TypeDef> = serde_json::from_str(APP_PROTOCOL).expect("the app protocol table is valid");
        types.extend(app);
        types
    })
}
