//! JSON Schema (draft 2020-12, the dialect of OpenAPI 3.1) of what the API
//! answers, for the OpenAPI document (`http::openapi`). The types that are
//! serialized as they are derive `schemars::JsonSchema` where they are
//! defined; a body assembled by hand (`serde_json::json!`) has its schema
//! written beside the function that builds it, with the helpers here. No I/O:
//! schemas are values.

use std::borrow::Cow;

use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{Map, Value};

/// A UTC timestamp as `model::serialize_timestamp` and
/// `model::format_timestamp` write it: RFC 3339 with `Z`. Used as
/// `#[schemars(with = "crate::schema::Timestamp")]` on the fields serialized
/// through them (`Option<Timestamp>` for the optional ones).
pub struct Timestamp;

impl JsonSchema for Timestamp {
    fn inline_schema() -> bool {
        true
    }

    fn schema_name() -> Cow<'static, str> {
        "Timestamp".into()
    }

    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": "string", "format": "date-time" })
    }
}

/// The schema of a timestamp (see [`Timestamp`]).
pub fn timestamp(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<Timestamp>()
}

/// An object with exactly `properties` (name, schema), each one required
/// unless its name is in `optional`; no other member.
pub fn object(properties: Vec<(&str, Schema)>, optional: &[&str]) -> Schema {
    let required: Vec<Value> = properties
        .iter()
        .filter(|(name, _)| !optional.contains(name))
        .map(|(name, _)| Value::from(*name))
        .collect();
    let properties: Map<String, Value> = properties
        .into_iter()
        .map(|(name, schema)| (name.to_string(), schema.to_value()))
        .collect();
    json_schema!({
        "type": "object",
        "properties": properties,
        "required": required,
        "additionalProperties": false,
    })
}

/// An array of `items`.
pub fn array(items: Schema) -> Schema {
    json_schema!({ "type": "array", "items": items })
}

/// The object schema of `T` (its definition, not a reference to it) with
/// `properties` added, each required unless named in `optional`: the schema
/// of a body that is `T` serialized with members put beside its own.
pub fn extended<T: JsonSchema>(
    g: &mut SchemaGenerator,
    properties: Vec<(&str, Schema)>,
    optional: &[&str],
) -> Schema {
    let reference = g.subschema_for::<T>();
    let mut schema = definition_of(g, reference);
    extend(&mut schema, properties, optional);
    schema
}

/// Adds `properties` to an object schema, each required unless named in
/// `optional`.
pub fn extend(schema: &mut Schema, properties: Vec<(&str, Schema)>, optional: &[&str]) {
    let obj = schema.ensure_object();
    for (name, property) in properties {
        if let Some(Value::Object(props)) = obj.get_mut("properties") {
            props.insert(name.to_string(), property.to_value());
        }
        if !optional.contains(&name) {
            if let Some(Value::Array(required)) = obj.get_mut("required") {
                required.push(name.into());
            } else {
                obj.insert("required".into(), Value::Array(vec![name.into()]));
            }
        }
    }
}

/// The definition a schema refers to (`{"$ref": "#/…/Name"}`), from the
/// generator's definitions; a schema that is no reference, as it is.
pub fn definition_of(g: &SchemaGenerator, schema: Schema) -> Schema {
    let name = schema
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.rsplit('/').next())
        .map(str::to_string);
    match name.and_then(|n| g.definitions().get(&n).cloned()) {
        Some(definition) => {
            Schema::try_from(definition).expect("a definition is a schema (an object or a bool)")
        }
        None => schema,
    }
}
