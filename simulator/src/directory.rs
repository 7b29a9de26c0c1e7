//! The IdP's source of truth: users, groups, memberships, and the target
//! ids the IdP has learned.
//!
//! A directory is generated from a seed (the same seed gives the same users
//! on every machine: ChaCha8 is portable and `fake` draws only from the RNG
//! it is given), written out in a scenario, or both.

use fake::Fake;
use fake::faker::job::en::Title;
use fake::faker::name::en::{FirstName, LastName};
use indexmap::{IndexMap, IndexSet};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One person in the IdP.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub user_name: String,
    /// The IdP's own object id (`00u…` in Okta, a GUID in Entra).
    pub idp_id: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub email: String,
    pub title: Option<String>,
    pub department: Option<String>,
    pub employee_number: Option<String>,
    /// The manager's `userName`.
    pub manager: Option<String>,
    pub active: bool,
    /// The `id` the target gave this user, once the IdP learned it.
    pub target_id: Option<String>,
}

impl User {
    /// A user with a name and an email derived from `user_name`.
    pub fn new(user_name: &str, idp_id: String) -> Self {
        let local = user_name.split('@').next().unwrap_or(user_name);
        let mut parts = local.split(['.', '_', '-']);
        let given = capitalise(parts.next().unwrap_or(local));
        let family = parts
            .next()
            .map(capitalise)
            .unwrap_or_else(|| "User".into());
        User {
            user_name: user_name.to_owned(),
            idp_id,
            display_name: format!("{given} {family}"),
            given_name: given,
            family_name: family,
            email: user_name.to_owned(),
            title: None,
            department: None,
            employee_number: None,
            manager: None,
            active: true,
            target_id: None,
        }
    }

    /// Entra's default `externalId`: the mail nickname, the local part.
    pub fn mail_nickname(&self) -> &str {
        self.user_name.split('@').next().unwrap_or(&self.user_name)
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// One group in the IdP.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub idp_id: String,
    /// Members by `userName`, in the order they joined.
    pub members: IndexSet<String>,
    /// Groups nested in this one, by name. Entra neither expands them for
    /// scope nor pushes them as members (IDP-ENGINES §2, group scoping).
    pub nested: IndexSet<String>,
    pub target_id: Option<String>,
}

/// Users keyed by lower-cased `userName`, groups by name.
#[derive(Debug, Clone, Default)]
pub struct Directory {
    users: IndexMap<String, User>,
    groups: IndexMap<String, Group>,
    ids: IdMaker,
}

/// Makes IdP object ids deterministically.
#[derive(Debug, Clone)]
struct IdMaker {
    rng: ChaCha8Rng,
    /// Put before every id made, once the directory is namespaced: an
    /// IdP id becomes an `externalId` (Okta's), which must not collide
    /// with another run's on a shared target.
    prefix: String,
}

impl Default for IdMaker {
    fn default() -> Self {
        IdMaker {
            rng: ChaCha8Rng::seed_from_u64(0),
            prefix: String::new(),
        }
    }
}

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const DEPARTMENTS: &[&str] = &[
    "Engineering",
    "Sales",
    "Marketing",
    "Finance",
    "Support",
    "Legal",
    "R&D",
    "Operations",
];

impl IdMaker {
    /// Okta-shaped (`00u` + 17 base62) or a GUID, by prefix.
    fn next(&mut self, prefix: &str) -> String {
        if prefix.is_empty() {
            let b: [u8; 16] = self.rng.random();
            let id = uuid::Builder::from_random_bytes(b).into_uuid();
            return format!("{}{id}", self.prefix);
        }
        let tail: String = (0..17)
            .map(|_| BASE62[self.rng.random_range(0..BASE62.len())] as char)
            .collect();
        format!("{}{prefix}{tail}", self.prefix)
    }
}

/// What to generate.
#[derive(Debug, Clone)]
pub struct Generate {
    pub seed: u64,
    pub users: usize,
    pub groups: usize,
    pub domain: String,
}

impl Directory {
    /// An empty directory whose ids derive from `seed`.
    pub fn new(seed: u64) -> Self {
        Directory {
            ids: IdMaker {
                rng: ChaCha8Rng::seed_from_u64(seed ^ 0x1d95_1d95),
                prefix: String::new(),
            },
            ..Default::default()
        }
    }

    /// A seeded directory: users with names, titles and departments; groups
    /// `group-0000`…; user `i` is a member of group `i mod groups`.
    pub fn generate(g: &Generate) -> Self {
        let mut dir = Directory::new(g.seed);
        let mut rng = ChaCha8Rng::seed_from_u64(g.seed);
        dir.users.reserve(g.users);
        for i in 0..g.users {
            let first: String = FirstName().fake_with_rng(&mut rng);
            let last: String = LastName().fake_with_rng(&mut rng);
            let user_name = format!(
                "{}.{}{i}@{}",
                ascii_lower(&first),
                ascii_lower(&last),
                g.domain
            );
            let mut u = User::new(&user_name, dir.ids.next("00u"));
            u.given_name = first;
            u.family_name = last;
            u.display_name = format!("{} {}", u.given_name, u.family_name);
            u.title = Some(Title().fake_with_rng(&mut rng));
            u.department = Some(DEPARTMENTS[rng.random_range(0..DEPARTMENTS.len())].to_owned());
            u.employee_number = Some(format!("{:06}", 100_000 + i));
            dir.users.insert(user_name.to_lowercase(), u);
        }
        for j in 0..g.groups {
            let name = format!("group-{j:04}");
            let idp_id = dir.ids.next("00g");
            dir.groups.insert(
                name.clone(),
                Group {
                    name,
                    idp_id,
                    members: IndexSet::new(),
                    nested: IndexSet::new(),
                    target_id: None,
                },
            );
        }
        if g.groups > 0 {
            let names: Vec<String> = dir.users.values().map(|u| u.user_name.clone()).collect();
            for (i, n) in names.into_iter().enumerate() {
                dir.groups[i % g.groups].members.insert(n);
            }
        }
        dir
    }

    /// Adds (or replaces) a user; returns it.
    pub fn add_user(&mut self, mut user: User) -> &mut User {
        if user.idp_id.is_empty() {
            user.idp_id = self.ids.next("00u");
        }
        let key = user.user_name.to_lowercase();
        self.users.insert(key.clone(), user);
        self.users.get_mut(&key).expect("just inserted")
    }

    /// A new user with a fresh IdP id. In a namespaced directory, a name
    /// that carries the prefix gets the names and email the name without it
    /// would get, the prefix going on the userName and a derived email only.
    pub fn new_user(&mut self, user_name: &str) -> User {
        let id = self.ids.next("00u");
        let prefix = &self.ids.prefix;
        match strip_prefix_ci(user_name, prefix) {
            Some(plain) if !prefix.is_empty() => {
                let mut u = User::new(plain, id);
                u.user_name = user_name.to_owned();
                u.email = user_name.to_owned();
                u
            }
            _ => User::new(user_name, id),
        }
    }

    /// Puts `prefix` before every userName, group name and IdP id, and
    /// before every email that is the userName, manager and member
    /// reference; ids made from now on carry it too. What a scenario file
    /// names then matches what this directory holds once the same prefix
    /// is put before the file's names, and nothing the directory creates
    /// on a target can collide with another run's objects.
    pub fn namespace(&mut self, prefix: &str) {
        let p = |s: &str| format!("{prefix}{s}");
        let users = std::mem::take(&mut self.users);
        for (_, mut u) in users {
            if u.email == u.user_name {
                u.email = p(&u.email);
            }
            u.user_name = p(&u.user_name);
            u.idp_id = p(&u.idp_id);
            u.manager = u.manager.as_deref().map(p);
            self.users.insert(u.user_name.to_lowercase(), u);
        }
        let groups = std::mem::take(&mut self.groups);
        for (_, mut g) in groups {
            g.name = p(&g.name);
            g.idp_id = p(&g.idp_id);
            g.members = g.members.iter().map(|m| p(m)).collect();
            self.groups.insert(g.name.clone(), g);
        }
        self.ids.prefix = prefix.to_owned();
    }

    /// Adds a group if it is new; returns it.
    pub fn add_group(&mut self, name: &str) -> &mut Group {
        if !self.groups.contains_key(name) {
            let idp_id = self.ids.next("00g");
            self.groups.insert(
                name.to_owned(),
                Group {
                    name: name.to_owned(),
                    idp_id,
                    members: IndexSet::new(),
                    nested: IndexSet::new(),
                    target_id: None,
                },
            );
        }
        self.groups.get_mut(name).expect("present")
    }

    pub fn user(&self, user_name: &str) -> Option<&User> {
        self.users.get(&user_name.to_lowercase())
    }
    /// The position of `user_name` in the directory's order.
    pub fn user_index(&self, user_name: &str) -> Option<usize> {
        if user_name
            .bytes()
            .any(|b| !b.is_ascii() || b.is_ascii_uppercase())
        {
            return self.users.get_index_of(&user_name.to_lowercase());
        }
        self.users.get_index_of(user_name)
    }
    pub fn user_mut(&mut self, user_name: &str) -> Option<&mut User> {
        self.users.get_mut(&user_name.to_lowercase())
    }
    pub fn remove_user(&mut self, user_name: &str) -> Option<User> {
        let u = self.users.shift_remove(&user_name.to_lowercase())?;
        for g in self.groups.values_mut() {
            g.members.shift_remove(&u.user_name);
        }
        Some(u)
    }
    pub fn group(&self, name: &str) -> Option<&Group> {
        self.groups.get(name)
    }
    pub fn group_mut(&mut self, name: &str) -> Option<&mut Group> {
        self.groups.get_mut(name)
    }
    pub fn remove_group(&mut self, name: &str) -> Option<Group> {
        self.groups.shift_remove(name)
    }
    /// Renames a group, keeping its place, members and target id.
    pub fn rename_group(&mut self, from: &str, to: &str) -> bool {
        let Some(idx) = self.groups.get_index_of(from) else {
            return false;
        };
        let (_, mut g) = self.groups.shift_remove_index(idx).expect("index exists");
        g.name = to.to_owned();
        self.groups.shift_insert(idx, to.to_owned(), g);
        true
    }
    /// The user at a place in the directory's order: lets a load run
    /// share out work by index instead of holding a copy of every user.
    pub fn user_at(&self, i: usize) -> Option<&User> {
        self.users.get_index(i).map(|(_, u)| u)
    }
    pub fn user_at_mut(&mut self, i: usize) -> Option<&mut User> {
        self.users.get_index_mut(i).map(|(_, u)| u)
    }
    pub fn group_at(&self, i: usize) -> Option<&Group> {
        self.groups.get_index(i).map(|(_, g)| g)
    }
    pub fn group_at_mut(&mut self, i: usize) -> Option<&mut Group> {
        self.groups.get_index_mut(i).map(|(_, g)| g)
    }
    pub fn users(&self) -> impl Iterator<Item = &User> {
        self.users.values()
    }
    pub fn users_mut(&mut self) -> impl Iterator<Item = &mut User> {
        self.users.values_mut()
    }
    pub fn groups(&self) -> impl Iterator<Item = &Group> {
        self.groups.values()
    }
    pub fn groups_mut(&mut self) -> impl Iterator<Item = &mut Group> {
        self.groups.values_mut()
    }
    pub fn user_count(&self) -> usize {
        self.users.len()
    }
    pub fn group_count(&self) -> usize {
        self.groups.len()
    }
    /// The names of the groups `user_name` belongs to.
    pub fn groups_of(&self, user_name: &str) -> Vec<String> {
        self.groups
            .values()
            .filter(|g| g.members.contains(user_name))
            .map(|g| g.name.clone())
            .collect()
    }
    /// Forgets every target id, as an IdP does after a directory reset.
    pub fn forget_target_ids(&mut self) {
        self.users.values_mut().for_each(|u| u.target_id = None);
        self.groups.values_mut().for_each(|g| g.target_id = None);
    }
}

/// `s` without `prefix`, compared case-insensitively as userNames are.
fn strip_prefix_ci<'s>(s: &'s str, prefix: &str) -> Option<&'s str> {
    let head = s.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &s[prefix.len()..])
}

fn ascii_lower(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gen_(seed: u64) -> Directory {
        Directory::generate(&Generate {
            seed,
            users: 500,
            groups: 7,
            domain: "example.com".into(),
        })
    }

    #[test]
    fn same_seed_same_directory() {
        let (a, b) = (gen_(7), gen_(7));
        let ua: Vec<&User> = a.users().collect();
        let ub: Vec<&User> = b.users().collect();
        assert_eq!(ua, ub);
        assert_ne!(ua[0], gen_(8).users().next().unwrap());
        assert_eq!(a.user_count(), 500);
        let sizes: Vec<usize> = a.groups().map(|g| g.members.len()).collect();
        assert_eq!(sizes.iter().sum::<usize>(), 500);
        assert!(
            ua.iter()
                .all(|u| u.idp_id.starts_with("00u") && u.idp_id.len() == 20)
        );
    }

    /// Namespacing renames everything a run creates, keeps every
    /// reference between objects, and a user who joins later gets the
    /// names the same join would give without a namespace.
    #[test]
    fn a_namespace_prefixes_names_ids_and_references() {
        let mut d = gen_(3);
        let mut boss = d.new_user("boss@x.test");
        boss.email = "the.boss@mail.test".into();
        d.add_user(boss);
        let mut jo = d.new_user("jo.young@x.test");
        jo.manager = Some("boss@x.test".into());
        d.add_user(jo);
        d.add_group("eng").members.insert("jo.young@x.test".into());
        let plain = d.clone();
        d.namespace("idpsim-ab12cd34-");
        assert_eq!(d.user_count(), plain.user_count());
        for (a, b) in plain.users().zip(d.users()) {
            assert_eq!(b.user_name, format!("idpsim-ab12cd34-{}", a.user_name));
            assert_eq!(b.idp_id, format!("idpsim-ab12cd34-{}", a.idp_id));
            assert_eq!((&b.given_name, &b.title), (&a.given_name, &a.title));
        }
        let jo = d.user("IDPSIM-ab12cd34-jo.young@x.test").unwrap();
        assert_eq!(jo.manager.as_deref(), Some("idpsim-ab12cd34-boss@x.test"));
        assert_eq!(jo.email, "idpsim-ab12cd34-jo.young@x.test");
        assert_eq!(jo.mail_nickname(), "idpsim-ab12cd34-jo.young");
        let boss = d.user("idpsim-ab12cd34-boss@x.test").unwrap();
        assert_eq!(boss.email, "the.boss@mail.test", "a written email stays");
        let eng = d.group("idpsim-ab12cd34-eng").unwrap();
        assert!(eng.members.contains("idpsim-ab12cd34-jo.young@x.test"));
        assert!(eng.idp_id.starts_with("idpsim-ab12cd34-00g"));
        assert_eq!(d.groups().count(), plain.groups().count());
        assert!(d.groups().all(|g| g.name.starts_with("idpsim-ab12cd34-")));

        let later = d.new_user("idpsim-ab12cd34-new.hire@x.test");
        assert_eq!(
            (later.given_name.as_str(), later.family_name.as_str()),
            ("New", "Hire")
        );
        assert_eq!(later.email, "idpsim-ab12cd34-new.hire@x.test");
        assert!(later.idp_id.starts_with("idpsim-ab12cd34-00u"));
        assert!(
            d.add_group("sales")
                .idp_id
                .starts_with("idpsim-ab12cd34-00g")
        );
    }

    #[test]
    fn user_names_are_unique() {
        let d = gen_(1);
        let mut names: Vec<&str> = d.users().map(|u| u.user_name.as_str()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), 500);
    }
}
