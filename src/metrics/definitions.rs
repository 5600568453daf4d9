//! The metric definitions as the README states them: the table of its
//! "Metric definitions" section, read from the README itself when the
//! program is built, so the page that explains a figure (`/definitions`)
//! and the links of every provenance card quote the one text there is.

/// One row of the README's definitions table: the fields it defines and
/// its text (Markdown, as written).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Definition {
    pub fields: Vec<String>,
    pub text: String,
}

const README: &str = include_str!("../../README.md");

/// Where a field's definition is served: `/definitions#FIELD`.
pub fn link(field: &str) -> Option<String> {
    all()
        .iter()
        .any(|d| d.fields.iter().any(|f| f == field))
        .then(|| format!("/definitions#{field}"))
}

/// The rows of the README's definitions table, in order.
pub fn all() -> &'static [Definition] {
    static ALL: std::sync::OnceLock<Vec<Definition>> = std::sync::OnceLock::new();
    ALL.get_or_init(|| parse(README))
}

/// The section of the README that states the definitions, as written.
pub fn section() -> &'static str {
    let start = README.find("## Metric definitions").unwrap_or(0);
    let rest = &README[start..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    &rest[..end]
}

/// The table rows of the "Metric definitions" section: `| `a`, `b` | text |`.
/// A name written `_mean_min` after `cycle_time_n` is `cycle_time_mean_min`.
fn parse(readme: &str) -> Vec<Definition> {
    let Some(start) = readme.find("## Metric definitions") else {
        return Vec::new();
    };
    readme[start..]
        .lines()
        .skip(1)
        .take_while(|l| !l.starts_with("## "))
        .filter(|l| l.starts_with("| `"))
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').splitn(2, " | ").collect();
            let [names, text] = cells[..] else {
                return None;
            };
            let mut fields: Vec<String> = Vec::new();
            for name in names.split(',') {
                let name = name.trim().trim_matches('`');
                let full = match (name.strip_prefix('_'), fields.first()) {
                    (Some(tail), Some(first)) => {
                        format!("{}_{tail}", first.trim_end_matches("_n"))
                    }
                    _ => name.to_string(),
                };
                fields.push(full);
            }
            Some(Definition {
                fields,
                text: text.trim().trim_end_matches('|').trim().to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every field of the metric table has its definition in the README.
    #[test]
    fn every_metric_field_is_defined_in_the_readme() {
        for f in crate::metrics::field_names() {
            if f == "workflow_id" || f == "currency" {
                continue;
            }
            assert!(
                link(f).is_some(),
                "{f} has no row in the README's definitions table"
            );
        }
        let cycle = all()
            .iter()
            .find(|d| d.fields.contains(&"cycle_time_p90_min".to_string()))
            .unwrap();
        assert!(
            cycle.text.starts_with("`finished_at − anchor`"),
            "{}",
            cycle.text
        );
        assert!(section().starts_with("## Metric definitions"));
        assert!(!section().contains("## Before and after"));
    }
}
