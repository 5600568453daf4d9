//! What each vendor's run record says, field by field, and each vendor's
//! statuses in ours. The sources of every field name and the reasons for
//! every status choice are in README.md ("Automation-platform exports") and in
//! `fixtures/platforms/<vendor>/SOURCES.md`, beside the vendors' own example
//! responses that the tests read.

use serde_json::Value;

use super::{pick, Flat, Platform};

/// What one vendor run record says, in Yardstick's terms, before validation.
#[derive(Debug, Default)]
pub(super) struct Said {
    pub(super) id: Option<String>,
    /// The vendor's id (or name) of the workflow, looked up in the map.
    pub(super) workflow: Option<String>,
    pub(super) trigger: Option<String>,
    pub(super) started: Option<String>,
    pub(super) finished: Option<String>,
    /// Milliseconds from `started`, where the vendor gives a duration and no end.
    pub(super) duration_ms: Option<f64>,
    /// The vendor's status, as it wrote it.
    pub(super) status: Option<String>,
    pub(super) error: Option<String>,
    /// The version of the automation that ran (the run's `version`).
    pub(super) version: Option<String>,
    /// Normalised keys left out of the attributes, with everything nested
    /// under them: read into the fields above, or bulky run data.
    pub(super) used: Vec<String>,
}

impl Said {
    fn use_keys(&mut self, keys: &[&str]) {
        self.used.extend(keys.iter().map(|k| super::norm(k)));
    }
}

/// Reads one record of `platform` (`value` is the record as JSON; a CSV row
/// is an object of its columns).
pub(super) fn said(platform: Platform, flat: &Flat, value: &Value) -> Said {
    match platform {
        Platform::N8n => n8n(flat),
        Platform::Zapier => zapier(flat, value),
        Platform::PowerAutomate => power_automate(flat),
        Platform::Uipath => uipath(flat),
        Platform::Make => make(flat),
    }
}

/// The first of `names` present in `flat`, as an owned string.
fn get(flat: &Flat, names: &[&str]) -> Option<String> {
    pick(flat, names).map(str::to_string)
}

/// n8n's public API, `GET /api/v1/executions` (packages/cli/src/public-api/v1
/// handlers/executions/spec/schemas/execution.yml).
fn n8n(flat: &Flat) -> Said {
    let mut s = Said {
        id: get(flat, &["id"]),
        workflow: get(flat, &["workflowId"]),
        // The list gives no createdAt (only an execution fetched by id has
        // it), so it is no trigger: the same execution must read the same
        // whichever way it was fetched. A queued execution (`new`) has no
        // startedAt yet; its creation stands in until it starts.
        started: get(flat, &["startedAt", "createdAt"]),
        finished: get(flat, &["stoppedAt"]),
        status: get(flat, &["status"]),
        error: get(
            flat,
            &[
                "data.resultData.error.message",
                "data.resultData.error.description",
            ],
        ),
        version: get(flat, &["workflowVersionId", "data.workflowData.versionId"]),
        ..Said::default()
    };
    if s.status.is_none() {
        // Versions before 0.200 have no status: `finished` says whether it succeeded.
        s.status = match pick(flat, &["finished"]) {
            Some("true") => Some("success".into()),
            Some("false") if s.finished.is_some() => Some("error".into()),
            Some("false") => Some("running".into()),
            _ => None,
        };
    }
    s.use_keys(&[
        "id",
        "workflowId",
        "startedAt",
        "stoppedAt",
        "status",
        "workflowVersionId",
        "data",
        "workflowData",
    ]);
    s
}

/// Zapier's Partner API, `GET /v2/zap-runs` (the ZapRun schema). A run
/// carries no error text: the first step whose status is an error says
/// where it failed.
fn zapier(flat: &Flat, value: &Value) -> Said {
    let status = get(flat, &["status"]);
    let error = value
        .get("steps")
        .and_then(Value::as_array)
        .and_then(|steps| {
            steps.iter().enumerate().find_map(|(i, st)| {
                let s = st.get("status")?.as_str()?;
                s.to_ascii_lowercase()
                    .starts_with("error")
                    .then(|| format!("step {} {s}", i + 1))
            })
        })
        .or_else(|| status.clone().map(|s| format!("zap run {s}")));
    let mut s = Said {
        id: get(flat, &["id"]),
        workflow: get(flat, &["zap_id"]),
        started: get(flat, &["start_time"]),
        finished: get(flat, &["end_time"]),
        status,
        error,
        ..Said::default()
    };
    s.use_keys(&[
        "id",
        "zap_id",
        "start_time",
        "end_time",
        "status",
        "steps",
        "data_in",
        "data_out",
    ]);
    s
}

/// Power Automate: the management API's run (the Logic Apps WorkflowRun,
/// `{"id", "name", "properties": {...}}`), or a row of the Dataverse
/// `flowrun` table (its logical names, or the run-history page's labels).
fn power_automate(flat: &Flat) -> Said {
    if pick(flat, &["properties.status", "properties.startTime"]).is_some() {
        let mut s = Said {
            id: get(flat, &["name"]),
            // The run names its flow only in its resource id:
            // `…/workflows/{name}/runs/{run}` or `…/flows/{id}/runs/{run}`.
            workflow: pick(flat, &["id"]).and_then(flow_of_run_id),
            trigger: get(flat, &["properties.trigger.startTime"]),
            started: get(flat, &["properties.startTime"]),
            finished: get(flat, &["properties.endTime"]),
            status: get(flat, &["properties.status"]),
            error: get(
                flat,
                &[
                    "properties.error.message",
                    "properties.error.code",
                    "properties.code",
                ],
            ),
            // "Gets the reference to workflow version" (logic.json).
            version: get(flat, &["properties.workflow.name"]),
            ..Said::default()
        };
        s.use_keys(&[
            "name",
            "properties.startTime",
            "properties.endTime",
            "properties.status",
            "properties.outputs",
            "properties.response",
            "properties.trigger.outputs",
            "properties.trigger.inputs",
        ]);
        return s;
    }
    let error = pick(flat, &["errormessage", "error message"]).map(|m| {
        // Dataverse keeps the error as JSON text: {"code": …, "message": …}.
        match serde_json::from_str::<Value>(m) {
            Ok(v) => v
                .get("message")
                .or_else(|| v.get("code"))
                .and_then(Value::as_str)
                .map_or_else(|| m.to_string(), str::to_string),
            Err(_) => m.to_string(),
        }
    });
    let mut s = Said {
        id: get(flat, &["name", "run id", "flowrunid"]),
        workflow: get(
            flat,
            &[
                "_workflow_value",
                "workflowid",
                "workflow id",
                "flow id",
                "workflow name",
                "flow name",
            ],
        ),
        started: get(flat, &["starttime", "start time"]),
        finished: get(flat, &["endtime", "end time"]),
        duration_ms: pick(flat, &["duration"]).and_then(|d| d.trim().parse().ok()),
        status: get(flat, &["status"]),
        error: error.or_else(|| get(flat, &["errorcode", "error code"])),
        ..Said::default()
    };
    s.use_keys(&[
        "name",
        "run id",
        "_workflow_value",
        "workflowid",
        "workflow id",
        "flow id",
        "starttime",
        "endtime",
        "duration",
        "status",
        "errormessage",
    ]);
    s
}

/// The flow (or Logic App workflow) named in a run's resource id.
fn flow_of_run_id(id: &str) -> Option<String> {
    let parts: Vec<&str> = id.split('/').collect();
    parts.windows(4).find_map(|w| {
        (matches!(w[0].to_ascii_lowercase().as_str(), "workflows" | "flows")
            && w[2].eq_ignore_ascii_case("runs")
            && !w[1].is_empty())
        .then(|| w[1].to_string())
    })
}

/// UiPath Orchestrator, `GET /odata/Jobs` (JobDto).
fn uipath(flat: &Flat) -> Said {
    let state = get(flat, &["State"]);
    let mut s = Said {
        id: get(flat, &["Key", "Id"]),
        workflow: get(
            flat,
            &[
                "ReleaseName",
                "Release.Name",
                "Process",
                "Release.ProcessKey",
            ],
        ),
        trigger: get(flat, &["CreationTime", "Created", "creation time"]),
        // StartTime is null while the job is Pending: it has been queued.
        started: get(
            flat,
            &[
                "StartTime",
                "Started",
                "start time",
                "CreationTime",
                "Created",
            ],
        ),
        finished: get(flat, &["EndTime", "Ended", "end time"]),
        status: state.map(|st| uipath_state_name(&st).map_or(st, str::to_string)),
        error: get(
            flat,
            &["JobError.Title", "JobError.Detail", "JobError.Code", "Info"],
        ),
        version: get(flat, &["Release.ProcessVersion", "ReleaseVersionId"]),
        ..Said::default()
    };
    s.use_keys(&[
        "Key",
        "Id",
        "ReleaseName",
        "Release.Name",
        "Process",
        "CreationTime",
        "Created",
        "StartTime",
        "Started",
        "EndTime",
        "Ended",
        "State",
        "InputArguments",
        "OutputArguments",
    ]);
    s
}

/// The JobState enumeration's numbers (Orchestrator's Swagger), for a
/// response that sends the state as a number.
fn uipath_state_name(s: &str) -> Option<&'static str> {
    Some(match s.trim() {
        "0" => "Pending",
        "1" => "Running",
        "2" => "Stopping",
        "3" => "Terminating",
        "4" => "Faulted",
        "5" => "Successful",
        "6" => "Stopped",
        "7" => "Suspended",
        "8" => "Resumed",
        _ => return None,
    })
}

/// Make, `GET /api/v2/scenarios/{scenarioId}/logs`: a log does not name its
/// scenario (the request path does); `timestamp` is when the execution
/// started and `duration` how long it took, in milliseconds.
fn make(flat: &Flat) -> Said {
    let mut s = Said {
        id: get(flat, &["id"]),
        workflow: get(flat, &["scenarioId"]),
        started: get(flat, &["timestamp"]),
        duration_ms: pick(flat, &["duration"]).and_then(|d| d.trim().parse().ok()),
        status: get(flat, &["status"]),
        error: get(flat, &["error.message", "error.name"]),
        ..Said::default()
    };
    s.use_keys(&["id", "scenarioId", "timestamp", "duration", "status"]);
    s
}

/// A vendor's status in ours, or `None` for one it does not document.
/// README.md says why each maps where it does.
pub(super) fn status(platform: Platform, s: &str) -> Option<&'static str> {
    let s = s.trim().to_ascii_lowercase();
    Some(match platform {
        // ExecutionStatus (packages/workflow): canceled, crashed, error, new,
        // running, success, unknown, waiting.
        Platform::N8n => match s.as_str() {
            "success" => "succeeded",
            "error" | "crashed" | "failed" => "failed",
            "canceled" | "cancelled" => "cancelled",
            // `unknown`: n8n does not know that it ended; it stays open (no
            // terminal figure counts it) until a later export says how.
            "running" | "new" | "waiting" | "unknown" => "running",
            _ => return None,
        },
        // The zap-runs `statuses` filter's enumeration, and the help
        // centre's "Stopped" (an error) for exports made from its pages.
        Platform::Zapier => match s.as_str() {
            "success" | "successful" => "succeeded",
            "error" | "errored" | "error_handled" | "stopped" => "failed",
            "filtered" | "halted" | "skipped" => "cancelled",
            "delayed" | "scheduled" | "pending" | "held" | "holding" | "throttled" | "playing"
            | "waiting" | "running" => "running",
            _ => return None,
        },
        // WorkflowStatus (logic.json), and Dataverse's `Success`.
        Platform::PowerAutomate => match s.as_str() {
            "succeeded" | "success" => "succeeded",
            "failed" | "faulted" | "timedout" | "timed out" | "aborted" => "failed",
            "cancelled" | "canceled" | "skipped" | "ignored" => "cancelled",
            "running" | "waiting" | "suspended" | "paused" | "notspecified" => "running",
            _ => return None,
        },
        // JobState (Orchestrator's Swagger).
        Platform::Uipath => match s.as_str() {
            "successful" => "succeeded",
            "faulted" => "failed",
            "stopped" => "cancelled",
            "pending" | "running" | "stopping" | "terminating" | "suspended" | "resumed" => {
                "running"
            }
            _ => return None,
        },
        // A scenario log's numeric status: 1 success, 2 warning (an error
        // an error handler caught), 3 error; 0 not finished (Make's SDK).
        Platform::Make => match s.as_str() {
            "1" | "success" => "succeeded",
            "2" | "3" | "warning" | "error" => "failed",
            "0" | "pending" | "running" => "running",
            _ => return None,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flow_is_read_from_its_run_id() {
        let la = "/subscriptions/34adfa4f/resourceGroups/rg/providers/Microsoft.Logic/workflows/test-workflow/runs/0858667";
        assert_eq!(flow_of_run_id(la).as_deref(), Some("test-workflow"));
        let pa = "/providers/Microsoft.ProcessSimple/environments/Default-1/flows/3c5d7e91-0000/runs/08585";
        assert_eq!(flow_of_run_id(pa).as_deref(), Some("3c5d7e91-0000"));
        assert_eq!(flow_of_run_id("08585"), None);
        assert_eq!(flow_of_run_id("/flows//runs/x"), None);
    }

    #[test]
    fn every_documented_status_maps() {
        let documented: &[(Platform, &[&str])] = &[
            (
                Platform::N8n,
                &[
                    "canceled", "crashed", "error", "new", "running", "success", "unknown",
                    "waiting",
                ],
            ),
            (
                Platform::Zapier,
                &[
                    "success",
                    "error",
                    "error_handled",
                    "halted",
                    "filtered",
                    "skipped",
                    "delayed",
                    "scheduled",
                    "pending",
                    "held",
                    "throttled",
                ],
            ),
            (
                Platform::PowerAutomate,
                &[
                    "NotSpecified",
                    "Paused",
                    "Running",
                    "Waiting",
                    "Succeeded",
                    "Skipped",
                    "Suspended",
                    "Cancelled",
                    "Failed",
                    "Faulted",
                    "TimedOut",
                    "Aborted",
                    "Ignored",
                ],
            ),
            (
                Platform::Uipath,
                &[
                    "Pending",
                    "Running",
                    "Stopping",
                    "Terminating",
                    "Faulted",
                    "Successful",
                    "Stopped",
                    "Suspended",
                    "Resumed",
                ],
            ),
            (Platform::Make, &["0", "1", "2", "3"]),
        ];
        for (p, all) in documented {
            for s in *all {
                assert!(status(*p, s).is_some(), "{p:?} {s}");
            }
            assert_eq!(status(*p, "bogus"), None);
        }
        assert_eq!(status(Platform::Make, "2"), Some("failed"));
        assert_eq!(status(Platform::Zapier, "error_handled"), Some("failed"));
        assert_eq!(uipath_state_name("5"), Some("Successful"));
    }
}
