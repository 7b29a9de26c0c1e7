//! The check registry: one table drives the run, the listing, the reports
//! and the proof that every check can fail.

mod bulk;
mod canonical;
mod compat;
mod discovery;
mod documents;
mod engine;
mod etag;
mod extensions;
mod listing;
mod modify;
mod mutability;
mod password;
mod patch;
mod projection;
mod query;
mod replay;
mod representation;
mod resources;
mod search;
mod semantics;
mod sorting;
mod traversal;

use crate::check::Uses::{Attribute, ExtensionString, Strings};
use crate::check::{Capability, Check, Level, Suite, Tier};

macro_rules! check {
    (@gate) => { None };
    (@gate $gate:path) => { Some($gate) };
    ($id:literal, $title:literal, $reference:literal, $level:ident, [$($cap:ident),*], $tier:ident, $suite:ident, $body:path $(, uses = [$($uses:expr),* $(,)?])? $(, gate = $gate:path)?) => {
        Check {
            id: $id,
            title: $title,
            reference: $reference,
            level: Level::$level,
            needs: &[$(Capability::$cap),*],
            uses: &[$($($uses),*)?],
            tier: Tier::$tier,
            suite: Suite::$suite,
            gate: check!(@gate $($gate)?),
            run: |c| Box::pin($body(c)),
        }
    };
}

/// Every check, in report order; a table, one row a check.
#[rustfmt::skip]
pub fn all() -> Vec<Check> {
    vec![
        check!("rfc7644.discovery.spc", "GET /ServiceProviderConfig answers the RFC 7643 §5 document", "RFC 7644 §4; RFC 7643 §5", Must, [], Core, Rfc, discovery::spc),
        check!("rfc7644.discovery.spc-public", "The ServiceProviderConfig is readable without credentials", "RFC 7643 §5", Should, [], Core, Rfc, discovery::spc_public),
        check!("rfc7644.discovery.resource-types", "ResourceTypes list User and Group with schemas that /Schemas serves", "RFC 7644 §4; RFC 7643 §6", Must, [], Core, Rfc, discovery::resource_types),
        check!("rfc7643.discovery.user-schema", "The User schema declares userName required and unique, password never returned", "RFC 7643 §4.1, §8.7.1", Must, [], Core, Rfc, discovery::user_schema),
        check!("rfc7644.discovery.unknown-schema-404", "An unknown schema URN answers 404", "RFC 7644 §4", Must, [], Core, Rfc, discovery::unknown_schema),
        check!("rfc7644.auth.no-token-401", "A request without credentials is refused with 401", "RFC 7644 §3.12, §7", Must, [], Core, Rfc, resources::no_token),
        check!("rfc7644.errors.scim-body", "Errors carry a SCIM Error body with a string status", "RFC 7644 §3.12", Must, [], Core, Rfc, resources::error_body),
        check!("rfc7644.create.status-201", "POST /Users answers 201 with the resource and its id", "RFC 7644 §3.3", Must, [], Core, Rfc, resources::create_201),
        check!("rfc7644.create.location", "POST answers a Location header equal to meta.location", "RFC 7644 §3.3; RFC 7643 §3.1", Must, [], Core, Rfc, resources::create_location),
        check!("rfc7643.create.id-ignored", "An id sent by the client is ignored", "RFC 7643 §3.1", Must, [], Core, Rfc, resources::client_id_ignored),
        check!("rfc7643.create.password-never-returned", "password is never returned", "RFC 7643 §4.1.1, §7", Must, [], Core, Rfc, resources::password_never_returned, uses = [Attribute("password")]),
        check!("rfc7644.create.duplicate-409", "A duplicate userName answers 409 uniqueness", "RFC 7644 §3.3, §3.12", Must, [], Core, Rfc, resources::duplicate_409),
        check!("rfc7643.create.username-case-insensitive-409", "A case variant of an existing userName answers 409", "RFC 7643 §4.1.1, §7", Must, [], Core, Rfc, resources::case_variant_409),
        check!("rfc7644.read.unknown-404", "GET of an unknown id answers 404", "RFC 7644 §3.4.1, §3.12", Must, [], Core, Rfc, resources::unknown_404),
        check!("rfc7644.read.attributes", "attributes= returns only what was asked and what is always returned", "RFC 7644 §3.4.2.5, §3.9", Must, [], Core, Rfc, resources::attributes_projection, uses = [Strings(1)]),
        check!("rfc7644.delete.204-then-404", "DELETE answers 204 and the resource is gone", "RFC 7644 §3.6", Must, [], Core, Rfc, resources::delete_then_404),
        check!("rfc7643.groups.user-groups-derived", "A user's groups reflects group membership", "RFC 7643 §4.1.2", Should, [], Core, Rfc, resources::user_groups_derived),
        check!("rfc7644.filter.username-eq-case-insensitive", "userName eq matches case-insensitively", "RFC 7644 §3.4.2.2; RFC 7643 §4.1.1", Must, [Filter], Core, Rfc, query::username_eq_ci),
        check!("rfc7644.filter.no-match-empty-list", "A filter that matches nothing answers 200 with totalResults 0", "RFC 7644 §3.4.2", Must, [Filter], Core, Rfc, query::no_match_empty),
        check!("rfc7644.filter.invalid-400", "A malformed filter answers 400 invalidFilter", "RFC 7644 §3.4.2.2, §3.12", Must, [Filter], Core, Rfc, query::invalid_filter),
        check!("rfc7644.paging.count", "count bounds the page and startIndex is echoed", "RFC 7644 §3.4.2.4", Must, [], Core, Rfc, query::paging_count),
        check!("rfc7644.patch.replace-path", "replace with a path sets the attribute", "RFC 7644 §3.5.2.3", Must, [Patch], Core, Rfc, patch::replace_path, uses = [Strings(1)]),
        check!("rfc7644.patch.remove-member-filter", "remove members[value eq \"x\"] removes only that member", "RFC 7644 §3.5.2.2", Must, [Patch], Core, Rfc, patch::remove_member_filter),
        check!("rfc7644.patch.atomic", "A PATCH with a failing operation changes nothing", "RFC 7644 §3.5.2", Must, [Patch], Core, Rfc, patch::atomic, uses = [Strings(1)]),
        check!("rfc7644.patch.no-path-remove-400", "remove without a path answers 400 noTarget", "RFC 7644 §3.5.2.2", Must, [Patch], Core, Rfc, patch::remove_without_path),
        check!("rfc7644.etag.header", "Single-resource answers carry an ETag equal to meta.version", "RFC 7644 §3.14", Must, [Etag], Optional, Rfc, etag::header),
        check!("rfc7644.etag.if-match-412", "A stale If-Match answers 412 and changes nothing", "RFC 7644 §3.14", Must, [Etag], Optional, Rfc, etag::if_match, uses = [Strings(1)]),
        check!("rfc7644.bulk.bulkid", "Bulk resolves bulkId references to created ids", "RFC 7644 §3.7.2", Must, [Bulk], Optional, Rfc, bulk::bulk_id),
        check!("rfc7644.bulk.max-operations-413", "Bulk beyond maxOperations answers 413", "RFC 7644 §3.7.4", Must, [Bulk], Optional, Rfc, bulk::max_operations, gate = bulk::max_operations_gate),
        check!("rfc7643.resource.schemas", "A resource's schemas lists its core schema", "RFC 7643 §3", Must, [], Core, Rfc, representation::schemas_listed),
        check!("rfc7644.resource.meta-resource-type", "meta.resourceType names the endpoint's type (Group)", "RFC 7644 §3.3.1", Must, [], Core, Rfc, representation::meta_resource_type),
        check!("rfc7643.resource.meta-dates", "meta.created and meta.lastModified are dateTimes, equal on create", "RFC 7643 §3.1, §2.3.5", Must, [], Core, Rfc, representation::meta_dates),
        check!("rfc7643.resource.meta-ignored", "meta values sent by the client are ignored", "RFC 7643 §3.1", Must, [], Core, Rfc, representation::meta_ignored),
        check!("rfc7643.resource.case-insensitive-names", "Attribute names in bodies match case-insensitively", "RFC 7643 §2.1", Must, [], Core, Rfc, representation::names_case_insensitive, uses = [Attribute("name.givenName")]),
        check!("rfc7643.resource.extension-object", "Extension attributes live inside the object keyed by the URN", "RFC 7643 §3.3", Must, [], Core, Rfc, representation::extension_object, uses = [ExtensionString]),
        check!("rfc7643.resource.external-id-exact", "externalId is stored exactly as sent", "RFC 7643 §3.1", Must, [], Core, Rfc, representation::external_id_exact),
        check!("rfc7644.create.missing-required-400", "A create without userName answers 400", "RFC 7644 §3.12; RFC 7643 §4.1.1", Must, [], Core, Rfc, representation::missing_required_400),
        check!("rfc7644.create.wrong-schema-400", "A create whose schemas omit the type's schema answers 400", "RFC 7643 §3; RFC 7644 §3.12", Must, [], Core, Rfc, representation::wrong_schema_400),
        check!("rfc7644.create.read-only-ignored", "Read-only groups and meta in a create are ignored, not errors", "RFC 7644 §3.3", Must, [], Core, Rfc, representation::read_only_ignored),
        check!("rfc7644.read.excluded-attributes", "excludedAttributes removes attributes but never id", "RFC 7644 §3.4.2.5", Must, [], Core, Rfc, listing::excluded_attributes, uses = [Strings(1)]),
        check!("rfc7644.list.shape", "A list answers a ListResponse with integer totalResults and Resources", "RFC 7644 §3.4.2", Must, [], Core, Rfc, listing::list_shape),
        check!("rfc7644.list.deleted-absent", "Deleted resources are not listed", "RFC 7644 §3.6", Must, [Filter], Core, Rfc, listing::deleted_not_listed),
        check!("rfc7644.filter.string-operators", "co, sw, ew and ne return only matching resources", "RFC 7644 §3.4.2.2", Must, [Filter], Core, Rfc, listing::string_operators, uses = [Strings(1)]),
        check!("rfc7644.filter.presence", "pr matches resources with a value", "RFC 7644 §3.4.2.2", Must, [Filter], Core, Rfc, listing::presence, uses = [Strings(1)]),
        check!("rfc7644.filter.logic", "and, or, not and grouping follow precedence", "RFC 7644 §3.4.2.2", Must, [Filter], Core, Rfc, listing::logic, uses = [Strings(2)]),
        check!("rfc7644.filter.value-path", "Bracketed value filters and dotted sub-attributes select elements", "RFC 7644 §3.4.2.2", Must, [Filter], Core, Rfc, listing::value_path, uses = [Attribute("emails.type")]),
        check!("rfc7644.filter.external-id", "externalId eq finds the resource (Entra matching)", "RFC 7644 §3.4.2.2; IDP-WIRE.md §2.4", Must, [Filter], Core, Rfc, listing::external_id_eq),
        check!("rfc7644.filter.group-display-name", "Groups filter on displayName eq", "RFC 7644 §3.4.2.2; IDP-WIRE.md §2.9", Must, [Filter], Core, Rfc, listing::group_display_name_eq),
        check!("rfc7644.filter.urn-path", "URN-qualified extension attributes filter", "RFC 7644 §3.10", Must, [Filter], Core, Rfc, listing::urn_path, uses = [ExtensionString]),
        check!("rfc7644.filter.last-modified", "meta.lastModified gt compares as time", "RFC 7644 §3.4.2.2", Must, [Filter], Core, Rfc, listing::last_modified_gt),
        check!("rfc7644.sort.ascending", "sortBy sorts ascending, case-insensitively for userName", "RFC 7644 §3.4.2.3", Must, [Filter, Sort], Optional, Rfc, listing::sort_ascending),
        check!("rfc7644.sort.descending", "sortOrder=descending reverses the order", "RFC 7644 §3.4.2.3", Must, [Filter, Sort], Optional, Rfc, listing::sort_descending),
        check!("rfc7644.paging.start-index-below-1", "startIndex below 1 is taken as 1", "RFC 7644 §3.4.2.4", Must, [], Core, Rfc, listing::start_index_below_one),
        check!("rfc7644.paging.count-zero", "count=0 answers totalResults without resources", "RFC 7644 §3.4.2.4", Must, [], Core, Rfc, listing::count_zero),
        check!("rfc7644.put.replaces", "PUT replaces the resource and answers 200", "RFC 7644 §3.5.1", Must, [], Core, Rfc, modify::put_replaces, uses = [Strings(2)]),
        check!("rfc7644.put.unknown-404", "PUT on an unknown id answers 404 and creates nothing", "RFC 7644 §3.5.1", Must, [], Core, Rfc, modify::put_unknown_404),
        check!("rfc7644.patch.add-appends", "add to a multi-valued attribute appends", "RFC 7644 §3.5.2.1", Must, [Patch], Core, Rfc, modify::add_appends, uses = [Attribute("emails.type")]),
        check!("rfc7644.patch.replace-value-path", "replace on emails[type eq \"work\"].value changes only that element", "RFC 7644 §3.5.2.3", Must, [Patch], Core, Rfc, modify::replace_value_path, uses = [Attribute("emails.type")]),
        check!("rfc7644.patch.remove-single", "remove of a single-valued attribute unassigns it", "RFC 7644 §3.5.2.2", Must, [Patch], Core, Rfc, modify::remove_single, uses = [Strings(1)]),
        check!("rfc7644.patch.read-only-400", "replacing the read-only id answers 400 mutability", "RFC 7644 §3.5.2", Must, [Patch], Core, Rfc, modify::read_only_400),
        check!("rfc7644.patch.schema-required", "A PATCH body without the PatchOp schema answers 400", "RFC 7644 §3.5.2", May, [Patch], Core, Rfc, modify::schema_required, uses = [Strings(1)]),
        check!("rfc7643.patch.primary-unique", "Adding a primary email leaves exactly one primary", "RFC 7643 §2.4", Must, [Patch], Core, Rfc, modify::primary_unique, uses = [Attribute("emails.primary")]),
        check!("rfc7644.patch.extension-path", "Extension attributes are patchable by URN path", "RFC 7644 §3.5.2, §3.10", Must, [Patch], Core, Rfc, modify::extension_path, uses = [ExtensionString]),
        check!("rfc7644.patch.unknown-404", "PATCH on an unknown id answers 404", "RFC 7644 §3.12", Must, [Patch], Core, Rfc, modify::unknown_404, uses = [Strings(1)]),
        check!("rfc7644.patch.add-needs-value", "add without a value answers 400", "RFC 7644 §3.5.2.1", Must, [Patch], Core, Rfc, modify::add_without_value, uses = [Strings(1)]),
        check!("rfc7644.etag.if-none-match-304", "GET with the current ETag in If-None-Match answers 304", "RFC 7644 §3.14", Should, [Etag], Optional, Rfc, modify::if_none_match),
        check!("rfc7644.bulk.fail-on-errors", "failOnErrors stops the job after that many errors", "RFC 7644 §3.7", Must, [Bulk], Optional, Rfc, modify::bulk_fail_on_errors),
        check!("rfc7644.bulk.post-needs-bulk-id", "A bulk POST without bulkId is refused", "RFC 7644 §3.7", Must, [Bulk], Optional, Rfc, modify::bulk_post_needs_bulk_id),
        check!("rfc7644.discovery.resource-type-by-name", "GET /ResourceTypes/User answers that type; an unknown one 404", "RFC 7644 §4", Must, [], Core, Rfc, discovery::resource_type_by_name),
        check!("rfc7644.discovery.no-message-schemas", "/Schemas lists resource schemas, never protocol message schemas", "RFC 7644 §3.1, §4", Must, [], Core, Rfc, discovery::no_message_schemas),
        check!("rfc7643.discovery.attribute-characteristics", "Attribute definitions use legal characteristics; complex ones list subAttributes, no nesting", "RFC 7643 §7, §2.3.8", Must, [], Core, Rfc, discovery::attribute_characteristics),
        check!("rfc7644.discovery.ignores-query", "Discovery endpoints ignore filter and paging parameters (or answer 403)", "RFC 7644 §4", Should, [], Edge, Rfc, discovery::ignores_query),
        check!("rfc7644.search.type", "POST /Users/.search answers a ListResponse", "RFC 7644 §3.4.3", Must, [], Optional, Rfc, search::type_search),
        check!("rfc7644.search.needs-schema", "A SearchRequest without its schema answers 400", "RFC 7644 §3.4.3", May, [], Optional, Rfc, search::search_needs_schema),
        check!("rfc7644.search.invalid-filter", "A SearchRequest with a malformed filter answers 400 invalidFilter", "RFC 7644 §3.4.3", Must, [], Optional, Rfc, search::search_invalid_filter),
        check!("rfc7644.search.root", "POST /.search spans resource types (or answers tooMany)", "RFC 7644 §3.4.3, §3.4.2.1", Must, [], Optional, Rfc, search::root_search),
        check!("rfc7643.resource.ids-unique", "ids are unique across resource types and never contain bulkId", "RFC 7643 §3.1", Must, [], Core, Rfc, semantics::ids_unique_across_types),
        check!("rfc7643.resource.empty-is-unassigned", "[] and null are stored as unassigned", "RFC 7643 §2.5", Must, [], Core, Rfc, semantics::empty_list_is_unassigned, uses = [Attribute("emails"), Strings(1)]),
        check!("rfc7643.resource.password-not-listed", "password never appears in list results", "RFC 7643 §4.1.1, §7", Must, [Filter], Core, Rfc, semantics::password_not_in_lists, uses = [Attribute("password")]),
        check!("rfc7643.resource.id-always-returned", "id is returned even when not asked for", "RFC 7643 §7", Must, [], Core, Rfc, semantics::id_always_returned),
        check!("rfc7643.resource.member-ref-resolves", "A member's $ref resolves with GET", "RFC 7643 §2.3.7", Must, [], Core, Rfc, semantics::member_ref_resolves),
        check!("rfc7644.create.answer-is-stored", "The create answer equals what GET returns", "RFC 7644 §3.3", Should, [], Core, Rfc, semantics::create_answer_is_stored, uses = [Strings(1), Attribute("name.givenName")]),
        check!("rfc7644.read.sub-attribute-projection", "attributes=name.givenName returns only that sub-attribute", "RFC 7644 §3.10, §3.4.2.5", Must, [], Core, Rfc, semantics::sub_attribute_projection, uses = [Attribute("name.givenName"), Attribute("name.familyName")]),
        check!("rfc7644.paging.fields-present", "A partial page carries startIndex and itemsPerPage", "RFC 7644 §3.4.2", Must, [], Core, Rfc, semantics::paging_fields_present),
        check!("rfc7644.filter.boolean-ordering-400", "An ordering operator on a boolean answers 400 invalidFilter", "RFC 7644 §3.4.2.2", Must, [Filter], Edge, Rfc, semantics::boolean_ordering_400),
        check!("rfc7644.filter.operator-case", "Attribute names and operators in filters are case-insensitive", "RFC 7644 §3.4.2.2", Must, [Filter], Core, Rfc, semantics::operator_case),
        check!("rfc7644.filter.escaped-values", "Quoted values with escaped quotes and backslashes match", "RFC 7644 §3.4.2.2", Must, [Filter], Edge, Rfc, semantics::escaped_values, uses = [Strings(1)]),
        check!("rfc7644.filter.group-by-member", "Groups are found by members[value eq] and members.value eq", "RFC 7644 §3.4.2.2; IDP-WIRE.md §2.9", Must, [Filter], Core, Rfc, semantics::group_by_member),
        check!("rfc7644.filter.sub-attribute", "Dotted sub-attribute filters (name.familyName sw)", "RFC 7644 §3.4.2.2", Must, [Filter], Core, Rfc, semantics::sub_attribute_filter, uses = [Attribute("name.familyName")]),
        check!("rfc7644.put.read-only-ignored", "id and meta in a PUT body are ignored", "RFC 7644 §3.5.1", Must, [], Core, Rfc, semantics::put_read_only_ignored),
        check!("rfc7644.put.missing-required-400", "A PUT without userName answers 400", "RFC 7644 §3.5.1", Must, [], Core, Rfc, semantics::put_missing_required, uses = [Strings(1)]),
        check!("rfc7644.patch.empty-operations-400", "An empty Operations list answers 400", "RFC 7644 §3.5.2", Must, [Patch], Core, Rfc, semantics::patch_empty_operations),
        check!("rfc7644.patch.unknown-op-400", "An op other than add, remove or replace answers 400", "RFC 7644 §3.5.2", Must, [Patch], Core, Rfc, semantics::patch_unknown_op, uses = [Strings(1)]),
        check!("rfc7644.patch.add-pathless", "add without a path merges the value object", "RFC 7644 §3.5.2.1", Must, [Patch], Core, Rfc, semantics::patch_add_pathless, uses = [Strings(2), Attribute("name.givenName")]),
        check!("rfc7644.patch.noop-keeps-last-modified", "An add that changes nothing leaves lastModified alone", "RFC 7644 §3.5.2.1", Should, [Patch], Edge, Rfc, semantics::patch_noop_keeps_last_modified, uses = [Strings(1)]),
        check!("rfc7644.patch.replace-unset", "replace of an unset attribute sets it", "RFC 7644 §3.5.2.3", Must, [Patch], Core, Rfc, semantics::patch_replace_unset, uses = [Strings(1)]),
        check!("rfc7644.patch.remove-all-values", "remove of a multi-valued attribute without a filter empties it", "RFC 7644 §3.5.2.2", Must, [Patch], Core, Rfc, semantics::patch_remove_all_values, uses = [Attribute("emails")]),
        check!("rfc7644.patch.remove-required-400", "remove of the required userName answers 400", "RFC 7644 §3.5.2.2", Must, [Patch], Core, Rfc, semantics::patch_remove_required),
        check!("rfc7644.patch.with-attributes", "PATCH with attributes= answers 200 with the resource", "RFC 7644 §3.5.2", Must, [Patch], Core, Rfc, semantics::patch_with_attributes, uses = [Strings(1)]),
        check!("rfc7644.patch.malformed-path-400", "A malformed path answers 400 invalidPath", "RFC 7644 §3.12", Must, [Patch], Core, Rfc, semantics::patch_malformed_path),
        check!("rfc7643.patch.null-clears", "replace with null clears the attribute", "RFC 7643 §2.5", Must, [Patch], Core, Rfc, semantics::patch_null_clears, uses = [Strings(1)]),
        check!("rfc7644.patch.many-members", "One PATCH adding several members adds them all", "RFC 7644 §3.5.2; IDP-WIRE.md §2.9", Must, [Patch], Core, Rfc, semantics::patch_many_members),
        check!("rfc7644.delete.recreate", "A deleted userName can be created again", "RFC 7644 §3.6", Should, [], Core, Rfc, semantics::recreate_after_delete),
        check!("rfc7643.delete.drops-membership", "A deleted user disappears from its groups", "RFC 7643 §4.2; RFC 7644 §3.6", Should, [], Core, Rfc, semantics::delete_drops_membership),
        check!("rfc7644.bulk.response-shape", "A BulkResponse lists every operation with method, string status and errors", "RFC 7644 §3.7, §3.7.3", Must, [Bulk], Optional, Rfc, semantics::bulk_response_shape),
        check!("rfc7644.bulk.circular", "Circular bulkId references are resolved or answer 409", "RFC 7644 §3.7.1", Must, [Bulk], Optional, Rfc, semantics::bulk_circular),
        check!("rfc7644.me.501", "/Me answers 200 or, when unsupported, 501", "RFC 7644 §3.11", Should, [], Edge, Rfc, semantics::me_501_or_200),
        check!("rfc7644.auth.wrong-token-401", "A wrong bearer token is refused with 401", "RFC 7644 §7", Must, [], Core, Rfc, semantics::wrong_token_401),
        check!("rfc7644.etag.changes", "meta.version changes when the resource changes", "RFC 7644 §3.14", Must, [Etag], Optional, Rfc, semantics::etag_changes, uses = [Strings(1)]),
        check!("rfc7644.discovery.list-totals", "/ResourceTypes and /Schemas answer ListResponses whose totalResults counts every resource", "RFC 7644 §4, §3.4.2", Must, [], Core, Rfc, documents::list_totals),
        check!("rfc7643.discovery.resource-type-shape", "Each ResourceType carries its schema URN, a relative endpoint that serves it, and extensions /Schemas serves", "RFC 7643 §6", Must, [], Core, Rfc, documents::resource_type_shape),
        check!("rfc7643.discovery.schema-shape", "Each Schema resource carries the Schema schema URN and its id", "RFC 7643 §7", Must, [], Core, Rfc, documents::schema_shape),
        check!("rfc7643.resource.schemas-with-attributes", "attributes= answers keep schemas and id", "RFC 7643 §3, §7; RFC 7644 §3.9", Must, [], Core, Rfc, projection::schemas_with_attributes),
        check!("rfc7643.resource.canonical-types", "Canonical type values of emails, phoneNumbers, ims, photos and addresses are accepted and kept", "RFC 7643 §2.3.1, §4.1.2, §7", Must, [], Core, Rfc, canonical::canonical_types, gate = canonical::gate),
        check!("rfc7644.sort.multi-valued", "sortBy a multi-valued attribute sorts by the primary value, else the first", "RFC 7644 §3.4.2.3", Must, [Filter, Sort], Optional, Rfc, sorting::multi_valued),
        check!("rfc7643.create.required-extension", "A create without a required schema extension is refused", "RFC 7643 §6", Must, [], Core, Rfc, extensions::required_extension, gate = extensions::required_extension_gate),
        check!("rfc7643.put.immutable-kept", "PUT keeps an immutable attribute's value and accepts the same value", "RFC 7643 §7; RFC 7644 §3.5.1", Must, [], Core, Rfc, mutability::put_kept, gate = mutability::gate),
        check!("rfc7644.put.immutable-400", "PUT changing an immutable attribute answers 400 mutability", "RFC 7644 §3.5.1", Should, [], Core, Rfc, mutability::put_refused, gate = mutability::gate),
        check!("rfc7644.patch.schemas-follow", "Adding and removing extension attributes updates schemas for the operations after them", "RFC 7644 §3.5.2", Must, [Patch], Core, Rfc, extensions::schemas_follow_patch, gate = extensions::schemas_follow_gate),
        check!("rfc7643.users.change-password", "With changePassword supported, a password change by PUT (and PATCH) is accepted and not returned", "RFC 7643 §5, §4.1.1", Must, [ChangePassword], Optional, Rfc, password::change_password),
        check!("rfc7644.paging.walk", "Paging a sorted result set that does not change returns each match once with a stable totalResults, while other resources change", "RFC 7644 §3.4.2.4, §3.4.2.3", Must, [Filter, Sort], Optional, Rfc, traversal::paging_walk),
        check!("okta.list.integer-paging", "ListResponse paging fields are JSON integers", "Okta SCIM 2.0 guide (IDP-WIRE.md §1.2)", Compat, [], Core, Okta, compat::integer_paging),
        check!("okta.users.get-put-echo", "Okta's PUT of the GET body with id, meta and groups echoed is accepted", "Okta SCIM 2.0 guide (IDP-WIRE.md §1.6)", Compat, [], Core, Okta, modify::okta_get_put_echo, uses = [Strings(1)]),
        check!("okta.patch.pathless-deactivate", "Okta's pathless replace {active:false} deactivates", "Okta SCIM 2.0 guide (IDP-WIRE.md §1.7)", Compat, [Patch], Core, Okta, compat::okta_pathless_deactivate),
        check!("okta.groups.rename-with-id", "Okta's name sync {id, displayName} is accepted and renames", "Okta SCIM 2.0 guide (IDP-WIRE.md §1.10)", Compat, [Patch], Core, Okta, compat::okta_rename_with_id),
        check!("entra.patch.capitalised-string-bool", "Entra's Replace active \"False\" deactivates", "Entra SCIM docs (IDP-WIRE.md §2.7)", Compat, [Patch], Core, Entra, compat::entra_string_bool),
        check!("entra.groups.legacy-member-removal", "Entra's Remove members with a value list removes only those", "Entra SCIM docs (IDP-WIRE.md §2.9)", Compat, [Patch], Core, Entra, compat::entra_legacy_removal),
        check!("entra.groups.parallel-member-patches", "Parallel member PATCHes to one group lose nothing", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, compat::entra_parallel_adds),
        check!("entra.patch.dotted-pathless-replace", "A pathless replace with dotted and URN keys sets each attribute", "Entra aadOptscim062020 (IDP-WIRE.md §2.6)", Compat, [Patch], Core, Entra, compat::entra_dotted_keys),
        check!("entra.test-connection.empty-filter-200", "Entra's Test Connection (userName eq a random GUID) answers 200 with an empty ListResponse", "IDP-ENGINES E1, E5; IDP-WIRE.md §2.3", Compat, [Filter], Core, Entra, engine::test_connection),
        check!("entra.users.round-trip", "What Entra writes (every default-mapping attribute, the enterprise extension, the manager) a GET returns unchanged, so nothing is re-sent", "IDP-ENGINES E8, E9; IDP-WIRE.md §2.5, §2.6", Compat, [Patch, Filter], Core, Entra, engine::round_trip),
        check!("entra.patch.add-replaces-single", "Add on a single-valued attribute that has a value replaces it", "RFC 7644 §3.5.2.1; IDP-ENGINES E8", Compat, [Patch], Core, Entra, engine::add_replaces_single, uses = [Strings(1)]),
        check!("okta.replay.join", "Okta (OIN): Join: lookup with paging, then create with Okta's body (externalId, password, groups: [])", "IDP-WIRE.md §1.4", Compat, [], Core, Okta, replay::okta_join),
        check!("okta.replay.link", "Okta (OIN): Join of a user the target already has: found by lookup, linked, profile pushed by GET + PUT", "IDP-WIRE.md §1.4", Compat, [], Core, Okta, replay::okta_link),
        check!("okta.replay.update", "Okta (OIN): Profile update by GET + full PUT of the echoed body", "IDP-WIRE.md §1.6", Compat, [], Core, Okta, replay::okta_update),
        check!("okta.replay.deactivate", "Okta (OIN): Deactivation by pathless replace {active: false}", "IDP-WIRE.md §1.7", Compat, [Patch], Core, Okta, replay::okta_deactivate),
        check!("okta.replay.reactivate", "Okta (OIN): Reactivation by pathless PATCH, then GET + PUT", "IDP-WIRE.md §1.8", Compat, [Patch], Core, Okta, replay::okta_reactivate),
        check!("okta.replay.push-group", "Okta (OIN): Push Groups: lookup, create with members [], name-sync PATCH with id, member add", "IDP-WIRE.md §1.10", Compat, [Patch], Core, Okta, replay::okta_push_group),
        check!("okta.replay.add-member", "Okta (OIN): Member add with {value, display}, then the name-sync PATCH", "IDP-WIRE.md §1.10", Compat, [Patch], Core, Okta, replay::okta_add_member),
        check!("okta.replay.remove-member", "Okta (OIN): Member removal by members[value eq] path, then the name-sync PATCH", "IDP-WIRE.md §1.10", Compat, [Patch], Core, Okta, replay::okta_remove_member),
        check!("okta.replay.rename-group", "Okta (OIN): Group rename by pathless replace {id, displayName}", "IDP-WIRE.md §1.10", Compat, [Patch], Core, Okta, replay::okta_rename_group),
        check!("okta.replay.delete-group", "Okta (OIN): Unlink with delete: DELETE /Groups/{id}", "IDP-WIRE.md §1.10", Compat, [Patch], Core, Okta, replay::okta_delete_group),
        check!("okta.replay.import", "Okta (OIN): Import: GET /Users pages of 100 until totalResults", "IDP-WIRE.md §1.11", Compat, [], Core, Okta, replay::okta_import),
        check!("okta-aiw.replay.join", "Okta (AIW): Join with the AIW app's requests", "IDP-WIRE.md §1.4", Compat, [], Core, Okta, replay::aiw_join),
        check!("okta-aiw.replay.update", "Okta (AIW): Profile update by GET + PUT", "IDP-WIRE.md §1.6", Compat, [], Core, Okta, replay::aiw_update),
        check!("okta-aiw.replay.deactivate", "Okta (AIW): Deactivation by GET + PUT active false", "IDP-WIRE.md §1.7", Compat, [], Core, Okta, replay::aiw_deactivate),
        check!("okta-aiw.replay.reactivate", "Okta (AIW): Reactivation by GET + PUT active true", "IDP-WIRE.md §1.8", Compat, [], Core, Okta, replay::aiw_reactivate),
        check!("okta-aiw.replay.push-group", "Okta (AIW): Group push with the membership as a PUT of the whole group", "IDP-WIRE.md §1.10", Compat, [], Core, Okta, replay::aiw_push_group),
        check!("okta-aiw.replay.add-member", "Okta (AIW): Member add as a PUT of the whole group", "IDP-WIRE.md §1.10", Compat, [], Core, Okta, replay::aiw_add_member),
        check!("okta-aiw.replay.remove-member", "Okta (AIW): Member removal as a PUT of the whole group", "IDP-WIRE.md §1.10", Compat, [], Core, Okta, replay::aiw_remove_member),
        check!("okta-aiw.replay.rename-group", "Okta (AIW): Group rename as a PUT of the whole group", "IDP-WIRE.md §1.10", Compat, [], Core, Okta, replay::aiw_rename_group),
        check!("entra.replay.join", "Entra ID (legacy job): Join: lookup with + encoding and no paging, create with enterprise URN, meta, roles: []", "IDP-WIRE.md §2.5", Compat, [], Core, Entra, replay::entra_join),
        check!("entra.replay.link", "Entra ID (legacy job): Join of a user the target already has: found by lookup and linked", "IDP-WIRE.md §2.5", Compat, [Patch], Core, Entra, replay::entra_link),
        check!("entra.replay.update", "Entra ID (legacy job): Profile update: one capitalised Replace per attribute", "IDP-WIRE.md §2.6", Compat, [Patch], Core, Entra, replay::entra_update),
        check!("entra.replay.deactivate", "Entra ID (legacy job): Deactivation: Replace active \"False\"", "IDP-WIRE.md §2.7", Compat, [Patch], Core, Entra, replay::entra_deactivate),
        check!("entra.replay.reactivate", "Entra ID (legacy job): Reactivation: Replace active \"True\"", "IDP-WIRE.md §2.7", Compat, [Patch], Core, Entra, replay::entra_reactivate),
        check!("entra.replay.push-group", "Entra ID (legacy job): Group create with the ADSCIM schema URI and externalId, members by Add", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::entra_push_group),
        check!("entra.replay.add-member", "Entra ID (legacy job): Member add: Add members [{$ref: null, value}]", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::entra_add_member),
        check!("entra.replay.remove-member", "Entra ID (legacy job): Member removal: Remove members with a value list", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::entra_remove_member),
        check!("entra.replay.rename-group", "Entra ID (legacy job): Group rename: Replace displayName", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::entra_rename_group),
        check!("entra.replay.delete-group", "Entra ID (legacy job): Group delete: DELETE /Groups/{id}", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::entra_delete_group),
        check!("entra.replay.delete-user", "Entra ID (legacy job): Hard delete: DELETE /Users/{id} answers and the user is gone", "IDP-WIRE.md §2.8", Compat, [], Core, Entra, replay::entra_delete_user),
        check!("entra-2020.replay.join", "Entra ID (aadOptscim062020): Join with the flagged job's requests", "IDP-WIRE.md §2.5", Compat, [], Core, Entra, replay::e2020_join),
        check!("entra-2020.replay.update", "Entra ID (aadOptscim062020): Profile update: typed-path ops plus one pathless replace with dotted keys", "IDP-WIRE.md §2.6", Compat, [Patch], Core, Entra, replay::e2020_update),
        check!("entra-2020.replay.deactivate", "Entra ID (aadOptscim062020): Deactivation: replace active false", "IDP-WIRE.md §2.7", Compat, [Patch], Core, Entra, replay::e2020_deactivate),
        check!("entra-2020.replay.reactivate", "Entra ID (aadOptscim062020): Reactivation: replace active true", "IDP-WIRE.md §2.7", Compat, [Patch], Core, Entra, replay::e2020_reactivate),
        check!("entra-2020.replay.add-member", "Entra ID (aadOptscim062020): Member add: add members [{value}]", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::e2020_add_member),
        check!("entra-2020.replay.remove-member", "Entra ID (aadOptscim062020): Member removal: remove members[value eq] path", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::e2020_remove_member),
        check!("entra-2020.replay.rename-group", "Entra ID (aadOptscim062020): Group rename: replace displayName", "IDP-WIRE.md §2.9", Compat, [Patch], Core, Entra, replay::e2020_rename_group),
        check!("entra-2020.replay.delete-user", "Entra ID (aadOptscim062020): Hard delete: DELETE /Users/{id}", "IDP-WIRE.md §2.8", Compat, [], Core, Entra, replay::e2020_delete_user),
    ]
}
