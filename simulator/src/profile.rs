//! IdP profiles as data: how each identity provider turns a lifecycle
//! event into requests. The facts and their sources are in IDP-WIRE.md;
//! §9 there lists these knobs. Adding an IdP is adding one constant here.

use crate::cycles::rules::{CycleRules, ENTRA_CYCLES};

/// Letter case of PATCH `op` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpCase {
    Lower,
    /// `Add`, `Replace`, `Remove` (Entra's legacy job).
    Capitalised,
}

/// How booleans travel in PATCH values.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoolRepr {
    Json,
    /// `"True"` / `"False"` (Entra's legacy `Switch` mapping).
    TitleString,
}

/// How a profile change reaches the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateStyle {
    /// `GET /Users/{id}`, then `PUT` of that body with the changes overlaid (Okta).
    GetPut,
    /// One PATCH, one `replace` operation per attribute (Entra legacy, RFC).
    PatchPerAttribute,
    /// Typed-path operations plus one pathless replace with dotted keys
    /// (Entra with `aadOptscim062020`).
    PatchMerged,
}

/// How (de)activation is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActiveStyle {
    /// `{"op":"replace","value":{"active":false}}` (Okta OIN).
    PathlessPatch,
    /// `{"op":"replace","path":"active","value":false}` (Entra, RFC).
    PathPatch,
    /// GET + PUT with `active` changed (Okta AIW).
    GetPut,
}

/// How group membership changes are sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MemberStyle {
    /// `add` with `{value, display}`; `remove` with `members[value eq "…"]` (Okta OIN).
    OktaPatch,
    /// `Add`/`Remove` with `path: "members"` and a value list of
    /// `{"$ref": null, "value": …}` (Entra legacy).
    EntraValueList,
    /// `add` with a value list; `remove` by filter path (Entra 2020, RFC).
    FilterPath,
    /// PUT of the whole group (Okta AIW).
    PutGroup,
}

/// How a group rename is sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RenameStyle {
    /// Pathless replace of `{id, displayName}` (Okta OIN), also sent after
    /// every membership change.
    OktaPathless,
    /// `replace` with `path: "displayName"`.
    PathReplace,
    /// PUT of the whole group.
    PutGroup,
}

/// The body shape of a user create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserShape {
    /// Placeholder `password`, `groups: []`, `locale`; `groups: []` echoed
    /// on every PUT.
    Okta,
    /// Enterprise URN in `schemas` (the extension object only with values),
    /// `meta.resourceType`, `name.formatted`, `preferredLanguage`, `roles: []`.
    Entra,
    /// Only what RFC 7643 defines.
    Rfc,
}

/// What a user's `externalId` carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExternalId {
    /// The IdP's own object id (Okta's `00u…`).
    IdpId,
    /// The mail nickname, the local part of the userName: Entra's default
    /// mapping `mailNickname → externalId` (IDP-WIRE.md §2.5).
    MailNickname,
}

/// How a user's manager reaches the target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ManagerStyle {
    /// Never sent.
    NotSent,
    /// `manager: {value: id}` inside the enterprise extension of the create.
    InCreateBody,
    /// A reference-resolution PATCH after the create, `add` of the plain id on
    /// the URN path, once the manager is in the target (Entra, IDP-ENGINES E7).
    ReferencePatch,
}

/// Which IdP's SAML responses a profile's sign-ins carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignInShape {
    Okta,
    Entra,
}

/// What a connection test (an admin's "Test Connection") sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConnectionTest {
    /// `GET /Users?startIndex=1&count=2` (Okta, IDP-ENGINES O1).
    Paging,
    /// `GET /Users?filter=userName eq "<random GUID>"`, which must answer
    /// 200 with an empty ListResponse (Entra, E1, E5).
    RandomUserName,
    None,
}

/// One IdP's wire behaviour.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub name: &'static str,
    pub user_agent: Option<&'static str>,
    /// `Accept` on every request, or none (Entra sends no SCIM Accept on GET).
    pub accept: Option<&'static str>,
    pub accept_charset: bool,
    pub content_type: &'static str,
    /// How spaces in a filter are encoded: `%20` (Okta) or `+` (Entra).
    pub filter_space: &'static str,
    /// `&startIndex=1&count=100` on existence checks (Okta).
    pub paging_on_lookup: bool,
    pub op_case: OpCase,
    pub bool_repr: BoolRepr,
    pub update: UpdateStyle,
    pub active: ActiveStyle,
    /// After a reactivation PATCH, push the profile with GET + PUT (Okta OIN).
    pub push_profile_on_reactivate: bool,
    pub members: MemberStyle,
    pub rename: RenameStyle,
    /// `excludedAttributes=members` on group reads and lookups (Entra).
    pub exclude_members: bool,
    /// Extra schema URI on group create (Entra's ADSCIM group URI).
    pub group_extra_schema: Option<&'static str>,
    /// `members: []` on group create (Okta).
    pub group_create_empty_members: bool,
    /// `externalId` = the IdP's group id on group create (Entra's object id).
    pub group_create_external_id: bool,
    /// `meta: {resourceType: "Group"}` on group create (Entra).
    pub group_create_meta: bool,
    pub user_shape: UserShape,
    pub external_id: ExternalId,
    pub manager: ManagerStyle,
    pub sign_in: SignInShape,
    /// Whether deleting a user in the IdP sends `DELETE /Users/{id}`.
    pub deletes_users: bool,
    /// Membership PATCHes for one group sent concurrently (Entra).
    pub parallel_member_patches: bool,
    /// Page size of imports, or none if the IdP never lists.
    pub import_page: Option<usize>,
    /// Most members one PATCH carries during a bulk push.
    pub member_batch: usize,
    /// Reads the target before every write and sends only the difference,
    /// `Add` where the target has no value (Entra, IDP-ENGINES E8).
    pub reads_before_write: bool,
    /// A 404 to the existence check means "not found" (Okta, O3); else it
    /// is a failure (Entra, E5).
    pub accepts_404_as_not_found: bool,
    /// A 409 on create is resolved at once by looking the object up again
    /// and linking; else it is a failure, retried in a later cycle (E29).
    pub links_after_conflict: bool,
    /// Deleting a user in the IdP first disables it (a soft delete); the
    /// DELETE follows only on the hard delete, 30 days later or on a purge
    /// (Entra, E15).
    pub soft_deletes: bool,
    /// Attributes tried in order, one query each, to match a user the IdP
    /// has not linked yet (E3).
    pub matching: &'static [&'static str],
    pub connection_test: ConnectionTest,
    /// The provisioning job's schedule, for an IdP that works in cycles.
    pub cycles: Option<&'static CycleRules>,
    /// The shapes the admin's "Provision on demand" sends, where they are
    /// not this profile's: `aadOptscim062020` "does not work with
    /// on-demand provisioning" (IDP-ENGINES E27).
    pub on_demand: Option<&'static Profile>,
}

impl Profile {
    /// Every shipped profile.
    pub const ALL: &[&Profile] = &[&OKTA, &OKTA_AIW, &ENTRA, &ENTRA_2020, &RFC];

    /// Looks a profile up by name.
    pub fn by_name(name: &str) -> Option<&'static Profile> {
        Self::ALL
            .iter()
            .copied()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// Names of every profile, for messages.
    pub fn names() -> Vec<&'static str> {
        Self::ALL.iter().map(|p| p.name).collect()
    }

    /// The `op` spelled in this profile's case.
    pub fn op(&self, op: &str) -> String {
        match self.op_case {
            OpCase::Lower => op.to_ascii_lowercase(),
            OpCase::Capitalised => {
                let mut c = op.chars();
                c.next()
                    .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                    .unwrap_or_default()
            }
        }
    }

    /// The `externalId` this profile gives a user.
    pub fn external_id_of<'u>(&self, u: &'u crate::directory::User) -> &'u str {
        match self.external_id {
            ExternalId::IdpId => &u.idp_id,
            ExternalId::MailNickname => u.mail_nickname(),
        }
    }

    /// A boolean in this profile's PATCH form.
    pub fn boolean(&self, b: bool) -> serde_json::Value {
        match self.bool_repr {
            BoolRepr::Json => b.into(),
            BoolRepr::TitleString => (if b { "True" } else { "False" }).into(),
        }
    }
}

/// Okta, OIN catalog SCIM 2.0 app (IDP-WIRE.md §1).
pub const OKTA: Profile = Profile {
    name: "okta",
    user_agent: Some("Okta SCIM Client 1.0.0"),
    accept: Some("application/scim+json"),
    accept_charset: true,
    content_type: "application/scim+json; charset=utf-8",
    filter_space: "%20",
    paging_on_lookup: true,
    op_case: OpCase::Lower,
    bool_repr: BoolRepr::Json,
    update: UpdateStyle::GetPut,
    active: ActiveStyle::PathlessPatch,
    push_profile_on_reactivate: true,
    members: MemberStyle::OktaPatch,
    rename: RenameStyle::OktaPathless,
    exclude_members: false,
    group_extra_schema: None,
    group_create_empty_members: true,
    group_create_external_id: false,
    group_create_meta: false,
    user_shape: UserShape::Okta,
    external_id: ExternalId::IdpId,
    manager: ManagerStyle::NotSent,
    sign_in: SignInShape::Okta,
    deletes_users: false,
    parallel_member_patches: false,
    import_page: Some(100),
    member_batch: 100,
    reads_before_write: false,
    accepts_404_as_not_found: true,
    links_after_conflict: true,
    soft_deletes: false,
    matching: &["userName"],
    connection_test: ConnectionTest::Paging,
    cycles: None,
    on_demand: None,
};

/// Okta, App Integration Wizard app: everything by GET + PUT (§1.1).
pub const OKTA_AIW: Profile = Profile {
    name: "okta-aiw",
    active: ActiveStyle::GetPut,
    push_profile_on_reactivate: false,
    members: MemberStyle::PutGroup,
    rename: RenameStyle::PutGroup,
    ..OKTA
};

/// Entra ID's default `scim` job, without `aadOptscim062020` (§2).
pub const ENTRA: Profile = Profile {
    name: "entra",
    user_agent: None,
    accept: None,
    accept_charset: false,
    content_type: "application/scim+json; charset=utf-8",
    filter_space: "+",
    paging_on_lookup: false,
    op_case: OpCase::Capitalised,
    bool_repr: BoolRepr::TitleString,
    update: UpdateStyle::PatchPerAttribute,
    active: ActiveStyle::PathPatch,
    push_profile_on_reactivate: false,
    members: MemberStyle::EntraValueList,
    rename: RenameStyle::PathReplace,
    exclude_members: true,
    group_extra_schema: Some(
        "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group",
    ),
    group_create_empty_members: false,
    group_create_external_id: true,
    group_create_meta: true,
    user_shape: UserShape::Entra,
    external_id: ExternalId::MailNickname,
    manager: ManagerStyle::ReferencePatch,
    sign_in: SignInShape::Entra,
    deletes_users: true,
    parallel_member_patches: true,
    import_page: None,
    // "A few members each" (IDP-ENGINES E23); no source gives the number,
    // so this is idpsim's default.
    member_batch: 5,
    reads_before_write: true,
    accepts_404_as_not_found: false,
    links_after_conflict: false,
    soft_deletes: true,
    matching: &["userName"],
    connection_test: ConnectionTest::RandomUserName,
    cycles: Some(&ENTRA_CYCLES),
    on_demand: None,
};

/// Entra ID with the `aadOptscim062020` flag (§2.1, §2.6).
pub const ENTRA_2020: Profile = Profile {
    name: "entra-2020",
    op_case: OpCase::Lower,
    bool_repr: BoolRepr::Json,
    update: UpdateStyle::PatchMerged,
    members: MemberStyle::FilterPath,
    on_demand: Some(&ENTRA),
    ..ENTRA
};

/// A plain, strictly conformant RFC 7644 client.
pub const RFC: Profile = Profile {
    name: "rfc",
    user_agent: Some("idpsim-rfc-client"),
    accept: Some("application/scim+json"),
    accept_charset: false,
    content_type: "application/scim+json",
    filter_space: "%20",
    paging_on_lookup: false,
    op_case: OpCase::Lower,
    bool_repr: BoolRepr::Json,
    update: UpdateStyle::PatchPerAttribute,
    active: ActiveStyle::PathPatch,
    push_profile_on_reactivate: false,
    members: MemberStyle::FilterPath,
    rename: RenameStyle::PathReplace,
    exclude_members: false,
    group_extra_schema: None,
    group_create_empty_members: false,
    group_create_external_id: false,
    group_create_meta: false,
    user_shape: UserShape::Rfc,
    external_id: ExternalId::IdpId,
    manager: ManagerStyle::InCreateBody,
    sign_in: SignInShape::Okta,
    deletes_users: true,
    parallel_member_patches: false,
    import_page: Some(100),
    member_batch: 100,
    reads_before_write: false,
    accepts_404_as_not_found: true,
    links_after_conflict: true,
    soft_deletes: false,
    matching: &["userName"],
    connection_test: ConnectionTest::None,
    cycles: None,
    on_demand: None,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        let mut names = Profile::names();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Profile::ALL.len());
        assert_eq!(Profile::by_name("ENTRA-2020").unwrap().name, "entra-2020");
        assert_eq!(ENTRA.op("replace"), "Replace");
        assert_eq!(ENTRA.boolean(false), serde_json::json!("False"));
    }

    /// A new IdP is one constant: nothing keys on a profile's name. Before
    /// the sign-in shape and the externalId source were fields, a profile
    /// not named `entra*` signed in like Okta and got Okta's externalId.
    #[test]
    fn a_renamed_profile_keeps_every_wire_fact() {
        const ACME: Profile = Profile {
            name: "acme",
            ..ENTRA_2020
        };
        let u = crate::directory::User::new("jo.young@acme.test", "00uJo".into());
        assert_eq!(ACME.external_id_of(&u), "jo.young");
        assert_eq!(
            crate::saml::Shape::for_profile(&ACME),
            crate::saml::Shape::idpsim_entra()
        );
        let body = crate::idp::user_body(&ACME, &u, Some("boss"));
        assert_eq!(body["externalId"], "jo.young");
        assert!(
            body["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]
                .get("manager")
                .is_none(),
            "Entra sets the manager by a later PATCH"
        );
    }
}
