//! Dashboard definitions: one TOML file per page, checked at start-up so a
//! broken file is named with its line and problem before anything is served.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::chart::ChartKind;
use super::source::Source;

/// The dashboards shipped with Yardstick, compiled in; a `dashboards/`
/// directory given at start-up replaces them.
pub const BUILT_IN: [(&str, &str); 3] = [
    (
        "leadership.toml",
        include_str!("../../dashboards/leadership.toml"),
    ),
    (
        "workflow.toml",
        include_str!("../../dashboards/workflow.toml"),
    ),
    (
        "finance.toml",
        include_str!("../../dashboards/finance.toml"),
    ),
];

/// A filter a dashboard page offers in its form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Filter {
    From,
    To,
    Team,
    Workflow,
    /// A reporting currency (ISO 4217): the headline's money converted into it.
    Currency,
    /// The page's time zone (IANA name): bare dates are its midnights, weeks its Mondays.
    Tz,
    /// The page's segment: `by` (the by-segment panels' key) and `segment`
    /// (`KEY=VALUE`: only the runs that match).
    Segment,
}

/// A checked dashboard.
#[derive(Debug, Clone)]
pub struct Dashboard {
    /// The file name without `.toml`: the page's address.
    pub name: String,
    pub title: String,
    pub description: String,
    pub filters: Vec<Filter>,
    /// The page is about one workflow; without a chosen one it shows the first
    /// automated workflow of the catalogue.
    pub one_workflow: bool,
    pub panels: Vec<Panel>,
}

/// A checked panel: where its table comes from and how it is drawn.
#[derive(Debug, Clone)]
pub struct Panel {
    pub id: String,
    pub title: String,
    pub description: String,
    pub source: Source,
    pub chart: ChartKind,
    /// Line, bar and stacked bar: the x column.
    pub x: Option<String>,
    /// The columns drawn (series, KPI values, table columns), in order.
    pub fields: Vec<String>,
    /// KPI: the column naming each tile; table: unused.
    pub label: Option<String>,
    /// KPI: the interval columns and the n column.
    pub low: Option<String>,
    pub high: Option<String>,
    pub n: Option<String>,
    /// KPI: the column of each tile's change against the previous period;
    /// the view's `<change>_low`, `<change>_high`, `<change>_verdict`,
    /// `<change>_against`, and `<change>_calendar` with `calendar_against`
    /// complete it where it has them.
    pub change: Option<String>,
    /// Table: the default sort column, largest first.
    pub sort: Option<String>,
    /// A by-segment view: the segment keys (`attributes.KEY`, `version`)
    /// unless the page's `by` names one.
    pub by: Vec<crate::segments::Key>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDashboard {
    title: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    filters: Vec<Filter>,
    #[serde(default)]
    one_workflow: bool,
    #[serde(default)]
    panels: Vec<RawPanel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPanel {
    id: Spanned<String>,
    title: String,
    #[serde(default)]
    description: String,
    view: Option<Spanned<String>>,
    query: Option<Spanned<String>>,
    chart: Spanned<ChartKind>,
    x: Option<Spanned<String>>,
    #[serde(default)]
    fields: Vec<Spanned<String>>,
    label: Option<Spanned<String>>,
    low: Option<Spanned<String>>,
    high: Option<Spanned<String>>,
    n: Option<Spanned<String>>,
    change: Option<Spanned<String>>,
    sort: Option<Spanned<String>>,
    #[serde(default)]
    by: Vec<Spanned<String>>,
}

/// A dashboard file that cannot be used: the file, the line and the problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {problem}")]
pub struct SpecError {
    pub file: String,
    pub line: usize,
    pub problem: String,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1
}

/// Parses and checks one dashboard file; `file` names it in errors and its
/// stem names the dashboard.
pub fn parse(file: &str, text: &str) -> Result<Dashboard, SpecError> {
    let err = |offset: usize, problem: String| SpecError {
        file: file.to_string(),
        line: line_of(text, offset),
        problem,
    };
    let name = Path::new(file)
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".toml"))
        .unwrap_or(file)
        .to_string();
    crate::model::check_slug(&name).map_err(|e| err(0, format!("the file name: {e}")))?;
    let raw: RawDashboard = toml::from_str(text).map_err(|e| {
        let offset = e.span().map_or(0, |s| s.start);
        err(offset, e.message().trim().to_string())
    })?;
    if raw.panels.is_empty() {
        return Err(err(
            text.len(),
            "a dashboard needs at least one [[panels]] table".into(),
        ));
    }
    let mut panels: Vec<Panel> = Vec::new();
    for p in raw.panels {
        let at = |s: &Spanned<String>| s.span().start;
        let id = p.id.get_ref().clone();
        crate::model::check_slug(&id).map_err(|e| err(at(&p.id), format!("panel id: {e}")))?;
        if panels.iter().any(|q| q.id == id) {
            return Err(err(at(&p.id), format!("panel id `{id}` is used twice")));
        }
        let source = match (&p.view, &p.query) {
            (Some(v), None) => Source::view(v.get_ref()).ok_or_else(|| {
                err(
                    at(v),
                    format!(
                        "unknown view `{}`; the views are: {}",
                        v.get_ref(),
                        Source::view_names().join(", ")
                    ),
                )
            })?,
            (None, Some(q)) => Source::query(q.get_ref()).ok_or_else(|| {
                err(
                    at(q),
                    format!(
                        "unknown query `{}`; the dashboard queries (queries/dashboards/) are: {}",
                        q.get_ref(),
                        Source::query_names().join(", ")
                    ),
                )
            })?,
            (Some(v), Some(_)) => {
                return Err(err(
                    at(v),
                    format!("panel `{id}` names both a view and a query; give one"),
                ))
            }
            (None, None) => {
                return Err(err(
                    at(&p.id),
                    format!("panel `{id}` needs `view = \"...\"` or `query = \"...\"`"),
                ))
            }
        };
        let columns = source.columns();
        let check = |f: &Spanned<String>| -> Result<String, SpecError> {
            let name = f.get_ref();
            if columns.iter().any(|c| c.name == name.as_str()) {
                Ok(name.clone())
            } else {
                Err(err(
                    at(f),
                    format!(
                        "`{name}` is not a column of {}; its columns are: {}",
                        source.describe(),
                        columns
                            .iter()
                            .map(|c| c.name)
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                ))
            }
        };
        let opt = |f: &Option<Spanned<String>>| f.as_ref().map(check).transpose();
        let fields = p.fields.iter().map(check).collect::<Result<Vec<_>, _>>()?;
        let chart = *p.chart.get_ref();
        let chart_at = p.chart.span().start;
        let x = opt(&p.x)?;
        if fields.is_empty() {
            return Err(err(
                chart_at,
                format!("panel `{id}` needs `fields = [...]`: the columns to show"),
            ));
        }
        match chart {
            ChartKind::Line | ChartKind::Bar | ChartKind::StackedBar if x.is_none() => {
                return Err(err(
                    chart_at,
                    format!(
                        "a {} chart needs `x = \"...\"`: the column along the x axis",
                        serde_json::to_value(chart)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default()
                    ),
                ))
            }
            ChartKind::Line | ChartKind::Bar | ChartKind::StackedBar => {
                for f in &p.fields {
                    if !columns
                        .iter()
                        .any(|c| c.name == f.get_ref().as_str() && c.kind.is_number())
                    {
                        return Err(err(
                            at(f),
                            format!("`{}` is not a number, so it cannot be drawn", f.get_ref()),
                        ));
                    }
                }
            }
            ChartKind::Kpi | ChartKind::Table => {}
        }
        let by_segment = matches!(
            source,
            Source::View(v) if v.segmenting == super::views::Segmenting::BySegment
        );
        let by = match (p.by.first(), by_segment) {
            (Some(b), false) => {
                return Err(err(
                    at(b),
                    format!(
                        "`by` is for a by-segment view; {} is not one",
                        source.describe()
                    ),
                ))
            }
            (None, true) => {
                return Err(err(
                    chart_at,
                    format!("panel `{id}` needs `by = [\"attributes.KEY\"]`: what to segment by"),
                ))
            }
            (first, _) => {
                let keys: Vec<String> = p.by.iter().map(|b| b.get_ref().clone()).collect();
                crate::segments::Segments::parse(&keys, &[])
                    .and_then(|s| {
                        s.without_workflow_fields("a by-segment panel")
                            .map(|()| s.by)
                    })
                    .map_err(|e| err(first.map_or(chart_at, at), e))?
            }
        };
        panels.push(Panel {
            by,
            id,
            title: p.title,
            description: p.description,
            source,
            chart,
            x,
            fields,
            label: opt(&p.label)?,
            low: opt(&p.low)?,
            high: opt(&p.high)?,
            n: opt(&p.n)?,
            change: opt(&p.change)?,
            sort: opt(&p.sort)?,
        });
    }
    Ok(Dashboard {
        name,
        title: raw.title,
        description: raw.description,
        filters: raw.filters,
        one_workflow: raw.one_workflow,
        panels,
    })
}

/// The dashboards of a directory (every `*.toml`, by name), or the built-in
/// ones when `dir` is `None`. Any broken file stops the load.
pub fn load(dir: Option<&Path>) -> Result<Vec<Dashboard>, SpecError> {
    let mut out = Vec::new();
    match dir {
        None => {
            for (file, text) in BUILT_IN {
                out.push(parse(file, text)?);
            }
        }
        Some(dir) => {
            let io = |e: std::io::Error| SpecError {
                file: dir.display().to_string(),
                line: 0,
                problem: e.to_string(),
            };
            let mut files: Vec<_> = std::fs::read_dir(dir)
                .map_err(io)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for path in files {
                let text = std::fs::read_to_string(&path).map_err(|e| SpecError {
                    file: path.display().to_string(),
                    line: 0,
                    problem: e.to_string(),
                })?;
                out.push(parse(&path.display().to_string(), &text)?);
            }
            if out.is_empty() {
                return Err(SpecError {
                    file: dir.display().to_string(),
                    line: 0,
                    problem: "no *.toml dashboard files in this directory".into(),
                });
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_dashboards_parse() {
        let all = load(None).unwrap();
        let names: Vec<&str> = all.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["leadership", "workflow", "finance"]);
    }

    #[test]
    fn errors_name_file_line_and_problem() {
        let text = "title = \"T\"\n\n[[panels]]\nid = \"a\"\ntitle = \"A\"\nview = \"nope\"\nchart = \"kpi\"\nfields = [\"value\"]\n";
        let e = parse("dashboards/x.toml", text).unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("dashboards/x.toml", 6));
        assert!(
            e.problem.starts_with("unknown view `nope`"),
            "{}",
            e.problem
        );

        let text = "title = \"T\"\n[[panels]]\nid = \"a\"\ntitle = \"A\"\nview = \"headline\"\nchart = \"pie\"\nfields = [\"value\"]\n";
        let e = parse("x.toml", text).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.problem.contains("pie"), "{e}");

        let text = "title = \"T\"\n[[panels]]\nid = \"a\"\ntitle = \"A\"\nview = \"headline\"\nchart = \"kpi\"\nfields = [\"value\",\n  \"hours_saved\"]\n";
        let e = parse("x.toml", text).unwrap_err();
        assert_eq!(e.line, 8, "{e}");
        assert!(e.problem.contains("`hours_saved` is not a column"), "{e}");

        let e = parse("x.toml", "title = \"T\"\ncolour = \"red\"\n").unwrap_err();
        assert_eq!(e.line, 2, "{e}");
        assert!(e.problem.contains("colour"), "{e}");

        let text = "title = \"T\"\n[[panels]]\nid = \"a\"\ntitle = \"A\"\nview = \"weekly\"\nchart = \"line\"\nfields = [\"reclaimed_hours\"]\n";
        let e = parse("x.toml", text).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(e.problem.contains("needs `x"), "{e}");
        // The chart named as the file names it.
        let stacked = text.replace("\"line\"", "\"stacked_bar\"");
        let e = parse("x.toml", &stacked).unwrap_err();
        assert!(e.problem.starts_with("a stacked_bar chart needs `x"), "{e}");

        // A by-segment panel segments runs: the workflow's team is refused.
        let text = "title = \"T\"\n[[panels]]\nid = \"a\"\ntitle = \"A\"\nview = \"segments\"\nby = [\"team\"]\nchart = \"table\"\nfields = [\"runs\"]\n";
        let e = parse("x.toml", text).unwrap_err();
        assert_eq!(e.line, 6, "{e}");
        assert!(
            e.problem.contains("a by-segment panel cannot take team"),
            "{e}"
        );
    }
}
