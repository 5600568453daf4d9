//! The analytics views a dashboard panel can show, one file each. A view
//! declares its name, its columns and how its table is computed from a
//! page's [`Context`]; its rows are built cell by cell by column name
//! ([`Row`]), and each row is checked against the declared columns when it
//! is pushed, so a cell and its column can never drift apart.
//!
//! Adding a view: write its file here, then add its name to the list given
//! to `views!` below (which declares the module and puts its `VIEW` in
//! [`ALL`]); a dashboard TOML file can then name it.

use super::source::{Cell, ColKind, ColumnMeta, Context, PanelTable};
use crate::metrics::MetricsError;
use crate::report::ReportError;

/// Declares each view's module (its file in this folder) and lists its
/// `VIEW` in [`ALL`], in the order given.
macro_rules! views {
    ($($view:ident),+ $(,)?) => {
        $(mod $view;)+

        /// Every view, in the order the error messages list them.
        pub const ALL: &[&View] = &[$(&$view::VIEW),+];
    };
}

views![
    headline,
    before_after,
    weekly,
    workflows,
    regressions,
    backlog,
    compare,
    catalogue,
    finance,
    teams,
    waterfall,
    impact,
    versions,
    quality,
    segments,
];

/// An analytics view: a named table of declared columns, computed for the
/// scope of a [`Context`].
pub struct View {
    pub name: &'static str,
    pub columns: &'static [ColumnMeta],
    /// The shared parts of a page the view reads.
    pub needs: Needs,
    /// Whether the page's segment filter narrows it, and whether it is
    /// segmented (a "by segment" panel, which takes a TOML `by`).
    pub segmenting: Segmenting,
    /// Fills the table for the context's scope.
    pub compute: fn(&mut Context<'_>, &mut Table) -> Result<(), ReportError>,
}

impl View {
    /// The view called `name`.
    pub fn named(name: &str) -> Option<&'static View> {
        ALL.iter().copied().find(|v| v.name == name)
    }

    /// The table of this view for the context's scope.
    pub fn table(&'static self, cx: &mut Context<'_>) -> Result<PanelTable, ReportError> {
        let mut t = Table {
            view: self,
            rows: Vec::new(),
            n: 0,
            facts: false,
            notes: Vec::new(),
            empty: None,
            marks: Vec::new(),
        };
        (self.compute)(cx, &mut t)?;
        Ok(PanelTable {
            columns: self.columns,
            rows: t.rows,
            n: t.n,
            facts: t.facts,
            notes: t.notes,
            empty: t.empty,
            marks: t.marks,
        })
    }
}

// A view is known by its name: two views never share one.
impl PartialEq for View {
    fn eq(&self, other: &View) -> bool {
        self.name == other.name
    }
}

impl Eq for View {}

impl std::fmt::Debug for View {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "View({})", self.name)
    }
}

/// What a view does with the page's segments (its `segment` filter and
/// `by` key, or the panel's `by`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segmenting {
    /// It reads whole workflows (time studies, alerts, the catalogue…): a
    /// segment filter leaves it as it is, and says so under it.
    Whole,
    /// Its runs are only those of the filter's segment.
    Filtered,
    /// A row per segment of the runs (and filtered).
    BySegment,
}

/// The parts of a page that several views share and that cost a query or a
/// bootstrap each; `Context::prefetch` computes those a page needs side by
/// side before its panels.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Needs {
    /// The metric rows, comparisons and roll-up of the scope.
    pub portfolio: bool,
    /// The weekly trend of the scope.
    pub weekly: bool,
    /// The regression checks of the last complete week.
    pub alerts: bool,
    /// The roll-up of the previous period of equal length (the headline's changes).
    pub previous: bool,
}

impl Needs {
    pub const NOTHING: Needs = Needs {
        portfolio: false,
        weekly: false,
        alerts: false,
        previous: false,
    };
    pub const PORTFOLIO: Needs = Needs {
        portfolio: true,
        ..Needs::NOTHING
    };
}

/// The table a view is filling: its rows, the runs behind its figures, and
/// the notes a reader needs.
pub struct Table {
    view: &'static View,
    rows: Vec<Vec<Cell>>,
    /// The runs behind the figures (or observations, for the backlog).
    pub n: i64,
    /// See [`PanelTable::facts`].
    pub facts: bool,
    pub notes: Vec<String>,
    /// See [`PanelTable::empty`]: set it with [`Table::empty_because`].
    empty: Option<String>,
    /// Moments a chart of the table marks on its x axis.
    pub marks: Vec<super::source::Mark>,
}

impl Table {
    /// A new row, its cells given by column name; nothing is added until
    /// [`Row::push`].
    pub fn row(&mut self) -> Row<'_> {
        Row {
            cells: vec![None; self.view.columns.len()],
            problem: None,
            table: self,
        }
    }

    /// The rows pushed so far.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Says why the table has no rows, as a note and in place of the
    /// page's "no data for this period".
    pub fn empty_because(&mut self, why: String) {
        self.notes.push(why.clone());
        self.empty = Some(why);
    }
}

/// One row being built: each cell is put under its column's name and
/// checked against the column's kind; [`Row::push`] checks that every
/// column has its cell.
#[must_use = "a row is added to its table by `push`"]
pub struct Row<'t> {
    table: &'t mut Table,
    cells: Vec<Option<Cell>>,
    /// The first thing wrong with the row, reported by `push`.
    problem: Option<String>,
}

impl Row<'_> {
    pub fn text(self, column: &str, value: &str) -> Self {
        self.cell(column, Cell::Text(Some(value.to_string())))
    }

    /// A text cell that may be empty.
    pub fn maybe_text(self, column: &str, value: Option<&str>) -> Self {
        self.cell(column, Cell::Text(value.map(str::to_string)))
    }

    pub fn count(self, column: &str, value: i64) -> Self {
        self.cell(column, Cell::Int(Some(value)))
    }

    /// A number cell (hours, minutes, a share, money, any other number).
    pub fn real(self, column: &str, value: Option<f64>) -> Self {
        self.cell(column, Cell::Real(value))
    }

    fn cell(mut self, column: &str, cell: Cell) -> Self {
        if self.problem.is_some() {
            return self;
        }
        let columns = self.table.view.columns;
        self.problem = match columns.iter().position(|c| c.name == column) {
            None => Some(format!("it has no column `{column}`")),
            Some(i) if self.cells[i].is_some() => {
                Some(format!("column `{column}` is given twice in one row"))
            }
            Some(i) if !fits(columns[i].kind, &cell) => Some(format!(
                "column `{column}` holds {:?} but was given {cell:?}",
                columns[i].kind
            )),
            Some(i) => {
                self.cells[i] = Some(cell);
                None
            }
        };
        self
    }

    /// Adds the row to its table, or fails naming the view and the column
    /// that is unknown, given twice, of the wrong kind, or missing.
    pub fn push(self) -> Result<(), ReportError> {
        let view = self.table.view;
        let missing = view
            .columns
            .iter()
            .zip(&self.cells)
            .find(|(_, cell)| cell.is_none())
            .map(|(c, _)| format!("column `{}` has no cell in a row", c.name));
        if let Some(problem) = self.problem.or(missing) {
            return Err(ReportError::Metrics(MetricsError::Shape(format!(
                "view `{}`: {problem}",
                view.name
            ))));
        }
        self.table
            .rows
            .push(self.cells.into_iter().flatten().collect());
        Ok(())
    }
}

/// The note of a view of automations when every workflow in view is done
/// by hand (no go-live): a page's workflow list offers those too.
pub(super) fn by_hand(cx: &Context<'_>, what: &str) -> Option<String> {
    let c = cx.catalogue();
    if c.is_empty() || c.iter().any(|e| e.workflow.automated_since.is_some()) {
        return None;
    }
    let ids: Vec<String> = c
        .iter()
        .map(|e| format!("`{}`", e.workflow.workflow_id))
        .collect();
    let (has, it) = if ids.len() == 1 {
        ("has", "it is")
    } else {
        ("have", "they are")
    };
    Some(format!(
        "{} {has} no go-live (automated_since) in the catalogue: {it} done by hand, so there \
         is {what}.",
        ids.join(", ")
    ))
}

/// Whether a cell of this shape belongs in a column of `kind`.
fn fits(kind: ColKind, cell: &Cell) -> bool {
    match kind {
        ColKind::Text => matches!(cell, Cell::Text(_)),
        ColKind::Count => matches!(cell, Cell::Int(_)),
        _ => matches!(cell, Cell::Real(_)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dashboard::source::col;
    use ColKind::*;

    fn nothing(_: &mut Context<'_>, _: &mut Table) -> Result<(), ReportError> {
        Ok(())
    }

    static TOY: View = View {
        name: "toy",
        columns: &[
            col("team", "Team", Text),
            col("runs", "Runs", Count),
            col("error_rate", "Error rate", Share),
        ],
        needs: Needs::NOTHING,
        segmenting: Segmenting::Whole,
        compute: nothing,
    };

    fn table() -> Table {
        Table {
            view: &TOY,
            rows: Vec::new(),
            n: 0,
            facts: false,
            notes: Vec::new(),
            empty: None,
            marks: Vec::new(),
        }
    }

    #[track_caller]
    fn refused(row: impl FnOnce(&mut Table) -> Result<(), ReportError>) -> String {
        let mut t = table();
        let err = row(&mut t).unwrap_err().to_string();
        assert!(t.is_empty(), "a refused row is not added");
        err
    }

    #[test]
    fn cells_go_under_their_columns_in_declared_order() {
        let mut t = table();
        t.row()
            .real("error_rate", Some(0.25))
            .text("team", "Finance")
            .count("runs", 12)
            .push()
            .unwrap();
        assert_eq!(
            t.rows,
            vec![vec![
                Cell::Text(Some("Finance".into())),
                Cell::Int(Some(12)),
                Cell::Real(Some(0.25)),
            ]]
        );
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_row_that_does_not_match_the_columns_names_the_view_and_column() {
        let missing = refused(|t| t.row().text("team", "x").count("runs", 1).push());
        assert!(missing.contains("view `toy`"), "{missing}");
        assert!(
            missing.contains("column `error_rate` has no cell"),
            "{missing}"
        );

        let unknown = refused(|t| t.row().text("teams", "x").push());
        assert!(
            unknown.contains("view `toy`: it has no column `teams`"),
            "{unknown}"
        );

        let kind = refused(|t| {
            t.row()
                .text("team", "x")
                .real("runs", Some(1.0))
                .real("error_rate", None)
                .push()
        });
        assert!(kind.contains("column `runs` holds Count"), "{kind}");

        let twice = refused(|t| {
            t.row()
                .text("team", "x")
                .text("team", "y")
                .count("runs", 1)
                .real("error_rate", None)
                .push()
        });
        assert!(twice.contains("column `team` is given twice"), "{twice}");
    }

    #[test]
    fn every_view_has_a_unique_name_and_unique_columns() {
        for (i, v) in ALL.iter().enumerate() {
            assert!(
                ALL[..i].iter().all(|w| w.name != v.name),
                "two views are called `{}`",
                v.name
            );
            for (j, c) in v.columns.iter().enumerate() {
                assert!(
                    v.columns[..j].iter().all(|d| d.name != c.name),
                    "view `{}` declares `{}` twice",
                    v.name,
                    c.name
                );
            }
            assert_eq!(View::named(v.name), Some(*v));
        }
    }
}
