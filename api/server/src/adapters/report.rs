//! What a finished run prints: a summary for people (the default) or JSON for machines
//! (`--json`), and the process's exit code.

use std::fmt::Write as _;

use familygraph_intake::RunStatus;
use serde::Serialize;

use super::runner::Outcome;

/// Exit code: the run finished and every record was applied.
pub const EXIT_OK: i32 = 0;
/// Exit code: the command failed (the source could not be read to its end, the database
/// failed, the configuration is wrong).
pub const EXIT_FAILURE: i32 = 1;
/// Exit code: the command line was wrong (also clap's).
pub const EXIT_USAGE: i32 = 2;
/// Exit code: the run finished, but at least one record was rejected (good records kept).
pub const EXIT_REJECTED: i32 = 3;
/// Exit code: the sync was not started because another process holds its lease.
pub const EXIT_BUSY: i32 = 4;

/// A command's end with an exit code other than 0 (the message is printed on standard
/// error unless empty: a summary already said it).
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct Exit {
    /// The process's exit code.
    pub code: i32,
    /// What to say on standard error.
    pub message: String,
}

impl Exit {
    /// Ends with `code`, saying `message`.
    pub fn new(code: i32, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

/// The exit code for a finished run.
pub fn exit_code(outcome: &Outcome) -> i32 {
    match outcome.summary.status {
        _ if outcome.failure.is_some() => EXIT_FAILURE,
        RunStatus::Failed => EXIT_FAILURE,
        RunStatus::SucceededWithRejections => EXIT_REJECTED,
        _ if outcome.summary.counts.rejected > 0 => EXIT_REJECTED,
        RunStatus::Succeeded | RunStatus::Running => EXIT_OK,
    }
}

/// The status's name as GraphQL and the JSON summary spell it.
pub fn status_name(status: RunStatus) -> &'static str {
    match status {
        RunStatus::Running => "RUNNING",
        RunStatus::Succeeded => "SUCCEEDED",
        RunStatus::SucceededWithRejections => "SUCCEEDED_WITH_REJECTIONS",
        RunStatus::Failed => "FAILED",
    }
}

#[derive(Serialize)]
struct JsonRejection<'a> {
    document: &'a str,
    pointer: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonNote<'a> {
    document: &'a str,
    pointer: &'a str,
    reason: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct JsonSummary<'a> {
    run_id: String,
    adapter: &'a str,
    source: &'a str,
    status: &'static str,
    read: u64,
    created: u64,
    updated: u64,
    unchanged: u64,
    rejected: u64,
    queued_for_review: u64,
    rejections: Vec<JsonRejection<'a>>,
    notes: Vec<JsonNote<'a>>,
    cursor: Option<&'a str>,
    failure: Option<&'a str>,
    elapsed_seconds: f64,
    exit_code: i32,
}

/// The summary as one JSON object.
pub fn json(outcome: &Outcome) -> String {
    let s = &outcome.summary;
    let value = JsonSummary {
        run_id: s.run_id.0.to_string(),
        adapter: outcome.kind,
        source: &outcome.source,
        status: status_name(s.status),
        read: s.counts.read,
        created: s.counts.created,
        updated: s.counts.updated,
        unchanged: s.counts.unchanged,
        rejected: s.counts.rejected,
        queued_for_review: s.counts.queued_for_review,
        rejections: s
            .rejections
            .iter()
            .map(|r| JsonRejection {
                document: &r.location.document,
                pointer: &r.location.pointer,
                reason: &r.reason,
            })
            .collect(),
        notes: s
            .notes
            .iter()
            .map(|n| JsonNote {
                document: &n.location.document,
                pointer: &n.location.pointer,
                reason: &n.reason,
            })
            .collect(),
        cursor: s.cursor.as_ref().map(|c| c.as_str()),
        failure: outcome.failure.as_deref(),
        elapsed_seconds: outcome.elapsed.as_secs_f64(),
        exit_code: exit_code(outcome),
    };
    serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The summary for people.
pub fn human(command: &str, outcome: &Outcome) -> String {
    let s = &outcome.summary;
    let c = &s.counts;
    let seconds = outcome.elapsed.as_secs_f64();
    let rate = if seconds > 0.0 {
        c.read as f64 / seconds
    } else {
        0.0
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "familygraph {command} {} (source {}): {} — run {}",
        outcome.kind,
        outcome.source,
        match s.status {
            RunStatus::Succeeded => "succeeded",
            RunStatus::SucceededWithRejections => "succeeded with rejections",
            RunStatus::Failed => "FAILED",
            RunStatus::Running => "running",
        },
        s.run_id.0
    );
    let _ = writeln!(
        out,
        "  read {}, created {}, updated {}, unchanged {}, rejected {}, queued for review {} \
         in {seconds:.1}s ({rate:.0} records/s)",
        c.read, c.created, c.updated, c.unchanged, c.rejected, c.queued_for_review
    );
    if let Some(failure) = &outcome.failure {
        let _ = writeln!(out, "  stopped by: {failure}");
        let _ = writeln!(
            out,
            "  `familygraph sync` resumes from the last applied batch"
        );
    }
    if !s.rejections.is_empty() {
        let _ = writeln!(out, "rejected records:");
        for rejection in &s.rejections {
            let _ = writeln!(out, "  {}: {}", rejection.location, rejection.reason);
        }
    }
    if !s.notes.is_empty() {
        let _ = writeln!(out, "values left out of applied records:");
        for note in &s.notes {
            let _ = writeln!(out, "  {}: {}", note.location, note.reason);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::time::Duration;

    use familygraph_adapter_sdk::Location;
    use familygraph_intake::{
        ApplyCounts, RecordedNote, RecordedRejection, RunId, RunStatus, RunSummary,
    };
    use uuid::Uuid;

    use super::*;

    /// A finished run of a synthetic source with one rejection and two notes.
    fn outcome() -> Outcome {
        let at = |pointer: &str| Location::document("children.xml").at(pointer);
        Outcome {
            summary: RunSummary {
                run_id: RunId(Uuid::nil()),
                adapter: "cin-census:county-cin".to_owned(),
                status: RunStatus::SucceededWithRejections,
                counts: ApplyCounts {
                    read: 3,
                    created: 2,
                    rejected: 1,
                    ..ApplyCounts::default()
                },
                rejections: vec![RecordedRejection {
                    location: at("/Child[2]"),
                    reason: "PersonBirthDate: not a possible date".to_owned(),
                }],
                notes: vec![
                    RecordedNote {
                        location: at("/Child[1]/UPN"),
                        reason: "UPN: fails its check letter".to_owned(),
                    },
                    RecordedNote {
                        location: at("/Child[3]/NHSNumber"),
                        reason: "NHSNumber: fails its check digit".to_owned(),
                    },
                ],
                cursor: None,
            },
            source: "county-cin".to_owned(),
            kind: "cin-census",
            elapsed: Duration::from_secs(1),
            failure: None,
        }
    }

    #[test]
    fn the_summary_for_people_lists_the_notes_after_the_rejections() {
        let text = human("import", &outcome());
        let lines: Vec<&str> = text.lines().skip(2).collect();
        assert_eq!(
            lines,
            [
                "rejected records:",
                "  children.xml#/Child[2]: PersonBirthDate: not a possible date",
                "values left out of applied records:",
                "  children.xml#/Child[1]/UPN: UPN: fails its check letter",
                "  children.xml#/Child[3]/NHSNumber: NHSNumber: fails its check digit",
            ],
            "{text}"
        );
    }

    #[test]
    fn the_json_summary_lists_the_notes_like_the_rejections() {
        let value: serde_json::Value = serde_json::from_str(&json(&outcome())).unwrap();
        assert_eq!(
            value["notes"],
            serde_json::json!([
                {
                    "document": "children.xml",
                    "pointer": "/Child[1]/UPN",
                    "reason": "UPN: fails its check letter"
                },
                {
                    "document": "children.xml",
                    "pointer": "/Child[3]/NHSNumber",
                    "reason": "NHSNumber: fails its check digit"
                }
            ]),
            "{value}"
        );
        assert_eq!(value["rejections"].as_array().unwrap().len(), 1, "{value}");
    }
}
