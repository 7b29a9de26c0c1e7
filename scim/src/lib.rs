//! The SCIM 2.0 protocol core of idpsim (RFC 7643, RFC 7644).
//!
//! The grammar of filters and PATCH paths comes from the `scim_v2` crate;
//! this crate gives it meaning over real resources.
//!
//! # Layout
//!
//! - [`schema`]: the RFC 7643 §8.7 schemas as `const` tables of attribute
//!   characteristics, plus the ResourceType and Schema documents built from them.
//! - [`resource`]: checks a client's JSON against a schema and brings it to
//!   canonical form (attribute names as the schema spells them), so that the
//!   rest of the crate reads keys exactly.
//! - [`path`]: attribute paths resolved against a schema.
//! - [`filter`]: filter parsing with positioned errors, schema checks and
//!   evaluation.
//! - [`patch`]: the PATCH engine, with the leniencies real IdPs need.
//! - [`immutable`]: immutable attributes on PUT and PATCH.
//! - [`projection`], [`sort`]: `attributes`/`excludedAttributes` and `sortBy`.
//! - [`message`]: ListResponse, SearchRequest, BulkRequest/BulkResponse.
//! - [`service_provider_config`]: the RFC 7643 §5 document, for servers and clients.
//! - [`bounds`]: how large a stored resource may grow.
//! - [`error`]: [`ScimError`], the one error type, carrying status and `scimType`.
//!
//! # Example
//!
//! ```
//! use idpsim_scim::{filter, resource, schema::ResourceSchema};
//! use serde_json::json;
//!
//! let user = resource::normalize(ResourceSchema::user(), json!({
//!     "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
//!     "userName": "Bjensen@Example.com",
//!     "emails": [{"value": "bjensen@example.com", "type": "work"}],
//! })).unwrap();
//! let f = filter::parse(r#"USERNAME eq "bjensen@example.com" and emails[type eq "work"]"#).unwrap();
//! filter::check(ResourceSchema::user(), &f).unwrap();
//! assert!(filter::matches(ResourceSchema::user(), &f, &user));
//! ```

pub mod bounds;
pub mod error;
pub mod filter;
#[doc(hidden)]
pub mod fuzzing;
pub mod immutable;
pub mod message;
pub mod patch;
pub mod path;
pub mod projection;
pub mod resource;
pub mod schema;
pub mod service_provider_config;
pub mod sort;
pub mod urn;

pub use error::{ErrorBody, ScimError, ScimType};
pub use scim_v2::filter::{Filter, PatchPath};
