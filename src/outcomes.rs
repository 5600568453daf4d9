//! Outcome measures a catalogued workflow declares (its `outcomes` column):
//! what a customer-facing automation is judged by besides speed — a
//! satisfaction score, a reopen rate. A run carries an outcome's value in its
//! attributes, under `outcome_<name>` or `<name>` (an `outcome_csat` column
//! of a run file lands there).
//!
//! The declaration is entries separated by `;`, each `name:kind` with
//! options after further `:`:
//!
//! - `kind`: `scale` (a number, e.g. CSAT 1–5) or `rate` (0/1 per run:
//!   `1`, `0`, `true`, `false`, `yes`, `no`);
//! - `higher` or `lower`: which is better (default: `higher` for a scale,
//!   `lower` for a rate);
//! - `target=X` (a scale only): the share of values at or above `X` is
//!   reported.
//!
//! `csat:scale:target=4;reopened:rate` declares a CSAT where higher is
//! better and 4 or more counts as satisfied, and a reopen rate where lower
//! is better. A leaf: ingest checks declarations, reports read values.

use serde::Serialize;

/// One declared outcome.
#[derive(Debug, Clone, PartialEq, Serialize, schemars::JsonSchema)]
pub struct Outcome {
    /// `[a-z][a-z0-9_]*`, at most 32 characters.
    pub name: String,
    pub kind: Kind,
    /// Whether a higher value is the better one.
    pub higher_is_better: bool,
    /// A scale's target: the share of values at or above it is reported.
    pub target: Option<f64>,
}

/// What an outcome's values are.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// A number per run, e.g. a satisfaction score.
    Scale,
    /// 0 or 1 per run: its mean is the share of runs where it happened.
    Rate,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Scale => "scale",
            Kind::Rate => "rate",
        }
    }

    /// An outcome's name among a report's metrics: `<name>_mean` for a
    /// scale, `<name>_rate` for a rate.
    pub fn metric(self, name: &str) -> String {
        match self {
            Kind::Scale => format!("{name}_mean"),
            Kind::Rate => format!("{name}_rate"),
        }
    }
}

impl Outcome {
    /// A run's value of this outcome from the attribute's text: a number
    /// for a scale, 0 or 1 for a rate; `None` when it is not one.
    pub fn value(&self, text: &str) -> Option<f64> {
        let t = text.trim();
        match self.kind {
            Kind::Scale => t.parse::<f64>().ok().filter(|x| x.is_finite()),
            Kind::Rate => match t.to_ascii_lowercase().as_str() {
                "1" | "1.0" | "true" | "yes" => Some(1.0),
                "0" | "0.0" | "false" | "no" => Some(0.0),
                _ => None,
            },
        }
    }

    /// The canonical text of the entry (see [`canonical`]).
    fn text(&self) -> String {
        let mut s = format!("{}:{}", self.name, self.kind.as_str());
        s.push_str(if self.higher_is_better {
            ":higher"
        } else {
            ":lower"
        });
        if let Some(t) = self.target {
            s.push_str(&format!(":target={t}"));
        }
        s
    }
}

/// The longest outcome name accepted.
const MAX_NAME: usize = 32;

/// Reads a declaration; the error says which entry and why.
pub fn parse(text: &str) -> Result<Vec<Outcome>, String> {
    let mut out: Vec<Outcome> = Vec::new();
    for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
        let mut parts = entry.split(':').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let ok_name = name.len() <= MAX_NAME
            && name.starts_with(|c: char| c.is_ascii_lowercase())
            && name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
        if !ok_name {
            return Err(format!(
                "outcome `{entry}`: the name `{name}` must be a-z, 0-9 and _, start with a \
                 letter, at most {MAX_NAME} characters"
            ));
        }
        if out.iter().any(|o| o.name == name) {
            return Err(format!("outcome `{name}` is declared twice"));
        }
        let kind = match parts.next() {
            Some("scale") => Kind::Scale,
            Some("rate") => Kind::Rate,
            other => {
                return Err(format!(
                    "outcome `{entry}`: the kind must be scale or rate, not `{}`",
                    other.unwrap_or("")
                ))
            }
        };
        let mut o = Outcome {
            name: name.to_string(),
            kind,
            higher_is_better: kind == Kind::Scale,
            target: None,
        };
        for opt in parts {
            match opt {
                "higher" => o.higher_is_better = true,
                "lower" => o.higher_is_better = false,
                t if t.starts_with("target=") => {
                    if kind != Kind::Scale {
                        return Err(format!("outcome `{entry}`: only a scale has a target"));
                    }
                    let v = t["target=".len()..].trim();
                    o.target = Some(v.parse::<f64>().ok().filter(|x| x.is_finite()).ok_or_else(
                        || format!("outcome `{entry}`: target `{v}` is not a number"),
                    )?);
                }
                other => {
                    return Err(format!(
                        "outcome `{entry}`: `{other}` is not higher, lower or target=X"
                    ))
                }
            }
        }
        out.push(o);
    }
    Ok(out)
}

/// The canonical text of a declaration, as the catalogue stores it: every
/// entry with its kind, its direction and its target; `None` for none.
pub fn canonical(outcomes: &[Outcome]) -> Option<String> {
    (!outcomes.is_empty()).then(|| {
        outcomes
            .iter()
            .map(Outcome::text)
            .collect::<Vec<_>>()
            .join(";")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declarations_read_with_their_defaults() {
        let o = parse(" csat:scale:target=4 ; reopened:rate ;").unwrap();
        assert_eq!(o.len(), 2);
        assert_eq!(
            (o[0].kind, o[0].higher_is_better, o[0].target),
            (Kind::Scale, true, Some(4.0))
        );
        assert_eq!(
            (o[1].kind, o[1].higher_is_better, o[1].target),
            (Kind::Rate, false, None)
        );
        assert_eq!(
            canonical(&o).unwrap(),
            "csat:scale:higher:target=4;reopened:rate:lower"
        );
        assert_eq!(parse(&canonical(&o).unwrap()).unwrap(), o);
        assert_eq!(parse("").unwrap(), []);
        assert_eq!(canonical(&[]), None);
        let wait = parse("wait_days:scale:lower").unwrap();
        assert!(!wait[0].higher_is_better);
    }

    #[test]
    fn values_are_read_by_kind() {
        let o = parse("csat:scale;reopened:rate").unwrap();
        assert_eq!(o[0].value(" 4.5 "), Some(4.5));
        assert_eq!(o[0].value("good"), None);
        assert_eq!(o[0].value("NaN"), None);
        assert_eq!(o[1].value("TRUE"), Some(1.0));
        assert_eq!(o[1].value("0"), Some(0.0));
        assert_eq!(o[1].value("2"), None);
    }

    #[test]
    fn bad_declarations_say_why() {
        let e = |t: &str| parse(t).unwrap_err();
        assert!(
            e("CSAT:scale").contains("a-z, 0-9 and _"),
            "{}",
            e("CSAT:scale")
        );
        assert!(e("csat").contains("scale or rate"));
        assert!(e("csat:score").contains("not `score`"));
        assert!(e("r:rate:target=1").contains("only a scale"));
        assert!(e("c:scale:target=x").contains("not a number"));
        assert!(e("c:scale:best").contains("not higher, lower"));
        assert!(e("c:scale;c:rate").contains("twice"));
    }
}
