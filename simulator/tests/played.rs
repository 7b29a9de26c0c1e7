//! Shipped scenarios played against a fresh reference SP, with and
//! without the quirks they name: how the engine tests show a finding
//! appearing and disappearing.

use std::path::Path;

use idpsim_reference_sp::{Config, Handle};
use idpsim_simulator::client::{Auth, ClientConfig, ScimClient};
use idpsim_simulator::idp::Idp;
use idpsim_simulator::player::{Player, ScenarioReport, build_directory};
use idpsim_simulator::profile::Profile;
use idpsim_simulator::scenario;

/// Plays a shipped scenario against a fresh reference SP, with the quirks
/// it names or with none.
pub async fn play(file: &str, with_quirks: bool) -> (ScenarioReport, Handle) {
    let path = format!("{}/../scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
    let s = scenario::load(Path::new(&path)).unwrap();
    let mut config = Config::default();
    if with_quirks {
        for q in &s.target.quirks {
            config.quirks.insert(q.parse().unwrap());
        }
    }
    let sp = idpsim_reference_sp::spawn(config).await.unwrap();
    let client = ScimClient::new(ClientConfig::new(
        sp.base_url(),
        Auth::Bearer(sp.token().into()),
    ))
    .unwrap();
    let profile = Profile::by_name(&s.idp).unwrap();
    let mut idp = Idp::new(build_directory(&s, s.seed), profile, client);
    idp.reset_url = Some(format!("{}/admin/reset", sp.origin()));
    let mut player = Player::new(idp);
    player.exempt = vec!["owner@idpsim.test".into()];
    player.record = true;
    let report = player.run(file, &s, |_| {}).await;
    (report, sp)
}
