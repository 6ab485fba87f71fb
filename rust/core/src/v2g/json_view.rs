//! The schema's view as serde_json values: the [`Sink`] and [`Source`] that Rust callers, tests and
//! benches use (the Python binding has its own pair that builds and reads Python objects).

use std::borrow::Cow;

use serde_json::{Map, Value};

use super::view_in::{ShapeError, Source};
use super::view_out::Sink;

pub struct JsonSink;

impl Sink for JsonSink {
    type Value = Value;
    type Map = Map<String, Value>;
    type Error = std::convert::Infallible;

    fn map(&self) -> Result<Self::Map, Self::Error> {
        Ok(Map::new())
    }
    fn insert(&self, map: &mut Self::Map, _id: usize, key: &'static str, value: Value) -> Result<(), Self::Error> {
        map.insert(key.to_string(), value);
        Ok(())
    }
    fn finish(&self, map: Self::Map) -> Value {
        Value::Object(map)
    }
    fn list(&self, items: Vec<Value>) -> Result<Value, Self::Error> {
        Ok(Value::Array(items))
    }
    fn boolean(&self, v: bool) -> Result<Value, Self::Error> {
        Ok(Value::Bool(v))
    }
    fn uint(&self, v: u64) -> Result<Value, Self::Error> {
        Ok(Value::from(v))
    }
    fn int(&self, v: i64) -> Result<Value, Self::Error> {
        Ok(Value::from(v))
    }
    fn text(&self, v: &str) -> Result<Value, Self::Error> {
        Ok(Value::String(v.to_string()))
    }
}

impl Source for &Value {
    fn is_null(&self) -> bool {
        Value::is_null(self)
    }
    fn boolean(&self) -> Option<bool> {
        self.as_bool()
    }
    fn uint(&self) -> Option<u64> {
        self.as_u64()
    }
    fn int(&self) -> Option<i64> {
        self.as_i64()
    }
    fn text(&self) -> Option<Cow<'_, str>> {
        self.as_str().map(Cow::Borrowed)
    }
    fn items(&self) -> Option<Vec<Self>> {
        self.as_array().map(|a| a.iter().collect())
    }
    fn entries(&self, f: &mut dyn FnMut(&str, Self) -> Result<(), ShapeError>) -> Option<Result<(), ShapeError>> {
        let object = self.as_object()?;
        Some(object.iter().try_for_each(|(k, v)| f(k, v)))
    }
    fn describe(&self) -> String {
        self.to_string()
    }
}
