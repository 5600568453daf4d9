//! The deterministic, seeded generator of a realistic demo company: its
//! workflow catalogue, time studies and run logs.
//!
//! The same seed and size always give the same bytes. The 15 named workflows
//! cover the six categories and the cases a reader must see handled: go-live
//! dates mid-way, failures with and without recorded human effort,
//! escalations, dropped handoffs, a workflow that regresses in June, one with
//! no baseline, one with a baseline override, one that is not yet automated,
//! and one never automated but tracked, sharing a trend with an automated one.
//! Past 15 workflows, synthetic ones (`wf-0016`, …) are added for benchmarks.
//! Runs are written as they are drawn, so millions of runs take no memory.

use std::io::{self, Write};

use chrono::{Duration, NaiveDate, NaiveDateTime};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::model::{format_timestamp, CATEGORIES};

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub seed: u64,
    pub runs: u64,
    pub workflows: usize,
    /// First day of the run logs (UTC midnight).
    pub start: NaiveDate,
    pub days: i64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            seed: 7,
            runs: 12_000,
            workflows: 15,
            start: NaiveDate::from_ymd_opt(2026, 1, 5).expect("valid date"),
            days: 210,
        }
    }
}

/// One workflow of the company and how its work behaves.
#[derive(Debug, Clone)]
struct Profile {
    id: String,
    name: String,
    owner: String,
    team: String,
    category: &'static str,
    hourly_cost: f64,
    currency: &'static str,
    sla_response: Option<f64>,
    sla_cycle: Option<f64>,
    /// Days after `start` of go-live; `None` for a backlog candidate.
    go_live_day: Option<i64>,
    override_b: Option<f64>,
    /// Relative volume.
    weight: f64,
    source: &'static str,
    /// Whether runs before go-live were tracked (a ticketing tool).
    pre_runs: bool,
    /// Manual handle minutes per item (median) and manual error rate.
    manual_handle: f64,
    manual_error: f64,
    manual_cycle: f64,
    manual_response: Option<f64>,
    auto_cycle: f64,
    auto_response: Option<f64>,
    auto_fail: f64,
    auto_escalate: f64,
    review_minutes: f64,
    /// Observations in the time study (0 for no baseline).
    observations: usize,
    /// Day after `start` from which the automation regresses.
    regress_day: Option<i64>,
    /// A trend the workflow shares with its team: manual cycle times fall by
    /// this share of their starting value per day (a staffing change, say),
    /// whether or not the workflow is automated.
    shared_trend: f64,
}

#[allow(clippy::too_many_arguments)]
fn named(
    id: &str,
    name: &str,
    owner: &str,
    team: &str,
    category: &'static str,
    hourly_cost: f64,
    currency: &'static str,
    sla: (Option<f64>, Option<f64>),
    go_live_day: Option<i64>,
    weight: f64,
    source: &'static str,
    manual: (f64, f64, f64, Option<f64>),
    auto: (f64, Option<f64>, f64, f64, f64),
) -> Profile {
    Profile {
        id: id.into(),
        name: name.into(),
        owner: owner.into(),
        team: team.into(),
        category,
        hourly_cost,
        currency,
        sla_response: sla.0,
        sla_cycle: sla.1,
        go_live_day,
        override_b: None,
        weight,
        source,
        pre_runs: false,
        manual_handle: manual.0,
        manual_error: manual.1,
        manual_cycle: manual.2,
        manual_response: manual.3,
        auto_cycle: auto.0,
        auto_response: auto.1,
        auto_fail: auto.2,
        auto_escalate: auto.3,
        review_minutes: auto.4,
        observations: 40,
        regress_day: None,
        shared_trend: 0.0,
    }
}

fn company(spec: &Spec, rng: &mut ChaCha8Rng) -> Vec<Profile> {
    let mut p = vec![
        named(
            "lead-intake",
            "New lead → CRM record → owner assigned → reply",
            "Maya Chen",
            "Sales Ops",
            "intake",
            48.0,
            "EUR",
            (Some(15.0), Some(240.0)),
            Some(56),
            3.0,
            "n8n",
            (12.0, 0.08, 300.0, Some(95.0)),
            (6.0, Some(1.5), 0.03, 0.06, 1.0),
        ),
        named(
            "support-triage",
            "Support e-mail triage and routing",
            "Jonas Weber",
            "Customer Care",
            "intake",
            38.0,
            "EUR",
            (Some(30.0), Some(480.0)),
            Some(70),
            3.0,
            "zapier",
            (7.5, 0.06, 420.0, Some(120.0)),
            (25.0, Some(3.0), 0.02, 0.12, 0.5),
        ),
        named(
            "meeting-scheduling",
            "Prospect meeting scheduling",
            "Priya Nair",
            "Sales",
            "scheduling",
            55.0,
            "USD",
            (Some(60.0), Some(1440.0)),
            Some(91),
            1.5,
            "power-automate",
            (9.0, 0.05, 1500.0, Some(180.0)),
            (90.0, Some(4.0), 0.02, 0.05, 0.5),
        ),
        named(
            "shift-scheduling",
            "Warehouse shift roster",
            "Tomás Ruiz",
            "Operations",
            "scheduling",
            32.0,
            "EUR",
            (None, Some(2880.0)),
            Some(42),
            0.6,
            "power-automate",
            (25.0, 0.10, 2880.0, None),
            (45.0, None, 0.04, 0.08, 3.0),
        ),
        named(
            "invoice-matching",
            "Supplier invoice three-way match",
            "Elena Rossi",
            "Finance",
            "invoicing",
            52.0,
            "EUR",
            (None, Some(1440.0)),
            Some(63),
            2.5,
            "uipath",
            (14.0, 0.07, 2600.0, None),
            (35.0, None, 0.03, 0.07, 0.8),
        ),
        named(
            "invoice-dunning",
            "Overdue invoice reminders",
            "Samuel Okafor",
            "Finance",
            "invoicing",
            45.0,
            "EUR",
            (None, Some(4320.0)),
            Some(98),
            1.2,
            "n8n",
            (8.0, 0.04, 4000.0, None),
            (20.0, None, 0.02, 0.03, 0.3),
        ),
        named(
            "sales-to-delivery-handoff",
            "Closed deal → delivery kickoff handoff",
            "Hannah Schmidt",
            "Delivery",
            "handoff",
            60.0,
            "EUR",
            (Some(120.0), Some(2880.0)),
            Some(105),
            0.8,
            "zapier",
            (35.0, 0.12, 4300.0, Some(600.0)),
            (240.0, Some(10.0), 0.03, 0.10, 4.0),
        ),
        named(
            "it-access-handoff",
            "New hire → IT access request handoff",
            "Arjun Mehta",
            "IT",
            "handoff",
            50.0,
            "USD",
            (Some(60.0), Some(1440.0)),
            Some(77),
            1.0,
            "uipath",
            (20.0, 0.09, 2900.0, Some(240.0)),
            (120.0, Some(5.0), 0.03, 0.08, 2.0),
        ),
        named(
            "weekly-kpi-report",
            "Weekly KPI report to leadership",
            "Lena Fischer",
            "Finance",
            "reporting",
            58.0,
            "EUR",
            (None, Some(720.0)),
            Some(28),
            0.02,
            "n8n",
            (150.0, 0.10, 900.0, None),
            (12.0, None, 0.04, 0.04, 10.0),
        ),
        named(
            "board-pack",
            "Monthly board pack assembly",
            "Oliver Grant",
            "Strategy",
            "reporting",
            95.0,
            "GBP",
            (None, Some(2880.0)),
            Some(84),
            0.03,
            "power-automate",
            (240.0, 0.10, 4000.0, None),
            (60.0, None, 0.05, 0.10, 30.0),
        ),
        named(
            "crm-erp-sync",
            "CRM ↔ ERP customer sync",
            "Sofia Alvarez",
            "IT",
            "data_sync",
            42.0,
            "EUR",
            (None, Some(60.0)),
            Some(49),
            2.5,
            "n8n",
            (4.0, 0.05, 240.0, None),
            (2.0, None, 0.01, 0.01, 0.0),
        ),
        named(
            "expense-entry",
            "Expense receipts → ledger entry",
            "Noah Williams",
            "Finance",
            "data_sync",
            40.0,
            "USD",
            (None, Some(2880.0)),
            Some(119),
            2.0,
            "power-automate",
            (6.0, 0.06, 2000.0, None),
            (30.0, None, 0.04, 0.05, 0.5),
        ),
        named(
            "vendor-onboarding",
            "Vendor onboarding and due diligence",
            "Ines Moreau",
            "Procurement",
            "other",
            47.0,
            "EUR",
            (None, None),
            None,
            0.0,
            "none",
            (55.0, 0.15, 7200.0, None),
            (0.0, None, 0.0, 0.0, 0.0),
        ),
        named(
            "contract-renewal-reminders",
            "Contract renewal reminders",
            "Kofi Mensah",
            "Legal",
            "other",
            70.0,
            "EUR",
            (None, Some(10080.0)),
            Some(133),
            0.4,
            "n8n",
            (10.0, 0.08, 8000.0, None),
            (30.0, None, 0.02, 0.04, 1.0),
        ),
        named(
            "returns-handling",
            "Customer returns and refund requests",
            "Amara Osei",
            "Customer Care",
            "intake",
            38.0,
            "EUR",
            (Some(30.0), Some(480.0)),
            None,
            1.5,
            "none",
            (7.5, 0.06, 420.0, Some(120.0)),
            (0.0, None, 0.0, 0.0, 0.0),
        ),
    ];
    for w in p.iter_mut() {
        match w.id.as_str() {
            // Tracked in a ticketing tool before go-live: pre-runs exist.
            "lead-intake" | "support-triage" | "invoice-matching" | "it-access-handoff" => {
                w.pre_runs = true
            }
            // Never automated, tracked in the ticketing tool all year: the
            // comparison workflow for support-triage.
            "returns-handling" => w.pre_runs = true,
            // An upstream change breaks the automation in mid-June.
            _ => {}
        }
        if w.id == "invoice-matching" {
            w.regress_day = Some(161);
        }
        if w.id == "invoice-dunning" {
            w.override_b = Some(9.0);
            w.observations = 0;
        }
        if w.id == "board-pack" {
            w.observations = 0;
        }
        if w.id == "weekly-kpi-report" {
            w.observations = 8;
        }
        // Customer Care's manual work speeds up through the year (new
        // staff trained): support-triage's naive before/after credits the
        // automation with it; returns-handling, never automated, shows it.
        if w.team == "Customer Care" {
            w.shared_trend = 0.0015;
        }
    }
    p.truncate(spec.workflows.min(p.len()));
    let currencies = ["EUR", "USD", "GBP"];
    for i in p.len()..spec.workflows {
        let category = CATEGORIES[i % 6];
        let go_live = rng.random_range(20..(spec.days * 2 / 3).max(21));
        let handle = lognormal(rng, 12.0, 0.6);
        p.push(Profile {
            id: format!("wf-{:04}", i + 1),
            name: format!("Synthetic {category} workflow {}", i + 1),
            owner: format!("Owner {}", i % 97),
            team: format!("Team {}", i % 23),
            category,
            hourly_cost: (30.0 + rng.random_range(0.0..60.0f64)).round(),
            currency: currencies[i % 3],
            sla_response: (i % 3 == 0).then_some(30.0),
            sla_cycle: Some(1440.0),
            go_live_day: (i % 50 != 0).then_some(go_live),
            override_b: None,
            weight: rng.random_range(0.2..3.0),
            source: ["n8n", "zapier", "power-automate", "uipath"][i % 4],
            pre_runs: i % 5 == 0,
            manual_handle: handle,
            manual_error: rng.random_range(0.03..0.15),
            manual_cycle: lognormal(rng, 600.0, 0.8),
            manual_response: (i % 3 == 0).then(|| lognormal(rng, 120.0, 0.5)),
            auto_cycle: lognormal(rng, 30.0, 0.8),
            auto_response: (i % 3 == 0).then_some(3.0),
            auto_fail: rng.random_range(0.005..0.06),
            auto_escalate: rng.random_range(0.01..0.12),
            review_minutes: rng.random_range(0.0..2.0),
            observations: if i % 10 == 0 { 0 } else { 30 },
            regress_day: None,
            shared_trend: 0.0,
        });
    }
    p
}

/// A log-normal draw with the given median and shape.
fn lognormal(rng: &mut ChaCha8Rng, median: f64, sigma: f64) -> f64 {
    median * (sigma * normal(rng)).exp()
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    // Box-Muller; 1 - u keeps the logarithm finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn ts(t: NaiveDateTime) -> String {
    format_timestamp(t)
}

fn minutes(m: f64) -> Duration {
    Duration::milliseconds((m * 60_000.0).round() as i64)
}

/// The generated company, written as three CSV files.
pub struct Company {
    profiles: Vec<Profile>,
    spec: Spec,
}

impl Company {
    pub fn new(spec: Spec) -> Company {
        let mut rng = ChaCha8Rng::seed_from_u64(spec.seed);
        Company {
            profiles: company(&spec, &mut rng),
            spec,
        }
    }

    fn go_live(&self, p: &Profile) -> Option<NaiveDateTime> {
        p.go_live_day.map(|d| self.midnight(d))
    }

    fn midnight(&self, day: i64) -> NaiveDateTime {
        (self.spec.start + Duration::days(day))
            .and_hms_opt(0, 0, 0)
            .expect("midnight exists")
    }

    /// The catalogue as CSV.
    pub fn write_workflows(&self, out: impl Write) -> io::Result<()> {
        let mut w = csv::Writer::from_writer(out);
        // The first eleven fields: every workflow's terms apply from the
        // beginning (no effective_from), with no run cost or maintenance;
        // and the outcomes it declares.
        let mut header = crate::model::Kind::Workflows.fields()[..11].to_vec();
        header.push("outcomes");
        w.write_record(&header)?;
        for p in &self.profiles {
            let opt = |v: Option<f64>| v.map(|x| x.to_string()).unwrap_or_default();
            w.write_record([
                p.id.clone(),
                p.name.clone(),
                p.owner.clone(),
                p.team.clone(),
                p.category.to_string(),
                p.hourly_cost.to_string(),
                p.currency.to_string(),
                opt(p.sla_response),
                opt(p.sla_cycle),
                self.go_live(p)
                    .map(|t| t.date().to_string())
                    .unwrap_or_default(),
                opt(p.override_b),
                outcomes_of(&p.id).to_string(),
            ])?;
        }
        w.flush()
    }

    /// The time studies as CSV: done by hand in the quarter before the run logs start.
    pub fn write_baselines(&self, out: impl Write) -> io::Result<()> {
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed ^ 0xba5e);
        let performers = [
            "A. Novak",
            "B. Silva",
            "C. Dubois",
            "D. Kim",
            "E. Larsen",
            "F. Haddad",
        ];
        let mut w = csv::Writer::from_writer(out);
        w.write_record(crate::model::Kind::Baselines.fields())?;
        for p in &self.profiles {
            for k in 0..p.observations {
                let day = rng.random_range(-90..-10i64);
                let at = self.midnight(day)
                    + Duration::minutes(rng.random_range(8 * 60..17 * 60))
                    + Duration::seconds(k as i64);
                let had_error = rng.random_bool(p.manual_error);
                let handle =
                    lognormal(&mut rng, p.manual_handle, 0.45) * if had_error { 1.6 } else { 1.0 };
                let response = p.manual_response.map(|m| lognormal(&mut rng, m, 0.6));
                let cycle = lognormal(&mut rng, p.manual_cycle, 0.7).max(handle);
                w.write_record([
                    "2025-Q4 time study".to_string(),
                    p.id.clone(),
                    ts(at),
                    performers[(k + p.id.len()) % performers.len()].to_string(),
                    round2(handle).to_string(),
                    response.map(|r| round2(r).to_string()).unwrap_or_default(),
                    round2(cycle).to_string(),
                    had_error.to_string(),
                    if had_error {
                        "rework after a mistake".into()
                    } else {
                        String::new()
                    },
                ])?;
            }
        }
        w.flush()
    }

    /// The run logs as CSV, `spec.runs` of them.
    pub fn write_runs(&self, out: impl Write) -> io::Result<()> {
        self.write_runs_as(out, RunsFormat::Csv, None)
    }

    /// The run logs in `format`, and with `steps`, the steps of every tenth
    /// finished run as a steps CSV. The runs are the same in every format and
    /// with or without steps: steps draw from a stream of their own.
    pub fn write_runs_as(
        &self,
        out: impl Write,
        format: RunsFormat,
        steps: Option<&mut dyn Write>,
    ) -> io::Result<()> {
        let mut header: Vec<&str> = crate::model::Kind::Runs.fields().to_vec();
        // `attributes` is written as the extra `region`, `channel` and `tier` columns.
        header.retain(|f| *f != "attributes");
        header.extend(["region", "channel", "tier", "csat", "reopened"]);
        let mut out = RunsOut::new(out, format, &header)?;
        let mut steps = match steps {
            Some(w) => {
                let mut w = csv::Writer::from_writer(w);
                w.write_record(crate::model::Kind::Steps.fields())?;
                Some(w)
            }
            None => None,
        };
        let mut rng = ChaCha8Rng::seed_from_u64(self.spec.seed ^ 0x7275_6e73);
        let eligible: Vec<&Profile> = self.profiles.iter().filter(|p| p.weight > 0.0).collect();
        let total: f64 = eligible.iter().map(|p| p.weight).sum();
        if eligible.is_empty() {
            return out.finish();
        }
        // Past a few dozen workflows, pick by binary search over the running
        // weights; the demo company keeps the linear walk its files were made with.
        let cumulative: Vec<f64> = eligible
            .iter()
            .scan(0.0, |acc, p| {
                *acc += p.weight;
                Some(*acc)
            })
            .collect();
        let span_minutes = self.spec.days * 24 * 60;
        let mut row: Vec<String> = Vec::with_capacity(header.len());
        for n in 0..self.spec.runs {
            let pick = rng.random_range(0.0..total);
            let p = if eligible.len() <= 32 {
                let mut left = pick;
                eligible
                    .iter()
                    .find(|p| {
                        left -= p.weight;
                        left < 0.0
                    })
                    .unwrap_or(eligible.last().expect("non-empty"))
            } else {
                let i = cumulative.partition_point(|c| *c <= pick);
                eligible[i.min(eligible.len() - 1)]
            };
            // Runs fall on working hours; pre-go-live runs only where the work was tracked.
            let go_live = self.go_live(p);
            let earliest = if p.pre_runs {
                0
            } else {
                p.go_live_day.unwrap_or(0) * 24 * 60
            };
            let minute = rng.random_range(earliest..span_minutes.max(earliest + 1));
            let day = minute / (24 * 60);
            let anchor = self.midnight(day)
                + Duration::minutes(7 * 60 + (minute % (24 * 60)) * 11 / 24)
                + Duration::seconds(rng.random_range(0..60));
            let automated = go_live.is_some_and(|g| anchor >= g);
            let regressed = automated && p.regress_day.is_some_and(|d| day >= d);
            let trend = (1.0 - p.shared_trend * day as f64).max(0.1);
            let times = self.draw_run(
                &mut rng, p, n, anchor, automated, regressed, trend, &mut row,
            );
            out.row(&header, &row)?;
            if let (Some(w), Some(finished), true) = (steps.as_mut(), times.1, n % 10 == 0) {
                write_steps(w, self.spec.seed, n, &row[0], &row[1], times.0, finished)?;
            }
        }
        if let Some(mut w) = steps {
            w.flush()?;
        }
        out.finish()
    }

    #[allow(clippy::too_many_arguments)]
    fn draw_run(
        &self,
        rng: &mut ChaCha8Rng,
        p: &Profile,
        n: u64,
        anchor: NaiveDateTime,
        automated: bool,
        regressed: bool,
        trend: f64,
        row: &mut Vec<String>,
    ) -> (NaiveDateTime, Option<NaiveDateTime>) {
        row.clear();
        let b = p.override_b.unwrap_or(p.manual_handle);
        let (fail, escalate) = if automated {
            let bump = if regressed { 0.17 } else { 0.0 };
            (p.auto_fail + bump, p.auto_escalate + bump / 2.0)
        } else {
            (p.manual_error, 0.0)
        };
        let u: f64 = rng.random();
        let status = if u < 0.004 {
            "running"
        } else if u < 0.014 {
            "cancelled"
        } else if u < 0.014 + fail {
            "failed"
        } else if u < 0.014 + fail + escalate {
            "escalated"
        } else {
            "succeeded"
        };
        let has_trigger = rng.random_bool(0.9);
        let queue = if automated {
            lognormal(rng, 0.5, 1.0)
        } else {
            lognormal(rng, 30.0, 1.0)
        };
        let started = anchor + minutes(queue);
        let base_cycle = if automated {
            p.auto_cycle
        } else {
            p.manual_cycle * trend
        };
        let mut cycle = lognormal(rng, base_cycle, 0.6) * if regressed { 2.5 } else { 1.0 };
        if status == "escalated" {
            cycle += lognormal(rng, 240.0, 0.8);
        }
        let finished = (status != "running").then(|| started + minutes(cycle));
        let response = (if automated {
            p.auto_response
        } else {
            p.manual_response
        })
        .map(|m| anchor + minutes(lognormal(rng, m, 0.7)))
        .filter(|r| status != "cancelled" && finished.is_none_or(|f| *r <= f));
        let human: Option<f64> = if !automated {
            Some(round2(lognormal(rng, b, 0.45)))
        } else {
            match status {
                "succeeded" => rng
                    .random_bool(0.3)
                    .then(|| round2(lognormal(rng, p.review_minutes.max(0.1), 0.5))),
                "escalated" => Some(round2(lognormal(rng, b * 0.7, 0.5))),
                "failed" => rng
                    .random_bool(0.5)
                    .then(|| round2(lognormal(rng, b * 1.1, 0.4))),
                _ => None,
            }
        };
        let error_kind = match status {
            "failed" if regressed && rng.random_bool(0.7) => "upstream_schema_change",
            "failed" => [
                "api_timeout",
                "validation_error",
                "duplicate_record",
                "auth_expired",
            ][rng.random_range(0..4)],
            "escalated" => {
                ["low_confidence", "missing_data", "policy_exception"][rng.random_range(0..3)]
            }
            _ => "",
        };
        let source = if automated { p.source } else { "ticketing" };
        row.push(source.to_string());
        row.push(format!("{}-{:08}", &p.id, n));
        row.push(p.id.clone());
        row.push(if has_trigger {
            ts(anchor)
        } else {
            String::new()
        });
        row.push(ts(if has_trigger { started } else { anchor }));
        row.push(response.map(ts).unwrap_or_default());
        row.push(finished.map(ts).unwrap_or_default());
        row.push(status.to_string());
        row.push(error_kind.to_string());
        row.push(human.map(|h| h.to_string()).unwrap_or_default());
        row.push(version_of(p, automated, regressed).to_string());
        row.push(["EU", "US", "APAC"][(n % 7 % 3) as usize].to_string());
        row.push(["web", "email", "api"][rng.random_range(0..3)].to_string());
        row.push(tier_of(n).to_string());
        let (csat, reopened) = outcome_cells(p, n, automated, status);
        row.push(csat);
        row.push(reopened);
        (if has_trigger { started } else { anchor }, finished)
    }
}

/// The automation's version that executed a run: none for work done by hand
/// (before go-live); `14` for the runs of a workflow that regresses, from its
/// regression on (the deploy that broke it), `13` before; `1` elsewhere. No
/// draw from the runs' stream.
fn version_of(p: &Profile, automated: bool, regressed: bool) -> &'static str {
    match (automated, regressed, p.regress_day.is_some()) {
        (false, _, _) => "",
        (true, true, _) => "14",
        (true, false, true) => "13",
        (true, false, false) => "1",
    }
}

/// The outcome measures a demo workflow declares: support-triage, the
/// customer-facing one, is judged by its CSAT (1-5, 4 or more satisfied)
/// and whether the ticket was reopened.
fn outcomes_of(id: &str) -> &'static str {
    match id {
        "support-triage" => "csat:scale:target=4;reopened:rate",
        _ => "",
    }
}

/// A support-triage run's CSAT and reopened flag, from a hash of `n` (no
/// draw from the runs' stream): about 40% of finished runs answer the survey,
/// with the same spread of scores by hand and automated (mean 3.75); 8% of
/// finished tickets done by hand are reopened, 12% of automated ones.
fn outcome_cells(p: &Profile, n: u64, automated: bool, status: &str) -> (String, String) {
    if outcomes_of(&p.id).is_empty() || !matches!(status, "succeeded" | "escalated") {
        return (String::new(), String::new());
    }
    let h = |salt: u64| ((n ^ salt).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32) % 100;
    let csat = (h(0x6373_6174) < 40).then(|| match h(0x0073_636f_7265) {
        0..=4 => "1",
        5..=14 => "2",
        15..=34 => "3",
        35..=69 => "4",
        _ => "5",
    });
    let reopened = h(0x7265_6f70) < if automated { 12 } else { 8 };
    (
        csat.unwrap_or_default().to_string(),
        if reopened { "1" } else { "0" }.to_string(),
    )
}

/// The customer tier of run `n`: a label from a hash of `n` (no draw from the
/// runs' stream, so every other field is what it was before tiers), about
/// 15% gold, 35% silver, 45% bronze and 5% without one (an empty cell: the
/// attribute is missing).
fn tier_of(n: u64) -> &'static str {
    let h = (n ^ 0x7469_6572).wrapping_mul(0x9E37_79B9_7F4A_7C15) >> 32;
    match h % 20 {
        0 => "",
        1..=3 => "gold",
        4..=10 => "silver",
        _ => "bronze",
    }
}

/// The formats the generator writes run logs in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunsFormat {
    Csv,
    /// One JSON object per line, `region`, `channel` and `tier` inside `attributes`.
    Ndjson,
}

/// Writes rows of the run log in one format.
enum RunsOut<W: Write> {
    Csv(Box<csv::Writer<W>>),
    Ndjson(io::BufWriter<W>),
}

impl<W: Write> RunsOut<W> {
    fn new(out: W, format: RunsFormat, header: &[&str]) -> io::Result<RunsOut<W>> {
        Ok(match format {
            RunsFormat::Csv => {
                let mut w = csv::Writer::from_writer(out);
                w.write_record(header)?;
                RunsOut::Csv(Box::new(w))
            }
            RunsFormat::Ndjson => RunsOut::Ndjson(io::BufWriter::with_capacity(1 << 16, out)),
        })
    }

    fn row(&mut self, header: &[&str], row: &[String]) -> io::Result<()> {
        match self {
            RunsOut::Csv(w) => Ok(w.write_record(row)?),
            RunsOut::Ndjson(w) => {
                let mut obj = serde_json::Map::new();
                let mut attrs = serde_json::Map::new();
                for (k, v) in header.iter().zip(row) {
                    if v.is_empty() {
                        continue;
                    }
                    let value = if *k == "human_minutes" {
                        v.parse::<f64>()
                            .ok()
                            .and_then(serde_json::Number::from_f64)
                            .map_or_else(|| v.clone().into(), serde_json::Value::Number)
                    } else {
                        v.clone().into()
                    };
                    if matches!(*k, "region" | "channel" | "tier" | "csat" | "reopened") {
                        attrs.insert(k.to_string(), value);
                    } else {
                        obj.insert(k.to_string(), value);
                    }
                }
                obj.insert("attributes".into(), serde_json::Value::Object(attrs));
                serde_json::to_writer(&mut *w, &obj)?;
                w.write_all(b"\n")
            }
        }
    }

    fn finish(self) -> io::Result<()> {
        match self {
            RunsOut::Csv(mut w) => w.flush(),
            RunsOut::Ndjson(mut w) => w.flush(),
        }
    }
}

/// The steps of run `n`: receive and process by the system, then a review by
/// a person, splitting its time from start to finish with waits between.
fn write_steps(
    w: &mut csv::Writer<&mut dyn Write>,
    seed: u64,
    n: u64,
    source: &str,
    run_id: &str,
    started: NaiveDateTime,
    finished: NaiveDateTime,
) -> io::Result<()> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x57e9 ^ n.wrapping_mul(0x9e37_79b9_7f4a_7c15));
    let total = (finished - started).num_milliseconds().max(0) as f64;
    // Cut points: receive | wait | process | wait | review.
    let mut cuts: Vec<f64> = (0..4).map(|_| rng.random_range(0.0..1.0)).collect();
    cuts.sort_by(f64::total_cmp);
    let at = |f: f64| started + Duration::milliseconds((total * f).round() as i64);
    let steps = [
        ("receive", 0.0, cuts[0], "system", ""),
        ("process", cuts[1], cuts[2], "system", ""),
        ("review", cuts[3], 1.0, "human", "reviewer"),
    ];
    for (step, a, b, actor, resource) in steps {
        w.write_record([
            source,
            run_id,
            step,
            &ts(at(a)),
            &ts(at(b)),
            actor,
            resource,
        ])?;
    }
    Ok(())
}
