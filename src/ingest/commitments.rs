//! Owned commitments: `offer_id,quantity_or_hourly,start,end`.

use super::csvread::read_table;
use crate::domain::bounds;
use crate::domain::{Catalog, CommitmentKind, OwnedCommitment};
use crate::error::InputError;
use std::path::Path;

/// Parses owned commitments and checks them against the catalog: the offer exists, unit
/// quantities are whole instances, `end` is after `start`.
pub fn parse_commitments(
    file: &Path,
    bytes: &[u8],
    catalog: &Catalog,
) -> Result<Vec<OwnedCommitment>, InputError> {
    let t = read_table(
        file,
        bytes,
        &["offer_id", "quantity_or_hourly", "start", "end"],
        &[],
        false,
    )?;
    let mut out = Vec::new();
    for row in t.iter() {
        let offer_id = row.text("offer_id")?;
        let Some(offer) = catalog.offer(&offer_id) else {
            return Err(row.err(
                "offer_id",
                format!("unknown commitment offer {offer_id:?}: expected an id of commitment_offers.csv"),
            ));
        };
        let q = match offer.kind {
            CommitmentKind::Unit => row.num(
                "quantity_or_hourly",
                &format!(
                    "a whole number of instances from 1 to {} (unit offer; a plausibility bound)",
                    bounds::show(bounds::MAX_OWNED_INSTANCES)
                ),
                |v| v > 0.0 && v.fract() == 0.0 && v <= bounds::MAX_OWNED_INSTANCES,
            )?,
            CommitmentKind::Spend => row.num(
                "quantity_or_hourly",
                &format!(
                    "a commitment in USD per hour above 0 and at most {} (spend offer; a plausibility bound)",
                    bounds::show(bounds::MAX_OWNED_HOURLY_USD)
                ),
                |v| v > 0.0 && v <= bounds::MAX_OWNED_HOURLY_USD,
            )?,
        };
        let start = row.instant("start", true)?;
        let end = row.instant("end", true)?;
        if end <= start {
            return Err(row.err("end", "expected an end after start"));
        }
        out.push(OwnedCommitment {
            offer_id,
            quantity_or_hourly: q,
            start,
            end,
            line: row.line,
        });
    }
    Ok(out)
}

/// Reads an owned-commitments file.
pub fn read_commitments(
    path: &Path,
    catalog: &Catalog,
) -> Result<Vec<OwnedCommitment>, InputError> {
    let bytes = super::read_file(path)?;
    parse_commitments(path, &bytes, catalog)
}
