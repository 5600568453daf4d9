//! The real-browser test of the dashboards: `yardstick demo` as a child
//! process, Debian's chromium driven through chromedriver (W3C WebDriver over
//! plain HTTP), every dashboard opened, its KPIs checked against the panels'
//! own JSON, every download fetched by the browser, and a screenshot taken at
//! desktop and phone width under `target/screenshots/`.
//!
//! Needs `chromium` and `chromium-driver` (`apt-get install chromium
//! chromium-driver`); without them the test fails unless
//! `YARDSTICK_SKIP_BROWSER=1` is set.
//!
//! A broken page contract is collected as a finding and the test goes on, so
//! one run lists every problem; it fails at the end if there is any.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

const CHROMIUM: &str = "/usr/bin/chromium";
const INSTALL: &str = "apt-get install chromium chromium-driver";
const DESKTOP_WIDTH: u32 = 1280;
const PHONE_WIDTH: u32 = 390;
const WINDOW_HEIGHT: u32 = 900;
const REQUIRED: [&str; 3] = ["leadership", "workflow", "finance"];

/// Records a finding unless the condition holds.
macro_rules! check {
    ($found:expr, $cond:expr, $($msg:tt)+) => {
        if !$cond {
            $found.fail(format!($($msg)+));
        }
    };
}

#[test]
fn every_dashboard_works_in_a_real_browser() {
    helpers_work();
    let Some(chromedriver) = browser_tools() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let (server, base) = start_demo(work.path());
    let (driver_proc, driver_url) = start_chromedriver(&chromedriver);
    let profile = tempfile::tempdir().unwrap();
    let wd = Browser::start(&driver_url, profile.path());
    let shots = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    let (names, summary, found) = check_site(&wd, &base, &shots);

    eprintln!("== real-browser test summary");
    eprintln!("dashboards: {}", names.join(", "));
    eprintln!("KPIs checked against their panel JSON: {}", summary.kpis);
    eprintln!(
        "headline KPIs checked against /api/v1/portfolio: {}",
        summary.headlines
    );
    eprintln!("downloads fetched by the browser: {}", summary.downloads);
    eprintln!("screenshots:");
    for s in &summary.screenshots {
        eprintln!("  {}", s.display());
    }
    drop(wd);
    drop(driver_proc);
    drop(server);
    assert!(
        found.0.is_empty(),
        "{} findings in the real browser:\n- {}",
        found.0.len(),
        found.0.join("\n- ")
    );
}

/// Opens the overview, every dashboard it links (and the three every install
/// has), and an empty period; returns the dashboards, the counts and the findings.
fn check_site(wd: &Browser, base: &str, shots: &Path) -> (Vec<String>, Summary, Findings) {
    let http = agent();
    let mut found = Findings::default();
    let mut summary = Summary::default();

    // The overview lists the dashboards.
    wd.open(&format!("{base}/"));
    wd.no_severe("/", &mut found);
    let links = wd.exec(
        "return Array.from(document.querySelectorAll('a.dashboard-link'))
                    .map(a => new URL(a.href).pathname);",
    );
    let mut names: Vec<String> = Vec::new();
    for path in links.as_array().unwrap().iter().filter_map(Value::as_str) {
        match path
            .strip_prefix("/dashboards/")
            .filter(|n| !n.is_empty() && !n.contains('/'))
        {
            Some(name) if !names.iter().any(|n| n == name) => names.push(name.to_string()),
            Some(_) => {}
            None => found.fail(format!(
                "/: a.dashboard-link points at {path}, not /dashboards/{{name}}"
            )),
        }
    }
    let linked = names.clone();
    for needed in REQUIRED {
        if !linked.iter().any(|n| n == needed) {
            found.fail(format!(
                "/: no a.dashboard-link to /dashboards/{needed} (it links {linked:?}); checking it anyway"
            ));
            names.push(needed.to_string());
        }
    }

    for name in &names {
        check_dashboard(wd, &http, base, name, shots, &mut summary, &mut found);
    }

    // A period without data shows the empty state, without errors.
    let empty = format!("{base}/dashboards/leadership?from=2030-01-01&to=2030-02-01");
    wd.set_width(DESKTOP_WIDTH);
    wd.open(&empty);
    wd.no_severe(&empty, &mut found);
    let shown = wd.exec(
        "const e = document.querySelector('.empty');
         return e !== null && e.getClientRects().length > 0;",
    );
    check!(
        found,
        shown == true,
        "{empty}: no visible element with class `empty`"
    );
    summary
        .screenshots
        .push(wd.screenshot(DESKTOP_WIDTH, &shots.join("leadership-empty-desktop.png")));
    wd.no_severe(&empty, &mut found);

    (names, summary, found)
}

#[derive(Default)]
struct Summary {
    kpis: usize,
    headlines: usize,
    downloads: usize,
    screenshots: Vec<PathBuf>,
}

/// What broke the page contract, in the order it was seen.
#[derive(Default)]
struct Findings(Vec<String>);

impl Findings {
    fn fail(&mut self, finding: String) {
        eprintln!("FINDING: {finding}");
        self.0.push(finding);
    }
}

/// One `.kpi-value` as the page has it.
struct Kpi<'a> {
    html: &'a str,
    panel: &'a str,
    field: &'a str,
    row: usize,
    value: Option<f64>,
}

/// Reads a `.kpi-value`'s attributes, or says what is wrong with them.
fn kpi_of(k: &Value) -> Result<Kpi<'_>, String> {
    let html = k["html"].as_str().unwrap_or_default();
    let attr = |a: &str| {
        k[a].as_str()
            .ok_or_else(|| format!(".kpi-value lacks data-{a}: {html}"))
    };
    let row = attr("row")?;
    let value = attr("value")?;
    Ok(Kpi {
        html,
        panel: attr("panel")?,
        field: attr("field")?,
        row: row
            .parse()
            .map_err(|_| format!("data-row {row:?} is not a row index: {html}"))?,
        value: if value.is_empty() {
            None
        } else {
            Some(
                value
                    .parse()
                    .map_err(|_| format!("data-value {value:?} is not a number: {html}"))?,
            )
        },
    })
}

/// Opens one dashboard and runs every check on it.
fn check_dashboard(
    wd: &Browser,
    http: &ureq::Agent,
    base: &str,
    name: &str,
    shots: &Path,
    summary: &mut Summary,
    found: &mut Findings,
) {
    let started = Instant::now();
    let url = format!("{base}/dashboards/{name}");
    wd.set_width(DESKTOP_WIDTH);
    let status = http.get(&url).call().map(|r| r.status().as_u16());
    if status.as_ref().ok() != Some(&200) {
        found.fail(format!("GET {url}: {status:?}; skipping this dashboard"));
        return;
    }
    wd.open(&url);
    wd.no_severe(&url, found);

    let body = wd.exec(
        "const b = document.body;
         return {dashboard: b.getAttribute('data-dashboard'),
                 from: b.getAttribute('data-from'), to: b.getAttribute('data-to')};",
    );
    check!(
        found,
        body["dashboard"].as_str() == Some(name),
        "{url}: <body data-dashboard> is {}",
        body["dashboard"]
    );
    let from = body["from"].as_str().filter(|s| !s.is_empty());
    let to = body["to"].as_str().filter(|s| !s.is_empty());
    check!(
        found,
        from.is_some() && to.is_some(),
        "{url}: <body> lacks data-from/data-to: {body}"
    );

    // KPIs against the panel's own JSON, taken from the page's download link.
    let kpis = wd.exec(
        "return Array.from(document.querySelectorAll('.kpi-value')).map(e => {
           const panel = e.getAttribute('data-panel');
           const link = panel === null ? undefined :
             Array.from(document.querySelectorAll('a.download'))
               .find(a => (a.getAttribute('href') || '').includes('/panels/' + panel + '.json'));
           return {panel, field: e.getAttribute('data-field'), row: e.getAttribute('data-row'),
                   value: e.getAttribute('data-value'), unit: e.getAttribute('data-unit'),
                   text: e.innerText, json: link ? link.href : null,
                   html: e.outerHTML.slice(0, 300)};
         });",
    );
    let kpis = kpis.as_array().unwrap();
    if name == "leadership" {
        check!(
            found,
            !kpis.is_empty(),
            "{url}: no .kpi-value on the leadership dashboard"
        );
    }
    let mut panel_json: BTreeMap<String, Result<Value, String>> = BTreeMap::new();
    for k in kpis {
        let kpi = match kpi_of(k) {
            Ok(kpi) => kpi,
            Err(e) => {
                found.fail(format!("{url}: {e}"));
                continue;
            }
        };
        let Kpi {
            html,
            panel,
            field,
            row,
            value,
        } = kpi;
        let Some(href) = k["json"].as_str() else {
            found.fail(format!(
                "{url}: no a.download with href containing /panels/{panel}.json for {html}"
            ));
            continue;
        };
        let doc = panel_json
            .entry(panel.to_string())
            .or_insert_with(|| get_json(http, href));
        let doc = match doc {
            Ok(doc) => doc,
            Err(e) => {
                found.fail(format!("{url}: {e}"));
                continue;
            }
        };
        check!(
            found,
            doc["panel"].as_str() == Some(panel),
            "{href}: \"panel\" is {}",
            doc["panel"]
        );
        check!(
            found,
            doc["dashboard"].as_str() == Some(name),
            "{href}: \"dashboard\" is {}",
            doc["dashboard"]
        );
        let Some(cell) = doc["rows"].get(row).and_then(|r| r.get(field)) else {
            found.fail(format!("{url}: {html}: {href} has no rows[{row}].{field}"));
            continue;
        };
        let expected = match cell {
            Value::Null => None,
            Value::Number(n) => n.as_f64(),
            other => {
                found.fail(format!(
                    "{href}: rows[{row}].{field} is {other}, not a number or null"
                ));
                continue;
            }
        };
        check!(
            found,
            same(value, expected),
            "{url}: {html} has data-value {value:?}; {href} has rows[{row}].{field} = {expected:?}"
        );
        let text = k["text"].as_str().unwrap_or_default();
        match (shown_number(text), value) {
            (Ok(None), None) => {}
            (Ok(Some(shown)), Some(v)) => check!(
                found,
                shown.agrees_with(v),
                "{url}: {html} shows {text:?}, which does not round from data-value {v}"
            ),
            (Ok(s), v) => found.fail(format!(
                "{url}: {html} shows {text:?} ({s:?}) for data-value {v:?}"
            )),
            (Err(e), _) => found.fail(format!("{url}: {html} shows {text:?}: {e}")),
        }
        summary.kpis += 1;
    }

    if let ("leadership", Some(from), Some(to)) = (name, from, to) {
        check_headline(http, base, &url, (from, to), kpis, summary, found);
        let changes = wd.exec(
            "return Array.from(document.querySelectorAll('.kpi-change')).map(e => ({
               panel: e.getAttribute('data-panel'), row: e.getAttribute('data-row'),
               change: e.getAttribute('data-change'), text: e.innerText,
               visible: e.getBoundingClientRect().height > 0}));",
        );
        let changes = changes.as_array().cloned().unwrap_or_default();
        check_changes(http, base, &url, (from, to), kpis, &changes, summary, found);
    }
    // Weekly charts mark the go-live: the workflow page's chart of its weekly
    // times draws the mark, and its note names the week.
    if name == "workflow" {
        let marks = wd.exec(
            "const s = document.querySelector('section[data-panel=\"cycle-trend\"]');
             return s ? Array.from(s.querySelectorAll('svg')).map(svg =>
               Array.from(svg.querySelectorAll('text')).filter(t =>
                 t.textContent.trim() === 'go-live').length) : null;",
        );
        // One drawing per width the page offers, each with its one mark.
        let each: Vec<i64> = marks
            .as_array()
            .map(|a| a.iter().filter_map(Value::as_i64).collect())
            .unwrap_or_default();
        check!(
            found,
            !each.is_empty() && each.iter().all(|n| *n == 1),
            "{url}: the cycle-trend chart's drawings have {marks} go-live marks, not 1 each"
        );
    }

    // Downloads: every panel has its four, the page its workbook, and the browser gets each.
    let panels = wd.exec(
        "return Array.from(document.querySelectorAll('section.panel')).map(s => ({
           id: s.getAttribute('data-panel'),
           links: Array.from(s.querySelectorAll('a.download')).map(a => new URL(a.href).pathname)}));",
    );
    let panels = panels.as_array().unwrap();
    check!(found, !panels.is_empty(), "{url}: no section.panel");
    for p in panels {
        let Some(id) = p["id"].as_str() else {
            found.fail(format!("{url}: a section.panel lacks data-panel"));
            continue;
        };
        let links: BTreeSet<&str> = p["links"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        for ext in ["csv", "svg", "png", "json"] {
            let want = format!("/dashboards/{name}/panels/{id}.{ext}");
            check!(
                found,
                links.contains(want.as_str()),
                "{url}: section.panel {id} has no a.download to {want}; it has {links:?}"
            );
        }
    }
    let downloads =
        wd.exec("return Array.from(document.querySelectorAll('a.download')).map(a => a.href);");
    let downloads: Vec<&str> = downloads
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let workbook = format!("/dashboards/{name}.xlsx");
    let workbooks = downloads
        .iter()
        .filter(|h| path_of(h, base) == workbook)
        .count();
    check!(
        found,
        workbooks == 1,
        "{url}: {workbooks} a.download links to {workbook}, expected one"
    );
    let mut unique: Vec<(&str, &str)> = Vec::new();
    for href in downloads {
        if unique.iter().any(|(h, _)| *h == href) {
            continue;
        }
        let path = path_of(href, base);
        match path.rsplit_once('.').map(|(_, e)| e).unwrap_or_default() {
            "csv" => unique.push((href, "text/csv")),
            "svg" => unique.push((href, "image/svg+xml")),
            "png" => unique.push((href, "image/png")),
            "json" => unique.push((href, "application/json")),
            "xlsx" => unique.push((
                href,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            )),
            _ => found.fail(format!("{url}: a.download {href} has no known extension")),
        }
    }
    let hrefs: Vec<&str> = unique.iter().map(|(h, _)| *h).collect();
    let got = wd.browser_fetch_all(&hrefs);
    for ((href, want), got) in unique.iter().zip(&got) {
        let len = got["length"].as_u64().unwrap_or(0);
        let ctype = got["type"].as_str().unwrap_or_default();
        let media = ctype.split(';').next().unwrap_or_default().trim();
        check!(
            found,
            got["status"] == 200 && len > 0 && media.eq_ignore_ascii_case(want),
            "{url}: the browser fetched {href}: {got} (expected 200, {want}, non-empty)"
        );
        summary.downloads += 1;
    }
    wd.no_severe(&format!("{url} (downloads)"), found);

    // At desktop width every table fits its card: none scrolls sideways.
    let wide = wd.exec(WIDER_THAN_CARD);
    check!(
        found,
        wide.as_array().is_some_and(|a| a.is_empty()),
        "{url}: at {DESKTOP_WIDTH} px a table is wider than its card: {wide}"
    );
    // Screenshots at desktop and phone width; no sideways scrolling on a phone.
    summary
        .screenshots
        .push(wd.screenshot(DESKTOP_WIDTH, &shots.join(format!("{name}-desktop.png"))));
    wd.set_width(PHONE_WIDTH);
    let overflow = wd.exec(
        "const w = window.innerWidth;
         const out = [];
         for (const e of document.body.querySelectorAll('*')) {
           if (e.parentElement && e.parentElement.closest('.scroll')) continue;
           const r = e.getBoundingClientRect();
           if (r.width > 0 && r.right > w + 1) {
             const cls = e.getAttribute('class');
             out.push(e.tagName.toLowerCase() + (cls ? '.' + cls.trim().split(/\\s+/).join('.') : '')
                      + ' right=' + Math.round(r.right));
           }
         }
         return {inner: w, scroll: document.documentElement.scrollWidth, wide: out.slice(0, 15)};",
    );
    check!(
        found,
        overflow["inner"] == PHONE_WIDTH,
        "{url}: the phone viewport is not {PHONE_WIDTH} px wide: {overflow}"
    );
    // And on a phone too: every table fits its card.
    let wide = wd.exec(WIDER_THAN_CARD);
    check!(
        found,
        wide.as_array().is_some_and(|a| a.is_empty()),
        "{url}: at {PHONE_WIDTH} px a table is wider than its card: {wide}"
    );
    check!(
        found,
        overflow["scroll"].as_u64().unwrap_or(u64::MAX) <= u64::from(PHONE_WIDTH) + 1,
        "{url}: at {PHONE_WIDTH} px the page scrolls sideways: scrollWidth {}; \
         elements reaching past the right edge outside .scroll: {}",
        overflow["scroll"],
        overflow["wide"]
    );
    summary
        .screenshots
        .push(wd.screenshot(PHONE_WIDTH, &shots.join(format!("{name}-phone.png"))));
    wd.set_width(DESKTOP_WIDTH);
    wd.no_severe(&format!("{url} (screenshots)"), found);
    eprintln!(
        "{name}: checked in {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// The tables (each in its `.scroll` box) wider than the box, by panel title.
const WIDER_THAN_CARD: &str = "const out = [];
     for (const s of document.querySelectorAll('.scroll')) {
       if (s.scrollWidth > s.clientWidth + 1) {
         const h = s.closest('.panel') && s.closest('.panel').querySelector('h2');
         out.push((h ? h.textContent : '?') + ': ' + s.scrollWidth + ' > ' + s.clientWidth);
       }
     }
     return out;";

/// The leadership headline KPIs against `/api/v1/portfolio` for the page's period.
fn check_headline(
    http: &ureq::Agent,
    base: &str,
    url: &str,
    (from, to): (&str, &str),
    kpis: &[Value],
    summary: &mut Summary,
    found: &mut Findings,
) {
    let api = format!(
        "{base}/api/v1/portfolio?from={}&to={}",
        encode(from),
        encode(to)
    );
    let portfolio = match get_json(http, &api) {
        Ok(p) => p,
        Err(e) => return found.fail(format!("{url}: {e}")),
    };
    let Some(headline) = portfolio["headline"].as_array() else {
        return found.fail(format!("{api} has no headline array: {portfolio}"));
    };
    let mut checked = 0;
    for k in kpis
        .iter()
        .filter(|k| k["panel"] == "headline" && k["field"] == "value")
    {
        let html = k["html"].as_str().unwrap_or_default();
        let Some(unit) = k["unit"].as_str() else {
            found.fail(format!("{url}: headline KPI lacks data-unit: {html}"));
            continue;
        };
        let Some(h) = headline.iter().find(|h| h["unit"].as_str() == Some(unit)) else {
            found.fail(format!(
                "{url}: {html}: {api} has no headline with unit {unit:?}: {}",
                portfolio["headline"]
            ));
            continue;
        };
        let value = k["value"].as_str().and_then(|v| v.parse::<f64>().ok());
        check!(
            found,
            same(value, h["value"].as_f64()),
            "{url}: {html} has data-value {value:?}; {api} has headline {unit} = {}",
            h["value"]
        );
        checked += 1;
    }
    check!(
        found,
        checked > 0,
        "{url}: no .kpi-value with data-panel=\"headline\" data-field=\"value\""
    );
    summary.headlines += checked;
}

/// The headline tiles' changes against `/api/v1/summary` for the page's
/// period: every headline tile has one, shown, with the summary's change of
/// its unit and the words for it.
#[allow(clippy::too_many_arguments)]
fn check_changes(
    http: &ureq::Agent,
    base: &str,
    url: &str,
    (from, to): (&str, &str),
    kpis: &[Value],
    changes: &[Value],
    summary: &mut Summary,
    found: &mut Findings,
) {
    let api = format!(
        "{base}/api/v1/summary?from={}&to={}",
        encode(from),
        encode(to)
    );
    let s = match get_json(http, &api) {
        Ok(s) => s,
        Err(e) => return found.fail(format!("{url}: {e}")),
    };
    let figures = s["figures"].as_array().cloned().unwrap_or_default();
    let tiles: Vec<&Value> = kpis
        .iter()
        .filter(|k| k["panel"] == "headline" && k["field"] == "value")
        .collect();
    for k in &tiles {
        let (row, unit) = (k["row"].as_str(), k["unit"].as_str().unwrap_or_default());
        let Some(c) = changes
            .iter()
            .find(|c| c["panel"] == "headline" && c["row"].as_str() == row)
        else {
            found.fail(format!(
                "{url}: the headline tile of {unit} has no .kpi-change"
            ));
            continue;
        };
        let figure = if unit == "hours" {
            "reclaimed_hours"
        } else {
            "reclaimed_money"
        };
        let Some(d) = figures
            .iter()
            .find(|f| f["figure"] == figure && f["unit"].as_str() == Some(unit))
        else {
            found.fail(format!("{api} has no {figure} in {unit}"));
            continue;
        };
        let shown = c["change"].as_str().and_then(|v| v.parse::<f64>().ok());
        check!(
            found,
            same(shown, d["change"].as_f64()),
            "{url}: the {unit} tile's change is {shown:?}; {api} says {}",
            d["change"]
        );
        let text = c["text"].as_str().unwrap_or_default();
        check!(
            found,
            c["visible"] == true
                && text.contains("against the previous")
                && text.contains(d["verdict"].as_str().unwrap_or("?")),
            "{url}: the {unit} tile's change reads {text:?}, without the verdict {}",
            d["verdict"]
        );
        summary.kpis += 1;
    }
}

/// The number a KPI shows: its value, how many decimals it shows, and whether it is a percentage.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Shown {
    value: f64,
    decimals: i32,
    percent: bool,
}

impl Shown {
    /// Whether `v` (a fraction when the text shows %) rounds to what is shown.
    fn agrees_with(&self, v: f64) -> bool {
        let v = if self.percent { v * 100.0 } else { v };
        let half_step = 0.5 * 10f64.powi(-self.decimals);
        (self.value - v).abs() <= half_step * (1.0 + 1e-9) + 1e-9 * v.abs()
    }
}

/// Reads the number out of a KPI's text: thousands separators (`,`), unit
/// words and `%` removed, exactly one number must remain (or none, for no value).
fn shown_number(text: &str) -> Result<Option<Shown>, String> {
    let percent = text.contains('%');
    let chars: Vec<char> = text.chars().filter(|c| *c != ',').collect();
    let mut numbers = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let starts = chars[i].is_ascii_digit()
            || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit));
        if !starts {
            i += 1;
            continue;
        }
        let negative = i > 0 && matches!(chars[i - 1], '-' | '\u{2212}');
        let mut s = String::from(if negative { "-" } else { "" });
        let mut decimals = None;
        while i < chars.len() {
            let c = chars[i];
            if c.is_ascii_digit() {
                s.push(c);
                decimals = decimals.map(|d: i32| d + 1);
            } else if c == '.'
                && decimals.is_none()
                && chars.get(i + 1).is_some_and(char::is_ascii_digit)
            {
                s.push(c);
                decimals = Some(0);
            } else {
                break;
            }
            i += 1;
        }
        let value: f64 = s.parse().map_err(|e| format!("{s:?}: {e}"))?;
        numbers.push(Shown {
            value,
            decimals: decimals.unwrap_or(0),
            percent,
        });
    }
    match numbers.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some(*one)),
        more => Err(format!("{} numbers in one KPI: {more:?}", more.len())),
    }
}

/// Two optional numbers agree to 1e-9 relative (missing only with missing).
fn same(a: Option<f64>, b: Option<f64>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(a), Some(b)) => (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0),
        _ => false,
    }
}

/// The path of an absolute link to this server, without query or fragment.
fn path_of<'a>(href: &'a str, base: &str) -> &'a str {
    let rest = href.strip_prefix(base).unwrap_or(href);
    rest.split(['?', '#']).next().unwrap_or_default()
}

/// Percent-encodes a query value.
fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                char::from(b).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Decodes standard base64 (with or without padding).
fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {:?}", char::from(c)),
        }
    };
    let digits: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(digits.len() * 3 / 4);
    for chunk in digits.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= value(*c) << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    out
}

/// The test's own helpers, checked before they check the pages.
fn helpers_work() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGVsbG8hIQ=="), b"hello!!");
    assert_eq!(base64_decode("aGVsbG8h"), b"hello!");
    assert_eq!(base64_decode(""), b"");
    let s = shown_number("1,234.5 hours").unwrap().unwrap();
    assert_eq!((s.value, s.decimals, s.percent), (1234.5, 1, false));
    assert!(s.agrees_with(1234.54) && !s.agrees_with(1234.56));
    let s = shown_number("12.3%").unwrap().unwrap();
    assert!(s.percent && s.agrees_with(0.12345) && !s.agrees_with(0.1236));
    let s = shown_number("€ −1,200").unwrap().unwrap();
    assert!(s.agrees_with(-1200.4) && !s.agrees_with(1200.0));
    assert_eq!(shown_number("—").unwrap(), None);
    assert!(shown_number("3 of 4").is_err());
    assert_eq!(
        encode("2026-01-01T00:00:00+01:00"),
        "2026-01-01T00%3A00%3A00%2B01%3A00"
    );
}

/// chromedriver on PATH and chromium where Debian puts it, or a failure saying
/// how to install them (`None`: skipped on purpose with YARDSTICK_SKIP_BROWSER=1).
fn browser_tools() -> Option<PathBuf> {
    let driver = std::env::var_os("PATH").and_then(|p| {
        std::env::split_paths(&p)
            .map(|d| d.join("chromedriver"))
            .find(|f| f.is_file())
    });
    let mut missing = Vec::new();
    if !Path::new(CHROMIUM).is_file() {
        missing.push(CHROMIUM.to_string());
    }
    if driver.is_none() {
        missing.push("chromedriver (on PATH)".to_string());
    }
    if missing.is_empty() {
        return driver;
    }
    let missing = missing.join(" and ");
    if std::env::var("YARDSTICK_SKIP_BROWSER").as_deref() == Ok("1") {
        eprintln!(
            "\n!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n\
             !!! SKIPPED the real-browser dashboard test: {missing} missing.\n\
             !!! YARDSTICK_SKIP_BROWSER=1 is set; CI never sets it. Install: {INSTALL}\n\
             !!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!!\n"
        );
        return None;
    }
    panic!(
        "the real-browser dashboard test needs {missing}: install them with `{INSTALL}` \
         (as root), or set YARDSTICK_SKIP_BROWSER=1 to skip this test locally"
    );
}

/// A child process that is killed when the guard goes, panics included; its
/// output is kept for failure messages.
struct Proc {
    what: &'static str,
    child: Child,
    output: Arc<Mutex<String>>,
}

impl Proc {
    /// Starts `cmd` with its stdout and stderr read line by line into the
    /// kept output and onto `lines`.
    fn spawn(what: &'static str, cmd: &mut Command, lines: mpsc::Sender<String>) -> Proc {
        let mut child = cmd
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {what}: {e}"));
        let output = Arc::new(Mutex::new(String::new()));
        let out = child.stdout.take().unwrap();
        let err = child.stderr.take().unwrap();
        drain(out, output.clone(), lines.clone());
        drain(err, output.clone(), lines);
        Proc {
            what,
            child,
            output,
        }
    }

    /// Panics with the process's output if it has exited.
    fn assert_running(&mut self) {
        if let Some(status) = self.child.try_wait().unwrap() {
            panic!(
                "{} exited ({status}); its output:\n{}",
                self.what,
                self.output.lock().unwrap()
            );
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn drain(from: impl Read + Send + 'static, into: Arc<Mutex<String>>, lines: mpsc::Sender<String>) {
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            let mut all = into.lock().unwrap();
            all.push_str(&line);
            all.push('\n');
            drop(all);
            let _ = lines.send(line);
        }
    });
}

/// `yardstick demo` on a port of its choosing, in `dir`; returns the guard and
/// the base URL it prints (without the trailing slash).
fn start_demo(dir: &Path) -> (Proc, String) {
    let (tx, rx) = mpsc::channel();
    let mut proc = Proc::spawn(
        "yardstick demo",
        Command::new(env!("CARGO_BIN_EXE_yardstick"))
            .args(["demo", "--addr", "127.0.0.1:0"])
            .current_dir(dir),
        tx,
    );
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        match rx.recv_timeout(Duration::from_millis(200)) {
            Ok(line) => {
                if let Some(at) = line.find("open http://") {
                    let url = line[at + "open ".len()..]
                        .split_whitespace()
                        .next()
                        .unwrap();
                    return (proc, url.trim_end_matches('/').to_string());
                }
            }
            Err(_) => {
                proc.assert_running();
                assert!(
                    Instant::now() < deadline,
                    "yardstick demo printed no `open http://…` line in 300 s; its output:\n{}",
                    proc.output.lock().unwrap()
                );
            }
        }
    }
}

/// chromedriver on a free port, once its `/status` says ready.
fn start_chromedriver(bin: &Path) -> (Proc, String) {
    let port = crate::free_port();
    let (tx, _rx) = mpsc::channel();
    let mut proc = Proc::spawn(
        "chromedriver",
        Command::new(bin).arg(format!("--port={port}")),
        tx,
    );
    let url = format!("http://127.0.0.1:{port}");
    let http = agent();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let ready = http
            .get(format!("{url}/status"))
            .call()
            .ok()
            .and_then(|mut r| r.body_mut().read_json::<Value>().ok())
            .is_some_and(|s| s["value"]["ready"] == true);
        if ready {
            return (proc, url);
        }
        proc.assert_running();
        assert!(
            Instant::now() < deadline,
            "chromedriver is not ready after 30 s; its output:\n{}",
            proc.output.lock().unwrap()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// A blocking HTTP client that hands back 4xx and 5xx answers instead of failing on them.
fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(1200)))
        .build()
        .into()
}

/// GETs a JSON document from the server; anything but 200 and JSON is an error.
fn get_json(http: &ureq::Agent, url: &str) -> Result<Value, String> {
    let mut r = http
        .get(url)
        .call()
        .map_err(|e| format!("GET {url}: {e}"))?;
    let status = r.status();
    let body = r
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_string()
        .map_err(|e| format!("GET {url}: {e}"))?;
    if status != 200 {
        return Err(format!("GET {url}: {status}: {body}"));
    }
    serde_json::from_str(&body).map_err(|e| format!("GET {url}: not JSON ({e}): {body}"))
}

/// One WebDriver session; deleted (and chromium closed) when dropped.
struct Browser {
    http: ureq::Agent,
    /// `http://127.0.0.1:PORT/session/ID`
    session: String,
}

impl Browser {
    fn start(driver: &str, profile: &Path) -> Browser {
        let http = agent();
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": [
                    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                    "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                    format!("--user-data-dir={}", profile.display()),
                    format!("--window-size={DESKTOP_WIDTH},{WINDOW_HEIGHT}"),
                ],
            },
            "goog:loggingPrefs": {"browser": "ALL"},
        }}});
        let value = call(&http, "POST", &format!("{driver}/session"), Some(&caps))
            .unwrap_or_else(|e| panic!("chromedriver cannot start chromium: {e}"));
        let id = value["sessionId"].as_str().unwrap();
        let b = Browser {
            http,
            session: format!("{driver}/session/{id}"),
        };
        b.post(
            "/timeouts",
            json!({"script": 900_000, "pageLoad": 300_000, "implicit": 0}),
        );
        // Overlay scrollbars, as on a phone: the layout gets the whole width.
        b.cdp("Emulation.setScrollbarsHidden", json!({"hidden": true}));
        b
    }

    fn post(&self, path: &str, body: Value) -> Value {
        call(
            &self.http,
            "POST",
            &format!("{}{path}", self.session),
            Some(&body),
        )
        .unwrap_or_else(|e| panic!("WebDriver POST {path} {body}: {e}"))
    }

    /// Navigates and waits until the document is complete.
    fn open(&self, url: &str) {
        self.post("/url", json!({ "url": url }));
        let deadline = Instant::now() + Duration::from_secs(300);
        while self.exec("return document.readyState;") != "complete" {
            assert!(
                Instant::now() < deadline,
                "{url} did not finish loading in 300 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn exec(&self, script: &str) -> Value {
        self.post("/execute/sync", json!({"script": script, "args": []}))
    }

    /// Has the page fetch every href, four at a time; returns status, content
    /// type and body length of each, in order.
    fn browser_fetch_all(&self, hrefs: &[&str]) -> Vec<Value> {
        let got = self.post(
            "/execute/async",
            json!({"script": "
                const hrefs = arguments[0];
                const done = arguments[arguments.length - 1];
                const out = new Array(hrefs.length);
                let next = 0;
                async function worker() {
                  while (next < hrefs.length) {
                    const i = next++;
                    try {
                      const r = await fetch(hrefs[i]);
                      const b = await r.arrayBuffer();
                      out[i] = {status: r.status, type: r.headers.get('content-type'),
                                length: b.byteLength};
                    } catch (e) {
                      out[i] = {error: String(e)};
                    }
                  }
                }
                Promise.all([worker(), worker(), worker(), worker()]).then(() => done(out));",
                "args": [hrefs]}),
        );
        let Value::Array(got) = got else {
            panic!("fetching the downloads in the browser answered {got}")
        };
        assert_eq!(got.len(), hrefs.len());
        got
    }

    fn cdp(&self, cmd: &str, params: Value) -> Value {
        self.post("/goog/cdp/execute", json!({"cmd": cmd, "params": params}))
    }

    /// Lays the page out `width` CSS pixels wide.
    fn set_width(&self, width: u32) {
        self.cdp(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": WINDOW_HEIGHT, "deviceScaleFactor": 1, "mobile": false}),
        );
    }

    /// A full-page PNG at `width`, written to `to`; returns `to`.
    fn screenshot(&self, width: u32, to: &Path) -> PathBuf {
        self.set_width(width);
        let height = self
            .exec(
                "return Math.max(document.documentElement.scrollHeight, document.body.scrollHeight);",
            )
            .as_u64()
            .unwrap();
        let shot = self.cdp(
            "Page.captureScreenshot",
            json!({"format": "png", "captureBeyondViewport": true,
                   "clip": {"x": 0, "y": 0, "width": width, "height": height, "scale": 1}}),
        );
        let png = base64_decode(shot["data"].as_str().unwrap());
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 24,
            "the screenshot for {} is not a PNG",
            to.display()
        );
        let png_width = u32::from_be_bytes(png[16..20].try_into().unwrap());
        assert_eq!(
            png_width,
            width,
            "the screenshot for {} is {png_width} px wide",
            to.display()
        );
        std::fs::write(to, &png).unwrap();
        to.to_path_buf()
    }

    /// The browser log entries since the last read.
    fn log(&self) -> Vec<Value> {
        match self.post("/se/log", json!({"type": "browser"})) {
            Value::Array(entries) => entries,
            other => panic!("the browser log is not a list: {other}"),
        }
    }

    /// A finding for every SEVERE browser log entry (console errors, failed loads).
    fn no_severe(&self, context: &str, found: &mut Findings) {
        for e in self.log().iter().filter(|e| e["level"] == "SEVERE") {
            found.fail(format!(
                "{context}: the browser logged SEVERE ({}): {}",
                e["source"].as_str().unwrap_or_default(),
                e["message"].as_str().unwrap_or_default()
            ));
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = call(&self.http, "DELETE", &self.session, None);
    }
}

/// One WebDriver command: its `value`, or the error the driver answered.
fn call(
    http: &ureq::Agent,
    method: &str,
    url: &str,
    body: Option<&Value>,
) -> Result<Value, String> {
    let res = match (method, body) {
        ("POST", Some(b)) => http.post(url).send_json(b),
        ("POST", None) => http.post(url).send_json(json!({})),
        ("DELETE", _) => http.delete(url).call(),
        _ => http.get(url).call(),
    };
    let mut res = res.map_err(|e| format!("{method} {url}: {e}"))?;
    let status = res.status();
    let doc: Value = res
        .body_mut()
        .with_config()
        .limit(512 << 20)
        .read_json()
        .map_err(|e| format!("{method} {url}: {status}, unreadable answer: {e}"))?;
    if status.is_success() {
        Ok(doc["value"].clone())
    } else {
        Err(format!(
            "{status} {}: {}",
            doc["value"]["error"], doc["value"]["message"]
        ))
    }
}
