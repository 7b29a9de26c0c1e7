//! The RFC 7643 §8.7 schema definitions, one `const` row per attribute.
//!
//! Deviations from the RFC text, each deliberate:
//! - Group `members` carries a `display` sub-attribute. RFC 7643 §8.7.1 lists
//!   only `value`, `$ref` and `type`, but Okta sends `display` in every member
//!   it pushes (IDP-WIRE.md §1.10) and an SP that rejects it breaks Push Groups.

use super::Schema;
use super::attribute::{
    Attribute as A, AttributeType as T, Mutability as M, Returned as R, Uniqueness as U,
};
use crate::urn;

const PRIMARY: A = A::new(
    "primary",
    T::Boolean,
    "Marks the preferred value of the list.",
);
const DISPLAY: A = A::string("display", "A name for display purposes.");

/// `id`, `externalId` and `meta`, which every resource has (RFC 7643 §3.1).
pub static COMMON: &[A] = &[
    A::string("id", "Identifier the service provider assigned.")
        .case_exact()
        .mutability(M::ReadOnly)
        .returned(R::Always)
        .unique(U::Server),
    A::string("externalId", "Identifier the provisioning client assigned.").case_exact(),
    A::complex(
        "meta",
        "Resource metadata.",
        &[
            A::string("resourceType", "Name of the resource type.")
                .case_exact()
                .mutability(M::ReadOnly),
            A::new("created", T::DateTime, "When the resource was added.").mutability(M::ReadOnly),
            A::new(
                "lastModified",
                T::DateTime,
                "When the resource last changed.",
            )
            .mutability(M::ReadOnly),
            A::reference("location", "The resource's URI.", &["uri"])
                .case_exact()
                .mutability(M::ReadOnly),
            A::string("version", "The resource's entity tag.")
                .case_exact()
                .mutability(M::ReadOnly),
        ],
    )
    .mutability(M::ReadOnly),
];

const EMAIL_TYPES: &[&str] = &["work", "home", "other"];

/// RFC 7643 §4.1 / §8.7.1 User.
pub static USER: Schema = Schema {
    id: urn::USER,
    name: "User",
    description: "User Account",
    attributes: &[
        A::string("userName", "Unique identifier the user signs in with.")
            .required()
            .unique(U::Server),
        A::complex(
            "name",
            "The components of the user's name.",
            &[
                A::string("formatted", "The full name, formatted for display."),
                A::string("familyName", "Family name."),
                A::string("givenName", "Given name."),
                A::string("middleName", "Middle name."),
                A::string("honorificPrefix", "Prefix such as Ms."),
                A::string("honorificSuffix", "Suffix such as III."),
            ],
        ),
        A::string("displayName", "Name shown to end users."),
        A::string("nickName", "Casual name."),
        A::reference(
            "profileUrl",
            "URL of the user's online profile.",
            &["external"],
        ),
        A::string("title", "Job title."),
        A::string("userType", "Relationship to the organisation."),
        A::string("preferredLanguage", "Preferred written or spoken language."),
        A::string("locale", "Default location for localisation."),
        A::string("timezone", "Time zone in IANA format."),
        A::new("active", T::Boolean, "Whether the account may be used."),
        A::string("password", "Clear-text password, write only.")
            .mutability(M::WriteOnly)
            .returned(R::Never),
        A::complex(
            "emails",
            "Email addresses.",
            &[
                A::string("value", "The address."),
                DISPLAY,
                A::string("type", "work, home or other.").canonical(EMAIL_TYPES),
                PRIMARY,
            ],
        )
        .multi(),
        A::complex(
            "phoneNumbers",
            "Phone numbers.",
            &[
                A::string("value", "The number."),
                DISPLAY,
                A::string("type", "Kind of number.")
                    .canonical(&["work", "home", "mobile", "fax", "pager", "other"]),
                PRIMARY,
            ],
        )
        .multi(),
        A::complex(
            "ims",
            "Instant messaging addresses.",
            &[
                A::string("value", "The address."),
                DISPLAY,
                A::string("type", "Messaging service.")
                    .canonical(&["aim", "gtalk", "icq", "xmpp", "msn", "skype", "qq", "yahoo"]),
                PRIMARY,
            ],
        )
        .multi(),
        A::complex(
            "photos",
            "Photo URLs.",
            &[
                A::reference("value", "URL of the image.", &["external"]),
                DISPLAY,
                A::string("type", "photo or thumbnail.").canonical(&["photo", "thumbnail"]),
                PRIMARY,
            ],
        )
        .multi(),
        A::complex(
            "addresses",
            "Physical mailing addresses.",
            &[
                A::string("formatted", "The full address, formatted for display."),
                A::string("streetAddress", "Street."),
                A::string("locality", "City."),
                A::string("region", "State or region."),
                A::string("postalCode", "Postal code."),
                A::string("country", "ISO 3166-1 alpha-2 country code."),
                A::string("type", "work, home or other.").canonical(EMAIL_TYPES),
                PRIMARY,
            ],
        )
        .multi(),
        A::complex(
            "groups",
            "Groups the user belongs to, derived from group membership.",
            &[
                A::string("value", "The group's id.").mutability(M::ReadOnly),
                A::reference("$ref", "URI of the group.", &["User", "Group"])
                    .mutability(M::ReadOnly),
                A::string("display", "The group's display name.").mutability(M::ReadOnly),
                A::string("type", "direct or indirect membership.")
                    .canonical(&["direct", "indirect"])
                    .mutability(M::ReadOnly),
            ],
        )
        .multi()
        .mutability(M::ReadOnly),
        A::complex(
            "entitlements",
            "Entitlements.",
            &[
                A::string("value", "The entitlement."),
                DISPLAY,
                A::string("type", "Kind."),
                PRIMARY,
            ],
        )
        .multi(),
        A::complex(
            "roles",
            "Roles.",
            &[
                A::string("value", "The role."),
                DISPLAY,
                A::string("type", "Kind."),
                PRIMARY,
            ],
        )
        .multi(),
        A::complex(
            "x509Certificates",
            "Certificates.",
            &[
                A::new("value", T::Binary, "DER certificate, base64."),
                DISPLAY,
                A::string("type", "Kind."),
                PRIMARY,
            ],
        )
        .multi(),
    ],
};

/// RFC 7643 §4.2 / §8.7.1 Group.
pub static GROUP: Schema = Schema {
    id: urn::GROUP,
    name: "Group",
    description: "Group",
    attributes: &[
        A::string("displayName", "Name of the group.").required(),
        A::complex(
            "members",
            "Members of the group.",
            &[
                A::string("value", "The member's id.").mutability(M::Immutable),
                A::reference("$ref", "URI of the member.", &["User", "Group"])
                    .mutability(M::Immutable),
                A::string("type", "User or Group.")
                    .canonical(&["User", "Group"])
                    .mutability(M::Immutable),
                A::string("display", "The member's display name (sent by Okta)."),
            ],
        )
        .multi(),
    ],
};

/// RFC 7643 §4.3 / §8.7.1 Enterprise User extension.
pub static ENTERPRISE_USER: Schema = Schema {
    id: urn::ENTERPRISE_USER,
    name: "EnterpriseUser",
    description: "Enterprise User",
    attributes: &[
        A::string("employeeNumber", "Employee number."),
        A::string("costCenter", "Cost center."),
        A::string("organization", "Organisation."),
        A::string("division", "Division."),
        A::string("department", "Department."),
        A::complex(
            "manager",
            "The user's manager.",
            &[
                A::string("value", "The manager's id."),
                A::reference("$ref", "URI of the manager.", &["User"]),
                A::string("displayName", "The manager's display name.").mutability(M::ReadOnly),
            ],
        ),
    ],
};

/// The reference SP's own extension for non-human accounts, required by
/// its `ServiceAccount` resource type: who answers for the account, and
/// how it authenticates, which is chosen when the account is made and
/// cannot change (an `immutable` attribute, RFC 7643 §7; the RFC's own
/// schemas have no single-valued one).
pub static SERVICE_ACCOUNT: Schema = Schema {
    id: urn::SERVICE_ACCOUNT,
    name: "ServiceAccount",
    description: "Service account",
    attributes: &[
        A::string(
            "owner",
            "userName of the person accountable for the account.",
        )
        .required(),
        A::string(
            "credentialType",
            "How the account authenticates; set when it is created.",
        )
        .canonical(&["apiKey", "oauthClient", "certificate"])
        .mutability(M::Immutable),
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn assert_unique(attrs: &[A], at: &str) {
        let mut names: Vec<String> = attrs.iter().map(|a| a.name.to_ascii_lowercase()).collect();
        names.sort();
        let before = names.len();
        names.dedup();
        assert_eq!(before, names.len(), "duplicate attribute names in {at}");
        for a in attrs {
            assert_unique(a.sub_attributes, a.name);
            assert_eq!(
                a.kind == T::Complex,
                !a.sub_attributes.is_empty(),
                "{}",
                a.name
            );
        }
    }

    #[test]
    fn names_are_unique_and_only_complex_has_sub_attributes() {
        for s in [&USER, &GROUP, &ENTERPRISE_USER, &SERVICE_ACCOUNT] {
            assert_unique(s.attributes, s.id);
        }
        assert_unique(COMMON, "common");
    }
}
