//! The results as the text printed after a run and the Markdown table
//! written with `--markdown`.

use super::*;

fn fmt_s(v: f64) -> String {
    if v >= 10.0 {
        format!("{v:.1} s")
    } else if v >= 1.0 {
        format!("{v:.2} s")
    } else {
        format!("{:.0} ms", v * 1e3)
    }
}

fn fmt_rate(v: f64) -> String {
    if v >= 1e6 {
        format!("{:.2} M/s", v / 1e6)
    } else if v >= 1e3 {
        format!("{:.0} k/s", v / 1e3)
    } else {
        format!("{v:.0} /s")
    }
}

/// A report whose first timing takes longer than this many seconds is not repeated.
pub(crate) const LONG_S: f64 = 120.0;

/// The figures of one measure as the table cells both renderings show:
/// timings taken, median, min, max, rate, peak RSS, p50, p99 (empty where
/// not measured).
fn cells(m: &Measure) -> [String; 8] {
    [
        m.repeats.to_string(),
        fmt_s(m.median_s),
        fmt_s(m.min_s),
        fmt_s(m.max_s),
        m.per_s.map(fmt_rate).unwrap_or_default(),
        m.peak_rss_mib
            .map(|v| format!("{v:.0} MiB"))
            .unwrap_or_default(),
        m.p50_ms.map(|v| format!("{v:.1} ms")).unwrap_or_default(),
        m.p99_ms.map(|v| format!("{v:.1} ms")).unwrap_or_default(),
    ]
}

pub(crate) fn render_text(r: &Results) -> String {
    let mut t = String::new();
    t.push_str(&format!(
        "yardstick-bench: {} runs, {} workflows, median of {} ({}; {} cores; {:.0} GiB); n: timings taken\n\n",
        r.runs, r.workflows, r.repeat, r.machine.cpu, r.machine.cores, r.machine.memory_gib
    ));
    t.push_str(&format!(
        "{:<9} {:<62} {:>2} {:>9} {:>9} {:>9} {:>10} {:>9} {:>8} {:>8}\n",
        "section", "measure", "n", "median", "min", "max", "rate", "peak RSS", "p50", "p99"
    ));
    for m in &r.measures {
        let [n, median, min, max, rate, rss, p50, p99] = cells(m);
        t.push_str(&format!(
            "{:<9} {:<62} {n:>2} {median:>9} {min:>9} {max:>9} {rate:>10} {rss:>9} {p50:>8} {p99:>8}\n",
            m.section, m.name,
        ));
    }
    t.push_str("\ntargets:\n");
    for x in &r.ratios {
        t.push_str(&format!(
            "  {:<62} ours {:>10.3}  peer {:>10.3}  ratio {:>7.3}  target {:<8} {}\n",
            x.name,
            x.ours,
            x.peer,
            x.ratio,
            x.target,
            if x.met { "met" } else { "MISSED" }
        ));
    }
    for c in &r.checks {
        t.push_str(&format!("check: {c}\n"));
    }
    t
}

pub(crate) fn render_markdown(r: &Results) -> String {
    let mut t = format!(
        "# Benchmark results\n\nWritten by `yardstick-bench --markdown` (see `benches/README.md`); \
         {} runs over {} workflows on {}, {} cores, {:.0} GiB of memory.\n\n",
        r.runs, r.workflows, r.machine.cpu, r.machine.cores, r.machine.memory_gib
    );
    t.push_str(
        "| section | measure | n | median | min | max | rate | peak RSS | p50 | p99 | note |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|\n",
    );
    for m in &r.measures {
        t.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            m.section,
            m.name,
            cells(m).join(" | "),
            m.note
        ));
    }
    t.push_str("\n| target | ours | peer | ratio | target | |\n|---|---:|---:|---:|---|---|\n");
    for x in &r.ratios {
        t.push_str(&format!(
            "| {} | {:.3} | {:.3} | {:.3} | {} | {} |\n",
            x.name,
            x.ours,
            x.peer,
            x.ratio,
            x.target,
            if x.met { "met" } else { "**missed**" }
        ));
    }
    t.push('\n');
    for c in &r.checks {
        t.push_str(&format!("- {c}\n"));
    }
    t.push_str(&format!(
        "\nMachine: {}, {} cores, {:.0} GiB, {}; yardstick {}, DuckDB {}. {} runs over {} workflows; median of {} repetitions (n: the timings taken; a report over {LONG_S:.0} s is timed once).\n",
        r.machine.cpu,
        r.machine.cores,
        r.machine.memory_gib,
        r.machine.os,
        r.machine.yardstick,
        r.machine.duckdb,
        r.runs,
        r.workflows,
        r.repeat
    ));
    t
}
