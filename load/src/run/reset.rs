//! `reset`: the simulator's directory reset (`idpsim_simulator::idp::reset`,
//! the same rules as `play`) run as a load phase, one event per object.

use std::sync::Arc;

use goose::goose::Scenario;
use idpsim_simulator::client::ScimClient;
use idpsim_simulator::idp::Wire;
use idpsim_simulator::idp::reset::{Gone, Kind};

use super::attack::{Did, Shared, Work, each_item, ev, phase, worker};
use super::{LoadError, LoadPlan};
use crate::summary::Summary;

/// The reset phase: the target's own reset (one event), or every object
/// enumerated and deleted (one event each).
pub(super) async fn reset(
    plan: &LoadPlan,
    shared: &Arc<Shared>,
    summary: &mut Summary,
) -> Result<(), LoadError> {
    let base = plan.client.base_url.clone();
    let client =
        ScimClient::new(plan.client.clone()).map_err(|e| LoadError::Setup(e.to_string()))?;
    let wire = Wire {
        profile: plan.profile,
        client,
    };
    if let Some(url) = plan.reset_url.clone() {
        let sh = shared.clone();
        let control = wire.clone();
        let work: Work = Arc::new(move |_wire: Wire, _i: usize| {
            let sh = sh.clone();
            let url = url.clone();
            let control = control.clone();
            Box::pin(async move {
                let counts = control.reset_control(&url).await?;
                sh.count("users deleted", counts.users);
                sh.count("groups deleted", counts.groups);
                Ok(Did::Sent)
            })
        });
        // One goose user: a reset is one request.
        let mut one = plan.clone();
        one.goose.users = Some(1);
        let t = worker(&ev(plan.profile, "reset"), shared.clone(), 1, 1, base, work);
        return phase(
            &one,
            shared,
            "reset",
            Scenario::new("reset").register_transaction(t),
            Some(1),
            summary,
        )
        .await;
    }
    let doomed = wire
        .list_doomed(&plan.exempt)
        .await
        .map_err(|e| LoadError::Setup(format!("cannot enumerate the target: {e}")))?;
    let doomed = Arc::new(doomed);
    let sh = shared.clone();
    let list = doomed.clone();
    let work: Work = Arc::new(move |wire: Wire, i: usize| {
        let sh = sh.clone();
        let list = list.clone();
        Box::pin(async move {
            let d = &list[i];
            let counter = match (d.kind, wire.reset_delete(d).await?) {
                (_, Gone::AlreadyGone) => "already gone",
                (Kind::User, Gone::Deleted) => "users deleted",
                (Kind::Group, Gone::Deleted) => "groups deleted",
            };
            sh.count(counter, 1);
            Ok(Did::Sent)
        })
    });
    each_item(plan, shared, "reset", "delete", doomed.len(), work, summary).await
}
