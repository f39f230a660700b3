//! The raw-SQL floor: W1's data (a child's profile) fetched with one hand-written statement
//! over one PostgreSQL connection — no GraphQL, no authorisation, no audit. The latency a
//! GraphQL server could approach if it did nothing but fetch the rows.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{Context, bail};
use sea_orm::sqlx::{self, Connection, PgConnection};
use tokio::time::Instant;

use crate::RunArgs;
use crate::stats::{Samples, Summary};

/// `floor` options.
#[derive(Debug, Clone, clap::Args)]
pub struct FloorArgs {
    /// PostgreSQL URL of the benchmark database.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true)]
    database_url: String,
    /// Child ids (UUIDs), one a line, fetched in turn.
    #[arg(long)]
    ids: PathBuf,
    /// Run length and label.
    #[command(flatten)]
    run: RunArgs,
}

/// W1's child profile as one JSON document: the child, identifiers, current address,
/// families with members and network, open plans with goals and owners, the lead
/// practitioner, current involvements with practitioner and team, and visits.
pub const W1_PROFILE_SQL: &str = r#"
SELECT json_build_object(
  'id', p.id, 'givenName', p.given_name, 'familyName', p.family_name,
  'dateOfBirth', p.date_of_birth, 'sex', p.sex, 'levelOfNeed', p.level_of_need,
  'sendStatus', p.send_status,
  'identifiers', (SELECT coalesce(json_agg(json_build_object('kind', i.kind, 'value', i.value)), '[]')
                  FROM person_identifier i WHERE i.person_id = p.id),
  'currentAddress', (SELECT json_build_object('line1', a.line1, 'town', a.town, 'postcode', a.postcode)
                     FROM address a WHERE a.person_id = p.id AND a.ended_on IS NULL
                     ORDER BY a.started_on DESC LIMIT 1),
  'families', (SELECT coalesce(json_agg(json_build_object(
      'role', fm.role, 'household', fm.household,
      'family', json_build_object(
        'id', f.id, 'name', f.name,
        'members', (SELECT coalesce(json_agg(json_build_object(
            'role', m.role, 'household', m.household,
            'person', json_build_object('id', mp.id, 'givenName', mp.given_name,
              'familyName', mp.family_name, 'dateOfBirth', mp.date_of_birth, 'isChild', mp.is_child))), '[]')
          FROM family_member m JOIN person mp ON mp.id = m.person_id WHERE m.family_id = f.id),
        'network', (SELECT json_build_object('id', n.id, 'members',
            (SELECT coalesce(json_agg(json_build_object('id', nm.id, 'displayName', nm.display_name,
               'kind', nm.kind, 'relationshipToChild', nm.relationship_to_child,
               'willingness', nm.willingness)), '[]')
             FROM network_member nm WHERE nm.family_network_id = n.id))
          FROM family_network n WHERE n.family_id = f.id LIMIT 1)))), '[]')
    FROM family_member fm JOIN family f ON f.id = fm.family_id WHERE fm.person_id = p.id),
  'plans', (SELECT coalesce(json_agg(json_build_object(
      'id', pl.id, 'kind', pl.kind, 'startedOn', pl.started_on,
      'goals', (SELECT coalesce(json_agg(json_build_object(
          'description', g.description, 'achieved', g.achieved,
          'ownerPractitioner', (SELECT json_build_object('id', op.id, 'givenName', op.given_name,
              'familyName', op.family_name) FROM practitioner op WHERE op.id = g.owner_practitioner_id),
          'ownerNetworkMember', (SELECT json_build_object('id', on_.id, 'displayName', on_.display_name)
              FROM network_member on_ WHERE on_.id = g.owner_network_member_id))), '[]')
        FROM plan_goal g WHERE g.plan_id = pl.id))), '[]')
    FROM plan pl WHERE pl.person_id = p.id AND pl.ended_on IS NULL),
  'leadPractitioner', (SELECT json_build_object('id', lp.id, 'givenName', lp.given_name,
      'familyName', lp.family_name, 'role', lp.role, 'email', lp.email)
    FROM involvement li JOIN practitioner lp ON lp.id = li.practitioner_id
    WHERE li.person_id = p.id AND li.ended_on IS NULL AND li.role = 'FAMILY_HELP_LEAD' LIMIT 1),
  'involvements', (SELECT coalesce(json_agg(json_build_object(
      'id', iv.id, 'role', iv.role, 'startedOn', iv.started_on,
      'practitioner', json_build_object('id', ip.id, 'givenName', ip.given_name,
        'familyName', ip.family_name, 'role', ip.role),
      'team', (SELECT json_build_object('code', t.code, 'name', t.name) FROM team t WHERE t.id = iv.team_id))), '[]')
    FROM involvement iv JOIN practitioner ip ON ip.id = iv.practitioner_id
    WHERE iv.person_id = p.id AND iv.ended_on IS NULL),
  'visits', (SELECT coalesce(json_agg(json_build_object(
      'id', v.id, 'visitedOn', v.visited_on, 'seen', v.seen, 'seenAlone', v.seen_alone,
      'practitioner', (SELECT json_build_object('id', vp.id, 'familyName', vp.family_name)
          FROM practitioner vp WHERE vp.id = v.practitioner_id))), '[]')
    FROM visit v WHERE v.person_id = p.id)
)::text
FROM person p WHERE p.id = $1::uuid
"#;

/// Runs the floor: one connection, one statement per profile, back to back.
pub async fn run(args: FloorArgs) -> anyhow::Result<Summary> {
    let ids: Vec<String> = std::fs::read_to_string(&args.ids)
        .with_context(|| format!("reading {}", args.ids.display()))?
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect();
    if ids.is_empty() {
        bail!("no ids in {}", args.ids.display());
    }
    let mut connection = PgConnection::connect(&args.database_url).await?;
    let start = Instant::now();
    let measure_from = start + args.run.warmup();
    let end = measure_from + args.run.duration();
    let mut samples = Samples::default();
    let mut bytes = 0usize;
    for id in ids.iter().cycle() {
        let began = Instant::now();
        if began >= end {
            break;
        }
        let result: Result<Option<String>, sqlx::Error> = sqlx::query_scalar(W1_PROFILE_SQL)
            .bind(id)
            .fetch_optional(&mut connection)
            .await;
        let took: Duration = began.elapsed();
        if began < measure_from {
            continue;
        }
        match result {
            Ok(Some(profile)) => {
                bytes += profile.len();
                samples.latencies.push(took);
            }
            Ok(None) => samples.error(format!("no person {id}")),
            Err(e) => samples.error(e.to_string()),
        }
    }
    if samples.latencies.is_empty() {
        bail!("no profile fetched");
    }
    eprintln!(
        "floor: {} bytes of JSON per profile on average",
        bytes / samples.latencies.len()
    );
    let mut summary = Summary::new(
        args.run.label.clone(),
        "closed",
        1,
        None,
        args.run.duration,
        samples,
    );
    summary.out = args.run.out.clone();
    Ok(summary)
}
