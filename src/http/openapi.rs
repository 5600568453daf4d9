//! The OpenAPI 3.1 document, `GET /api/v1/openapi.json`, generated from the
//! route table ([`super::routes`]): every route is declared with its role
//! and its [`Op`] — summary, query parameters, request body, answers and
//! their schemas — so a route cannot be added without its description, and
//! the document neither leaves a served route out nor lists one that is not
//! served. The query parameters are the fields of each route's own query
//! struct (and, for the report routes, its `ReportRoute::KEYS`); the answers'
//! schemas are those of the serialized types (`schemars::JsonSchema`), or
//! written beside the function that assembles a body by hand (`crate::schema`).
//! Errors are the one envelope of `error.rs`; the role a route needs is its
//! `security` and `x-yardstick-role`.

use std::sync::LazyLock;

use axum::http::{header, Method};
use axum::response::IntoResponse;
use schemars::generate::SchemaSettings;
use schemars::{json_schema, JsonSchema, Schema, SchemaGenerator};
use serde_json::{json, Map, Value};

use super::auth::{Declared, Need};
use crate::schema;

/// A schema read from the generator: a type's (a reference into the
/// document's components) or one written by hand.
pub(crate) type SchemaFn = fn(&mut SchemaGenerator) -> Schema;

/// The schema of `T` as it is serialized.
pub(crate) fn of<T: JsonSchema + ?Sized>(g: &mut SchemaGenerator) -> Schema {
    g.subschema_for::<T>()
}

/// What a route is for, what it takes and what it answers: its entry in the
/// document. Every route of the table carries one ([`super::auth::Routes`]).
#[derive(Debug, Clone)]
pub(crate) struct Op {
    summary: &'static str,
    description: Option<&'static str>,
    query: Option<QueryDoc>,
    /// Query keys the handler refuses to go without (the structs keep them
    /// optional to answer their absence in words).
    required: Vec<&'static str>,
    path: Vec<(&'static str, &'static str)>,
    headers: Vec<(&'static str, &'static str)>,
    body: Option<BodyDoc>,
    answers: Vec<Answer>,
    fails: Vec<u16>,
}

/// A route's query: the schema of its struct (as deserialized), and the
/// keys it takes when that is not every field.
#[derive(Debug, Clone, Copy)]
struct QueryDoc {
    schema: fn() -> Schema,
    keys: Option<&'static [&'static str]>,
}

#[derive(Debug, Clone)]
struct BodyDoc {
    description: &'static str,
    content: Vec<(&'static str, Option<SchemaFn>)>,
}

/// One status a route answers with, and its media types.
#[derive(Debug, Clone)]
struct Answer {
    status: u16,
    description: &'static str,
    content: Vec<(&'static str, Option<SchemaFn>)>,
    /// A kept answer: its JSON object has `freshness` as a member, and every
    /// media type of it the freshness headers.
    kept: bool,
}

impl Op {
    pub(crate) fn new(summary: &'static str) -> Op {
        Op {
            summary,
            description: None,
            query: None,
            required: Vec::new(),
            path: Vec::new(),
            headers: Vec::new(),
            body: None,
            answers: Vec::new(),
            fails: Vec::new(),
        }
    }

    pub(crate) fn describe(mut self, description: &'static str) -> Op {
        self.description = Some(description);
        self
    }

    /// Every field of `T` is a query parameter.
    pub(crate) fn query<T: JsonSchema>(mut self) -> Op {
        self.query = Some(QueryDoc {
            schema: query_schema::<T>,
            keys: None,
        });
        self
    }

    /// The fields of `T` named in `keys` are the query parameters, in that order.
    pub(crate) fn query_keys<T: JsonSchema>(mut self, keys: &'static [&'static str]) -> Op {
        self.query = Some(QueryDoc {
            schema: query_schema::<T>,
            keys: Some(keys),
        });
        self
    }

    /// A query key without which the route answers 400.
    pub(crate) fn requires(mut self, key: &'static str) -> Op {
        self.required.push(key);
        self
    }

    /// Describes the path parameter `{name}`.
    pub(crate) fn path(mut self, name: &'static str, description: &'static str) -> Op {
        self.path.push((name, description));
        self
    }

    /// An optional request header the route reads.
    pub(crate) fn header(mut self, name: &'static str, description: &'static str) -> Op {
        self.headers.push((name, description));
        self
    }

    /// The request body, in each of its media types.
    pub(crate) fn body(
        mut self,
        description: &'static str,
        content: &[(&'static str, Option<SchemaFn>)],
    ) -> Op {
        self.body = Some(BodyDoc {
            description,
            content: content.to_vec(),
        });
        self
    }

    /// Answers `status` in `media` (with `schema`, for JSON); a second media
    /// type of the same status is added to it.
    pub(crate) fn answers(
        mut self,
        status: u16,
        description: &'static str,
        media: &'static str,
        schema: Option<SchemaFn>,
    ) -> Op {
        match self.answers.iter_mut().find(|a| a.status == status) {
            Some(a) => a.content.push((media, schema)),
            None => self.answers.push(Answer {
                status,
                description,
                content: vec![(media, schema)],
                kept: false,
            }),
        }
        self
    }

    /// Answers `status` without a body (a redirect).
    pub(crate) fn empty(mut self, status: u16, description: &'static str) -> Op {
        self.answers.push(Answer {
            status,
            description,
            content: Vec::new(),
            kept: false,
        });
        self
    }

    /// Fails with these statuses as an HTML page (a page's own errors).
    pub(crate) fn page_fails(mut self, statuses: &[u16]) -> Op {
        for status in statuses {
            self = self.answers(*status, failure(*status), "text/html", None);
        }
        self
    }

    /// Answers `status` with JSON of `schema`.
    pub(crate) fn json(self, status: u16, description: &'static str, schema: SchemaFn) -> Op {
        self.answers(status, description, "application/json", Some(schema))
    }

    /// Answers 200 with JSON of `schema`.
    pub(crate) fn ok(self, description: &'static str, schema: SchemaFn) -> Op {
        self.json(200, description, schema)
    }

    /// Answers 200 with an HTML page.
    pub(crate) fn page(self, description: &'static str) -> Op {
        self.answers(200, description, "text/html", None)
    }

    /// Answers 200 with CSV too (`format=csv`).
    pub(crate) fn csv(self) -> Op {
        self.answers(200, "", "text/csv", None)
    }

    /// The 200 answer is kept (`super::answers`): `freshness` in its JSON,
    /// the freshness headers on every media type.
    pub(crate) fn kept(mut self) -> Op {
        if let Some(a) = self.answers.iter_mut().find(|a| a.status == 200) {
            a.kept = true;
        }
        self
    }

    /// Fails with these statuses, in the error envelope (401, 403 and 500
    /// come with every route that needs a token, 413 with every body).
    pub(crate) fn fails(mut self, statuses: &[u16]) -> Op {
        self.fails.extend_from_slice(statuses);
        self
    }
}

/// A query struct's schema as the route reads it (every subschema inline).
fn query_schema<T: JsonSchema>() -> Schema {
    SchemaSettings::draft2020_12()
        .with(|s| {
            s.inline_subschemas = true;
            s.meta_schema = None;
        })
        .into_generator()
        .into_root_schema_for::<T>()
}

/// The document, generated once.
static DOCUMENT: LazyLock<String> = LazyLock::new(|| document(super::auth::declared()).to_string());

/// `GET /api/v1/openapi.json`.
pub(super) async fn serve() -> axum::response::Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        DOCUMENT.as_str(),
    )
        .into_response()
}

/// The schema of the document itself, as an answer.
pub(super) fn document_schema(_: &mut SchemaGenerator) -> Schema {
    json_schema!({
        "type": "object",
        "properties": {
            "openapi": { "const": "3.1.0" },
            "info": { "type": "object" },
            "paths": { "type": "object" },
            "components": { "type": "object" },
        },
        "required": ["openapi", "info", "paths", "components"],
    })
}

/// The OpenAPI 3.1 document of `routes`. Panics naming the route when a
/// route's description does not fit it (a path parameter not described, a
/// query key that its struct does not have): the tests generate it.
pub(super) fn document(routes: &[Declared]) -> Value {
    let mut g = SchemaSettings::draft2020_12()
        .for_serialize()
        .with(|s| {
            s.definitions_path = "/components/schemas".into();
            s.meta_schema = None;
        })
        .into_generator();
    let mut paths = Map::new();
    for d in routes {
        let op = operation(&mut g, d);
        let item = paths.entry(d.path.to_string()).or_insert_with(|| json!({}));
        item[d.method.as_str().to_ascii_lowercase()] = op;
    }
    let schemas = g.take_definitions(true);
    let mut doc = json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Yardstick",
            "version": env!("CARGO_PKG_VERSION"),
            "summary": env!("CARGO_PKG_DESCRIPTION"),
            "description": "Yardstick's HTTP API, generated from the server's own route table and types \
                (see the README's \"HTTP API\"). Every route but /healthz and /login needs a token \
                (`Authorization: Bearer ys_…`, or the cookie that POST /login sets) whose role allows it: \
                each operation names the role in `x-yardstick-role` (viewer, ingester, admin, or anyone); \
                an admin's token allows every route. Errors are `{\"errors\": [{\"detail\": \"...\"}]}`.",
            "license": { "name": env!("CARGO_PKG_LICENSE"), "identifier": env!("CARGO_PKG_LICENSE") },
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "ys_<id>_<secret>",
                    "description": "An API token (`yardstick token create --role viewer|ingester|admin --name NAME`, \
                        or POST /api/v1/tokens); its role decides the routes it may call.",
                },
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": super::auth::COOKIE,
                    "description": "The same token, kept in an HTTP-only cookie by POST /login (for browsers).",
                },
            },
        },
    });
    strict(&mut doc);
    doc
}

/// The operation object of one declared route.
fn operation(g: &mut SchemaGenerator, d: &Declared) -> Value {
    let op = &d.op;
    let route = format!("{} {}", d.method, d.path);
    let mut o = Map::new();
    o.insert("operationId".into(), operation_id(&d.method, d.path).into());
    o.insert("summary".into(), op.summary.into());
    if let Some(text) = op.description {
        o.insert("description".into(), text.into());
    }
    let role = d.need.role().map_or("anyone", |r| r.as_str());
    o.insert("x-yardstick-role".into(), role.into());
    o.insert(
        "security".into(),
        if d.need == Need::Anyone {
            json!([])
        } else {
            json!([{ "bearer": [] }, { "cookie": [] }])
        },
    );
    let mut parameters = path_parameters(&route, d.path, &op.path);
    if let Some(q) = op.query {
        parameters.extend(query_parameters(&route, q, &op.required));
    }
    let kept = op.answers.iter().any(|a| a.kept);
    let cache_control = "`no-cache`: an answer that includes every write committed before the \
        request (it waits for the recompute); without it, a kept answer may be served marked stale";
    let headers = op
        .headers
        .iter()
        .copied()
        .chain(kept.then_some(("Cache-Control", cache_control)));
    for (name, description) in headers {
        parameters.push(json!({
            "name": name,
            "in": "header",
            "required": false,
            "description": description,
            "schema": { "type": "string" },
        }));
    }
    if !parameters.is_empty() {
        o.insert("parameters".into(), parameters.into());
    }
    if let Some(body) = &op.body {
        let content: Map<String, Value> = body
            .content
            .iter()
            .map(|(media, schema)| (media.to_string(), media_object(g, media, *schema)))
            .collect();
        o.insert(
            "requestBody".into(),
            json!({ "description": body.description, "required": true, "content": content }),
        );
    }
    o.insert("responses".into(), responses(g, d).into());
    Value::Object(o)
}

/// `get_api_v1_published_name_diff`: the method and the path's words.
fn operation_id(method: &Method, path: &str) -> String {
    let words: Vec<String> = path
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect();
    let words = if words.is_empty() {
        "index".to_string()
    } else {
        words.join("_")
    };
    format!("{}_{words}", method.as_str().to_ascii_lowercase())
}

fn path_parameters(route: &str, path: &str, described: &[(&str, &str)]) -> Vec<Value> {
    let names: Vec<&str> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .collect();
    for (name, _) in described {
        assert!(
            names.contains(name),
            "{route}: describes a path parameter `{name}` that its path does not have"
        );
    }
    names
        .iter()
        .map(|name| {
            let (_, description) = described
                .iter()
                .find(|(n, _)| n == name)
                .unwrap_or_else(|| {
                    panic!("{route}: describe the path parameter `{name}` (Op::path)")
                });
            json!({
                "name": name,
                "in": "path",
                "required": true,
                "description": description,
                "schema": { "type": "string" },
            })
        })
        .collect()
}

fn query_parameters(route: &str, q: QueryDoc, required: &[&str]) -> Vec<Value> {
    let schema = (q.schema)();
    let properties = schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    let struct_required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let keys: Vec<String> = match q.keys {
        Some(keys) => keys.iter().map(|k| k.to_string()).collect(),
        None => properties.keys().cloned().collect(),
    };
    for key in required {
        assert!(
            keys.iter().any(|k| k == key),
            "{route}: requires the query key `{key}`, which it does not take"
        );
    }
    keys.iter()
        .map(|key| {
            let mut property = properties.get(key).cloned().unwrap_or_else(|| {
                panic!("{route}: takes the query key `{key}`, which its query struct does not have")
            });
            let description = property
                .as_object_mut()
                .and_then(|p| p.remove("description"))
                .unwrap_or_else(|| Value::from(""));
            given(&mut property);
            let mut p = json!({
                "name": key,
                "in": "query",
                "required": struct_required.contains(&key.as_str()) || required.contains(&key.as_str()),
                "description": description,
                "schema": property,
            });
            if p["schema"]["type"] == "array" {
                // `workflow=a&workflow=b`, as a form sends it.
                p["style"] = "form".into();
                p["explode"] = true.into();
            }
            p
        })
        .collect()
}

/// A query value's schema as given: a key left out is how a query says
/// "none", so the `null` and the empty defaults of the struct's optional
/// fields are dropped.
fn given(schema: &mut Value) {
    let Some(o) = schema.as_object_mut() else {
        return;
    };
    if let Some(Value::Array(types)) = o.get_mut("type") {
        types.retain(|t| t != "null");
        if types.len() == 1 {
            let only = types.remove(0);
            o.insert("type".into(), only);
        }
    }
    if let Some(Value::Array(values)) = o.get_mut("enum") {
        values.retain(|v| !v.is_null());
    }
    let empty = |v: &Value| v.is_null() || v.as_array().is_some_and(Vec::is_empty);
    if o.get("default").is_some_and(empty) {
        o.remove("default");
    }
}

/// The media type object of `media`: its schema, or for text without one a
/// string, for binary content none.
fn media_object(g: &mut SchemaGenerator, media: &str, schema: Option<SchemaFn>) -> Value {
    match schema {
        Some(f) => json!({ "schema": f(g) }),
        None if media.starts_with("text/")
            || media.ends_with("+xml")
            || media.ends_with("/xml") =>
        {
            json!({ "schema": { "type": "string" } })
        }
        None => json!({}),
    }
}

fn responses(g: &mut SchemaGenerator, d: &Declared) -> Map<String, Value> {
    let op = &d.op;
    let error = g.subschema_for::<super::error::Envelope>();
    let freshness = g.subschema_for::<crate::keep::Freshness>();
    let mut out: Vec<(u16, Value)> = Vec::new();
    for a in &op.answers {
        let mut content = Map::new();
        for (media, schema) in &a.content {
            let mut m = media_object(g, media, *schema);
            if a.kept && *media == "application/json" {
                let body = schema::definition_of(
                    g,
                    Schema::try_from(m["schema"].take()).expect("a schema"),
                );
                let mut body = body;
                schema::extend(&mut body, vec![("freshness", freshness.clone())], &[]);
                m["schema"] = body.to_value();
            }
            content.insert(media.to_string(), m);
        }
        let mut r = json!({ "description": a.description, "content": content });
        if a.kept {
            r["headers"] = freshness_headers();
        }
        out.push((a.status, r));
    }
    let mut fails = op.fails.clone();
    if d.need != Need::Anyone {
        fails.extend([401, 403, 500]);
    }
    if op.body.is_some() {
        fails.push(413);
    }
    for status in fails {
        if let Some((_, answer)) = out.iter_mut().find(|(s, _)| *s == status) {
            // A page's HTML error, or an answer of its own (an ingest's
            // 422): the envelope is one more way it may come.
            let content = &mut answer["content"];
            if content.get("application/json").is_none() {
                content["application/json"] = json!({ "schema": error.clone() });
            }
            continue;
        }
        let mut content = json!({ "application/json": { "schema": error.clone() } });
        if status == 401 && !d.path.starts_with("/api/") {
            // A browser (Accept: text/html) is shown the sign-in form.
            content["text/html"] = json!({ "schema": { "type": "string" } });
        }
        out.push((
            status,
            json!({ "description": failure(status), "content": content }),
        ));
    }
    out.sort_by_key(|(s, _)| *s);
    out.into_iter().map(|(s, v)| (s.to_string(), v)).collect()
}

/// What a failure status means, the same on every route.
fn failure(status: u16) -> &'static str {
    match status {
        400 => "the request is not valid: the detail says why",
        401 => "no token, or one that is unknown, revoked or mistyped",
        403 => "the token's role does not allow this route",
        404 => "what the request names does not exist",
        409 => "the request conflicts with what is stored or with how this server runs",
        413 => "the body is larger than the server's limit (--max-body-mb)",
        415 => "the Content-Type is not one this route reads",
        422 => "the body could not be read, or was refused",
        500 => "internal error (id N): the server's log has the detail",
        502 => {
            "a service the server called for this request failed (the detail says which and how)"
        }
        _ => "an error",
    }
}

/// The headers of a kept answer (`super::answers::freshness_headers`).
fn freshness_headers() -> Value {
    json!({
        "Yardstick-As-Of": {
            "description": "when the answer's data was read (UTC)",
            "schema": { "type": "string", "format": "date-time" },
        },
        "Yardstick-Generation": {
            "description": "the store's count of commits the answer includes",
            "schema": { "type": "integer", "minimum": 0 },
        },
        "Yardstick-Stale": {
            "description": "`true` when a commit came after the answer's data was read",
            "schema": { "type": "boolean" },
        },
        "Yardstick-Runs-Not-Included": {
            "description": "run versions committed since the answer's data",
            "schema": { "type": "integer", "minimum": 0 },
        },
    })
}

/// Every object schema that lists its properties and says nothing of
/// others gets `additionalProperties: false`: an answer with a member the
/// document does not describe fails its test.
fn strict(v: &mut Value) {
    match v {
        Value::Object(o) => {
            if o.get("properties").is_some_and(Value::is_object)
                && !o.contains_key("additionalProperties")
                && !o.contains_key("unevaluatedProperties")
            {
                o.insert("additionalProperties".into(), false.into());
            }
            for (_, child) in o.iter_mut() {
                strict(child);
            }
        }
        Value::Array(a) => a.iter_mut().for_each(strict),
        _ => {}
    }
}
