//! Dashboards: the files, the computed panels against the reports they come
//! from and against hand-computed golden figures, and every export format
//! agreeing with the CSV.

use yardstick::dashboard::{self, spec, Cell, Filters};

use crate::{close, golden_store};

fn filters(from: &str, to: &str) -> Filters {
    Filters {
        from: Some(from.into()),
        to: Some(to.into()),
        ..Filters::default()
    }
}

fn board(name: &str) -> spec::Dashboard {
    spec::load(None)
        .unwrap()
        .into_iter()
        .find(|d| d.name == name)
        .unwrap()
}

/// The dashboard `name` over January 2026.
fn january(store: &yardstick::store::Store, name: &str) -> dashboard::Computed {
    dashboard::compute(
        store,
        &board(name),
        filters("2026-01-01", "2026-02-01"),
        None,
    )
    .unwrap()
}

/// The table of the panel `id`.
fn panel<'a>(c: &'a dashboard::Computed, id: &str) -> &'a dashboard::PanelTable {
    c.panels().find(|(p, _)| p.id == id).unwrap().1
}

fn f(t: &dashboard::PanelTable, row: usize, col: &str) -> Option<f64> {
    t.cell(row, col)
        .unwrap_or_else(|| panic!("no column {col}"))
        .as_f64()
}

fn s<'a>(t: &'a dashboard::PanelTable, row: usize, col: &str) -> &'a str {
    t.cell(row, col).and_then(Cell::as_text).unwrap_or("")
}

#[test]
fn every_dashboard_file_in_the_repository_loads_and_matches_the_built_in_copy() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("dashboards");
    let files = spec::load(Some(&dir)).unwrap();
    let built = spec::load(None).unwrap();
    let names: Vec<&str> = files.iter().map(|d| d.name.as_str()).collect();
    assert_eq!(names, ["finance", "leadership", "workflow"]);
    assert_eq!(files.len(), built.len());
    for d in &files {
        let b = built.iter().find(|b| b.name == d.name).unwrap();
        assert_eq!(d.panels.len(), b.panels.len());
    }
}

#[test]
fn a_user_adds_a_page_with_a_file_and_a_broken_file_is_named_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ops.toml"),
        "title = \"Ops\"\n[[panels]]\nid = \"kinds\"\ntitle = \"Errors\"\nquery = \"error_kinds\"\nchart = \"table\"\nfields = [\"error_kind\", \"runs\"]\n",
    )
    .unwrap();
    let d = spec::load(Some(dir.path())).unwrap();
    assert_eq!(d[0].name, "ops");
    let store = golden_store();
    let c = dashboard::compute(&store, &d[0], filters("2026-01-01", "2026-02-01"), None).unwrap();
    assert_eq!(c.tables.len(), 1);

    std::fs::write(
        dir.path().join("zz.toml"),
        "title = \"Broken\"\n[[panels]]\nid = \"a\"\ntitle = \"A\"\nview = \"weekly\"\nchart = \"bar\"\nx = \"week\"\nfields = [\"team\"]\n",
    )
    .unwrap();
    let e = spec::load(Some(dir.path())).unwrap_err();
    assert!(e.file.ends_with("zz.toml"), "{e}");
    assert_eq!(e.line, 8, "{e}");
    assert!(e.problem.contains("`team` is not a column"), "{e}");
}

#[test]
fn leadership_headline_is_the_portfolio_headline_and_hand_computed() {
    let store = golden_store();
    let c = january(&store, "leadership");
    let headline = panel(&c, "headline");
    let (_, p) =
        yardstick::report::portfolio(&store, Some("2026-01-01"), Some("2026-02-01"), None).unwrap();
    assert_eq!(headline.rows.len(), p.headline.len());
    for (i, h) in p.headline.iter().enumerate() {
        assert_eq!(s(headline, i, "unit"), h.unit);
        assert_eq!(f(headline, i, "value"), Some(h.value));
        assert_eq!(f(headline, i, "ci_low"), h.ci_low);
        assert_eq!(f(headline, i, "runs"), Some(h.runs as f64));
    }
    // By hand (see tests/it/portfolio.rs): 58 + 23 reclaimed minutes, 9 terminal runs.
    close(f(headline, 0, "value"), Some(81.0 / 60.0));
    assert_eq!(headline.n, 9);
    assert_eq!(s(headline, 1, "figure"), "Money reclaimed (EUR)");
}

/// Weekly charts mark each go-live in the weeks they show: at the Monday of
/// its week, named (numbered when there are many), drawn as a dashed line
/// with its text in the SVG.
#[test]
fn weekly_charts_mark_each_go_live() {
    let store = golden_store();
    let c = january(&store, "leadership");
    let weekly = panel(&c, "weekly-reclaimed");
    let weeks: Vec<&str> = (0..weekly.rows.len())
        .map(|r| s(weekly, r, "week"))
        .collect();
    assert_eq!(weeks[0], "2025-12-29", "{weeks:?}");
    // wf-a and wf-c went live on 1 January (the week of 29 December), wf-b
    // on 10 January (the week of 5 January); wf-d is not automated.
    let marks: Vec<(&str, &str)> = weekly
        .marks
        .iter()
        .map(|m| (m.x.as_str(), m.text.as_str()))
        .collect();
    assert_eq!(
        marks,
        [
            ("2025-12-29", "go-live: wf-a"),
            ("2025-12-29", "go-live: wf-c"),
            ("2026-01-05", "go-live: wf-b")
        ]
    );
    assert!(weekly
        .notes
        .iter()
        .any(|n| n == "Dashed lines: go-live (wf-a, week of 2025-12-29; wf-c, week of 2025-12-29; wf-b, week of 2026-01-05)."));
    let d = board("leadership");
    let p = d
        .panels
        .iter()
        .find(|p| p.id == "weekly-reclaimed")
        .unwrap();
    let chart = dashboard::export::chart_of(p, weekly, "c".into());
    assert_eq!(
        chart.marks,
        [
            (0, "go-live: wf-a".to_string()),
            (0, "go-live: wf-c".into()),
            (1, "go-live: wf-b".into())
        ]
    );
    let svg = dashboard::chart::svg(&chart, 600, 320).unwrap();
    // The text beside a dashed grey line (drawn as short segments) at its week.
    assert!(svg.contains("\ngo-live: wf-b\n"), "{svg}");
    let dashes = svg
        .lines()
        .filter(|l| l.starts_with("<polyline") && l.contains("stroke=\"#5B6876\""))
        .count();
    assert!(dashes > 20, "{dashes} dash segments: {svg}");

    // One workflow in view: "go-live" alone; a go-live outside the weeks shown: no mark.
    let mut f = filters("2026-01-01", "2026-02-01");
    f.workflow = Some("wf-b".into());
    let one = dashboard::compute(&store, &board("workflow"), f, None).unwrap();
    let w = panel(&one, "cycle-trend");
    assert_eq!(w.marks.len(), 1);
    assert_eq!(
        (w.marks[0].x.as_str(), w.marks[0].text.as_str()),
        ("2026-01-05", "go-live")
    );
    let feb = dashboard::compute(
        &store,
        &board("leadership"),
        filters("2026-02-02", "2026-03-02"),
        None,
    )
    .unwrap();
    assert!(panel(&feb, "weekly-reclaimed").marks.is_empty());
}

/// A period of more weeks than a trend holds (a page's default covers every
/// run, and imported event logs reach back years) still renders: the
/// weekly panel shows the period's last 400 weeks and says so, the other
/// panels the whole period. Before, the page failed with "more than 400
/// periods".
#[test]
fn a_period_longer_than_a_weekly_chart_shows_its_last_weeks() {
    let store = golden_store();
    let c = dashboard::compute(
        &store,
        &board("leadership"),
        filters("2010-01-04", "2026-02-01"),
        None,
    )
    .unwrap();
    let weekly = panel(&c, "weekly-reclaimed");
    // 2026-02-01 less 399 weeks is Sunday 2018-06-10: from its Monday,
    // 2018-06-04, to the week of 2026-01-26, 400 weeks.
    assert_eq!(weekly.rows.len(), 400);
    assert_eq!(s(weekly, 0, "week"), "2018-06-04");
    assert_eq!(s(weekly, 399, "week"), "2026-01-26");
    assert!(
        weekly.notes.iter().any(|n| n.starts_with(
            "The period has more weeks than a weekly chart holds (400): these are its last weeks, \
             from the week of 2018-06-04;"
        )),
        "{:?}",
        weekly.notes
    );
    // Every golden run is in January 2026, inside the weeks shown: the
    // weeks hold the January page's hours, and so does the headline of the
    // whole period.
    let hours = |t: &dashboard::PanelTable| -> f64 {
        (0..t.rows.len())
            .filter_map(|r| f(t, r, "reclaimed_hours"))
            .sum()
    };
    // By hand (see the headline test): 58 + 23 reclaimed minutes in the
    // period; the weeks are whole, so the last one (from 26 January) also
    // holds February's first day, as on the January page.
    close(f(panel(&c, "headline"), 0, "value"), Some(81.0 / 60.0));
    let jan = january(&store, "leadership");
    close(
        Some(hours(weekly)),
        Some(hours(panel(&jan, "weekly-reclaimed"))),
    );
    // A period within the limit has no such note.
    assert!(!panel(&jan, "weekly-reclaimed")
        .notes
        .iter()
        .any(|n| n.contains("more weeks than")));
}

/// The time zone is a page filter: bare dates are its midnights, weeks its
/// Mondays, the period is said in it, and the figures are those of the same
/// instants asked in UTC.
#[test]
fn the_time_zone_is_a_page_filter() {
    let store = golden_store();
    let mut ny = filters("2026-01-01", "2026-02-01");
    ny.tz = Some("America/New_York".into());
    let c = dashboard::compute(&store, &board("leadership"), ny, None).unwrap();
    let scope = c.scope.as_ref().unwrap();
    assert_eq!(
        (scope.period.from.to_string(), scope.period.to.to_string()),
        ("2026-01-01 05:00:00".into(), "2026-02-01 05:00:00".into())
    );
    assert_eq!(
        dashboard::export::period_text(scope),
        "2026-01-01 to 2026-02-01 (exclusive), America/New_York"
    );
    let weekly = panel(&c, "weekly-reclaimed");
    assert_eq!(s(weekly, 0, "week"), "2025-12-29");
    assert!(weekly
        .notes
        .iter()
        .any(|n| n.starts_with("ISO weeks starting Monday 00:00 America/New_York")));
    // The same instants in UTC give the same headline.
    let utc = dashboard::compute(
        &store,
        &board("leadership"),
        filters("2026-01-01T05:00:00Z", "2026-02-01T05:00:00Z"),
        Some("headline"),
    )
    .unwrap();
    assert_eq!(
        f(panel(&c, "headline"), 0, "value"),
        f(panel(&utc, "headline"), 0, "value")
    );
    // A calendar month of the zone has its previous month.
    assert_eq!(
        s(panel(&c, "headline"), 0, "calendar_against"),
        "the previous month"
    );
    let page = c.page(&[board("leadership")]);
    assert!(page.contains("name=\"tz\"") && page.contains("value=\"America/New_York\""));
    let mut bad = filters("2026-01-01", "2026-02-01");
    bad.tz = Some("Mars/Olympus".into());
    let e = dashboard::compute(&store, &board("leadership"), bad, None).unwrap_err();
    assert!(e.to_string().contains("Mars/Olympus"), "{e}");
}

#[test]
fn finance_rows_per_team_and_currency_by_hand() {
    let store = golden_store();
    let c = january(&store, "finance");
    let t = panel(&c, "by-team");
    // Sorted by money, largest first, missing last.
    let keys: Vec<(&str, &str)> = (0..t.rows.len())
        .map(|r| (s(t, r, "team"), s(t, r, "currency")))
        .collect();
    assert_eq!(
        keys,
        [
            ("Sales Ops", "EUR"),
            ("Finance", "USD"),
            ("Procurement", "EUR"),
            ("Strategy", "EUR")
        ]
    );
    close(f(t, 0, "reclaimed_hours"), Some(58.0 / 60.0));
    close(f(t, 0, "reclaimed_money"), Some(58.0));
    close(f(t, 1, "reclaimed_money"), Some(23.0 / 60.0 * 50.0));
    // Board pack has no baseline: nothing is claimed, and the method says why.
    assert_eq!(f(t, 3, "reclaimed_hours"), None);
    assert_eq!(f(t, 3, "with_baseline"), Some(0.0));
    assert!(s(t, 3, "method").contains("no workflow has a baseline"));
    assert!(s(t, 0, "method").contains("B: "), "{}", s(t, 0, "method"));
}

#[test]
fn a_team_filter_narrows_every_panel() {
    let store = golden_store();
    let d = board("leadership");
    let mut fl = filters("2026-01-01", "2026-02-01");
    fl.team = Some("Finance".into());
    let c = dashboard::compute(&store, &d, fl, None).unwrap();
    assert_eq!(c.scope.as_ref().unwrap().workflows, ["wf-b"]);
    let w = panel(&c, "by-workflow");
    assert_eq!(w.rows.len(), 1);
    let h = panel(&c, "headline");
    close(f(h, 0, "value"), Some(23.0 / 60.0));

    let mut bad = filters("2026-01-01", "2026-02-01");
    bad.team = Some("Nobody".into());
    let e = dashboard::compute(&store, &d, bad, None).unwrap_err();
    assert!(
        e.to_string().contains("no workflow has team `Nobody`"),
        "{e}"
    );
}

#[test]
fn before_after_pools_each_side_by_its_n() {
    let store = golden_store();
    let c = january(&store, "leadership");
    let t = panel(&c, "before-after");
    let req = yardstick::report::CompareRequest {
        from: Some("2026-01-01".into()),
        to: Some("2026-02-01".into()),
        ..Default::default()
    };
    let comps = yardstick::report::compare(&store, &req).unwrap();
    for (r, metric) in ["error_rate", "response_mean_min"].iter().enumerate() {
        assert_eq!(s(t, r, "metric"), *metric);
        let rows: Vec<_> = comps
            .iter()
            .filter(|c| c.automated_since.is_some())
            .filter_map(|c| c.rows.iter().find(|x| x.metric == *metric))
            .filter(|x| x.before.is_some() && x.after.is_some())
            .collect();
        let nb: usize = rows.iter().map(|x| x.before_n).sum();
        let na: usize = rows.iter().map(|x| x.after_n).sum();
        let b = rows
            .iter()
            .map(|x| x.before.unwrap() * x.before_n as f64)
            .sum::<f64>()
            / nb as f64;
        let a = rows
            .iter()
            .map(|x| x.after.unwrap() * x.after_n as f64)
            .sum::<f64>()
            / na as f64;
        close(f(t, r, "before"), Some(b));
        close(f(t, r, "after"), Some(a));
        assert_eq!(f(t, r, "after_n"), Some(na as f64));
    }
}

/// Stores each CSV text as its kind, every row accepted.
fn put_csv(store: &yardstick::store::Store, files: &[(yardstick::model::Kind, &str)]) {
    use yardstick::ingest::{Format, Options};
    for (kind, text) in files {
        let r = crate::ingest_text(store, *kind, Format::Csv, "t", text, Options::default());
        assert_eq!(r.unwrap().rejected, 0);
    }
}

/// The workflow page of `workflow` over March 2026, and its HTML.
fn march_page(store: &yardstick::store::Store, workflow: &str) -> (dashboard::Computed, String) {
    let d = board("workflow");
    let mut fl = filters("2026-03-01", "2026-04-01");
    fl.workflow = Some(workflow.into());
    let c = dashboard::compute(store, &d, fl, None).unwrap();
    let html = dashboard::page::dashboard(&c, std::slice::from_ref(&d));
    (c, html)
}

/// The HTML of the panel `id` on a page.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html.find(&format!("id=\"panel-{id}\"")).unwrap();
    &html[at..at + html[at..].find("</section>").unwrap()]
}

/// One workflow without SLAs, a time study that times the handling only
/// (no `had_error`, no response or cycle) and three March runs.
fn stopwatch_store() -> yardstick::store::Store {
    use yardstick::model::Kind;
    let store = yardstick::store::Store::open_in_memory().unwrap();
    put_csv(
        &store,
        &[
            (
                Kind::Workflows,
                "workflow_id,name,owner,category,automated_since,hourly_cost,currency\n\
             inv,Invoices,ann,invoicing,2026-03-01,45.50,EUR\n",
            ),
            (
                Kind::Baselines,
                "workflow_id,study,handle_minutes,observed_at\n\
             inv,s1,12,2026-01-10\ninv,s1,14.5,2026-01-11\n",
            ),
            (
                Kind::Runs,
                "source,run_id,workflow_id,started_at,finished_at,status,human_minutes\n\
             z,1,inv,2026-03-05T10:00:00Z,2026-03-05T10:02:00Z,succeeded,1\n\
             z,2,inv,2026-03-05T10:00:00Z,2026-03-05T10:01:00Z,succeeded,\n\
             z,3,inv,2026-03-06T11:00:00Z,2026-03-06T11:09:00Z,failed,\n",
            ),
        ],
    );
    store
}

/// The stopwatch study: the error rate has no before side, the human
/// minutes per item have both, so the panel shows them (n = the 3 terminal
/// runs behind them) instead of "no data".
#[test]
fn before_after_shows_the_metrics_a_handling_only_study_can_compare() {
    let store = stopwatch_store();
    let c = dashboard::compute(
        &store,
        &board("leadership"),
        filters("2026-03-01", "2026-04-01"),
        None,
    )
    .unwrap();
    let t = panel(&c, "before-after");
    assert_eq!(t.n, 3);
    assert_eq!(s(t, 0, "metric"), "error_rate");
    assert_eq!((f(t, 0, "before"), f(t, 0, "after_n")), (None, Some(0.0)));
    assert_eq!(s(t, 3, "metric"), "human_minutes_per_item");
    // By hand: B = (12 + 14.5) / 2 = 13.25 over 2 observations; after, the
    // terminal runs' human minutes 1, none (succeeded: 0), none (failed:
    // fully manual, B) = (1 + 0 + 13.25) / 3 = 4.75.
    close(f(t, 3, "before"), Some(13.25));
    close(f(t, 3, "after"), Some(4.75));
    assert_eq!(
        (f(t, 3, "before_n"), f(t, 3, "after_n")),
        (Some(2.0), Some(3.0))
    );
    // Each empty row says why; its KPI tile shows it.
    let why: Vec<&str> = (0..4).map(|r| s(t, r, "missing")).collect();
    let no_error = "no before side: the time study records no `had_error`, and no runs \
                    before go-live have it";
    assert_eq!(
        why,
        [
            no_error,
            "no run since go-live in the period has it",
            "no before side: the time study records no `cycle_minutes`, and no runs before \
             go-live have it",
            ""
        ]
    );
    let (p, _) = c.panels().find(|(p, _)| p.id == "before-after").unwrap();
    let tiles = dashboard::export::kpi_tiles(p, t);
    assert_eq!(
        tiles[0].detail,
        format!("before → after · n = 0 · {no_error}")
    );
    assert_eq!(tiles[3].detail, "before → after · n = 3");
}

/// A workflow without a time study still shows its owner and terms: the
/// catalogue's rows stand with n = 0 observations behind them.
#[test]
fn the_owner_panel_shows_a_workflow_without_a_time_study() {
    let store = stopwatch_store();
    let wf = "workflow_id,name,owner,category,automated_since\n\
              pack,Board pack,Olu,reporting,2026-03-01\n";
    put_csv(&store, &[(yardstick::model::Kind::Workflows, wf)]);
    let (c, html) = march_page(&store, "pack");
    let t = panel(&c, "owner");
    assert_eq!(
        (t.n, s(t, 0, "owner"), s(t, 0, "name")),
        (0, "Olu", "Board pack")
    );
    let owner = section(&html, "owner");
    assert!(
        owner.contains("<td data-label=\"Owner\">Olu</td>") && !owner.contains("No data"),
        "{owner}"
    );
}

/// The workflow page's list offers every workflow, those done by hand too:
/// choosing one gives its page (its catalogue row, its runs), the
/// counterfactual panel saying why it has none, not an error page.
#[test]
fn the_workflow_page_of_a_workflow_done_by_hand_computes() {
    use yardstick::model::Kind;
    let store = stopwatch_store();
    put_csv(
        &store,
        &[
            (
                Kind::Workflows,
                "workflow_id,name,owner,category\nvendors,Vendor onboarding,Ines,intake\n",
            ),
            (
                Kind::Runs,
                "source,run_id,workflow_id,started_at,finished_at,status\n\
             m,1,vendors,2026-03-05T10:00:00Z,2026-03-05T12:00:00Z,succeeded\n",
            ),
        ],
    );
    let (c, _) = march_page(&store, "vendors");
    assert_eq!(s(panel(&c, "owner"), 0, "owner"), "Ines");
    let impact = panel(&c, "impact");
    assert!(impact.rows.is_empty());
    assert_eq!(
        impact.notes,
        [
            "`vendors` has no go-live (automated_since) in the catalogue: it is done by hand, so \
          there is no automation whose effect to draw."
        ]
    );
    let compare = panel(&c, "before-after");
    assert!(compare.rows.is_empty());
    assert_eq!(
        compare.notes,
        [
            "`vendors` has no go-live (automated_since) in the catalogue: it is done by hand, so \
          there is no before and after to compare."
        ]
    );
}

/// A chart with runs behind it but no value to draw (no SLA declared) says
/// which figures are empty, linked to their definitions, not "no data".
#[test]
fn a_chart_with_nothing_to_draw_names_its_empty_figures() {
    let store = stopwatch_store();
    let (c, html) = march_page(&store, "inv");
    // The before side in words (it printed the enum's name, `Study`).
    let notes = &panel(&c, "before-after").notes;
    assert!(
        notes[0].starts_with("Before = the time study; after = runs since go-live"),
        "{notes:?}"
    );
    let sla = section(&html, "sla");
    assert!(
        sla.contains(
            "No value of “<a href=\"/definitions#sla_response_compliance\">Response SLA met</a>” \
             or “<a href=\"/definitions#sla_cycle_compliance\">Cycle SLA met</a>” in this \
             period, though n = 3:"
        ),
        "{sla}"
    );
    assert!(!sla.contains("<svg"), "{sla}");
    // The cycle times have values: drawn.
    let cycle = section(&html, "cycle-trend");
    assert!(
        cycle.contains("<svg") && !cycle.contains("No value of"),
        "{cycle}"
    );
}

/// An empty panel whose view knows why says that, not "no data for this
/// period" with advice to widen it: the backlog ranks manual workflows by
/// their time studies, whatever the period, and quality needs declared
/// outcome measures.
#[test]
fn an_empty_panel_says_why_when_its_view_knows() {
    let store = stopwatch_store();
    let d = board("leadership");
    let c = dashboard::compute(&store, &d, filters("2026-03-01", "2026-04-01"), None).unwrap();
    let html = dashboard::page::dashboard(&c, std::slice::from_ref(&d));
    let backlog = panel(&c, "backlog");
    assert!(backlog.rows.is_empty());
    assert_eq!(
        backlog.empty.as_deref(),
        Some(
            "Nothing to rank: no workflow done by hand (without a go-live, `automated_since`) \
             has time-study observations (`yardstick ingest baselines`)."
        )
    );
    let shown = section(&html, "backlog");
    assert!(
        shown.contains(
            "<p class=\"empty\">Nothing to rank: no workflow done by hand (without a go-live, \
             <code>automated_since</code>) has time-study observations"
        ) && !shown.contains("No data for this period"),
        "{shown}"
    );
    // Said once, in place of the chart, not again among the notes.
    assert_eq!(shown.matches("Nothing to rank").count(), 1, "{shown}");
    let quality = section(&html, "quality");
    assert!(
        quality.contains("<p class=\"empty\">No workflow in view declares outcome measures")
            && !quality.contains("No data for this period"),
        "{quality}"
    );
    // No check flagged is said as such, with how many were made: the one
    // workflow's four (error and escalation rate, cycle and response time).
    assert_eq!(
        panel(&c, "regressions").empty.as_deref(),
        Some("No regression: none of the 4 checks in view is flagged.")
    );
    // A panel empty for want of runs keeps the general advice.
    let c = dashboard::compute(&store, &d, filters("2025-03-01", "2025-04-01"), None).unwrap();
    let html = dashboard::page::dashboard(&c, std::slice::from_ref(&d));
    assert!(section(&html, "by-workflow").contains("No data for this period"));
}

#[test]
fn tables_sort_by_the_asked_column_and_reject_unknown_ones() {
    let store = golden_store();
    let d = board("leadership");
    let mut fl = filters("2026-01-01", "2026-02-01");
    fl.sort = Some("by-workflow:runs".into());
    fl.order = Some("asc".into());
    let c = dashboard::compute(&store, &d, fl.clone(), None).unwrap();
    let t = panel(&c, "by-workflow");
    let runs: Vec<f64> = (0..t.rows.len())
        .map(|r| f(t, r, "runs").unwrap())
        .collect();
    assert!(runs.windows(2).all(|w| w[0] <= w[1]), "{runs:?}");
    fl.sort = Some("by-workflow:colour".into());
    assert!(dashboard::compute(&store, &d, fl, None).is_err());
}

#[test]
fn workflow_dashboard_defaults_to_one_automated_workflow() {
    let store = golden_store();
    let c = january(&store, "workflow");
    assert_eq!(c.scope.as_ref().unwrap().workflows, ["wf-a"]);
    let kinds = panel(&c, "error-kinds");
    // By hand: wf-a's January has a4 failed (api_timeout), a3 escalated
    // (low_confidence) and a5 failed (validation_error); ties sort by name.
    type Kind<'a> = (&'a str, Option<f64>, Option<f64>, Option<f64>);
    let got: Vec<Kind> = (0..kinds.rows.len())
        .map(|r| {
            (
                s(kinds, r, "error_kind"),
                f(kinds, r, "failed"),
                f(kinds, r, "escalated"),
                f(kinds, r, "share"),
            )
        })
        .collect();
    let third = Some(1.0 / 3.0);
    assert_eq!(
        got,
        [
            ("api_timeout", Some(1.0), Some(0.0), third),
            ("low_confidence", Some(0.0), Some(1.0), third),
            ("validation_error", Some(1.0), Some(0.0), third),
        ]
    );
    let owner = panel(&c, "owner");
    assert_eq!(s(owner, 0, "owner"), "Ana Lopez");
}

#[test]
fn csv_json_and_xlsx_hold_the_same_numbers() {
    let store = golden_store();
    for d in spec::load(None).unwrap() {
        let c = dashboard::compute(&store, &d, filters("2026-01-01", "2026-02-01"), None).unwrap();
        exports_agree(&c);
    }
}

/// Every panel of `c` holds the same header, numbers and texts in its CSV,
/// its JSON and its sheet of the workbook, and the workbook has the Method sheet.
fn exports_agree(c: &dashboard::Computed) {
    use calamine::{Data, Reader, Xlsx};
    let d = &c.dashboard;
    {
        let bytes = dashboard::export::xlsx(c).unwrap();
        let mut wb: Xlsx<_> = Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
        let names = wb.sheet_names().to_vec();
        assert_eq!(names.len(), d.panels.len() + 1, "{names:?}");
        assert_eq!(names.last().unwrap(), "Method");
        let method = wb.worksheet_range("Method").unwrap();
        let method_text: Vec<String> = method
            .rows()
            .flat_map(|r| r.iter().map(|c| c.to_string()))
            .collect();
        for needle in [
            "Period",
            "Error rate",
            "Reclaimed hours",
            "Baselines and assumptions per workflow",
        ] {
            assert!(
                method_text.iter().any(|t| t.contains(needle)),
                "{} lacks {needle}",
                d.name
            );
        }
        for ((panel, t), sheet) in c.panels().zip(&names) {
            let csv = dashboard::export::csv(t).unwrap();
            let mut rd = csv::Reader::from_reader(&csv[..]);
            let header: Vec<String> = rd.headers().unwrap().iter().map(String::from).collect();
            let range = wb.worksheet_range(sheet).unwrap();
            let rows: Vec<&[Data]> = range.rows().collect();
            let xl_header: Vec<String> = rows[0].iter().map(|c| c.to_string()).collect();
            assert_eq!(header, xl_header, "{}/{}", d.name, panel.id);
            let json = dashboard::export::json(c, panel, t);
            let json_rows = json["rows"].as_array().unwrap();
            let mut n = 0;
            for (i, rec) in rd.records().enumerate() {
                let rec = rec.unwrap();
                for (j, v) in rec.iter().enumerate() {
                    let cell = rows[i + 1].get(j).cloned().unwrap_or(Data::Empty);
                    let jv = &json_rows[i][&header[j]];
                    match cell {
                        Data::Float(x) => {
                            let from_csv: f64 = v.parse().unwrap();
                            assert_eq!(
                                x, from_csv,
                                "{}/{} row {i} {}",
                                d.name, panel.id, header[j]
                            );
                            assert_eq!(jv.as_f64(), Some(x));
                            n += 1;
                        }
                        Data::Int(x) => assert_eq!(x.to_string(), v),
                        Data::String(ref s) => {
                            assert_eq!(s, v);
                            assert_eq!(jv.as_str(), Some(v));
                        }
                        Data::Empty => {
                            assert_eq!(v, "", "{}/{} row {i} {}", d.name, panel.id, header[j]);
                            assert!(jv.is_null());
                        }
                        other => panic!("unexpected cell {other:?}"),
                    }
                }
            }
            if !t.rows.is_empty() && t.columns.iter().any(|c| c.kind.is_number()) {
                assert!(n > 0, "{}/{} has numbers, none compared", d.name, panel.id);
            }
        }
    }
}

#[test]
fn an_empty_store_and_an_empty_period_render_an_empty_state() {
    let store = yardstick::store::Store::open_in_memory().unwrap();
    let all = spec::load(None).unwrap();
    for d in &all {
        let c = dashboard::compute(&store, d, Filters::default(), None).unwrap();
        assert!(c.scope.is_none());
        let html = dashboard::page::dashboard(&c, &all);
        assert!(html.contains("class=\"empty\"") && html.contains("No runs are stored yet"));
    }
    let golden = golden_store();
    for d in &all {
        let c = dashboard::compute(&golden, d, filters("2030-01-01", "2030-02-01"), None).unwrap();
        let html = dashboard::page::dashboard(&c, &all);
        assert!(html.contains("No runs in this period"), "{}", d.name);
        assert!(!html.contains("NaN"), "{}", d.name);
    }
}

#[test]
fn the_cache_serves_until_an_ingest_commits() {
    use yardstick::model::Kind;
    let store = golden_store();
    let d = board("leadership");
    use yardstick::engine::Partials;
    use yardstick::store::Incremental;
    let engine = Incremental::new(store.clone(), std::sync::Arc::new(Partials::new()));
    let cache = dashboard::cache::Cache::new(&engine);
    let fl = filters("2026-01-01", "2026-03-01");
    let a = cache.compute(&d, fl.clone(), None).unwrap();
    let b = cache.compute(&d, fl.clone(), None).unwrap();
    assert!(
        std::sync::Arc::ptr_eq(&a.value, &b.value),
        "the second request is served from the cache"
    );
    assert!(!a.stale() && !b.stale());
    assert_eq!(cache.computations(), 1);
    // A single panel comes out of the cached page, with the same numbers.
    let one = cache.compute(&d, fl.clone(), Some("headline")).unwrap();
    assert_eq!(one.value.tables.len(), 1);
    assert_eq!(one.value.tables[0].1, a.value.tables[0].1);
    // ... once: the narrowed panel is kept, so polling it copies nothing.
    let again = cache.compute(&d, fl.clone(), Some("headline")).unwrap();
    assert!(std::sync::Arc::ptr_eq(&one.value, &again.value));

    crate::ingest_file(&store, Kind::Runs, "golden/runs_batch2.ndjson");
    // The first visitor after the ingest gets the kept panel at once, marked
    // stale, with the runs it does not include counted.
    let stale = cache.compute(&d, fl.clone(), Some("headline")).unwrap();
    assert!(std::sync::Arc::ptr_eq(&one.value, &stale.value));
    assert!(stale.stale());
    assert_eq!(stale.runs_pending, 1, "batch 2 stores one run version");
    // A request that must be current waits for the one refresh.
    let panel = cache
        .compute_at(&d, fl.clone(), Some("headline"), true)
        .unwrap();
    assert!(!panel.stale());
    assert!(
        !std::sync::Arc::ptr_eq(&one.value, &panel.value),
        "an ingest invalidates a kept panel too"
    );
    let c = cache.compute_at(&d, fl.clone(), None, true).unwrap();
    assert_eq!(panel.value.tables[0].1, c.value.tables[0].1);
    assert!(
        !std::sync::Arc::ptr_eq(&a.value, &c.value),
        "an ingest invalidates the cache"
    );
    let (a, c) = (a.value, c.value);
    let fresh = dashboard::compute(&store, &d, fl, None).unwrap();
    assert_eq!(c.tables, fresh.tables);
    assert_ne!(
        a.tables, c.tables,
        "batch 2 corrects run b4, which moves the figures"
    );
    // The rendered page is kept with its computation: rendered once, the
    // same as rendering afresh, and never the page of an earlier generation
    // or of the whole page for a narrowed panel.
    let all = spec::load(None).unwrap();
    let page = c.page(&all);
    assert!(std::sync::Arc::ptr_eq(&page, &c.page(&all)));
    assert_eq!(*page, dashboard::page::dashboard(&fresh, &all));
    assert_ne!(*page, *a.page(&all));
    let narrowed = c.only("headline").unwrap();
    assert_ne!(*narrowed.page(&all), *page);
    assert_eq!(
        *narrowed.page(&all),
        dashboard::page::dashboard(&narrowed, &all)
    );
}

#[test]
fn every_dashboard_renders_every_panel_on_the_demo_company() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let all = spec::load(None).unwrap();
    for d in &all {
        let c = dashboard::compute(&store, d, Filters::default(), None).unwrap();
        assert!(c.runs > 0);
        let html = dashboard::page::dashboard(&c, &all);
        assert!(!html.contains("NaN") && !html.contains("inf"), "{}", d.name);
        for (panel, t) in c.panels() {
            assert!(
                html.contains(&format!("id=\"panel-{}\"", panel.id)),
                "{}/{}",
                d.name,
                panel.id
            );
            // The demo's last complete week has no new regression (June's
            // is in its trailing weeks by then): the panel says so.
            if panel.id == "regressions" && t.rows.is_empty() {
                assert!(
                    t.notes.iter().any(|n| n.ends_with("0 flagged in view.")),
                    "{:?}",
                    t.notes
                );
                // In place of "no data": what was checked.
                let why = t.empty.as_deref().unwrap_or_default();
                // As many checks as the note counts.
                let checks = t
                    .notes
                    .iter()
                    .find_map(|n| n.strip_suffix(" checks, 0 flagged in view."))
                    .and_then(|n| n.rsplit(' ').next())
                    .unwrap();
                let said = format!("No regression: none of the {checks} checks in view is flagged");
                assert!(
                    why.starts_with(&said)
                        && (why == format!("{said}.")
                            || why.ends_with(" of them had too little data to tell)."))
                        && section(&html, "regressions").contains(why)
                        && !section(&html, "regressions").contains("No data for this period"),
                    "{why}"
                );
                continue;
            }
            assert!(
                !t.rows.is_empty(),
                "{}/{} is empty on the demo",
                d.name,
                panel.id
            );
            let scope = c.scope.as_ref().unwrap();
            let chart =
                dashboard::export::chart_of(panel, t, dashboard::export::caption(scope, t.n));
            let (w, h) = dashboard::export::chart_size(&chart);
            let svg = dashboard::chart::svg(&chart, w, h).unwrap();
            let doc = roxmltree::Document::parse(&svg).unwrap();
            let texts: String = doc
                .descendants()
                .filter_map(|n| n.text())
                .collect::<Vec<_>>()
                .join(" ");
            assert!(texts.contains(&panel.title), "{}/{}", d.name, panel.id);
            assert!(
                !texts.contains("No data for this period"),
                "{}/{}",
                d.name,
                panel.id
            );
            // A series with no value to draw is left out of the legend.
            let drawn: Vec<_> = chart
                .series
                .iter()
                .filter(|s| s.values.iter().any(|v| v.is_some_and(f64::is_finite)))
                .collect();
            for s in &drawn {
                if drawn.len() > 1 || panel.chart == dashboard::chart::ChartKind::StackedBar {
                    assert!(
                        texts.contains(&s.name),
                        "{}/{} legend lacks {}",
                        d.name,
                        panel.id,
                        s.name
                    );
                }
            }
            let png = dashboard::chart::png(&chart, w, h).unwrap();
            let dec = png::Decoder::new(std::io::Cursor::new(png))
                .read_info()
                .unwrap();
            assert_eq!((dec.info().width, dec.info().height), (w, h));
        }
    }
}

/// An engine that counts the catalogue reads it is asked for, passing every
/// call on to the store.
struct Counting {
    store: yardstick::store::Store,
    catalogue_reads: std::sync::atomic::AtomicUsize,
}

impl Counting {
    fn store(&self) -> &yardstick::store::Store {
        &self.store
    }
}

mod counting {
    use chrono::NaiveDateTime;
    use std::sync::atomic::Ordering;
    use yardstick::engine::{Engine, Result};
    use yardstick::model::CatalogueEntry;

    impl Engine for super::Counting {
        fn catalogue(&self, as_of: Option<NaiveDateTime>) -> Result<Vec<CatalogueEntry>> {
            self.catalogue_reads.fetch_add(1, Ordering::SeqCst);
            Engine::catalogue(&self.store, as_of)
        }
        yardstick::engine::delegate!(super::Counting::store =>
            run_span, metric_frames, segment_frames, compare_evidence, segment_evidence,
            outcome_values, workflows, steps_frame, backlog_frames, period_query,
            segmented_period_query, parts,
            reporting_money, waterfall_frame, provenance_frame,
        );
    }
}

#[test]
fn a_page_reads_the_catalogue_once() {
    use std::sync::atomic::Ordering;
    let dir = tempfile::tempdir().unwrap();
    let engine = Counting {
        store: yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap(),
        catalogue_reads: Default::default(),
    };
    for d in &spec::load(None).unwrap() {
        let team = Filters {
            team: Some("Finance".into()),
            ..Filters::default()
        };
        for f in [Filters::default(), team] {
            engine.catalogue_reads.store(0, Ordering::SeqCst);
            let c = dashboard::compute_in(&engine, d, f.clone(), None).unwrap();
            assert!(!c.tables.is_empty(), "{} {f:?}", d.name);
            assert_eq!(
                engine.catalogue_reads.load(Ordering::SeqCst),
                1,
                "{} {f:?}",
                d.name
            );
        }
    }
}

#[test]
fn the_demo_pages_show_the_regressing_version() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let one = Filters {
        workflow: Some("invoice-matching".into()),
        ..Filters::default()
    };
    let c = dashboard::compute(&store, &board("workflow"), one, None).unwrap();
    let t = panel(&c, "versions");
    let versions: Vec<&str> = (0..t.rows.len()).map(|r| s(t, r, "version")).collect();
    assert_eq!(versions, ["13", "14", "(none)"]);
    assert_eq!(
        (s(t, 1, "previous"), s(t, 1, "first_run")),
        ("13", "2026-06-15")
    );
    assert_eq!(s(t, 1, "error_rate_verdict"), "more errors, clearly");
    assert_eq!(s(t, 1, "cycle_time_p50_verdict"), "slower, clearly");
    assert!(f(t, 1, "error_rate").unwrap() > f(t, 0, "error_rate").unwrap());
    // The weekly chart marks the week version 14 was first run.
    let weekly = panel(&c, "cycle-trend");
    assert!(
        weekly
            .marks
            .iter()
            .any(|m| m.x == "2026-06-15" && m.text == "version 14"),
        "{:?}",
        weekly.marks
    );
    // The leadership page's regressions: version 14, still new on the
    // default period's end, is flagged worse than 13.
    let lead = dashboard::compute(&store, &board("leadership"), Filters::default(), None).unwrap();
    let r = panel(&lead, "regressions");
    let flagged: Vec<(&str, &str)> = (0..r.rows.len())
        .map(|i| (s(r, i, "metric"), s(r, i, "version")))
        .collect();
    assert!(
        flagged.contains(&("error_rate", "14 (after 13)")),
        "{flagged:?}"
    );
}

/// The demo's pages show quality beside speed and the figures by customer
/// tier: support-triage is faster but reopens more (the quality panel), its
/// silver tier is where the reopens grew (the by-segment panel), and every
/// export of a segmented, filtered page carries the same segment columns.
#[test]
fn the_demo_pages_show_quality_and_segments() {
    let dir = tempfile::tempdir().unwrap();
    let store = yardstick::cli::load_demo(&dir.path().join("demo.duckdb")).unwrap();
    let lead = dashboard::compute(&store, &board("leadership"), Filters::default(), None).unwrap();
    let q = panel(&lead, "quality");
    let rows: Vec<(&str, &str, &str, &str)> = (0..q.rows.len())
        .map(|r| {
            (
                s(q, r, "workflow_id"),
                s(q, r, "outcome"),
                s(q, r, "speed_verdict"),
                s(q, r, "verdict"),
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            (
                "support-triage",
                "csat",
                "faster, clearly",
                "no clear change"
            ),
            (
                "support-triage",
                "reopened",
                "faster, clearly",
                "worse, clearly"
            ),
        ]
    );
    let by = panel(&lead, "by-segment");
    let tiers: std::collections::BTreeSet<&str> =
        (0..by.rows.len()).map(|r| s(by, r, "segment")).collect();
    assert_eq!(
        tiers.into_iter().collect::<Vec<_>>(),
        ["(missing)", "bronze", "gold", "silver"]
    );
    // The runs of the tiers are the runs of the workflows.
    let total: f64 = (0..by.rows.len()).map(|r| f(by, r, "runs").unwrap()).sum();
    let whole = panel(&lead, "by-workflow");
    let runs: f64 = (0..whole.rows.len())
        .map(|r| f(whole, r, "runs").unwrap())
        .sum();
    assert_eq!(total, runs);
    let one = Filters {
        workflow: Some("support-triage".into()),
        ..Filters::default()
    };
    let w = dashboard::compute(&store, &board("workflow"), one, None).unwrap();
    let t = panel(&w, "by-segment");
    let silver = (0..t.rows.len())
        .find(|&r| s(t, r, "segment") == "silver")
        .unwrap();
    let quality = s(t, silver, "quality");
    assert!(
        quality.starts_with("csat ")
            && quality.contains("reopened")
            && quality.ends_with("worse, clearly"),
        "{quality}"
    );
    // The every-metric table carries the outcomes after the time metrics.
    let c = panel(&w, "before-after");
    let metrics: Vec<&str> = (0..c.rows.len()).map(|r| s(c, r, "metric")).collect();
    assert_eq!(metrics[metrics.len() - 2..], ["csat_mean", "reopened_rate"]);
    // The time rows are against the study; the demo's study recorded no
    // outcomes, and the table says the outcome rows are against the runs.
    assert!(
        c.notes.iter().any(|n| n
            == "Outcome rows, before = csat_mean: runs before go-live; \
                reopened_rate: runs before go-live."),
        "{:?}",
        c.notes
    );
    // A page by region, only gold: its by-segment rows are regions, its
    // exports agree, and the panels that read whole workflows say so.
    let gold = Filters {
        by: Some("attributes.region".into()),
        segment: Some("attributes.tier=gold".into()),
        ..Filters::default()
    };
    let g = dashboard::compute(&store, &board("leadership"), gold, None).unwrap();
    let by = panel(&g, "by-segment");
    assert!((0..by.rows.len()).any(|r| s(by, r, "segment") == "EU"));
    assert!(panel(&g, "regressions")
        .notes
        .iter()
        .any(|n| n.contains("Not narrowed to the segment (attributes.tier = gold)")));
    assert!(!panel(&g, "by-workflow")
        .notes
        .iter()
        .any(|n| n.contains("Not narrowed")));
    assert!(panel(&g, "by-workflow")
        .notes
        .iter()
        .any(|n| n == "Only the runs of the segment (attributes.tier = gold)."));
    exports_agree(&g);
}

/// The previous period is unknown when it ends before the first run *in
/// view*: wf-b (the Finance team's one workflow) first ran on 5 January at
/// 09:00, so the week from 5 January has no change against the 7 days before
/// it on the Finance page, while the whole company's page, with runs stored
/// from 31 December, has one.
#[test]
fn headline_change_is_unknown_before_the_first_run_in_view() {
    let store = golden_store();
    let d = board("leadership");
    let mut fl = filters("2026-01-05", "2026-01-12");
    let verdicts = |fl: &Filters| {
        let c = dashboard::compute(&store, &d, fl.clone(), None).unwrap();
        let t = panel(&c, "headline");
        assert!(!t.rows.is_empty());
        (0..t.rows.len())
            .map(|r| s(t, r, "change_verdict").to_string())
            .collect::<Vec<_>>()
    };
    assert!(
        verdicts(&fl)
            .iter()
            .all(|v| !v.starts_with("not measurable")),
        "{:?}",
        verdicts(&fl)
    );
    fl.team = Some("Finance".into());
    let why = "not measurable: the previous period ends before the first stored run \
               (2026-01-05T09:00:00Z)";
    assert!(
        verdicts(&fl).iter().all(|v| v == why),
        "{:?}",
        verdicts(&fl)
    );
}
