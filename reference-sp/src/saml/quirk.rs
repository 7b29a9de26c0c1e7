//! SAML quirks: named switches that each turn off (or overdo) exactly one
//! check of the ACS, the way a real SP library got it wrong, so that every
//! case of idpsim's SAML suite can be shown to fail. Never on by default;
//! `idpsim target --saml-quirk NAME` and tests turn them on.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

macro_rules! quirks {
    ($($(#[doc = $doc:literal])* $variant:ident = $name:literal,)*) => {
        /// One deliberate SAML defect.
        #[non_exhaustive]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum SamlQuirk {
            $($(#[doc = $doc])* $variant,)*
        }

        impl SamlQuirk {
            /// Every SAML quirk with its `--saml-quirk` name.
            pub const ALL: &[(SamlQuirk, &str)] = &[$((SamlQuirk::$variant, $name),)*];
        }
    };
}

quirks! {
    /// A response with no signature at all signs in.
    AcceptUnsignedAssertion = "accept-unsigned-assertion",
    /// The SignatureValue is not checked (missing, empty or wrong).
    IgnoreSignatureValue = "ignore-signature-value",
    /// The digest of the signed element is not compared.
    IgnoreDigest = "ignore-digest",
    /// The Reference URI need not name the signed element.
    SkipReferenceCheck = "skip-reference-check",
    /// SignedInfo may hold several References; the first is checked.
    MultipleReferences = "multiple-references",
    /// Two SignedInfo: the value is checked over the first, the digest
    /// taken from the last (xmlseclibs, CVE-2019-3465).
    TwoSignedInfo = "two-signed-info",
    /// Any valid IdP signature anywhere in the document makes it signed
    /// (node-saml, CVE-2025-54419).
    AnySignatureInDocument = "any-signature-in-document",
    /// Signatures are resolved by ID anywhere in the document; the first
    /// Assertion child of the Response is consumed (classic XSW).
    SignatureById = "signature-by-id-lookup",
    /// The first element named Assertion, in any namespace, is consumed
    /// (CVE-2022-41912 class); names are matched by local name.
    FirstAssertionWins = "first-assertion-wins",
    /// The last element named Assertion is consumed.
    LastAssertionWins = "last-assertion-wins",
    /// An element's text is its first child node's (comment or text):
    /// the Duo comment truncation and xml-crypto's DigestValue comment.
    CommentsTruncateText = "comments-truncate-text",
    /// Signatures may sit anywhere among the element's children.
    AnySignaturePosition = "any-signature-position",
    /// A DOCTYPE is accepted; its internal entities are expanded.
    AllowDoctype = "allow-doctype",
    /// URLs the message names (external entities, RetrievalMethod, XSLT
    /// document()) on the loopback host are fetched.
    DereferenceUrls = "dereference-urls",
    /// Names that are not QNames are read as local names.
    LenientNames = "lenient-names",
    /// The signature is checked with the certificate in KeyInfo.
    TrustKeyInfo = "trust-key-info",
    /// SHA-1 and MD5 digests are accepted.
    WeakAlgorithms = "weak-algorithms",
    /// HMAC-SHA256 signatures verify with the IdP's public key as the
    /// HMAC key, honouring HMACOutputLength (xml-crypto #303).
    HmacWithCert = "hmac-with-cert",
    /// Inclusive and with-comments canonicalizations are accepted.
    AnyC14n = "any-c14n",
    /// Transforms beyond the two SAML allows are ignored.
    AnyTransform = "any-transform",
    /// NotOnOrAfter (Conditions and bearer confirmation) is not checked.
    IgnoreExpiry = "ignore-expiry",
    /// Conditions NotBefore is not checked.
    IgnoreNotBefore = "ignore-not-before",
    /// A bearer confirmation without NotOnOrAfter is accepted.
    BearerExpiryOptional = "bearer-expiry-optional",
    /// NotBefore on a bearer confirmation is accepted.
    ScdNotBeforeAllowed = "scd-not-before-allowed",
    /// IssueInstant is not checked.
    IgnoreIssueInstant = "ignore-issue-instant",
    /// Times without Z, with offsets, or unreadable (then ignored) pass.
    LenientTimestamps = "lenient-timestamps",
    /// The AudienceRestriction is not checked.
    SkipAudience = "skip-audience",
    /// The bearer confirmation's Recipient is not checked.
    SkipRecipient = "skip-recipient",
    /// The Response's Destination is not checked.
    SkipDestination = "skip-destination",
    /// Issuers are not checked.
    SkipIssuer = "skip-issuer",
    /// InResponseTo is not checked against the browser's requests.
    SkipInResponseTo = "skip-in-response-to",
    /// Unsolicited responses are accepted.
    AllowUnsolicited = "allow-unsolicited",
    /// Assertions and request IDs may be used again.
    AllowReplay = "allow-replay",
    /// The Status is not read.
    IgnoreStatus = "ignore-status",
    /// An assertion without AuthnStatement is accepted.
    AuthnStatementOptional = "authn-statement-optional",
    /// Any SubjectConfirmation Method counts as bearer.
    AnyConfirmationMethod = "any-confirmation-method",
    /// Version is not checked.
    AnyVersion = "any-version",
    /// Unknown Conditions are ignored.
    IgnoreUnknownConditions = "ignore-unknown-conditions",
    /// The first of several NameIDs is taken.
    FirstNameId = "first-name-id",
    /// The NameID is trimmed, NFKC-normalized and stripped of format
    /// characters before the account lookup.
    NormalizeNameId = "normalize-name-id",
    /// RelayState is followed wherever it points.
    OpenRedirect = "open-redirect",
    /// After refusing a response for a resource limit (size, depth, width,
    /// namespaces, entity declarations), the ACS answers 500 to everyone:
    /// a worker that died.
    FragileParser = "fragile-parser",
    /// Too strict: a signed Response is refused.
    RejectSignedResponse = "reject-signed-response",
    /// Too strict: the assertion itself must be signed.
    RequireSignedAssertion = "require-signed-assertion",
    /// Too strict: only RSA-SHA256.
    Sha256Only = "sha256-only",
    /// Too strict: a signature must carry KeyInfo.
    RequireKeyInfo = "require-key-info",
    /// Too strict: assertion elements must be prefixed.
    PrefixedNamesOnly = "prefixed-names-only",
    /// Too strict: the Assertion's Issuer must say Format=entity.
    RequireIssuerFormat = "require-issuer-format",
    /// Too strict: times must have fractional seconds.
    RequireFractionalSeconds = "require-fractional-seconds",
    /// Whitespace-only text is dropped before digesting.
    StripWhitespace = "strip-whitespace",
    /// Text is canonicalized without escaping.
    C14nNoEscape = "c14n-no-escape",
}

impl SamlQuirk {
    pub fn name(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(q, _)| *q == self)
            .map(|(_, n)| *n)
            .expect("every quirk is listed")
    }
}

impl fmt::Display for SamlQuirk {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for SamlQuirk {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Self::ALL
            .iter()
            .find(|(_, n)| n.eq_ignore_ascii_case(s))
            .map(|(q, _)| *q)
            .ok_or_else(|| {
                let names: Vec<&str> = Self::ALL.iter().map(|(_, n)| *n).collect();
                format!("unknown SAML quirk {s:?}; known: {}", names.join(", "))
            })
    }
}

/// The quirks one SP has.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Quirks(pub BTreeSet<SamlQuirk>);

impl Quirks {
    pub fn has(&self, q: SamlQuirk) -> bool {
        self.0.contains(&q)
    }
}

impl FromIterator<SamlQuirk> for Quirks {
    fn from_iter<I: IntoIterator<Item = SamlQuirk>>(iter: I) -> Self {
        Quirks(iter.into_iter().collect())
    }
}
