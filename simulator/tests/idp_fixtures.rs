//! What a Rust SCIM server project writes in `tests/idp_fixtures.rs` (the
//! README's example), with the reference SP standing in for its server:
//! every shipped fixture is one trial, against a fresh server each, or
//! against IDPSIM_TARGET_URL when set.

use idpsim_simulator::fixtures::trials::{self, Started, Target};

fn main() {
    let args = libtest_mimic::Arguments::from_args();
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scenarios/fixtures");
    let trials = trials::trials(dir, |fixture| {
        let seat_limit = fixture
            .target
            .as_ref()
            .and_then(|t| t["seat_limit"].as_u64());
        async move {
            if let Some(t) = Target::from_env() {
                return Started::new(t);
            }
            let mut config = idpsim_reference_sp::Config::default();
            config.tenant.seat_limit = seat_limit.map(|n| n as usize);
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
