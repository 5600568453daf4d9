//! Segments and filters over runs' attributes and versions (`--by
//! attributes.KEY`, `--by version`, `--where attributes.KEY=VALUE`, `--where
//! version=V`): the keys a user names, checked, and the JSON paths and values
//! the SQL binds (`segment_of` and `attributes_match` in
//! `queries/schema.sql`). A key is never formatted into SQL: it becomes the
//! JSON path `$."key"`, a bound parameter, and a key that could break out of
//! the quotes (`"`, `\`, a control character) is refused. The run's version
//! is the path `version` (no JSON path starts so), always first.
//!
//! A leaf: the engine binds it, reports and the CLI and HTTP layers parse it.

/// What a segment or filter reads of a run.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Key {
    /// The automation's version that executed the run (its `version`).
    Version,
    /// One of the run's attributes.
    Attribute(String),
}

impl Key {
    /// The column's name in a report: `version` or `attributes.KEY`.
    pub fn column(&self) -> String {
        match self {
            Key::Version => VERSION.to_string(),
            Key::Attribute(k) => format!("{ATTRIBUTES}{k}"),
        }
    }

    /// The path the SQL reads (`segment_of`): `version`, or `$."key"`.
    fn path(&self) -> String {
        match self {
            Key::Version => VERSION.to_string(),
            Key::Attribute(k) => format!("$.\"{k}\""),
        }
    }
}

/// What a report is segmented by and filtered on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segments {
    /// The keys, one segment column each: the version first, then the
    /// attributes in the order given.
    pub by: Vec<Key>,
    /// (key, value): only runs whose `key` is `value`, all of them; the
    /// version first.
    pub filter: Vec<(Key, String)>,
    /// By and where on the workflows' own catalogue fields (`team`,
    /// `category`, `owner`): never the engine's, the reports apply them to
    /// the catalogue.
    pub workflows: OfWorkflows,
}

/// A field of a workflow's catalogue entry that a segment or filter may
/// name: one value per workflow (and catalogue version).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Team,
    Category,
    Owner,
}

impl Field {
    const ALL: [Field; 3] = [Field::Team, Field::Category, Field::Owner];

    /// Its name, as `--by` and the segment column spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Team => "team",
            Field::Category => "category",
            Field::Owner => "owner",
        }
    }

    /// The workflow's value (a workflow may have no team).
    pub fn of(self, w: &crate::model::Workflow) -> Option<String> {
        match self {
            Field::Team => w.team.clone(),
            Field::Category => Some(w.category.clone()),
            Field::Owner => Some(w.owner.clone()),
        }
    }
}

/// Segments and filters on the workflows' catalogue fields: one value per
/// workflow, so "by team" labels each workflow's rows with its team (a
/// column like a segment's) and "where team=Ops" keeps the workflows of
/// that team. Runs are never read for them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfWorkflows {
    /// The fields, a column each after the runs' segment columns.
    pub by: Vec<Field>,
    /// (field, value): only the workflows whose field is the value.
    pub filter: Vec<(Field, String)>,
}

impl OfWorkflows {
    pub fn is_empty(&self) -> bool {
        self.by.is_empty() && self.filter.is_empty()
    }

    /// Whether the workflow's fields are the filter's values, all of them.
    pub fn keeps(&self, w: &crate::model::Workflow) -> bool {
        self.filter
            .iter()
            .all(|(f, v)| f.of(w).as_deref() == Some(v.as_str()))
    }

    /// The columns of `by`: `team`, `category`, `owner`.
    pub fn columns(&self) -> Vec<String> {
        self.by.iter().map(|f| f.as_str().to_string()).collect()
    }

    /// The workflow's values of `by`, in order.
    pub fn values(&self, w: &crate::model::Workflow) -> Vec<Option<String>> {
        self.by.iter().map(|f| f.of(w)).collect()
    }

    /// Adds the workflow's values of `by` to a row's segment (making it one
    /// when the runs were not segmented).
    pub fn label(&self, w: &crate::model::Workflow, segment: &mut Option<SegmentMap>) {
        if self.by.is_empty() {
            return;
        }
        let s = segment.get_or_insert_with(Default::default);
        for f in &self.by {
            s.insert(f.as_str().to_string(), f.of(w));
        }
    }

    /// Refuses a filter value that no workflow of `catalogue` has, naming
    /// those it has.
    pub fn check<'a>(
        &self,
        catalogue: impl Iterator<Item = &'a crate::model::Workflow> + Clone,
    ) -> Result<(), String> {
        for (f, v) in &self.filter {
            let mut known: Vec<String> = catalogue.clone().filter_map(|w| f.of(w)).collect();
            known.sort();
            known.dedup();
            if !known.contains(v) {
                return Err(format!(
                    "where: no catalogued workflow has {} = {v} (the values: {})",
                    f.as_str(),
                    known.join(", ")
                ));
            }
        }
        Ok(())
    }
}

/// The prefix of a segment or filter on a run's attributes.
pub const ATTRIBUTES: &str = "attributes.";

/// The segment or filter on the run's version.
pub const VERSION: &str = "version";

/// The longest attribute key accepted.
const MAX_KEY: usize = 64;

impl Segments {
    /// Reads `--by` values (`attributes.KEY` or `version`) and `--where`
    /// values (`attributes.KEY=VALUE` or `version=V`); the error names the
    /// value and the reason.
    pub fn parse(by: &[String], filters: &[String]) -> Result<Segments, String> {
        let mut s = Segments::default();
        for b in by {
            if let Some(f) = Field::ALL.into_iter().find(|f| f.as_str() == b) {
                if s.workflows.by.contains(&f) {
                    return Err(format!("by: `{b}` is given twice"));
                }
                s.workflows.by.push(f);
                continue;
            }
            let key = key_of(b, "by")?;
            if s.by.contains(&key) {
                return Err(format!("by: `{b}` is given twice"));
            }
            s.by.push(key);
        }
        for w in filters {
            let (name, value) = w.split_once('=').ok_or_else(|| {
                format!("where: `{w}` is not attributes.KEY=VALUE, version=V or team=T (no `=`)")
            })?;
            if let Some(f) = Field::ALL.into_iter().find(|f| f.as_str() == name) {
                if s.workflows.filter.iter().any(|(g, _)| *g == f) {
                    return Err(format!("where: {name} is given twice"));
                }
                s.workflows.filter.push((f, value.to_string()));
                continue;
            }
            let key = key_of(name, "where")?;
            if s.filter.iter().any(|(k, _)| *k == key) {
                return Err(format!("where: {} is given twice", key.column()));
            }
            s.filter.push((key, value.to_string()));
        }
        // The SQL reads the version first (`segment_of`): a stable sort keeps
        // the attributes in the order given.
        s.by.sort_by_key(|k| *k != Key::Version);
        s.filter.sort_by_key(|(k, _)| *k != Key::Version);
        Ok(s)
    }

    /// Segmented by the run's version alone.
    pub fn version_only() -> Segments {
        Segments {
            by: vec![Key::Version],
            ..Segments::default()
        }
    }

    /// The filter alone, not segmented.
    pub fn filter_only(&self) -> Segments {
        Segments {
            by: Vec::new(),
            filter: self.filter.clone(),
            workflows: OfWorkflows {
                by: Vec::new(),
                filter: self.workflows.filter.clone(),
            },
        }
    }

    /// The runs neither segmented nor filtered (by and where on the
    /// workflows' fields aside: see [`Segments::workflows`]).
    pub fn is_empty(&self) -> bool {
        self.by.is_empty() && self.filter.is_empty()
    }

    /// Refuses by and where on the workflows' fields, where `what` does
    /// not take them, with the reason.
    pub fn without_workflow_fields(&self, what: &str) -> Result<(), String> {
        match self
            .workflows
            .by
            .first()
            .or(self.workflows.filter.first().map(|(f, _)| f))
        {
            None => Ok(()),
            Some(f) => Err(format!(
                "{what} cannot take {}: it is one value per workflow (a page \
                 has its own team filter, and the teams view groups by team)",
                f.as_str()
            )),
        }
    }

    /// The segment columns' names, `version` and `attributes.KEY`, in order.
    pub fn columns(&self) -> Vec<String> {
        self.by.iter().map(Key::column).collect()
    }

    /// A row's segment (column → value, as the reports carry it) as its
    /// values in column order: the key rows of different reports are
    /// joined on (a missing value is `None`, never the text "(missing)",
    /// so a segment whose value is that text stays apart). Empty when not
    /// segmented.
    pub fn key_of(&self, segment: Option<&SegmentMap>) -> Vec<Option<String>> {
        self.by
            .iter()
            .map(|k| segment.and_then(|s| s.get(&k.column()).cloned().flatten()))
            .collect()
    }

    /// The JSON list of the segment keys' paths (`segment_of`'s `paths`);
    /// `None` when not segmented.
    pub fn by_paths(&self) -> Option<String> {
        paths(self.by.iter())
    }

    /// The JSON lists of the filter's paths and values (`attributes_match`'s
    /// `paths` and `vals`); `None` without a filter.
    pub fn filter_paths(&self) -> (Option<String>, Option<String>) {
        if self.filter.is_empty() {
            return (None, None);
        }
        let values: Vec<&str> = self.filter.iter().map(|(_, v)| v.as_str()).collect();
        (
            paths(self.filter.iter().map(|(k, _)| k)),
            Some(serde_json::to_string(&values).expect("strings serialise")),
        )
    }

    /// A segment as the SQL gives it (the JSON text of a list of values, a
    /// missing attribute null) as one value per key.
    pub fn values_of(&self, segment: &str) -> Result<Vec<Option<String>>, String> {
        let values: Vec<Option<String>> = serde_json::from_str(segment)
            .map_err(|e| format!("segment `{segment}` is not a JSON list of strings: {e}"))?;
        if values.len() != self.by.len() {
            return Err(format!(
                "segment `{segment}` has {} values for {} keys",
                values.len(),
                self.by.len()
            ));
        }
        Ok(values)
    }

    /// The filter in words: "attributes.region = EU and version = 14".
    pub fn describe_filter(&self) -> String {
        let f: Vec<String> = self
            .filter
            .iter()
            .map(|(k, v)| format!("{} = {v}", k.column()))
            .chain(
                self.workflows
                    .filter
                    .iter()
                    .map(|(f, v)| format!("{} = {v}", f.as_str())),
            )
            .collect();
        f.join(" and ")
    }

    /// In words, for a note: "by attributes.tier; only attributes.region = EU".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        let mut by = self.columns();
        by.extend(self.workflows.columns());
        if !by.is_empty() {
            parts.push(format!("by {}", by.join(", ")));
        }
        if !self.filter.is_empty() || !self.workflows.filter.is_empty() {
            parts.push(format!("only {}", self.describe_filter()));
        }
        parts.join("; ")
    }
}

/// A row's segment columns (the keys of its segment map) in the reports'
/// order: `version` first, then the attributes, then the workflow's fields
/// (each group in the map's order).
pub fn ordered_columns<'a>(keys: impl IntoIterator<Item = &'a String>) -> Vec<String> {
    let mut names: Vec<String> = keys.into_iter().cloned().collect();
    names.sort_by_key(|n| match n.as_str() {
        VERSION => 0,
        n if n.starts_with(ATTRIBUTES) => 1,
        _ => 2,
    });
    names
}

/// A row's segment: each column's value, null where its runs lack it.
pub type SegmentMap = std::collections::BTreeMap<String, Option<String>>;

/// The segment columns of a report whose first row has `first` as its
/// segment, in [`ordered_columns`]' order; none when it is not segmented.
pub fn columns_of(first: Option<&SegmentMap>) -> Vec<String> {
    first.map(|s| ordered_columns(s.keys())).unwrap_or_default()
}

/// A row's cells under `columns`: its segment's values, empty where it has
/// none.
pub fn cells<'a>(
    columns: &'a [String],
    segment: Option<&'a SegmentMap>,
) -> impl Iterator<Item = String> + 'a {
    columns.iter().map(move |k| {
        segment
            .and_then(|s| s.get(k).cloned().flatten())
            .unwrap_or_default()
    })
}

/// The JSON list of the paths of `keys` (see [`Key::path`]).
fn paths<'a>(keys: impl Iterator<Item = &'a Key>) -> Option<String> {
    let p: Vec<String> = keys.map(Key::path).collect();
    (!p.is_empty()).then(|| serde_json::to_string(&p).expect("strings serialise"))
}

/// The key of `version` or `attributes.KEY`, checked.
fn key_of(name: &str, what: &str) -> Result<Key, String> {
    if name == VERSION {
        return Ok(Key::Version);
    }
    let Some(key) = name.strip_prefix(ATTRIBUTES) else {
        return Err(format!(
            "{what}: `{name}` is neither attributes.KEY (a run's attribute, e.g. \
             attributes.region), version (the automation's version that ran it) nor \
             team, category or owner (the workflow's)"
        ));
    };
    if key.is_empty() || key.chars().count() > MAX_KEY {
        return Err(format!(
            "{what}: the key of `{name}` must have 1 to {MAX_KEY} characters"
        ));
    }
    if let Some(c) = key
        .chars()
        .find(|c| *c == '"' || *c == '\\' || c.is_control())
    {
        return Err(format!(
            "{what}: the key of `{name}` has {c:?}, which an attribute key here may not have"
        ));
    }
    Ok(Key::Attribute(key.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn segment_columns_put_the_version_first_and_the_workflows_fields_last() {
        let map: std::collections::BTreeMap<String, Option<String>> =
            ["version", "team", "attributes.tier", "attributes.region"]
                .iter()
                .map(|k| (k.to_string(), None))
                .collect();
        assert_eq!(
            ordered_columns(map.keys()),
            ["version", "attributes.region", "attributes.tier", "team"]
        );
    }

    #[test]
    fn a_rows_key_is_its_values_in_column_order() {
        let seg = Segments::parse(&s(&["attributes.tier", "version"]), &[]).unwrap();
        let row = |pairs: &[(&str, Option<&str>)]| {
            pairs
                .iter()
                .map(|(k, v)| (k.to_string(), v.map(str::to_string)))
                .collect::<std::collections::BTreeMap<_, _>>()
        };
        // The version first, as the columns are.
        assert_eq!(
            seg.key_of(Some(&row(&[
                ("attributes.tier", Some("gold")),
                ("version", Some("14"))
            ]))),
            [Some("14".to_string()), Some("gold".to_string())]
        );
        // A missing value is none, apart from a value spelled "(missing)".
        let missing = seg.key_of(Some(&row(&[("version", Some("14"))])));
        assert_eq!(missing, [Some("14".to_string()), None]);
        let spelled = seg.key_of(Some(&row(&[
            ("attributes.tier", Some("(missing)")),
            ("version", Some("14")),
        ])));
        assert_ne!(missing, spelled);
        assert_eq!(seg.key_of(None), [None, None]);
        assert!(Segments::default().key_of(None).is_empty());
    }

    #[test]
    fn keys_become_bound_paths() {
        let seg = Segments::parse(
            &s(&["attributes.tier", "attributes.customer segment"]),
            &s(&["attributes.region=EU", "attributes.channel=e=mail"]),
        )
        .unwrap();
        assert_eq!(
            seg.by_paths().unwrap(),
            r#"["$.\"tier\"","$.\"customer segment\""]"#
        );
        assert_eq!(
            seg.filter_paths(),
            (
                Some(r#"["$.\"region\"","$.\"channel\""]"#.to_string()),
                Some(r#"["EU","e=mail"]"#.to_string())
            )
        );
        assert_eq!(
            seg.columns(),
            ["attributes.tier", "attributes.customer segment"]
        );
        assert_eq!(
            seg.values_of(r#"["gold",null]"#).unwrap(),
            [Some("gold".to_string()), None]
        );
        assert_eq!(
            seg.describe(),
            "by attributes.tier, attributes.customer segment; only attributes.region = EU and attributes.channel = e=mail"
        );
        assert!(Segments::parse(&[], &[]).unwrap().is_empty());
        assert_eq!(Segments::default().by_paths(), None);
    }

    #[test]
    fn the_version_is_a_key_read_first() {
        let seg = Segments::parse(
            &s(&["attributes.tier", "version"]),
            &s(&["attributes.region=EU", "version=14"]),
        )
        .unwrap();
        assert_eq!(seg.columns(), ["version", "attributes.tier"]);
        assert_eq!(seg.by_paths().unwrap(), r#"["version","$.\"tier\""]"#);
        assert_eq!(
            seg.filter_paths(),
            (
                Some(r#"["version","$.\"region\""]"#.to_string()),
                Some(r#"["14","EU"]"#.to_string())
            )
        );
        assert_eq!(
            seg.describe(),
            "by version, attributes.tier; only version = 14 and attributes.region = EU"
        );
        assert_eq!(Segments::version_only().columns(), ["version"]);
        // `attributes.version` is an attribute like any other.
        let attr = Segments::parse(&s(&["attributes.version"]), &[]).unwrap();
        assert_eq!(attr.by_paths().unwrap(), r#"["$.\"version\""]"#);
    }

    #[test]
    fn bad_keys_are_refused_with_the_reason() {
        let by = |v: &str| Segments::parse(&s(&[v]), &[]).unwrap_err();
        assert!(
            by("tier").contains("is neither attributes.KEY"),
            "{}",
            by("tier")
        );
        assert!(by("attributes.").contains("1 to 64"));
        assert!(
            by(r#"attributes.a"b"#).contains("'\"'"),
            "{}",
            by(r#"attributes.a"b"#)
        );
        assert!(
            by(r"attributes.a\b").contains("'\\\\'"),
            "{}",
            by(r"attributes.a\b")
        );
        assert!(Segments::parse(&s(&["attributes.a", "attributes.a"]), &[])
            .unwrap_err()
            .contains("given twice"));
        let w = Segments::parse(&[], &s(&["attributes.region"])).unwrap_err();
        assert!(w.contains("no `=`"), "{w}");
    }
}
