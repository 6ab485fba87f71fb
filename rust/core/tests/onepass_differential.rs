//! The one-pass path never proves valid what the full validator rejects: date-times, integers
//! and lengths, checked exhaustively around the edges, without Python.

use hilbench_core::ocppj::{PayloadKind, SchemaSet};

fn set() -> (std::path::PathBuf, SchemaSet) {
    // A folder per call: the tests run on parallel threads, and one must not read the file while
    // another writes it.
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let call = CALLS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!("hilbench-onepass-{}-{call}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("PingRequest.json"),
        r##"{"$schema":"http://json-schema.org/draft-06/schema#","type":"object","additionalProperties":false,
            "properties":{"at":{"type":"string","format":"date-time"},"n":{"type":"integer","minimum":0,"maximum":100},
                          "x":{"type":"number","minimum":-1.5},"s":{"type":"string","maxLength":3},
                          "e":{"$ref":"#/definitions/E"},"l":{"type":"array","minItems":1,"maxItems":2,"items":{"type":"boolean"}}},
            "definitions":{"E":{"type":"string","enum":["A","Bé"]}}}"##,
    )
    .unwrap();
    let s = SchemaSet::load_dir(&dir).unwrap();
    (dir, s)
}

/// Returns (fast proved valid, full says valid) and asserts fast => full.
fn both(set: &SchemaSet, payload: &str) -> (bool, bool) {
    let fast = set.one_pass_verdict("Ping", PayloadKind::Request, payload).expect("schema has a one-pass model");
    let full = set.validate_with("Ping", PayloadKind::Request, payload, false).is_ok();
    assert!(!fast || full, "one-pass accepted what the full validator rejects: {payload}");
    (fast, full)
}

#[test]
fn date_times_single_character_mutations() {
    let (dir, set) = set();
    let templates = [
        "2024-02-29T23:59:59.123+05:30",
        "2025-12-31T00:00:00Z",
        "1999-01-01T12:30:45-11:59",
        "2016-12-31T23:59:60Z",
    ];
    let alphabet: Vec<char> = "0123456789-:+.TZtz é".chars().collect();
    let (mut proved, mut cases) = (0, 0);
    for t in templates {
        let chars: Vec<char> = t.chars().collect();
        for i in 0..=chars.len() {
            for &c in &alphabet {
                for variant in [0, 1, 2] {
                    let mut v = chars.clone();
                    match variant {
                        0 if i < v.len() => v[i] = c,
                        1 => v.insert(i, c),
                        2 if i < v.len() => {
                            v.remove(i);
                        }
                        _ => continue,
                    }
                    let s: String = v.into_iter().collect();
                    let payload = format!(r#"{{"at":{}}}"#, serde_json::to_string(&s).unwrap());
                    cases += 1;
                    if both(&set, &payload).0 {
                        proved += 1;
                    }
                }
            }
        }
    }
    assert!(cases > 2000 && proved > 100, "{cases} cases, {proved} proved");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn numbers_strings_enums_arrays_at_the_edges() {
    let (dir, set) = set();
    let values = [
        r#""n":0"#, r#""n":100"#, r#""n":101"#, r#""n":-1"#, r#""n":42.0"#, r#""n":4.2e1"#, r#""n":1e2"#, r#""n":1e3"#,
        r#""n":0.5"#, r#""n":-0"#, r#""n":-0.0"#, r#""n":9007199254740993"#, r#""n":1e400"#, r#""n":"1""#, r#""n":null"#,
        r#""x":-1.5"#, r#""x":-1.50000001"#, r#""x":-2"#, r#""x":1e308"#, r#""x":true"#,
        r#""s":"abc""#, r#""s":"abcd""#, r#""s":"ééé""#, r#""s":"éééé""#, r#""s":"a\u00e9c""#, r#""s":"\ud83d\ude00ab""#,
        r#""s":"\ud83d\ude00abc""#, r#""e":"A""#, r#""e":"Bé""#, r#""e":"B\u00e9""#, r#""e":"a""#, r#""e":1"#,
        r#""l":[true]"#, r#""l":[true,false]"#, r#""l":[]"#, r#""l":[true,true,true]"#, r#""l":[1]"#, r#""l":{}"#,
        r#""zz":1"#, r#""n":1,"n":2"#, r#""n":1,"n":"x""#,
    ];
    for a in values {
        both(&set, &format!("{{{a}}}"));
        for b in values {
            both(&set, &format!("{{{a},{b}}}"));
        }
    }
    for raw in ["{}", "[]", "{} x", " {\"n\":1} ", "{\"n\":1", "null", "{\"n\":01}", "{\"n\":1.}"] {
        both(&set, raw);
    }
    assert_eq!(both(&set, r#"{"n":42.0,"s":"ééé","e":"B\u00e9","l":[true]}"#), (true, true));
    let _ = std::fs::remove_dir_all(dir);
}
