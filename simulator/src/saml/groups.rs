//! Which of a user's groups go into the assertion: Okta's group attribute
//! filters and Entra's group claim filters (SAML.md §5.1, §5.2).

use regex::Regex;

/// A group filter. Okta offers starts-with, equals, contains and regex;
/// Entra offers prefix, suffix and contains on the display name.
#[derive(Debug, Clone)]
pub enum GroupFilter {
    /// Every group.
    All,
    StartsWith(String),
    EndsWith(String),
    Equals(String),
    Contains(String),
    /// Okta's "Matches regex": the whole name must match.
    Regex(Regex),
}

impl GroupFilter {
    /// Parses `KIND:VALUE` (`starts-with:app-`, `equals:eng`, `contains:x`,
    /// `regex:.*`, `prefix:` and `suffix:` as Entra names them) or `all`.
    pub fn parse(s: &str) -> Result<GroupFilter, String> {
        if s == "all" {
            return Ok(GroupFilter::All);
        }
        let (kind, value) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?}: expected KIND:VALUE, e.g. starts-with:app-"))?;
        let v = value.to_owned();
        Ok(match kind {
            "starts-with" | "prefix" => GroupFilter::StartsWith(v),
            "ends-with" | "suffix" => GroupFilter::EndsWith(v),
            "equals" => GroupFilter::Equals(v),
            "contains" => GroupFilter::Contains(v),
            "regex" => GroupFilter::Regex(
                // Anchored: Okta's filter matches the whole group name.
                Regex::new(&format!("^(?:{value})$"))
                    .map_err(|e| format!("{value:?} is not a regex: {e}"))?,
            ),
            _ => {
                return Err(format!(
                    "unknown group filter {kind:?}; use starts-with, ends-with, equals, contains, regex or all"
                ));
            }
        })
    }

    pub fn keeps(&self, group: &str) -> bool {
        match self {
            GroupFilter::All => true,
            GroupFilter::StartsWith(p) => group.starts_with(p.as_str()),
            GroupFilter::EndsWith(p) => group.ends_with(p.as_str()),
            GroupFilter::Equals(p) => group == p,
            GroupFilter::Contains(p) => group.contains(p.as_str()),
            GroupFilter::Regex(r) => r.is_match(group),
        }
    }

    /// The groups that pass, in order.
    pub fn apply(&self, groups: &[String]) -> Vec<String> {
        groups.iter().filter(|g| self.keeps(g)).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters() {
        let g: Vec<String> = ["app-eng", "app-sales", "eng", "team-app"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let f = |s: &str| GroupFilter::parse(s).unwrap().apply(&g);
        assert_eq!(f("starts-with:app-"), ["app-eng", "app-sales"]);
        assert_eq!(f("prefix:app-"), ["app-eng", "app-sales"]);
        assert_eq!(f("suffix:eng"), ["app-eng", "eng"]);
        assert_eq!(f("equals:eng"), ["eng"]);
        assert_eq!(f("contains:app"), ["app-eng", "app-sales", "team-app"]);
        assert_eq!(f("regex:app-.*"), ["app-eng", "app-sales"]);
        assert_eq!(f("regex:eng"), ["eng"], "anchored");
        assert_eq!(f("all").len(), 4);
        assert!(GroupFilter::parse("regex:(").is_err());
        assert!(GroupFilter::parse("nope:x").is_err());
    }
}
