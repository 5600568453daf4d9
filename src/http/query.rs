//! Query strings read into typed structs. The report routes (metrics, trend,
//! compare) share one type, [`ReportQuery`], read through the [`Report`]
//! extractor; the event-log upload reads its own struct with [`read`]. Both
//! take keys that repeat (`workflow`, the event log's patterns), which axum's
//! `Query` refuses, so the pairs are deserialized here: a `Vec` field gets
//! every value of its key in order, any other field the last one, and a
//! value is text as given (`from=` is the empty text, not a missing key).
//!
//! The keys a route takes are its own list, so that an unknown key is
//! answered with the keys to use. The pairs are taken in order: a bad value
//! before the first unknown key is the answer, else that key is; and every
//! value of a typed key (`format`, `seed`, …) must read, not only the last,
//! as the loops that read these queries by hand did for trend, compare and
//! the event log.
//!
//! The routes whose keys never repeat (portfolio, summary, steps, …) keep
//! axum's `Query` through [`Fixed`], and with it serde's words for an unknown
//! or repeated key.

use std::marker::PhantomData;
use std::str::FromStr;

use axum::extract::{FromRequestParts, Query};
use axum::http::request::Parts;
use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Visitor};
use serde::{Deserialize, Deserializer};

use super::ApiError;
use crate::metrics::compare::{BaselineChoice, Interval};

/// How a route answers: `format=json|csv`, the one parser of it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, schemars::JsonSchema)]
#[schemars(rename_all = "lowercase")]
pub(super) enum Format {
    #[default]
    Json,
    Csv,
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "json" => Ok(Format::Json),
            "csv" => Ok(Format::Csv),
            other => Err(format!("format `{other}` is not json or csv")),
        }
    }
}

/// The query of the report routes: every key any of them takes. Which keys a
/// route takes is its [`ReportRoute::KEYS`].
#[derive(Debug, Default, Deserialize, schemars::JsonSchema)]
#[serde(default)]
pub(super) struct ReportQuery {
    /// The period's start, a date (midnight UTC) or an RFC 3339 timestamp;
    /// with `to`, or neither: the whole days covering every run.
    pub from: Option<String>,
    /// The period's end, exclusive (as `from`).
    pub to: Option<String>,
    /// Report as the data stood at this moment (date or timestamp): the
    /// catalogue, time studies and run versions recorded by then.
    pub as_of: Option<String>,
    /// `workflow`, repeated and/or comma-separated: sorted, without blanks or
    /// duplicates; empty means every workflow.
    #[serde(rename = "workflow", deserialize_with = "workflow_filter")]
    pub workflows: Vec<String>,
    /// The answer's format: JSON (the default) or CSV.
    #[serde(deserialize_with = "parsed")]
    pub format: Option<Format>,
    /// `week` (the default) or `month`.
    #[schemars(with = "Option<crate::metrics::trend::Granularity>")]
    pub granularity: Option<String>,
    /// The IANA time zone the weeks or months are in (default UTC).
    pub tz: Option<String>,
    /// What the after side is compared with: the time study, the runs before
    /// go-live, or both.
    #[serde(deserialize_with = "parsed")]
    pub baseline: Option<BaselineChoice>,
    /// The bootstrap's seed (the same seed gives the same intervals).
    #[serde(deserialize_with = "seed")]
    pub seed: Option<u64>,
    /// The bootstrap's resamples.
    #[serde(deserialize_with = "resamples")]
    pub resamples: Option<usize>,
    /// How the bootstrap resamples runs: weeks (the default) or runs.
    #[serde(deserialize_with = "parsed")]
    pub interval: Option<Interval>,
    /// A reporting currency (ISO 4217) for the money.
    pub currency: Option<String>,
    /// `report impact`'s method: auto (the default), its, did or naive.
    pub method: Option<String>,
    /// `report impact`'s comparison workflows, repeated and/or comma-separated.
    #[serde(deserialize_with = "workflow_filter")]
    pub controls: Vec<String>,
    /// `report impact`'s metrics, repeated and/or comma-separated (default: all).
    #[serde(rename = "metric", deserialize_with = "workflow_filter")]
    pub metrics: Vec<String>,
    /// `by`, repeated: a row per workflow and value of each run attribute
    /// (`attributes.KEY`) or of the automation's version (`version`); the
    /// workflow's `team`, `category` or `owner` as a column.
    #[serde(deserialize_with = "repeated")]
    pub by: Vec<String>,
    /// `where`, repeated: only runs whose attribute or version has the value
    /// (`attributes.KEY=VALUE`, `version=V`), or only the workflows of a
    /// team, category or owner (`team=T`), all of them.
    #[serde(rename = "where", deserialize_with = "repeated")]
    pub filter: Vec<String>,
    /// The route and its raw query: the key of the route's kept answer.
    #[serde(skip)]
    #[schemars(skip)]
    pub key: String,
}

impl ReportQuery {
    /// Whether CSV was asked for.
    pub(super) fn csv(&self) -> bool {
        self.format == Some(Format::Csv)
    }

    /// `by` and `where` as segments, or 400 naming the value.
    pub(super) fn segments(&self) -> Result<crate::segments::Segments, ApiError> {
        crate::segments::Segments::parse(&self.by, &self.filter).map_err(ApiError::bad_request)
    }
}

/// A report route: the name its kept answers go by, and the keys it takes, in
/// the order its refusal of an unknown key lists them.
pub(super) trait ReportRoute {
    const NAME: &'static str;
    const KEYS: &'static [&'static str];
}

/// The extractor of a report route's query: `Report<Metrics>` reads the
/// metrics route's keys into a [`ReportQuery`], or refuses with 400.
pub(super) struct Report<R>(pub ReportQuery, pub PhantomData<R>);

impl<S: Send + Sync, R: ReportRoute> FromRequestParts<S> for Report<R> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, ApiError> {
        let raw = parts.uri.query();
        let mut q: ReportQuery = read(raw, R::KEYS)?;
        q.key = format!("{}?{}", R::NAME, raw.unwrap_or(""));
        Ok(Report(q, PhantomData))
    }
}

/// Reads a raw query string into `T`, taking only `keys` (see the module doc).
pub(super) fn read<T: DeserializeOwned>(raw: Option<&str>, keys: &[&str]) -> Result<T, ApiError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(raw.unwrap_or(""))
        .map_err(|e| ApiError::bad_request(format!("cannot read the query string: {e}")))?;
    let unknown = pairs.iter().position(|(k, _)| !keys.contains(&k.as_str()));
    let upto = unknown.unwrap_or(pairs.len());
    let value = T::deserialize(Pairs::group(&pairs[..upto]))
        .map_err(|e| ApiError::bad_request(e.to_string()))?;
    match unknown {
        Some(i) => Err(ApiError::bad_request(format!(
            "unknown parameter `{}`: use {}",
            pairs[i].0,
            keys.join(", ")
        ))),
        None => Ok(value),
    }
}

/// A query of fixed keys, each at most once, read by axum's `Query`: an
/// unknown or repeated key, or a bad value, is refused with 400 and serde's
/// words.
pub(super) struct Fixed<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequestParts<S> for Fixed<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, s: &S) -> Result<Self, ApiError> {
        Query::<T>::from_request_parts(parts, s)
            .await
            .map(|Query(q)| Fixed(q))
            .map_err(|e| ApiError::bad_request(e.body_text()))
    }
}

/// Every value of a key, read as `T` by its `FromStr`, whose error is the
/// answer; the last one counts.
fn parsed<'de, D, T>(d: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: FromStr<Err = String>,
{
    each(d, |v| v.parse())
}

fn seed<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    each(d, |v| whole(v, "seed"))
}

fn resamples<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
    each(d, |v| whole(v, "resamples"))
}

fn whole<T: FromStr>(v: &str, key: &str) -> Result<T, String> {
    v.parse()
        .map_err(|_| format!("{key} `{v}` is not a whole number"))
}

/// Every value of a repeated key, in order.
fn repeated<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Vec::<String>::deserialize(d)
}

fn workflow_filter<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let values = Vec::<String>::deserialize(d)?;
    Ok(crate::report::split_workflow_filter(
        values.iter().map(String::as_str),
    ))
}

/// Reads every value of a key with `parse`, in order; the first that fails is
/// the error, and the last one is the value.
pub(super) fn each<'de, D, T>(
    d: D,
    parse: impl Fn(&str) -> Result<T, String>,
) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
{
    let mut last = None;
    for v in Vec::<String>::deserialize(d)? {
        last = Some(parse(&v).map_err(de::Error::custom)?);
    }
    Ok(last)
}

/// The pairs of a query grouped by key, keys in the order they first appear.
struct Pairs(Vec<(String, Values)>);

impl Pairs {
    fn group(pairs: &[(String, String)]) -> Pairs {
        let mut out: Vec<(String, Values)> = Vec::new();
        for (k, v) in pairs {
            match out.iter_mut().find(|(key, _)| key == k) {
                Some((_, values)) => values.0.push(v.clone()),
                None => out.push((k.clone(), Values(vec![v.clone()]))),
            }
        }
        Pairs(out)
    }
}

impl<'de> Deserializer<'de> for Pairs {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut map = MapDeserializer::new(self.0.into_iter());
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf option unit unit_struct newtype_struct seq tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

/// The values of one key, in order (never none): a sequence when a sequence
/// is asked for, else the last value.
struct Values(Vec<String>);

impl<'de> IntoDeserializer<'de, Error> for Values {
    type Deserializer = Values;

    fn into_deserializer(self) -> Values {
        self
    }
}

impl<'de> Deserializer<'de> for Values {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, Error> {
        let last: String = self.0.pop().unwrap_or_default();
        last.into_deserializer().deserialize_any(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut seq = SeqDeserializer::new(self.0.into_iter());
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct newtype_struct tuple
        tuple_struct map struct enum identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEYS: &[&str] = &["from", "workflow", "format", "seed"];

    fn q(raw: &str) -> Result<ReportQuery, String> {
        read::<ReportQuery>(Some(raw), KEYS).map_err(|e| e.detail().to_string())
    }

    #[test]
    fn repeated_and_comma_separated_workflows_make_one_sorted_list() {
        let r = q("workflow=b&workflow=a,%20c,,b&workflow=").unwrap();
        assert_eq!(r.workflows, ["a", "b", "c"]);
        assert!(q("").unwrap().workflows.is_empty());
    }

    #[test]
    fn a_key_given_twice_keeps_its_last_value_and_empty_is_a_value() {
        let r = q("from=a&from=b").unwrap();
        assert_eq!(r.from.as_deref(), Some("b"));
        assert_eq!(q("from=").unwrap().from.as_deref(), Some(""));
        assert_eq!(
            q("from+x=").map(|_| ()),
            Err("unknown parameter `from x`: use from, workflow, format, seed".to_string())
        );
        assert_eq!(q("from=a+b%2Bc").unwrap().from.as_deref(), Some("a b+c"));
        assert_eq!(
            q("format=json&format=csv").unwrap().format,
            Some(Format::Csv)
        );
        assert_eq!(q("").unwrap().format, None);
    }

    #[test]
    fn values_are_read_in_order_and_unknown_keys_are_refused_after_them() {
        let unknown = "unknown parameter `frm`: use from, workflow, format, seed";
        let not_a_number = "seed `x` is not a whole number";
        for (query, want) in [
            ("frm=1", unknown),
            ("frm=1&seed=x", unknown),
            ("seed=x&frm=1", not_a_number),
            ("seed=x&seed=1", not_a_number),
            ("format=xml", "format `xml` is not json or csv"),
            // A key of the struct that the route does not take is unknown.
            (
                "tz=UTC",
                "unknown parameter `tz`: use from, workflow, format, seed",
            ),
        ] {
            assert_eq!(q(query).unwrap_err(), want, "{query}");
        }
        assert_eq!(q("seed=1&seed=2").unwrap().seed, Some(2));
    }

    #[test]
    fn the_format_parser_names_what_it_takes() {
        assert_eq!("csv".parse(), Ok(Format::Csv));
        assert_eq!("json".parse(), Ok(Format::Json));
        assert_eq!(
            "CSV".parse::<Format>(),
            Err("format `CSV` is not json or csv".to_string())
        );
    }
}
