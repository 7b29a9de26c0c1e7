//! The service providers `idpsim serve` serves, from a YAML file; the
//! format, with a complete example, is in `simulator/README.md`
//! ("`idpsim serve --config`").

use std::path::Path;

use serde::Deserialize;

use super::server::{ServiceProvider, UserField};
use crate::scenario::ScenarioError;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    service_providers: Vec<Sp>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Sp {
    entity_id: String,
    acs: String,
    #[serde(default)]
    // Written in name order.
    attributes: std::collections::BTreeMap<String, UserField>,
}

/// Parses the file's text; `file` names it in errors (file:line:column).
pub fn parse(file: &str, text: &str) -> Result<Vec<ServiceProvider>, ScenarioError> {
    let err = |line, column, message: String| ScenarioError {
        file: file.to_owned(),
        line,
        column,
        message,
    };
    let f: File = serde_saphyr::from_str(text).map_err(|e| {
        let (line, column) = e
            .location()
            .map(|l| (l.line(), l.column()))
            .unwrap_or((1, 1));
        err(
            line,
            column,
            e.to_string().lines().next().unwrap_or_default().to_owned(),
        )
    })?;
    if f.service_providers.is_empty() {
        return Err(err(1, 1, "service_providers lists no SP".into()));
    }
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for sp in f.service_providers {
        if !seen.insert(sp.entity_id.clone()) {
            return Err(err(1, 1, format!("SP {:?} is listed twice", sp.entity_id)));
        }
        out.push(ServiceProvider {
            entity_id: sp.entity_id,
            acs_url: sp.acs,
            attributes: sp.attributes.into_iter().collect(),
        });
    }
    Ok(out)
}

/// Reads and parses a file.
pub fn load(path: &Path) -> Result<Vec<ServiceProvider>, ScenarioError> {
    let text = std::fs::read_to_string(path).map_err(|e| ScenarioError {
        file: path.display().to_string(),
        line: 1,
        column: 1,
        message: format!("cannot read: {e}"),
    })?;
    parse(&path.display().to_string(), &text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_readme_example_parses() {
        let readme = include_str!("../../README.md");
        let section = &readme[readme.find("## `idpsim serve --config`").unwrap()..];
        let start = section.find("```yaml\n").unwrap() + "```yaml\n".len();
        let yaml = &section[start..start + section[start..].find("```").unwrap()];
        let sps = parse("simulator/README.md", yaml).unwrap();
        assert_eq!(sps.len(), 2);
        assert_eq!(sps[0].acs_url, "https://app-one.example/saml/acs");
        assert_eq!(sps[0].attributes.len(), 9);
        assert!(sps[1].attributes.is_empty());
    }

    #[test]
    fn reads_sps_and_mappings_and_names_the_place_of_a_mistake() {
        let sps = parse(
            "idp.yaml",
            "service_providers:\n  - entity_id: https://a\n    acs: https://a/acs\n    attributes: { dept: department, groups: groups }\n  - { entity_id: https://b, acs: https://b/acs }\n",
        )
        .unwrap();
        assert_eq!(sps.len(), 2);
        assert_eq!(
            sps[0].attributes,
            vec![
                ("dept".to_owned(), UserField::Department),
                ("groups".to_owned(), UserField::Groups)
            ]
        );
        let e = parse(
            "idp.yaml",
            "service_providers:\n  - entity_id: https://a\n    acs: https://a/acs\n    attributes: { dept: shoe_size }\n",
        )
        .unwrap_err();
        assert_eq!((e.file.as_str(), e.line), ("idp.yaml", 4), "{e}");
        assert!(e.to_string().contains("shoe_size"), "{e}");
    }
}
