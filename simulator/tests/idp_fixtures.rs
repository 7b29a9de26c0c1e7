//! What a Rust SCIM server project writes in `tests/idp_fixtures.rs` (the
//! README's example), with the reference SP standing in for its server:
//! every shipped fixture is one trial, against a fresh server each, set up
//! as the fixture was recorded (seat limit, quirks, primary owner), or
//! against IDPSIM_TARGET_URL when set.

use idpsim_reference_sp::{Config, Quirk};
use idpsim_simulator::fixtures::trials::{self, Started, Target};

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/fixtures");
    let trials = trials::trials(dir, |fixture| {
        let config = config_for(fixture.target.as_ref());
        async move {
            if let Some(t) = Target::from_env() {
                return Started::new(t);
            }
            let sp = idpsim_reference_sp::spawn(config)
                .await
                .expect("server starts");
            let mut target = Target::new(sp.base_url(), Some(sp.token()));
            target.reset_url = Some(format!("{}/admin/reset", sp.origin()));
            Started::new(target).keep(sp)
        }
    });
    libtest_mimic::run(&args, trials).exit();
}

/// The reference SP as the fixture's `target` says it was recorded against.
fn config_for(t: Option<&serde_json::Value>) -> Config {
    let mut config = Config::default();
    let Some(t) = t else { return config };
    config.tenant.seat_limit = t["seat_limit"].as_u64().map(|n| n as usize);
    // Only when recorded: the default tenant has an owner of its own.
    if let Some(owner) = t["primary_owner"].as_str() {
        config.tenant.primary_owner = Some(owner.to_owned());
    }
    for q in t["quirks"].as_array().into_iter().flatten() {
        let q = q.as_str().unwrap_or_default();
        config
            .quirks
            .insert(q.parse::<Quirk>().expect("a quirk the reference SP knows"));
    }
    config
}
