//! `familygraph delivery dead-letters|retry|discard`: the command line's view of the dead
//! letters, through the same functions as GraphQL's `deadLetters`, `retryDelivery` and
//! `discardDelivery` (`familygraph_graphql::types::dead_letter`), audited as the operator
//! `command-line:<user>`.
//!
//! Exit codes: 0 done; 1 failed (no such delivery, not a dead letter, the database failed); 2
//! the command line was wrong (an id that is neither a delivery's global id nor a UUID).

use async_graphql::ID;
use familygraph_domain::Principal;
use familygraph_graphql::types::dead_letter::{self, DeadLetterRecord, DeliveryRef};
use uuid::Uuid;

use crate::adapters::report::{EXIT_FAILURE, EXIT_USAGE, Exit};
use crate::cli::{CommonArgs, DeliveryCommand};

/// Runs a `delivery` subcommand.
pub async fn run(common: &CommonArgs, command: &DeliveryCommand) -> anyhow::Result<()> {
    // The id is checked before connecting: a wrong command line is exit 2 at once.
    let parsed = match command {
        DeliveryCommand::Retry { id } | DeliveryCommand::Discard { id } => Some(parse_id(id)?),
        DeliveryCommand::DeadLetters { .. } => None,
    };
    let db = crate::adapters::command::connect(common)
        .await
        .map_err(|e| Exit::new(EXIT_FAILURE, format!("{e:#}")))?;
    match command {
        DeliveryCommand::DeadLetters {
            json,
            include_discarded,
            limit,
        } => {
            let rows = dead_letter::list(&db, None, *include_discarded, None, *limit)
                .await
                .map_err(|e| Exit::new(EXIT_FAILURE, format!("reading dead letters: {e}")))?;
            if *json {
                println!("{}", serde_json::to_string_pretty(&rows)?);
            } else {
                print!("{}", table(&rows));
            }
            Ok(())
        }
        DeliveryCommand::Retry { .. } | DeliveryCommand::Discard { .. } => {
            let which = match parsed {
                Some(Parsed::Ref(which)) => which,
                Some(Parsed::Bare(id)) => dead_letter::resolve(&db, id)
                    .await
                    .map_err(|e| Exit::new(EXIT_FAILURE, format!("reading deliveries: {e}")))?
                    .ok_or_else(|| Exit::new(EXIT_FAILURE, "no delivery with that id"))?,
                None => return Err(Exit::new(EXIT_USAGE, "no id").into()),
            };
            let actor = operator();
            let (verb, result) = match command {
                DeliveryCommand::Retry { .. } => {
                    ("queued again", dead_letter::retry(&db, &actor, which).await)
                }
                _ => ("discarded", dead_letter::discard(&db, &actor, which).await),
            };
            let record = result.map_err(|e| Exit::new(EXIT_FAILURE, e.to_string()))?;
            println!(
                "{} {verb}: {} {} to {}",
                record.id, record.event_kind, record.event_id, record.target
            );
            Ok(())
        }
    }
}

/// An id from the command line.
enum Parsed {
    /// A delivery's global id.
    Ref(DeliveryRef),
    /// A bare ledger row id (looked up in both ledgers).
    Bare(Uuid),
}

fn parse_id(text: &str) -> Result<Parsed, Exit> {
    if let Ok(uuid) = Uuid::parse_str(text.trim()) {
        return Ok(Parsed::Bare(uuid));
    }
    DeliveryRef::from_global_id("id", &ID(text.trim().to_owned()))
        .map(Parsed::Ref)
        .map_err(|_| {
            Exit::new(
                EXIT_USAGE,
                format!("{text:?} is not a delivery id (as `familygraph delivery dead-letters` lists them) or a UUID"),
            )
        })
}

/// Who the command line acts as in the audit trail: the operator, with no role.
fn operator() -> Principal {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "operator".to_owned());
    Principal {
        subject: format!("command-line:{user}"),
        client_id: None,
        roles: Vec::new(),
        team: None,
        school_urn: None,
        agency: None,
    }
}

/// The dead letters as a table for people.
fn table(rows: &[DeadLetterRecord]) -> String {
    use std::fmt::Write as _;
    if rows.is_empty() {
        return "no dead letters\n".to_owned();
    }
    let time = |t: Option<chrono::DateTime<chrono::Utc>>| {
        t.map_or_else(
            || "-".to_owned(),
            |t| t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
        )
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "ID\tKIND\tSTATUS\tTARGET\tEVENT\tEVENT KIND\tATTEMPTS\tERROR\tFIRST ATTEMPT\tLAST ATTEMPT"
    );
    for row in rows {
        let error = match row.error_code {
            Some(code) => format!("{} {code}", row.error_class),
            None => row.error_class.clone(),
        };
        let _ = writeln!(
            out,
            "{}\t{:?}\t{:?}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            row.id,
            row.kind,
            row.status,
            row.target,
            row.event_id,
            row.event_kind,
            row.attempts,
            error,
            time(row.first_attempt_at),
            time(row.last_attempt_at),
        );
    }
    out
}
