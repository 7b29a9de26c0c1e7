use super::*;
use crate::resource::normalize;
use serde_json::json;

fn user() -> Object {
    normalize(
        ResourceSchema::user(),
        json!({
            "schemas": [crate::urn::USER, crate::urn::ENTERPRISE_USER],
            "userName": "Bjensen@Example.com",
            "externalId": "AbC-1",
            "name": {"givenName": "Barbara", "familyName": "Jensen"},
            "title": "Tour Guide",
            "active": true,
            "emails": [
                {"value": "bjensen@example.com", "type": "work", "primary": true},
                {"value": "babs@jensen.org", "type": "home"}
            ],
            crate::urn::ENTERPRISE_USER: {"department": "Tours", "manager": {"value": "m-1"}},
        }),
    )
    .map(|mut o| {
        o.insert(
            "meta".into(),
            json!({"lastModified": "2024-05-01T12:00:00Z", "created": "2024-01-01T00:00:00+02:00"}),
        );
        o
    })
    .unwrap()
}

fn eval(f: &str) -> bool {
    let s = ResourceSchema::user();
    let f = parse(f).unwrap();
    check(s, &f).unwrap();
    matches(s, &f, &user())
}

fn rejects(f: &str) -> ScimError {
    let s = ResourceSchema::user();
    match parse(f) {
        Err(e) => e,
        Ok(f) => check(s, &f).unwrap_err(),
    }
}

#[test]
fn equality_honours_case_exact() {
    assert!(eval(r#"userName eq "bjensen@example.com""#));
    assert!(eval(r#"USERNAME EQ "BJENSEN@EXAMPLE.COM""#));
    assert!(eval(r#"externalId eq "AbC-1""#));
    assert!(!eval(r#"externalId eq "abc-1""#), "externalId is caseExact");
    assert!(eval(r#"id eq null"#));
    assert!(eval(r#"title ne null"#));
}

#[test]
fn string_operators() {
    assert!(eval(r#"name.familyName sw "jen""#));
    assert!(eval(r#"title co "our g""#));
    assert!(eval(r#"userName ew "EXAMPLE.COM""#));
    assert!(!eval(r#"title ne "tour guide""#));
    assert!(eval(r#"title ne "pilot""#));
    assert!(eval(r#"title gt "Tour A" and title lt "Tour Z""#));
}

#[test]
fn presence() {
    assert!(eval("title pr"));
    assert!(!eval("nickName pr"));
    assert!(eval("emails pr"));
    assert!(!eval("phoneNumbers pr"));
}

#[test]
fn logic_and_precedence() {
    assert!(eval(r#"title eq "x" or title pr and active eq true"#));
    assert!(!eval(r#"(title eq "x" or title pr) and active eq false"#));
    assert!(eval(r#"not (active eq false)"#));
    assert!(!eval(r#"not (title pr) or nickName pr"#));
}

#[test]
fn value_paths_and_sub_attributes() {
    assert!(eval(r#"emails[type eq "work" and value co "@example"]"#));
    assert!(!eval(r#"emails[type eq "home" and value co "@example"]"#));
    assert!(eval(r#"emails.value eq "babs@jensen.org""#));
    assert!(eval(r#"emails co "jensen.org""#));
    assert!(eval(r#"emails[primary eq true]"#));
}

#[test]
fn urn_qualified_paths() {
    assert!(eval(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "tours""#
    ));
    assert!(eval(
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "m-1""#
    ));
    assert!(eval(
        r#"urn:ietf:params:scim:schemas:core:2.0:User:userName sw "bj""#
    ));
}

#[test]
fn date_times_compare_chronologically() {
    assert!(eval(r#"meta.lastModified gt "2024-05-01T11:59:59Z""#));
    assert!(eval(r#"meta.lastModified ge "2024-05-01T14:00:00+02:00""#));
    assert!(!eval(r#"meta.lastModified gt "2024-05-01T14:00:00+02:00""#));
    // 2024-01-01T00:00:00+02:00 is 2023-12-31T22:00Z: earlier than 23:00Z.
    assert!(eval(r#"meta.created lt "2023-12-31T23:00:00Z""#));
}

#[test]
fn refuses_bad_filters_with_position() {
    let e = rejects(r#"userName eq"#);
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    let e = rejects(r#"userName zz "x""#);
    assert!(e.detail.contains("column"), "{}", e.detail);
    assert_eq!(
        rejects(r#"shoeSize eq 9"#).scim_type,
        Some(ScimType::InvalidFilter)
    );
    assert_eq!(
        rejects(r#"active gt true"#).scim_type,
        Some(ScimType::InvalidFilter)
    );
    assert_eq!(
        rejects(r#"emails[shoe eq "x"]"#).scim_type,
        Some(ScimType::InvalidFilter)
    );
    assert_eq!(
        rejects(r#"title[value eq "x"]"#).scim_type,
        Some(ScimType::InvalidFilter)
    );
}

#[test]
fn escaped_strings() {
    let s = ResourceSchema::user();
    let mut u = user();
    u.insert("title".into(), json!("say \"hi\" \\ ünï"));
    let f = parse(r#"title eq "say \"hi\" \\ \u00fcn\u00ef""#).unwrap();
    assert!(matches(s, &f, &u));
}

#[test]
fn folded_literals_match_as_sent_ones() {
    let s = ResourceSchema::user();
    let u = user();
    for f in [
        r#"userName eq "BJENSEN@example.COM""#,
        r#"externalId eq "abc-1""#,
        r#"externalId eq "AbC-1""#,
        r#"emails[value co "JENSEN" and type eq "WORK"]"#,
        r#"emails co "@EXAMPLE.com""#,
        r#"title sw "TOUR" and not (title ew "X")"#,
        r#"name.familyName gt "JENSEM""#,
        r#"meta.lastModified gt "2024-04-30T12:00:00Z""#,
        r#"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "TOURS""#,
        r#"title co "A VERY LONG LITERAL THAT IS LONGER THAN THE TITLE ITSELF""#,
        r#"title eq null or nickName pr or emails[display pr]"#,
        r#"not (emails.type ne "HOME") and emails[not (type eq "work")]"#,
        r#"shoeSize eq "9""#,
    ] {
        let parsed = parse(f).unwrap();
        let _ = check(s, &parsed);
        let mut folded = parsed.clone();
        fold_literals(s, &mut folded);
        assert_eq!(
            matches_folded(s, &folded, &u),
            matches(s, &parsed, &u),
            "{f}"
        );
        assert_eq!(
            Prepared::folded(s, &folded).matches(&u),
            matches(s, &parsed, &u),
            "{f}"
        );
    }
    // Only literals of attributes that compare ignoring case are folded.
    let mut f = parse(r#"externalId eq "AbC" or userName eq "AbC""#).unwrap();
    fold_literals(s, &mut f);
    assert_eq!(f.to_string(), r#"externalId eq "AbC" or userName eq "abc""#);
}

#[test]
fn a_long_filter_is_quoted_in_part() {
    let long = format!("userName eq \"{}", "x".repeat(600_000));
    let e = parse(&long).unwrap_err();
    assert_eq!(e.scim_type, Some(ScimType::InvalidFilter));
    assert!(e.detail.len() < 1_000, "{} bytes of detail", e.detail.len());
    assert!(e.detail.contains("…"), "{}", e.detail);
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for deep in [
        format!("{}userName pr{}", "(".repeat(100_000), ")".repeat(100_000)),
        format!(
            "{}userName pr{}",
            "not (".repeat(100_000),
            ")".repeat(100_000)
        ),
        format!(
            "emails[{}value pr{}]",
            "(".repeat(100_000),
            ")".repeat(100_000)
        ),
    ] {
        let e = parse(&deep).unwrap_err();
        assert_eq!(e.scim_type, Some(ScimType::InvalidFilter), "{}", e.detail);
        assert!(e.detail.len() < 1_000);
    }
    // Long chains are flat, and bounded by the term limit instead.
    let chain = vec!["title pr"; 1025].join(" or ");
    assert_eq!(
        parse(&chain).unwrap_err().scim_type,
        Some(ScimType::InvalidFilter)
    );
    let chain = vec!["title pr"; 1024].join(" or ");
    check(ResourceSchema::user(), &parse(&chain).unwrap()).unwrap();
}

#[test]
fn prepared_filters_name_the_keys_they_read() {
    let s = ResourceSchema::user();
    let f = parse(
        r#"emails[type eq "work"] and (urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "D" or name.givenName pr) and shoeSize pr"#,
    )
    .unwrap();
    assert_eq!(
        Prepared::folded(s, &f).top_level_keys(),
        vec![
            "emails",
            "name",
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
        ]
    );
}
