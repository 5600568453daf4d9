//! Segments and filters over runs' attributes (`--by attributes.KEY`,
//! `--where attributes.KEY=VALUE`): the keys a user names, checked, and the
//! JSON paths and values the SQL binds (`segment_of` and `attributes_match`
//! in `queries/schema.sql`). A key is never formatted into SQL: it becomes
//! the JSON path `$."key"`, a bound parameter, and a key that could break out
//! of the quotes (`"`, `\`, a control character) is refused.
//!
//! A leaf: the engine binds it, reports and the CLI and HTTP layers parse it.

/// What a report is segmented by and filtered on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Segments {
    /// Attribute keys, one segment column each, in the order given.
    pub by: Vec<String>,
    /// (key, value): only runs whose attribute `key` is `value`, all of them.
    pub filter: Vec<(String, String)>,
}

/// The prefix of a segment or filter on a run's attributes.
pub const ATTRIBUTES: &str = "attributes.";

/// The longest attribute key accepted.
const MAX_KEY: usize = 64;

impl Segments {
    /// Reads `--by` values (`attributes.KEY`) and `--where` values
    /// (`attributes.KEY=VALUE`); the error names the value and the reason.
    pub fn parse(by: &[String], filters: &[String]) -> Result<Segments, String> {
        let mut s = Segments::default();
        for b in by {
            let key = key_of(b, "by")?;
            if s.by.contains(&key) {
                return Err(format!("by: `{b}` is given twice"));
            }
            s.by.push(key);
        }
        for w in filters {
            let (name, value) = w
                .split_once('=')
                .ok_or_else(|| format!("where: `{w}` is not attributes.KEY=VALUE (no `=`)"))?;
            let key = key_of(name, "where")?;
            if s.filter.iter().any(|(k, _)| *k == key) {
                return Err(format!("where: attributes.{key} is given twice"));
            }
            s.filter.push((key, value.to_string()));
        }
        Ok(s)
    }

    /// Neither segmented nor filtered.
    pub fn is_empty(&self) -> bool {
        self.by.is_empty() && self.filter.is_empty()
    }

    /// The segment columns' names, `attributes.KEY`, in order.
    pub fn columns(&self) -> Vec<String> {
        self.by.iter().map(|k| format!("{ATTRIBUTES}{k}")).collect()
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

    /// In words, for a note: "by attributes.tier; only attributes.region = EU".
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if !self.by.is_empty() {
            parts.push(format!("by {}", self.columns().join(", ")));
        }
        if !self.filter.is_empty() {
            let f: Vec<String> = self
                .filter
                .iter()
                .map(|(k, v)| format!("{ATTRIBUTES}{k} = {v}"))
                .collect();
            parts.push(format!("only {}", f.join(" and ")));
        }
        parts.join("; ")
    }
}

/// The JSON list of the paths `$."key"` of `keys`.
fn paths<'a>(keys: impl Iterator<Item = &'a String>) -> Option<String> {
    let p: Vec<String> = keys.map(|k| format!("$.\"{k}\"")).collect();
    (!p.is_empty()).then(|| serde_json::to_string(&p).expect("strings serialise"))
}

/// The key of `attributes.KEY`, checked.
fn key_of(name: &str, what: &str) -> Result<String, String> {
    let Some(key) = name.strip_prefix(ATTRIBUTES) else {
        return Err(format!(
            "{what}: `{name}` is not attributes.KEY (a run's attribute, e.g. attributes.region)"
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
    Ok(key.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
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
    fn bad_keys_are_refused_with_the_reason() {
        let by = |v: &str| Segments::parse(&s(&[v]), &[]).unwrap_err();
        assert!(
            by("tier").contains("is not attributes.KEY"),
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
