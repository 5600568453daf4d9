//! Regressions delivered: `serve --alert-webhook URL` posts each new
//! regression of `report alerts` once, as JSON a Slack or Microsoft Teams
//! incoming webhook accepts (`text`), with the evidence beside it
//! (`yardstick`).
//!
//! The server looks after every committed write (it checks the store's
//! generation every few seconds, so within seconds of the ingest that
//! reveals a regression) and at least once an hour (a week completes with
//! no write). What was delivered is recorded in the database
//! (`alerts_sent`), so a restart posts nothing twice; a delivery that fails
//! is tried again at the next look.

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;

use crate::engine::Engine;
use crate::metrics::compare::RegressionCheck;
use crate::model::format_timestamp;
use crate::report::Alerts;
use crate::store::Store;

/// Where regressions go, and how often the server looks.
#[derive(Debug, Clone)]
pub struct Webhook {
    pub url: String,
    /// How often the store's generation is checked.
    pub every: Duration,
    /// The server's own address, for a link to the workflow's page.
    pub page_base: Option<String>,
}

impl Webhook {
    /// The address as logs and messages show it: its scheme, host and port
    /// only, for a Slack or Teams incoming webhook's path is its secret
    /// (Slack: "Your webhook URL contains a secret").
    pub fn shown(&self) -> String {
        match reqwest::Url::parse(&self.url) {
            Ok(u) => {
                let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
                format!("{}://{}{port}/…", u.scheme(), u.host_str().unwrap_or(""))
            }
            Err(_) => "(not a URL)".into(),
        }
    }
}

/// The webhook's message of one regression: `text` for the chat, and the
/// evidence under `yardstick`.
pub fn message(alerts: &Alerts, c: &RegressionCheck, page_base: Option<&str>) -> serde_json::Value {
    let share = c.metric.ends_with("_rate");
    let shown = |v: Option<f64>| match v {
        None => "–".to_string(),
        Some(x) if share => format!("{:.1}%", x * 100.0),
        Some(x) => format!("{x:.1} min"),
    };
    let change = |v: Option<f64>| match v {
        None => "–".to_string(),
        Some(x) if share => format!("{:+.1} pp", x * 100.0),
        Some(x) => format!("{x:+.1} min"),
    };
    let name = match c.metric {
        "error_rate" => "error rate",
        "escalation_rate" => "escalation rate",
        "cycle_time_p50_min" => "median cycle time",
        "response_p50_min" => "median time to first response",
        other => other,
    };
    let week = format_timestamp(alerts.week_start);
    let link = page_base.map(|b| format!("{b}/dashboards/workflow?workflow={}", c.workflow_id));
    let (wf, last, ln) = (&c.workflow_id, shown(c.last_week), c.last_week_n);
    let (trailing, tn) = (shown(c.trailing), c.trailing_n);
    // The change and its interval end both texts.
    let tail = format!(
        "change {ch}, {level:.0}% interval {lo} to {hi}.{link}",
        ch = change(c.change),
        level = alerts.level * 100.0,
        lo = change(c.ci_low),
        hi = change(c.ci_high),
        link = link.as_deref().map(|l| format!(" {l}")).unwrap_or_default(),
    );
    let text = match &c.version {
        Some(v) => format!(
            "Yardstick: {wf} — version {ver} (from {day}): {name} {trailing} → {last}, clearly \
             worse (n = {ln}, against version {prev}'s weeks before it, n = {tn}); {tail}",
            ver = v.version,
            day = &format_timestamp(v.from)[..10],
            prev = v.previous_version,
        ),
        None => format!(
            "Yardstick: {wf} — {name} clearly worse in the week of {day}: {last} (n = {ln}) \
             against {trailing} over the {weeks} weeks before (n = {tn}); {tail}",
            day = &week[..10],
            weeks = alerts.trailing_weeks,
        ),
    };
    json!({
        "text": text,
        "yardstick": {
            "workflow_id": c.workflow_id,
            "metric": c.metric,
            "week_start": week,
            "week_end": format_timestamp(alerts.week_end),
            "tz": alerts.tz,
            "last_week": c.last_week,
            "last_week_n": c.last_week_n,
            "trailing": c.trailing,
            "trailing_n": c.trailing_n,
            "trailing_weeks": alerts.trailing_weeks,
            "change": c.change,
            "ci_low": c.ci_low,
            "ci_high": c.ci_high,
            "level": alerts.level,
            "verdict": c.verdict,
            "version": c.version,
            "page": link,
        }
    })
}

/// A regression to post: the check, its delivery key ([`delivery_key`]) and
/// its message.
pub type Undelivered = (
    RegressionCheck,
    (chrono::NaiveDateTime, String),
    serde_json::Value,
);

/// What a delivered regression is recorded under: a weekly one by its week
/// and metric; a version's by the version's first run and `version V:
/// metric`, so that it is posted once, not again every week it stays new.
pub fn delivery_key(alerts: &Alerts, c: &RegressionCheck) -> (chrono::NaiveDateTime, String) {
    match &c.version {
        Some(v) => (v.from, format!("version {}: {}", v.version, c.metric)),
        None => (alerts.week_start, c.metric.to_string()),
    }
}

/// The regressions of the last complete week and of new versions not yet
/// delivered, with their delivery keys and messages. No runs yet, or no
/// complete week: nothing.
pub fn undelivered(
    engine: &dyn Engine,
    store: &Store,
    page_base: Option<&str>,
) -> anyhow::Result<Vec<Undelivered>> {
    let alerts = match crate::report::alerts(engine, None, "UTC") {
        Ok(a) => a,
        Err(crate::report::ReportError::BadRequest(_)) => return Ok(Vec::new()),
        Err(e) => return Err(e.into()),
    };
    let mut sent: std::collections::HashMap<chrono::NaiveDateTime, Vec<(String, String)>> =
        std::collections::HashMap::new();
    let mut out = Vec::new();
    for c in &alerts.alerts {
        let (week, key) = delivery_key(&alerts, c);
        let done = match sent.entry(week) {
            std::collections::hash_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::hash_map::Entry::Vacant(e) => e.insert(store.alerts_sent(week)?),
        };
        if !done.iter().any(|(w, m)| *w == c.workflow_id && *m == key) {
            out.push((c.clone(), (week, key), message(&alerts, c, page_base)));
        }
    }
    Ok(out)
}

/// Looks for new regressions after every write and at least hourly, and
/// posts each once. Runs until the server stops.
pub async fn watch(engine: Arc<dyn Engine>, store: Store, hook: Webhook) {
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(30))
        .build()
    {
        Ok(c) => c,
        Err(e) => return tracing::error!(error = %e, "alert webhook: no HTTP client"),
    };
    let mut seen: Option<u64> = None;
    let mut looked = std::time::Instant::now();
    // After a failed delivery, the next try (not before a minute has passed).
    let mut retry: Option<std::time::Instant> = None;
    loop {
        let generation = store.generation();
        let now = std::time::Instant::now();
        let due = seen != Some(generation)
            || retry.is_some_and(|t| now >= t)
            || looked.elapsed() >= Duration::from_secs(3600);
        if due {
            seen = Some(generation);
            looked = now;
            retry = None;
            let (e, s, base) = (engine.clone(), store.clone(), hook.page_base.clone());
            let found =
                tokio::task::spawn_blocking(move || undelivered(e.as_ref(), &s, base.as_deref()))
                    .await;
            let again = Some(std::time::Instant::now() + Duration::from_secs(60));
            match found {
                Ok(Ok(new)) => {
                    for (c, (week, key), body) in new {
                        match client.post(&hook.url).json(&body).send().await {
                            Ok(r) if r.status().is_success() => {
                                let now = chrono::Utc::now().naive_utc();
                                let (s, id) = (store.clone(), c.workflow_id.clone());
                                let recorded = tokio::task::spawn_blocking(move || {
                                    s.alert_sent(&id, &key, week, now)
                                })
                                .await;
                                if !matches!(recorded, Ok(Ok(()))) {
                                    tracing::error!("alert webhook: delivered but not recorded");
                                }
                                tracing::info!(workflow = %c.workflow_id, metric = c.metric, "regression delivered");
                            }
                            Ok(r) => {
                                retry = again;
                                tracing::warn!(status = %r.status(), url = %hook.shown(), "alert webhook refused the message; trying again");
                            }
                            Err(e) => {
                                retry = again;
                                tracing::warn!(error = %crate::pull::failure(e), url = %hook.shown(), "alert webhook unreachable; trying again");
                            }
                        }
                    }
                }
                Ok(Err(e)) => {
                    tracing::error!(error = %e, "alert webhook: the regression checks failed")
                }
                Err(e) => {
                    tracing::error!(error = %e, "alert webhook: the regression checks panicked")
                }
            }
        }
        tokio::time::sleep(hook.every).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_webhook_is_shown_without_its_secret_path() {
        let hook = |url: &str| Webhook {
            url: url.into(),
            every: Duration::from_secs(5),
            page_base: None,
        };
        let slack = "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXXXXXXXXXX";
        assert_eq!(hook(slack).shown(), "https://hooks.slack.com/…");
        assert_eq!(
            hook("http://127.0.0.1:9009/hook?k=1").shown(),
            "http://127.0.0.1:9009/…"
        );
        assert_eq!(hook("not a url").shown(), "(not a URL)");
    }
}
