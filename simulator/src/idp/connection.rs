//! The admin's "Test Connection", in each IdP's form: the first request a
//! target meets, before any provisioning.

use serde_json::Value;

use super::wire::shorten;
use super::{EventError, Wire};
use crate::client::Method;
use crate::profile::ConnectionTest;

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
            ConnectionTest::None => {
                return Err(EventError::Protocol(format!(
                    "the {} profile has no connection test",
                    self.profile.name
                )));
            }
        };
        let what = format!("Test Connection: GET {path}");
        let r = self
            .client
            .send(&self.request(Method::GET, path.clone(), None))
            .await
            .map_err(|source| EventError::Transport {
                what: what.clone(),
                source,
            })?;
        if r.status != 200 {
            return Err(EventError::Rejected {
                what: format!("{what} ({why})"),
                status: r.status,
                body: shorten(&r.text()),
            });
        }
        let body = r.json().unwrap_or(Value::Null);
        let int = |k: &str| body.get(k).is_some_and(Value::is_u64);
        let ok = match self.profile.connection_test {
            ConnectionTest::RandomUserName => {
                body.get("totalResults").and_then(Value::as_u64) == Some(0)
            }
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
        let r = self
            .client
            .send(&self.request(Method::GET, path, None))
            .await
            .map_err(|source| EventError::Transport {
                what: what.clone(),
                source,
            })?;
        if r.status != 200 {
            return Err(EventError::Rejected {
                what: format!("{what} ({why})"),
                status: r.status,
                body: shorten(&r.text()),
            });
        }
        let body = r.json().unwrap_or(Value::Null);
        let int = |k: &str| body.get(k).is_some_and(Value::is_u64);
        if !(int("totalResults") && int("startIndex") && int("itemsPerPage")) {
            return Err(EventError::Protocol(format!(
                "{what}: {why}; it answered {}",
                shorten(&body.to_string())
            )));
        }
        Ok(format!("{what} answered 200 as the IdP needs"))
    }
}
