//! The check registry: one table drives the run, the listing, the reports
//! and the proof that every check can fail.

mod bulk;
mod compat;
mod discovery;
mod etag;
mod patch;
mod query;
mod resources;

use crate::check::{Capability, Check, Level, Suite, Tier};

macro_rules! check {
    ($id:literal, $title:literal, $reference:literal, $level:ident, [$($cap:ident),*], $tier:ident, $suite:ident, $body:path) => {
        Check {
            id: $id,
            title: $title,
            reference: $reference,
            level: Level::$level,
            needs: &[$(Capability::$cap),*],
            tier: Tier::$tier,
            suite: Suite::$suite,
            run: |c| Box::pin($body(c)),
        }
    };
}

/// Every check, in report order.
pub fn all() -> Vec<Check> {
    vec![
        check!(
            "rfc7644.discovery.spc",
            "GET /ServiceProviderConfig answers the RFC 7643 §5 document",
            "RFC 7644 §4; RFC 7643 §5",
            Must,
            [],
            Core,
            Rfc,
            discovery::spc
        ),
        check!(
            "rfc7644.discovery.spc-public",
            "The ServiceProviderConfig is readable without credentials",
            "RFC 7643 §5",
            Should,
            [],
            Core,
            Rfc,
            discovery::spc_public
        ),
        check!(
            "rfc7644.discovery.resource-types",
            "ResourceTypes list User and Group with schemas that /Schemas serves",
            "RFC 7644 §4; RFC 7643 §6",
            Must,
            [],
            Core,
            Rfc,
            discovery::resource_types
        ),
        check!(
            "rfc7643.discovery.user-schema",
            "The User schema declares userName required and unique, password never returned",
            "RFC 7643 §4.1, §8.7.1",
            Must,
            [],
            Core,
            Rfc,
            discovery::user_schema
        ),
        check!(
            "rfc7644.discovery.unknown-schema-404",
            "An unknown schema URN answers 404",
            "RFC 7644 §4",
            Must,
            [],
            Core,
            Rfc,
            discovery::unknown_schema
        ),
        check!(
            "rfc7644.auth.no-token-401",
            "A request without credentials is refused with 401",
            "RFC 7644 §3.12, §7",
            Must,
            [],
            Core,
            Rfc,
            resources::no_token
        ),
        check!(
            "rfc7644.errors.scim-body",
            "Errors carry a SCIM Error body with a string status",
            "RFC 7644 §3.12",
            Must,
            [],
            Core,
            Rfc,
            resources::error_body
        ),
        check!(
            "rfc7644.create.status-201",
            "POST /Users answers 201 with the resource and its id",
            "RFC 7644 §3.3",
            Must,
            [],
            Core,
            Rfc,
            resources::create_201
        ),
        check!(
            "rfc7644.create.location",
            "POST answers a Location header equal to meta.location",
            "RFC 7644 §3.3; RFC 7643 §3.1",
            Must,
            [],
            Core,
            Rfc,
            resources::create_location
        ),
        check!(
            "rfc7643.create.id-ignored",
            "An id sent by the client is ignored",
            "RFC 7643 §3.1",
            Must,
            [],
            Core,
            Rfc,
            resources::client_id_ignored
        ),
        check!(
            "rfc7643.create.password-never-returned",
            "password is never returned",
            "RFC 7643 §4.1.1, §7",
            Must,
            [],
            Core,
            Rfc,
            resources::password_never_returned
        ),
        check!(
            "rfc7644.create.duplicate-409",
            "A duplicate userName answers 409 uniqueness",
            "RFC 7644 §3.3, §3.12",
            Must,
            [],
            Core,
            Rfc,
            resources::duplicate_409
        ),
        check!(
            "rfc7643.create.username-case-insensitive-409",
            "A case variant of an existing userName answers 409",
            "RFC 7643 §4.1.1, §7",
            Must,
            [],
            Core,
            Rfc,
            resources::case_variant_409
        ),
        check!(
            "rfc7644.read.unknown-404",
            "GET of an unknown id answers 404",
            "RFC 7644 §3.4.1, §3.12",
            Must,
            [],
            Core,
            Rfc,
            resources::unknown_404
        ),
        check!(
            "rfc7644.read.attributes",
            "attributes= returns only what was asked and what is always returned",
            "RFC 7644 §3.4.2.5, §3.9",
            Must,
            [],
            Core,
            Rfc,
            resources::attributes_projection
        ),
        check!(
            "rfc7644.delete.204-then-404",
            "DELETE answers 204 and the resource is gone",
            "RFC 7644 §3.6",
            Must,
            [],
            Core,
            Rfc,
            resources::delete_then_404
        ),
        check!(
            "rfc7643.groups.user-groups-derived",
            "A user's groups reflects group membership",
            "RFC 7643 §4.1.2",
            Must,
            [],
            Core,
            Rfc,
            resources::user_groups_derived
        ),
        check!(
            "rfc7644.filter.username-eq-case-insensitive",
            "userName eq matches case-insensitively",
            "RFC 7644 §3.4.2.2; RFC 7643 §4.1.1",
            Must,
            [Filter],
            Core,
            Rfc,
            query::username_eq_ci
        ),
        check!(
            "rfc7644.filter.no-match-empty-list",
            "A filter that matches nothing answers 200 with totalResults 0",
            "RFC 7644 §3.4.2",
            Must,
            [Filter],
            Core,
            Rfc,
            query::no_match_empty
        ),
        check!(
            "rfc7644.filter.invalid-400",
            "A malformed filter answers 400 invalidFilter",
            "RFC 7644 §3.4.2.2, §3.12",
            Must,
            [Filter],
            Core,
            Rfc,
            query::invalid_filter
        ),
        check!(
            "rfc7644.paging.count",
            "count bounds the page and startIndex is echoed",
            "RFC 7644 §3.4.2.4",
            Must,
            [],
            Core,
            Rfc,
            query::paging_count
        ),
        check!(
            "rfc7644.patch.replace-path",
            "replace with a path sets the attribute",
            "RFC 7644 §3.5.2.3",
            Must,
            [Patch],
            Core,
            Rfc,
            patch::replace_path
        ),
        check!(
            "rfc7644.patch.remove-member-filter",
            "remove members[value eq \"x\"] removes only that member",
            "RFC 7644 §3.5.2.2",
            Must,
            [Patch],
            Core,
            Rfc,
            patch::remove_member_filter
        ),
        check!(
            "rfc7644.patch.atomic",
            "A PATCH with a failing operation changes nothing",
            "RFC 7644 §3.5.2",
            Must,
            [Patch],
            Core,
            Rfc,
            patch::atomic
        ),
        check!(
            "rfc7644.patch.no-path-remove-400",
            "remove without a path answers 400 noTarget",
            "RFC 7644 §3.5.2.2",
            Must,
            [Patch],
            Core,
            Rfc,
            patch::remove_without_path
        ),
        check!(
            "rfc7644.etag.header",
            "Single-resource answers carry an ETag equal to meta.version",
            "RFC 7644 §3.14",
            Must,
            [Etag],
            Optional,
            Rfc,
            etag::header
        ),
        check!(
            "rfc7644.etag.if-match-412",
            "A stale If-Match answers 412 and changes nothing",
            "RFC 7644 §3.14",
            Must,
            [Etag],
            Optional,
            Rfc,
            etag::if_match
        ),
        check!(
            "rfc7644.bulk.bulkid",
            "Bulk resolves bulkId references to created ids",
            "RFC 7644 §3.7.2",
            Must,
            [Bulk],
            Optional,
            Rfc,
            bulk::bulk_id
        ),
        check!(
            "rfc7644.bulk.max-operations-413",
            "Bulk beyond maxOperations answers 413",
            "RFC 7644 §3.7.4",
            Must,
            [Bulk],
            Optional,
            Rfc,
            bulk::max_operations
        ),
        check!(
            "okta.list.integer-paging",
            "ListResponse paging fields are JSON integers",
            "Okta SCIM 2.0 guide (IDP-WIRE.md §1.2)",
            Compat,
            [],
            Core,
            Okta,
            compat::integer_paging
        ),
        check!(
            "okta.patch.pathless-deactivate",
            "Okta's pathless replace {active:false} deactivates",
            "Okta SCIM 2.0 guide (IDP-WIRE.md §1.7)",
            Compat,
            [Patch],
            Core,
            Okta,
            compat::okta_pathless_deactivate
        ),
        check!(
            "okta.groups.rename-with-id",
            "Okta's name sync {id, displayName} is accepted and renames",
            "Okta SCIM 2.0 guide (IDP-WIRE.md §1.10)",
            Compat,
            [Patch],
            Core,
            Okta,
            compat::okta_rename_with_id
        ),
        check!(
            "entra.patch.capitalised-string-bool",
            "Entra's Replace active \"False\" deactivates",
            "Entra SCIM docs (IDP-WIRE.md §2.7)",
            Compat,
            [Patch],
            Core,
            Entra,
            compat::entra_string_bool
        ),
        check!(
            "entra.groups.legacy-member-removal",
            "Entra's Remove members with a value list removes only those",
            "Entra SCIM docs (IDP-WIRE.md §2.9)",
            Compat,
            [Patch],
            Core,
            Entra,
            compat::entra_legacy_removal
        ),
        check!(
            "entra.groups.parallel-member-patches",
            "Parallel member PATCHes to one group lose nothing",
            "IDP-WIRE.md §2.9",
            Compat,
            [Patch],
            Core,
            Entra,
            compat::entra_parallel_adds
        ),
        check!(
            "entra.patch.dotted-pathless-replace",
            "A pathless replace with dotted and URN keys sets each attribute",
            "Entra aadOptscim062020 (IDP-WIRE.md §2.6)",
            Compat,
            [Patch],
            Core,
            Entra,
            compat::entra_dotted_keys
        ),
    ]
}
