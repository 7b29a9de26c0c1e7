//! `--profile NAME` for the SCIM commands: the names come from the
//! simulator's profile registry, so `--help` and the error for an unknown
//! name list every shipped profile without a hand-kept list.

use clap::builder::PossibleValuesParser;
use idpsim_simulator::profile::Profile;

/// Accepts the name of any profile in [`Profile::ALL`].
pub(crate) fn parser() -> PossibleValuesParser {
    PossibleValuesParser::new(Profile::names())
}
