//! `import --lookups` against the reference SP: after the setup sync, one
//! checked lookup per user per round, all answered right.

use goose::config::GooseConfiguration;
use idpsim_load::{LoadPlan, RunKind, Shard};
use idpsim_simulator::client::{Auth, ClientConfig, RetryPolicy};
use idpsim_simulator::profile::Profile;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reference_sp_answers_every_lookup_of_every_round() {
    let sp = idpsim_reference_sp::spawn(idpsim_reference_sp::Config::default())
        .await
        .unwrap();
    let mut client = ClientConfig::new(sp.base_url(), Auth::Bearer(sp.token().into()));
    client.retry = RetryPolicy::load();
    client.concurrency = 1;
    let mut goose = GooseConfiguration::default();
    goose.users = Some(3);
    goose.quiet = 1;
    goose.no_print_metrics = true;
    let paths = std::env::temp_dir().join(format!("idpsim-lookups-{}.txt", std::process::id()));
    let (users, rounds) = (60, 2);
    let plan = LoadPlan {
        kind: RunKind::Import,
        profile: Profile::by_name("okta").unwrap(),
        users,
        groups: 2,
        seed: 9,
        shard: Shard::default(),
        client,
        reset_url: None,
        exempt: vec!["owner@idpsim.test".into()],
        goose,
        churn_rate: 1.0,
        import_rounds: rounds,
        lookups: true,
        lookups_file: Some(paths.clone()),
        member_wait: std::time::Duration::ZERO,
        measure_listing: false,
    };
    let active = idpsim_load::run::directory(&plan)
        .users()
        .filter(|u| u.active)
        .count();
    assert!(active > 20, "{active} active users");
    let outcome = idpsim_load::run(&plan).await.unwrap();
    let s = &outcome.summary;
    assert_eq!(
        s.phases.iter().map(|p| p.name.as_str()).collect::<Vec<_>>(),
        ["lookups"],
        "the lookups replace the page reads"
    );
    assert!(s.phases[0].user_cpu_seconds.is_some());
    let sent = (active * rounds) as u64;
    let events = &s.events["okta lookup"];
    assert_eq!(
        (events.ok, events.failed),
        (sent, 0),
        "{:?}",
        outcome.failures
    );
    let requests = &s.requests["GET /Users?filter"];
    assert_eq!((requests.ok, requests.failed), (sent, 0));
    assert_eq!(s.requests.len(), 1, "{:?}", s.requests.keys());
    assert_eq!(s.objects["users looked up"], sent);
    assert!(outcome.drift.unwrap().is_clean());

    // The paths written for wrk are the ones sent: one per active user.
    let written = std::fs::read_to_string(&paths).unwrap();
    std::fs::remove_file(&paths).unwrap();
    let lines: Vec<&str> = written.lines().collect();
    assert_eq!(lines.len(), active);
    assert!(
        lines[0].starts_with("/scim/v2/Users?filter=userName%20eq%20%22"),
        "{}",
        lines[0]
    );
    let unique: std::collections::BTreeSet<&str> = lines.iter().copied().collect();
    assert_eq!(unique.len(), active);
    sp.shutdown().await;
}
