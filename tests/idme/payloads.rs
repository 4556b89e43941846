//! The document's example payloads, copied verbatim into `tests/fixtures/idme/`: the
//! userinfo example parses into the generated types with nothing lost, and the token
//! example (lifetimes as strings) is accepted by the generated client as ID.me sends it.

use std::time::Duration;

use idspec::idme::{Claim, Group, UserInfo, VerificationStatus};
use idspec::runtime::ClaimKey;
use serde_json::{json, Value};

use crate::support::{
    client, client_for, login, query_value, registered, sandbox, spec, Answer, FakeProvider, TOKEN,
    TOKEN_PATH, USERINFO, USERINFO_PATH,
};

fn userinfo() -> UserInfo {
    serde_json::from_str(USERINFO).expect("the document's example parses")
}

fn fixture(text: &str) -> Value {
    serde_json::from_str(text).expect("the fixture is JSON")
}

/// The value of attribute `handle` in the document's example, as JSON.
fn example_value(handle: &str) -> Value {
    fixture(USERINFO)["attributes"]
        .as_array()
        .expect("attributes")
        .iter()
        .find(|a| a["handle"] == handle)
        .map(|a| a["value"].clone())
        .unwrap_or_else(|| panic!("{handle} is in the example"))
}

#[test]
fn the_userinfo_example_parses_into_typed_fields() {
    let info = userinfo();
    assert_eq!(info.fname.as_deref(), Some("Malcolm"));
    assert_eq!(info.lname.as_deref(), Some("Murphy"));
    assert_eq!(info.email.as_deref(), Some("malcolm.murphy@id.me"));
    assert_eq!(
        info.uuid.as_deref(),
        Some("d733a89e2e634f04ac2fe66c97f71612")
    );
    assert_eq!(info.zip.as_deref(), Some("21219-4921"));
    assert_eq!(info.vaccination_status, Some(true));
    assert_eq!(info.vaccine_brand.as_deref(), Some("Pfizer"));
    assert_eq!(info.vaccine_date_1.as_deref(), Some("2021-01-01"));
    assert_eq!(info.vaccine_date_2.as_deref(), Some("2021-02-01"));
    // Every typed field holds exactly its attribute's value.
    let typed = serde_json::to_value(&info).expect("serializes");
    for (claim, value) in [
        (Claim::Fname, json!(info.fname)),
        (Claim::Lname, json!(info.lname)),
        (Claim::Email, json!(info.email)),
        (Claim::Uuid, json!(info.uuid)),
        (Claim::Zip, json!(info.zip)),
        (Claim::VaccinationStatus, json!(info.vaccination_status)),
        (Claim::VaccineBrand, json!(info.vaccine_brand)),
        (Claim::VaccineDate1, json!(info.vaccine_date_1)),
        (Claim::VaccineDate2, json!(info.vaccine_date_2)),
    ] {
        assert_eq!(value, example_value(claim.as_str()), "{claim}");
        assert!(typed["attributes"]
            .as_array()
            .expect("attributes")
            .iter()
            .any(|a| a["handle"] == claim.as_str() && a["value"] == value));
    }
    // Typed, so none of them is left among the unknown attributes or members.
    assert_eq!(info.attributes.unknown().count(), 0);
    assert!(info.other.is_empty(), "{:?}", info.other.keys());
}

#[test]
fn every_attribute_keeps_its_label() {
    let info = userinfo();
    for (claim, label) in [
        (Claim::Fname, "First Name"),
        (Claim::Lname, "Last Name"),
        (Claim::Email, "Email"),
        (Claim::Uuid, "Unique Identifier"),
        (Claim::Zip, "Zip Code"),
        (Claim::VaccinationStatus, "Vaccination Status"),
        (Claim::VaccineBrand, "Manufacturer"),
        (Claim::VaccineDate1, "1st Dose"),
        (Claim::VaccineDate2, "2nd Dose"),
    ] {
        assert_eq!(info.attributes.label(claim), Some(label), "{claim}");
    }
    // `status` is a member, not an attribute: it has no label.
    assert_eq!(info.attributes.label(Claim::Status), None);
    // The labels are the spec's, and in the document's order.
    let spec = spec();
    let labels: Vec<(String, Option<String>)> = info
        .attributes
        .labels()
        .map(|(key, label)| (key.as_wire().to_owned(), label.map(str::to_owned)))
        .collect();
    let documented: Vec<(String, Option<String>)> = spec
        .spec()
        .claims
        .iter()
        .filter(|(wire, _)| *wire != "status")
        .map(|(wire, claim)| (wire.clone(), claim.label.clone()))
        .collect();
    assert_eq!(labels, documented);
    assert!(info
        .attributes
        .labels()
        .all(|(key, _)| matches!(key, ClaimKey::Known(_))));
    assert_eq!(info.attributes.len(), 9);
}

#[test]
fn verification_statuses_are_typed() {
    let info = userinfo();
    let status = info.status.as_ref().expect("status");
    assert_eq!(status.len(), 2);
    assert_eq!(status[0].group, Group::CovidVaccine);
    assert_eq!(status[0].subgroups, Some(vec![None]));
    assert!(status[0].verified);
    assert_eq!(status[1].group, Group::CovidVaccine);
    assert_eq!(status[1].subgroups, None);
    assert!(status[1].verified);
    assert!(status.iter().all(|s| s.other.is_empty()));
    assert_eq!(
        status[0],
        VerificationStatus::new(Group::CovidVaccine, Some(vec![None]), true)
    );
}

#[test]
fn nothing_in_the_userinfo_example_is_lost() {
    let info = userinfo();
    let again = serde_json::to_value(&info).expect("serializes");
    assert_eq!(again, fixture(USERINFO));
    // And it parses back to the same value.
    let twice: UserInfo = serde_json::from_value(again).expect("parses again");
    assert!(twice == info);
}

#[test]
fn what_a_later_id_me_may_add_is_kept() {
    let mut json = fixture(USERINFO);
    json["attributes"]
        .as_array_mut()
        .expect("attributes")
        .insert(
            2,
            json!({"handle": "military_branch", "name": "Branch", "value": "Navy", "source": "dd214"}),
        );
    json["attributes"][0]["verified_at"] = json!("2021-03-01");
    json["meta"] = json!({"policy": "fortified/covid/verify"});
    json["status"]
        .as_array_mut()
        .expect("status")
        .push(json!({"group": "military", "subgroups": ["veteran", null], "verified": false, "since": 2019}));
    let info: UserInfo = serde_json::from_value(json.clone()).expect("still parses");

    let unknown: Vec<_> = info.attributes.unknown().collect();
    assert_eq!(unknown.len(), 1, "{unknown:?}");
    assert_eq!(unknown[0].key, "military_branch");
    assert_eq!(unknown[0].label, Some("Branch"));
    assert_eq!(unknown[0].value, &json!("Navy"));
    assert_eq!(info.attributes.len(), 10);
    // The typed fields are untouched by the stranger next to them.
    assert_eq!(info.email.as_deref(), Some("malcolm.murphy@id.me"));
    assert_eq!(info.fname.as_deref(), Some("Malcolm"));

    assert_eq!(info.other.len(), 1);
    assert_eq!(
        info.other["meta"],
        json!({"policy": "fortified/covid/verify"})
    );

    let status = info.status.as_ref().expect("status");
    assert_eq!(status.len(), 3);
    assert_eq!(status[2].group.as_str(), "military");
    assert!(matches!(status[2].group, Group::Unknown(_)));
    assert_eq!(
        status[2].subgroups,
        Some(vec![Some("veteran".to_owned()), None])
    );
    assert!(!status[2].verified);
    assert_eq!(status[2].other["since"], json!(2019));

    // Debug names the unknown attribute and member, never their values.
    let shown = format!("{info:?}");
    assert!(
        shown.contains("military_branch") && shown.contains("meta"),
        "{shown}"
    );
    assert!(!shown.contains("Navy"), "{shown}");

    assert_eq!(serde_json::to_value(&info).expect("serializes"), json);
}

#[test]
fn a_repeated_attribute_is_refused_without_quoting_values() {
    let mut json = fixture(USERINFO);
    json["attributes"]
        .as_array_mut()
        .expect("attributes")
        .push(json!({"handle": "fname", "name": "First Name", "value": "Mallory"}));
    let error = serde_json::from_value::<UserInfo>(json)
        .expect_err("which fname to believe is not for the client to guess")
        .to_string();
    assert!(error.contains("fname"), "{error}");
    assert!(error.contains("more than once"), "{error}");
    assert!(
        !error.contains("Mallory") && !error.contains("Malcolm"),
        "{error}"
    );
}

#[test]
fn a_value_of_the_wrong_type_is_refused() {
    let mut json = fixture(USERINFO);
    // `vaccination_status` is a boolean; a string is not guessed at.
    json["attributes"][5]["value"] = json!("yes");
    assert_eq!(json["attributes"][5]["handle"], "vaccination_status");
    serde_json::from_value::<UserInfo>(json).expect_err("a string is not a bool");
}

#[test]
fn debug_output_names_claims_but_never_their_values() {
    let info = userinfo();
    let shown = format!("{info:?}");
    for claim in Claim::ALL {
        assert!(shown.contains(claim.as_str()), "{claim} in {shown}");
    }
    for personal in [
        "Malcolm",
        "Murphy",
        "malcolm.murphy@id.me",
        "d733a89e2e634f04ac2fe66c97f71612",
        "21219-4921",
        "Pfizer",
        "2021-01-01",
        "2021-02-01",
        "First Name",
    ] {
        assert!(!shown.contains(personal), "{personal} in {shown}");
    }
    // The attributes alone print keys and labels, never values either.
    let attributes = format!("{:?}", info.attributes);
    assert!(attributes.contains("First Name"), "{attributes}");
    assert!(!attributes.contains("Malcolm"), "{attributes}");
}

/// ID.me itself, as the document shows it: its token endpoint answers the token
/// example verbatim, its userinfo endpoint the userinfo example. The client sends
/// what the document's curl examples send and reads both payloads as written.
#[tokio::test]
async fn the_documents_examples_go_through_the_client() {
    let provider = FakeProvider::start(vec![
        (TOKEN_PATH, Answer::Json(TOKEN)),
        (USERINFO_PATH, Answer::Json(USERINFO)),
    ])
    .await;
    let registration = registered();
    let client = client_for(provider.endpoints(), &registration);
    let start = client
        .start(idspec::idme::AuthorizationRequest::new(
            idspec::idme::Scope::FortifiedCovidVerify,
        ))
        .await
        .expect("start");
    // The document's redirect: `https://example.com/callback?code=488e864b` (and the
    // state the client sent).
    let callback = format!(
        "{}?code=488e864b&state={}",
        registration.redirect_uris[0],
        start.state.secret()
    );
    let login = client
        .complete_for(&start.state, &callback)
        .await
        .expect("the document's token response is accepted");

    let token: Value = fixture(TOKEN);
    let tokens = login.tokens();
    assert_eq!(tokens.access_token.secret(), token["access_token"]);
    assert_eq!(
        tokens.refresh_token.as_ref().map(|t| t.secret()),
        token["refresh_token"].as_str()
    );
    assert_eq!(tokens.token_type, "bearer");
    assert_eq!(token["expires_in"], "300", "the example sends a string");
    assert_eq!(tokens.expires_in, Some(Duration::from_secs(300)));
    assert_eq!(token["refresh_expires_in"], "604800");
    assert_eq!(
        tokens.refresh_expires_in,
        Some(Duration::from_secs(604_800))
    );
    assert_eq!(tokens.scope.as_deref(), Some("fortified/covid/verify"));
    assert!(tokens.id_token.is_none());
    assert!(login.id_token_claims().is_none());

    let info = client.userinfo(&login).await.expect("userinfo");
    assert_eq!(
        serde_json::to_value(&info).expect("json"),
        fixture(USERINFO)
    );
    assert!(info == userinfo());

    // What the client sent: the document's curl examples, parameter for parameter.
    let received = provider.received();
    assert_eq!(received.len(), 2, "{received:?}");
    let exchange = &received[0];
    assert_eq!(
        (exchange.method.as_str(), exchange.path()),
        ("POST", TOKEN_PATH)
    );
    let mut form = exchange.form();
    form.sort();
    let mut expected = vec![
        ("client_id".to_owned(), registration.client_id.clone()),
        (
            "client_secret".to_owned(),
            registration.client_secret.clone().expect("secret"),
        ),
        ("code".to_owned(), "488e864b".to_owned()),
        ("grant_type".to_owned(), "authorization_code".to_owned()),
        (
            "redirect_uri".to_owned(),
            registration.redirect_uris[0].clone(),
        ),
    ];
    expected.sort();
    assert_eq!(form, expected, "no code_verifier, nothing else");
    assert_eq!(exchange.header("authorization"), None);
    let fetch = &received[1];
    assert_eq!(
        (fetch.method.as_str(), fetch.path()),
        ("GET", USERINFO_PATH)
    );
    assert_eq!(
        fetch.query(),
        [(
            "access_token".to_owned(),
            token["access_token"].as_str().expect("token").to_owned()
        )]
    );
    assert_eq!(fetch.header("authorization"), None);
    assert!(fetch.body.is_empty());
}

/// The sandbox sends the lifetimes as strings, as the spec says ID.me does
/// (`token.expires_in_accept: [string]`), and the client reads them.
#[tokio::test]
async fn the_sandbox_sends_string_lifetimes_and_the_client_reads_them() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let registration = registered();

    // By hand first: the raw token response has strings.
    let (_, callback) = crate::support::callback(
        &client,
        idspec::idme::AuthorizationRequest::new(idspec::idme::Scope::FortifiedCovidVerify),
        idspec::idme::test_users::MALCOLM,
        idspec_sandbox::user_agent::Decision::Approve,
    )
    .await;
    let code = query_value(&callback, "code").expect("code");
    let token_url = sandbox.endpoints().token.expect("token endpoint");
    let response = reqwest::Client::new()
        .post(token_url)
        .form(&[
            ("code", code.as_str()),
            ("client_id", registration.client_id.as_str()),
            (
                "client_secret",
                registration.client_secret.as_deref().expect("secret"),
            ),
            ("redirect_uri", registration.redirect_uris[0].as_str()),
            ("grant_type", "authorization_code"),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(response.status(), 200);
    let raw: Value = serde_json::from_str(&response.text().await.expect("body")).expect("json");
    assert_eq!(raw["expires_in"], json!("300"), "{raw}");
    assert_eq!(raw["refresh_expires_in"], json!("604800"), "{raw}");
    assert!(raw.get("id_token").is_none(), "{raw}");

    // Then through the client, which reads them as durations.
    let (login, _) = login(
        &client,
        idspec::idme::AuthorizationRequest::new(idspec::idme::Scope::FortifiedCovidVerify),
        idspec::idme::test_users::MALCOLM,
    )
    .await;
    assert_eq!(login.tokens().expires_in, Some(Duration::from_secs(300)));
    assert_eq!(
        login.tokens().refresh_expires_in,
        Some(Duration::from_secs(604_800))
    );
    let expires_at = login.tokens().expires_at().expect("known");
    assert_eq!(
        expires_at
            .duration_since(login.tokens().received_at)
            .expect("later"),
        Duration::from_secs(300)
    );
}
