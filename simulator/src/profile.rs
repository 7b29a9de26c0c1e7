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
    /// `"true"` / `"false"`: what a OneLogin SCIM JSON template writing
    /// `"active": "{$user.active}"` produces (IDP-WIRE.md §0, §4).
    LowerString,
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
    /// `PUT /Users/{id}` of the IdP's whole view of the user, without reading
    /// the target first (OneLogin, PingFederate): what the target holds and
    /// the IdP does not send is replaced away (RFC 7644 §3.5.1).
    Put,
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
    /// PUT of the IdP's whole view with `active` changed, no read first
    /// (the profiles whose updates are [`UpdateStyle::Put`]).
    Put,
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
    /// `add` and `remove` both with `path: "members"` and a value list of
    /// `{"value": …}`, no filter (JumpCloud, as one SP's guide reports it).
    ValueList,
}

/// How an IdP finds a group it has not linked yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupLookup {
    /// `GET /Groups?filter=displayName eq "…"` (Okta, Entra, RFC).
    Filter,
    /// `GET /Groups`, every page, matched by `displayName` on the IdP's
    /// side (PingFederate): a target whose listing pages badly loses
    /// groups, and one with many groups answers big lists.
    ListAll,
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
    /// OneLogin's "SCIM v2 Enterprise" JSON template: core and enterprise
    /// URNs, `name.formatted`, the work email, `title`, `department`, and
    /// `active` in the profile's boolean form; no `externalId` (the
    /// template has none). The same template makes creates and PUTs.
    OneLoginTemplate,
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
    /// `GET /Users?count=1`, which must answer 200 with a ListResponse
    /// (Google, IDP-WIRE.md §3).
    CountOne,
    /// A test user and a test group created, then deleted; a user the
    /// target will not delete (405, 501) is deactivated instead (JumpCloud,
    /// IDP-WIRE.md §5).
    TestUserAndGroup,
    None,
}

/// How a whole group's membership is pushed at once (a "Push now" or a
/// full push-groups sync), replacing what the target holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FullPush {
    /// `{"op":"replace","path":"members","value":[{value, display}…]}`:
    /// "You can also send a full push of the membership using the
    /// `replace` operation" (Okta SCIM 2.0 reference, IDP-ENGINES O22).
    ReplacePath,
    /// `{"op":"replace","value":{"members":[…]}}`: the pathless form
    /// captured from Okta in Metatavu/keycloak-scim-server#100 (O22).
    ReplacePathless,
    /// A PUT of the whole group (Okta AIW, O24).
    PutGroup,
}

/// How an import steps from one page to the next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportAdvance {
    /// `startIndex` grows by the page size asked for, whatever the page
    /// held: "After Okta finishes retrieving the first 100 resources, the
    /// startIndex becomes startIndex+100" (Okta SCIM 2.0 reference,
    /// "Retrieve Users", IDP-ENGINES O27). A server that answers fewer
    /// than asked loses the rest of each page from the import.
    ByPageSize,
    /// `startIndex` grows by the resources received (RFC 7644 §3.4.2.4).
    ByItemsReceived,
}

/// What an IdP does when a request fails: how many times it sends again
/// within the same event, and after how long. What is not sent again is
/// a failed task (Okta) or an escrowed operation retried in a later cycle
/// (Entra's engine, E28).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ErrorPolicy {
    /// 429 answers sent again after the full `Retry-After` (in virtual
    /// time; a live run sleeps at most `--max-retry-after` of it). Okta
    /// "schedules an automatic retry after the Retry-After delay" (support
    /// article "API rate limit exceeded", IDP-ENGINES O29). 0 hands the 429
    /// to the caller: Entra logs it as a failure and escrows it (2019
    /// feedback 38354572, E30; sources disagree, see E30).
    pub rate_limit_retries: u32,
    /// Seconds waited on a 429 without `Retry-After`.
    pub default_retry_after: u64,
    /// 5xx answers, timeouts and lost answers sent again at once. 0 for
    /// Okta: a failed task with no documented automatic retry, POST
    /// included (O-PR1956 501 → "Deprovision" task; fleetdm/fleet#52600,
    /// O30); 0 for Entra, whose engine escrows them (E28).
    pub failure_retries: u32,
    /// A request that fails for good is a failed task shown to the admin,
    /// and the event stops there (Okta, O8, O30); failure messages say so.
    pub failed_task: bool,
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
    /// Appended to existence checks: `&startIndex=1&count=100` (Okta),
    /// `&startIndex=1` (Google), or nothing.
    pub lookup_paging: &'static str,
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
    /// How a group is found before it is created.
    pub group_lookup: GroupLookup,
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
    /// What its SAML app sends when freshly configured (IDP-ENGINES §3).
    pub saml: crate::saml::SamlDefaults,
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
    /// A group's whole membership pushed at once (`push_now` steps), or
    /// none where the IdP has no such push.
    pub full_push: Option<FullPush>,
    /// Removals and additions to one group in one event travel in one
    /// PATCH, removals first: the Okta reference's membership example sends
    /// `Operations: [remove …, add …]` (IDP-ENGINES O21). Else they are
    /// separate requests.
    pub mixed_member_patch: bool,
    /// A PUT of the new group with `members: []` right after its POST:
    /// an Okta AIW capture (simpleidserver/SimpleIdServer#247, O24).
    pub put_after_group_create: bool,
    pub import_advance: ImportAdvance,
    pub errors: ErrorPolicy,
    /// The shapes the admin's "Provision on demand" sends, where they are
    /// not this profile's: `aadOptscim062020` "does not work with
    /// on-demand provisioning" (IDP-ENGINES E27).
    pub on_demand: Option<&'static Profile>,
}

impl Profile {
    /// Every shipped profile.
    pub const ALL: &[&Profile] = &[
        &OKTA,
        &OKTA_AIW,
        &ENTRA,
        &ENTRA_2020,
        &RFC,
        &GOOGLE,
        &ONELOGIN,
        &JUMPCLOUD,
        &PING,
    ];

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
            BoolRepr::LowerString => (if b { "true" } else { "false" }).into(),
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
    lookup_paging: "&startIndex=1&count=100",
    op_case: OpCase::Lower,
    bool_repr: BoolRepr::Json,
    update: UpdateStyle::GetPut,
    active: ActiveStyle::PathlessPatch,
    push_profile_on_reactivate: true,
    members: MemberStyle::OktaPatch,
    rename: RenameStyle::OktaPathless,
    exclude_members: false,
    group_lookup: GroupLookup::Filter,
    group_extra_schema: None,
    group_create_empty_members: true,
    group_create_external_id: false,
    group_create_meta: false,
    user_shape: UserShape::Okta,
    external_id: ExternalId::IdpId,
    manager: ManagerStyle::NotSent,
    sign_in: SignInShape::Okta,
    saml: crate::saml::SamlDefaults::OKTA,
    deletes_users: false,
    parallel_member_patches: false,
    import_page: Some(100),
    member_batch: 100,
    reads_before_write: false,
    accepts_404_as_not_found: true,
    // "The SP needs to respond with an error schema to stop the
    // provisioning job": a 409 is an error for the admin, never a silent
    // relink (Okta SCIM 2.0 reference, IDP-ENGINES O8).
    links_after_conflict: false,
    soft_deletes: false,
    matching: &["userName"],
    connection_test: ConnectionTest::Paging,
    cycles: None,
    full_push: Some(FullPush::ReplacePath),
    mixed_member_patch: true,
    put_after_group_create: false,
    import_advance: ImportAdvance::ByPageSize,
    // No source gives Okta's number of 429 retries; five stands in for
    // "schedules an automatic retry" without end.
    errors: ErrorPolicy {
        rate_limit_retries: 5,
        default_retry_after: 60,
        failure_retries: 0,
        failed_task: true,
    },
    on_demand: None,
};

/// Okta, App Integration Wizard app: everything by GET + PUT (§1.1).
pub const OKTA_AIW: Profile = Profile {
    name: "okta-aiw",
    active: ActiveStyle::GetPut,
    push_profile_on_reactivate: false,
    members: MemberStyle::PutGroup,
    rename: RenameStyle::PutGroup,
    full_push: Some(FullPush::PutGroup),
    mixed_member_patch: false,
    put_after_group_create: true,
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
    lookup_paging: "",
    op_case: OpCase::Capitalised,
    bool_repr: BoolRepr::TitleString,
    update: UpdateStyle::PatchPerAttribute,
    active: ActiveStyle::PathPatch,
    push_profile_on_reactivate: false,
    members: MemberStyle::EntraValueList,
    rename: RenameStyle::PathReplace,
    exclude_members: true,
    group_lookup: GroupLookup::Filter,
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
    saml: crate::saml::SamlDefaults::ENTRA,
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
    full_push: None,
    mixed_member_patch: false,
    put_after_group_create: false,
    import_advance: ImportAdvance::ByItemsReceived,
    errors: ErrorPolicy {
        rate_limit_retries: 0,
        default_retry_after: 0,
        failure_retries: 0,
        failed_task: false,
    },
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
    lookup_paging: "",
    op_case: OpCase::Lower,
    bool_repr: BoolRepr::Json,
    update: UpdateStyle::PatchPerAttribute,
    active: ActiveStyle::PathPatch,
    push_profile_on_reactivate: false,
    members: MemberStyle::FilterPath,
    rename: RenameStyle::PathReplace,
    exclude_members: false,
    group_lookup: GroupLookup::Filter,
    group_extra_schema: None,
    group_create_empty_members: false,
    group_create_external_id: false,
    group_create_meta: false,
    user_shape: UserShape::Rfc,
    external_id: ExternalId::IdpId,
    manager: ManagerStyle::InCreateBody,
    sign_in: SignInShape::Okta,
    saml: crate::saml::SamlDefaults::OKTA,
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
    full_push: None,
    mixed_member_patch: false,
    put_after_group_create: false,
    import_advance: ImportAdvance::ByItemsReceived,
    // A client of idpsim's own, not an IdP: a few quick retries.
    errors: ErrorPolicy {
        rate_limit_retries: 5,
        default_retry_after: 1,
        failure_retries: 5,
        failed_task: false,
    },
    on_demand: None,
};

/// Google Workspace's automated provisioning ("Google-Auto-Provisioning"),
/// IDP-WIRE.md §3, the weakest-sourced profile. Facts with a source:
/// - `Content-Type: application/json`, not configurable, and `User-Agent:
///   Google-Auto-Provisioning` [OBS pond/scimitar#142: an SP that insists
///   on scim+json answers 406];
/// - the lookup `GET /Users?filter=userName%20eq%20"…"&startIndex=1`: `%20`
///   for spaces, `startIndex` without `count` [OBS grokability/snipe-it#12642];
/// - setup probes `GET /Users?count=1` [3P authn.sh Google Workspace guide];
/// - the deprovisioning action is the admin's choice, "Delete the user"
///   among them [3P authn.sh].
///
/// No public source for the rest (Accept, update and (de)activation verbs,
/// groups, imports, the default deprovisioning action), so the RFC 7644
/// client's behaviour: PATCH per attribute, `active` by path, DELETE.
/// SAML: no Google response shape in idpsim yet; Okta's, as idpsim ships
/// it, is the closest (`saml response --profile google`). Google's issuer is
/// `https://accounts.google.com/o/saml2?idpid=…` and "Signed response" is
/// an opt-in [3P SP setup guides].
pub const GOOGLE: Profile = Profile {
    name: "google",
    user_agent: Some("Google-Auto-Provisioning"),
    content_type: "application/json",
    lookup_paging: "&startIndex=1",
    connection_test: ConnectionTest::CountOne,
    ..RFC
};

/// OneLogin's "SCIM Provisioner with SAML (SCIM v2 Enterprise)" app,
/// IDP-WIRE.md §4. Facts with a source:
/// - bodies come from the admin's SCIM JSON template: userName, name,
///   work email, title, enterprise department [DOC developers.onelogin.com
///   /scim/define-user-schema; 3P Living Security's template]; templates
///   that write `"active": "{$user.active}"` send a string [3P, IDP-WIRE.md §0];
/// - an empty `User-Agent`, no `Accept`, `Content-Type:
///   application/scim+json` [OBS goauthentik/authentik#11249, headers
///   traced at the SP];
/// - the lookup `GET /Users?filter=userName+eq+%22…%22&`: `+` for spaces
///   and a trailing `&`; a user update is a `PUT /Users/{id}` of the
///   template with no read first; group membership by `PATCH
///   /Groups/{id}` [OBS authentik#11249].
///
/// That PUT carried `urn:scim:schemas:core:2.0` and
/// `urn:scim:schemas:extension:enterprise:2.0`, URNs no RFC defines, from a
/// hand-edited template; idpsim sends the RFC 7643 URNs of OneLogin's
/// published template instead. No source for: deactivation (a PUT with
/// `active` "false", like the update), the member PATCH body (RFC filter
/// path), the connection test (none), the delete action (the "Delete"
/// workflow toggle; RFC DELETE). SAML: OneLogin's issuer is
/// `https://app.onelogin.com/saml/metadata/<app>` [3P ComponentSpace
/// guide]; no OneLogin shape in idpsim yet, Okta's is the closest.
pub const ONELOGIN: Profile = Profile {
    name: "onelogin",
    user_agent: Some(""),
    accept: None,
    filter_space: "+",
    lookup_paging: "&",
    bool_repr: BoolRepr::LowerString,
    update: UpdateStyle::Put,
    active: ActiveStyle::Put,
    user_shape: UserShape::OneLoginTemplate,
    manager: ManagerStyle::NotSent,
    ..RFC
};

/// JumpCloud's "Custom SCIM Identity Management" integration, IDP-WIRE.md
/// §5. Facts with a source:
/// - activation creates a test user and a test group, then deletes both
///   if the SP supports DELETE, else deactivates the test user [DOC
///   jumpcloud.com/support/provision-and-manage-users-and-groups-in-apps-
///   using-custom-scim-identity-management-integration];
/// - group members are added and removed as a value list on `path:
///   "members"`, without a filter [3P app.uni-moni.com/en/kb/sso-setup-
///   jumpcloud, low confidence].
///
/// No public source for headers (no User-Agent is sent), update verbs,
/// or the delete action: the RFC 7644 client's. SAML: the IdP Entity ID is
/// whatever the admin types (guides use `JumpCloud`), assertion or
/// response signing is the admin's pick [3P SP guides]; Okta's shape
/// (assertion signed) is the closest idpsim has.
pub const JUMPCLOUD: Profile = Profile {
    name: "jumpcloud",
    user_agent: None,
    members: MemberStyle::ValueList,
    connection_test: ConnectionTest::TestUserAndGroup,
    ..RFC
};

/// PingFederate's SCIM Provisioner (and PingOne's outbound SCIM, which
/// documents the same knobs), IDP-WIRE.md §6. Facts with a source [DOC
/// docs.pingidentity.com/integrations/scim/pf_scim_connector.html and its
/// user-and-group-management page]:
/// - users matched on `userName` ("Unique User Identifier");
/// - user updates are PUT, not PATCH; the Remove User Action "Disable"
///   sends `active: false`;
/// - groups are found by listing `/Groups` and matching on the IdP's side,
///   so the SP's paging of `/Groups` matters; memberships may be PATCHed.
///
/// No public source for the User-Agent (none is sent), for a read before
/// the PUT (none), the member PATCH body (RFC filter path) or the default
/// Remove User Action (Delete chosen: RFC DELETE). SAML: Ping's entity ID
/// is the admin's; Okta's shape is the closest idpsim has.
pub const PING: Profile = Profile {
    name: "ping",
    user_agent: None,
    update: UpdateStyle::Put,
    active: ActiveStyle::Put,
    group_lookup: GroupLookup::ListAll,
    ..RFC
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
        assert_eq!(ONELOGIN.boolean(true), serde_json::json!("true"));
        assert_eq!(PING.boolean(true), serde_json::json!(true));
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
