//! What a SAML case is: one row with its source, the verdict it expects,
//! the reference-SP quirks that prove it can fail, and a builder that turns
//! a genuine response into the one defect the case is about.

use std::sync::Arc;

use idpsim_simulator::saml::{
    Attributes, Login, SamlDefaults, Shape, SigAlg, SignMode, SigningKey, signed_response,
};
use time::OffsetDateTime;

use super::sign::{self, Keys, Spec};
use super::sp::Started;
use super::xml::{self, El, Node};

/// What a correct SP does with the case's response.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A valid response of a shape real IdPs send: the user signs in.
    Accept,
    /// Nobody is signed in.
    Refuse,
    /// Refused, or signed in only as the identity the signature vouches
    /// for (the script names it).
    RefuseOrVouched,
    /// Sign-in or not, the browser is not sent off the SP's origin.
    NoOpenRedirect,
}

impl Expect {
    pub fn describe(self, vouched: Option<&str>) -> String {
        match self {
            Expect::Accept => "the user signs in".into(),
            Expect::Refuse => "refused: nobody signed in".into(),
            Expect::RefuseOrVouched => format!(
                "refused, or signed in only as {:?}, whom the signature vouches for",
                vouched.unwrap_or("?")
            ),
            Expect::NoOpenRedirect => "no redirect off the SP's own origin".into(),
        }
    }
}

/// Which runs a case belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Standard,
    /// Costly inputs (bombs, oversize): only with `--include resource`,
    /// each followed by the canary under a time limit.
    Resource,
}

/// What flow a case needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    /// Either: SP-initiated when the SP has a login URL, else unsolicited.
    Any,
    /// Only against an SP-initiated login (InResponseTo cases).
    SpInitiated,
    /// Only against an SP that takes an unsigned assertion in a signed
    /// Response (SAML.md P-03: one that requires signed assertions must
    /// refuse it).
    UnsignedAssertionAllowed,
}

/// One case.
#[derive(Clone, Copy)]
pub struct Case {
    /// `saml.<area>.<name>`.
    pub id: &'static str,
    pub title: &'static str,
    /// The catalogue row (SAML.md) or CVE it comes from.
    pub source: &'static str,
    pub expect: Expect,
    /// Reference-SP quirks (`--saml-quirk` names, or a SCIM quirk's) that
    /// make this case fail: its proof.
    pub proof: &'static [&'static str],
    pub kind: Kind,
    pub flow: Flow,
    /// Browsers the case starts logins in (1 or 2).
    pub browsers: usize,
    pub build: fn(&Forge<'_>) -> Result<Script, String>,
}

impl Case {
    pub fn area(&self) -> &'static str {
        self.id.split('.').nth(1).unwrap_or("other")
    }
}

impl std::fmt::Debug for Case {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Case").field("id", &self.id).finish()
    }
}

/// One post to the ACS.
#[derive(Debug, Clone)]
pub struct Step {
    pub xml: Vec<u8>,
    pub relay_state: Option<String>,
    /// Index of the browser (login start) it is posted in.
    pub browser: usize,
    /// A step that sets the stage: the user must sign in, or the case is
    /// inconclusive.
    pub setup: bool,
    /// Drop the session cookies earlier posts set before posting, so a
    /// sign-in seen afterwards is this post's.
    pub fresh_session: bool,
}

/// What a case sends.
#[derive(Debug, Clone)]
pub struct Script {
    pub steps: Vec<Step>,
    /// Whom the signature vouches for ([`Expect::RefuseOrVouched`]).
    pub vouched: Option<String>,
}

impl Script {
    pub fn post(xml: impl Into<Vec<u8>>) -> Script {
        Script {
            steps: vec![Step {
                xml: xml.into(),
                relay_state: None,
                browser: 0,
                setup: false,
                fresh_session: false,
            }],
            vouched: None,
        }
    }

    pub fn doc(d: &Doc) -> Script {
        Script::post(d.xml())
    }

    pub fn vouched(mut self, who: &str) -> Script {
        self.vouched = Some(who.to_owned());
        self
    }

    pub fn relay(mut self, rs: &str) -> Script {
        if let Some(s) = self.steps.last_mut() {
            s.relay_state = Some(rs.to_owned());
        }
        self
    }

    /// Posts in browser `b`.
    pub fn in_browser(mut self, b: usize) -> Script {
        if let Some(s) = self.steps.last_mut() {
            s.browser = b;
        }
        self
    }

    /// `first` (which must sign the user in) and then this.
    pub fn after(mut self, first: Vec<u8>) -> Script {
        let setup = Step {
            xml: first,
            relay_state: None,
            browser: self.steps.first().map_or(0, |s| s.browser),
            setup: true,
            fresh_session: false,
        };
        for s in &mut self.steps {
            s.fresh_session = true;
        }
        self.steps.insert(0, setup);
        self
    }
}

/// The identities and keys cases build from.
pub struct Identity {
    pub shape: Shape,
    pub sign: SignMode,
    pub keys: Arc<Keys>,
    pub signing_key: Arc<SigningKey>,
    /// A user the SP knows: who the canary signs in.
    pub user: String,
    /// A second real account: the attacker's own.
    pub attacker: String,
    /// `http://127.0.0.1:PORT/`: a listener that counts requests, for the
    /// cases that tempt the SP to fetch a URL.
    pub canary_url: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("user", &self.user)
            .field("attacker", &self.attacker)
            .finish_non_exhaustive()
    }
}

/// What a case's builder works with: the identities and the logins the
/// runner started for it.
pub struct Forge<'a> {
    pub id: &'a Identity,
    pub starts: &'a [Started],
    pub case_id: &'a str,
}

/// Who a genuine response names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    User,
    Attacker,
}

impl Forge<'_> {
    pub fn user(&self) -> &str {
        &self.id.user
    }
    pub fn attacker(&self) -> &str {
        &self.id.attacker
    }
    pub fn okta(&self) -> bool {
        matches!(self.id.shape, Shape::Okta { .. })
    }
    pub fn start(&self, b: usize) -> &Started {
        &self.starts[b.min(self.starts.len() - 1)]
    }

    /// A URL on the canary listener for this case: any request to it is
    /// the SP fetching what the message named.
    pub fn canary(&self, what: &str) -> String {
        format!("{}{}/{what}", self.id.canary_url, self.case_id)
    }

    pub fn name(&self, who: Who) -> &str {
        match who {
            Who::User => self.user(),
            Who::Attacker => self.attacker(),
        }
    }

    /// The sign-in the IdP would send for `name` in browser 0's flow.
    pub fn login(&self, name: &str) -> Login {
        let s = self.start(0);
        let now = OffsetDateTime::now_utc();
        let local = name.split('@').next().unwrap_or(name);
        Login {
            user_name: name.to_owned(),
            given_name: local.to_owned(),
            family_name: "Idpsim".into(),
            display_name: format!("{local} Idpsim"),
            email: name.to_owned(),
            object_id: uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, name.as_bytes()).to_string(),
            groups: Vec::new(),
            sp_entity_id: s.entity_id.clone(),
            acs_url: s.acs_url.clone(),
            in_response_to: s.request_id.clone(),
            now,
            authn_instant: now,
            seed: rand_seed(),
            name_id_format: None,
            extra_attributes: Vec::new(),
            // The IdP's default app, with attribute statements configured
            // (Okta's has none when fresh): cases such as special characters
            // in attribute values need one to mutate.
            app: SamlDefaults {
                attributes: Attributes::Profile,
                ..if self.okta() {
                    SamlDefaults::OKTA
                } else {
                    SamlDefaults::ENTRA
                }
            },
        }
    }

    /// A genuine response for `who`, signed as the run signs.
    pub fn genuine(&self, who: Who) -> Result<Doc, String> {
        self.genuine_as(self.name(who), self.id.sign)
    }

    /// A genuine response for any name, signed in `mode`.
    pub fn genuine_as(&self, name: &str, mode: SignMode) -> Result<Doc, String> {
        self.from_login(&self.login(name), mode)
    }

    pub fn from_login(&self, login: &Login, mode: SignMode) -> Result<Doc, String> {
        let xml = signed_response(
            &self.id.shape,
            login,
            &self.id.signing_key,
            mode,
            SigAlg::RsaSha256,
        )
        .map_err(|e| e.to_string())?;
        Ok(Doc {
            root: xml::parse(&xml)?,
            spec: if self.okta() {
                Spec::okta()
            } else {
                Spec::entra()
            },
            keys: self.id.keys.clone(),
        })
    }
}

fn rand_seed() -> u64 {
    let mut b = [0u8; 8];
    aws_lc_rs::rand::fill(&mut b).expect("the system random source works");
    u64::from_le_bytes(b)
}

/// A response being forged: the tree, how it is signed, the keys.
#[derive(Clone)]
pub struct Doc {
    pub root: El,
    pub spec: Spec,
    pub keys: Arc<Keys>,
}

impl Doc {
    pub fn xml(&self) -> Vec<u8> {
        self.root.to_xml().into_bytes()
    }

    /// Index in the Response's children of its (first) Assertion.
    pub fn assertion_index(&self) -> usize {
        self.root
            .kid_index("Assertion", 0)
            .expect("a genuine response has an assertion")
    }

    pub fn assertion(&mut self) -> &mut El {
        self.root
            .kid_mut("Assertion")
            .expect("a genuine response has an assertion")
    }

    /// An element below the Assertion, by local names.
    pub fn in_assertion(&mut self, path: &[&str]) -> &mut El {
        self.assertion()
            .at_mut(path)
            .unwrap_or_else(|| panic!("no {path:?} in the assertion"))
    }

    pub fn name_id(&mut self) -> &mut El {
        self.in_assertion(&["Subject", "NameID"])
    }

    pub fn scd(&mut self) -> &mut El {
        self.in_assertion(&["Subject", "SubjectConfirmation", "SubjectConfirmationData"])
    }

    pub fn conditions(&mut self) -> &mut El {
        self.in_assertion(&["Conditions"])
    }

    /// The assertion element, cloned.
    pub fn assertion_el(&self) -> El {
        self.root.kid("Assertion").cloned().expect("an assertion")
    }

    pub fn assertion_signed(&self) -> bool {
        self.root
            .kid("Assertion")
            .is_some_and(|a| a.kid("Signature").is_some())
    }

    pub fn response_signed(&self) -> bool {
        self.root.kid("Signature").is_some()
    }

    /// Signs again whatever is signed, after a change the case makes on
    /// purpose: the assertion first, then the response around it.
    pub fn resign(&mut self) -> Result<&mut Doc, String> {
        if self.assertion_signed() {
            self.sign_assertion()?;
        }
        if self.response_signed() {
            self.sign_response()?;
        }
        Ok(self)
    }

    pub fn sign_assertion(&mut self) -> Result<&mut Doc, String> {
        let spec = self.spec.clone();
        self.sign_assertion_with(&spec)
    }

    pub fn sign_assertion_with(&mut self, spec: &Spec) -> Result<&mut Doc, String> {
        let at = self.assertion_index();
        sign::sign_at(&mut self.root, &[at], spec, &self.keys)?;
        Ok(self)
    }

    pub fn sign_response(&mut self) -> Result<&mut Doc, String> {
        let spec = self.spec.clone();
        self.sign_response_with(&spec)
    }

    pub fn sign_response_with(&mut self, spec: &Spec) -> Result<&mut Doc, String> {
        sign::sign_at(&mut self.root, &[], spec, &self.keys)?;
        Ok(self)
    }

    /// Removes every Signature in the document.
    pub fn strip(&mut self) -> &mut Doc {
        strip(&mut self.root);
        self
    }

    /// The Response's ID.
    pub fn response_id(&self) -> String {
        self.root.attr("ID").unwrap_or_default().to_owned()
    }

    pub fn assertion_id(&self) -> String {
        self.root
            .kid("Assertion")
            .and_then(|a| a.attr("ID"))
            .unwrap_or_default()
            .to_owned()
    }

    /// Inserts `e` as a child of the Response at `index` (kids index).
    pub fn insert(&mut self, index: usize, e: El) -> &mut Doc {
        self.root.kids.insert(index, Node::El(e));
        self
    }
}

/// Removes every Signature below (and in) `e`.
pub fn strip(e: &mut El) {
    e.kids
        .retain(|k| !matches!(k, Node::El(c) if c.local() == "Signature"));
    for k in &mut e.kids {
        if let Node::El(c) = k {
            strip(c);
        }
    }
}
