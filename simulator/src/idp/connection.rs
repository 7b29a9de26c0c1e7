//! The admin's "Test Connection", in each IdP's form: the first request a
//! target meets, before any provisioning.

use serde_json::Value;

use super::body::{group_body, user_body};
use super::wire::{id_of, shorten};
use super::{EventError, Wire};
use crate::client::Method;
use crate::directory::User;
use crate::profile::ConnectionTest;

/// JumpCloud's test objects. The admin gives JumpCloud a "Test User
/// Email" for SPs that check domains; idpsim's is fixed.
pub const TEST_USER: &str = "jumpcloud-test-user@idpsim.test";
pub const TEST_GROUP: &str = "jumpcloud-test-group";

impl Wire {
    /// Sends the profile's connection test and judges the answer as that
    /// IdP does: Okta's paging probe needs 200 with integer paging fields
    /// (IDP-ENGINES O1); Entra's query for a random GUID needs 200 with an
    /// empty ListResponse, and a 404 fails it (E1, E5). `guid` is the
    /// random userName Entra asks for. Returns what was checked.
    pub async fn test_connection(&self, guid: &str) -> Result<String, EventError> {
        let (path, why) = match self.profile.connection_test {
            ConnectionTest::RandomUserName => (
                format!("/Users?{}", self.eq_filter("userName", guid)),
                "Entra's Test Connection needs 200 with an empty ListResponse (IDP-ENGINES E1, E5)",
            ),
            ConnectionTest::Paging => (
                "/Users?startIndex=1&count=2".to_owned(),
                "Okta's connection test needs 200 with integer paging fields (IDP-ENGINES O1)",
            ),
            ConnectionTest::CountOne => (
                "/Users?count=1".to_owned(),
                "Google's setup probe needs 200 with a ListResponse (IDP-WIRE.md §3)",
            ),
            ConnectionTest::TestUserAndGroup => return self.test_user_and_group().await,
            ConnectionTest::None => {
                return Err(EventError::Protocol(format!(
                    "the {} profile has no connection test",
                    self.profile.name
                )));
            }
        };
        let what = format!("Test Connection: GET {path}");
        let body = self.probe(path, &what, why).await?;
        let int = |k: &str| body.get(k).is_some_and(Value::is_u64);
        let ok = match self.profile.connection_test {
            ConnectionTest::RandomUserName => {
                body.get("totalResults").and_then(Value::as_u64) == Some(0)
            }
            ConnectionTest::CountOne => int("totalResults"),
            _ => int("totalResults") && int("startIndex") && int("itemsPerPage"),
        };
        if !ok {
            return Err(EventError::Protocol(format!(
                "{what}: {why}; it answered {}",
                shorten(&body.to_string())
            )));
        }
        Ok(format!("{what} answered 200 as the IdP needs"))
    }

    /// JumpCloud's activation test: a test user and a test group created,
    /// then both deleted; a user DELETE the target does not support (405,
    /// 501) is followed by a deactivation, as JumpCloud documents.
    async fn test_user_and_group(&self) -> Result<String, EventError> {
        let why =
            "JumpCloud's activation creates and deletes a test user and group (IDP-WIRE.md §5)";
        let fail = |e: EventError| match e {
            EventError::Rejected { what, status, body } => EventError::Rejected {
                what: format!("Test Connection: {what} ({why})"),
                status,
                body,
            },
            e => e,
        };
        let user = User::new(TEST_USER, "jc-test-user".into());
        let what = || format!("create the test user {TEST_USER:?}");
        let r = self
            .call_lazy(
                self.request(
                    Method::POST,
                    "/Users".into(),
                    Some(user_body(self.profile, &user, None)),
                ),
                what,
            )
            .await
            .map_err(fail)?;
        let uid = id_of(&r, what)?;
        let what = || format!("create the test group {TEST_GROUP:?}");
        let r = self
            .call_lazy(
                self.request(
                    Method::POST,
                    "/Groups".into(),
                    Some(group_body(self.profile, TEST_GROUP, "jc-test-group")),
                ),
                what,
            )
            .await
            .map_err(fail)?;
        let gid = id_of(&r, what)?;
        let unsupported = |s: u16| s == 405 || s == 501;
        match self
            .call(
                self.request(Method::DELETE, format!("/Groups/{gid}"), None),
                format!("delete the test group {TEST_GROUP:?}"),
            )
            .await
        {
            Err(EventError::Rejected { status, .. }) if unsupported(status) => {}
            r => {
                r.map_err(fail)?;
            }
        }
        match self
            .call(
                self.request(Method::DELETE, format!("/Users/{uid}"), None),
                format!("delete the test user {TEST_USER:?}"),
            )
            .await
        {
            Err(EventError::Rejected { status, .. }) if unsupported(status) => {
                self.set_active(&uid, &user, false).await.map_err(fail)?;
                return Ok(format!(
                    "Test Connection: the test user and group were created; the target does not delete users ({status}), so the test user was deactivated"
                ));
            }
            r => {
                r.map_err(fail)?;
            }
        }
        Ok("Test Connection: the test user and group were created and deleted".into())
    }

    /// The group variant of Okta's paging probe, sent when Push Groups is
    /// on: `GET /Groups?startIndex=1&count=100`, which needs 200 with
    /// integer paging fields (the Okta SCIM 1.1 reference and Delinea's
    /// Okta endpoint reference, IDP-ENGINES O1). Profiles whose test has no
    /// group variant refuse it.
    pub async fn test_group_connection(&self) -> Result<String, EventError> {
        if self.profile.connection_test != ConnectionTest::Paging {
            return Err(EventError::Protocol(format!(
                "the {} profile's connection test has no group variant",
                self.profile.name
            )));
        }
        let path = "/Groups?startIndex=1&count=100".to_owned();
        let what = format!("Test Connection: GET {path}");
        let why = "Okta's connection test with Push Groups needs 200 with integer paging fields (IDP-ENGINES O1)";
        let body = self.probe(path, &what, why).await?;
        let int = |k: &str| body.get(k).is_some_and(Value::is_u64);
        if !(int("totalResults") && int("startIndex") && int("itemsPerPage")) {
            return Err(EventError::Protocol(format!(
                "{what}: {why}; it answered {}",
                shorten(&body.to_string())
            )));
        }
        Ok(format!("{what} answered 200 as the IdP needs"))
    }

    /// GETs a connection probe's `path`; anything but 200 fails it for
    /// `why`. The answer's JSON (null when it is not JSON).
    async fn probe(&self, path: String, what: &str, why: &str) -> Result<Value, EventError> {
        let r = self
            .client
            .send(&self.request(Method::GET, path, None))
            .await
            .map_err(|source| EventError::Transport {
                what: what.to_owned(),
                source,
            })?;
        if r.status != 200 {
            return Err(EventError::Rejected {
                what: format!("{what} ({why})"),
                status: r.status,
                body: shorten(&r.text()),
            });
        }
        Ok(r.json().unwrap_or(Value::Null))
    }
}
