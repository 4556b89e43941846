//! itsme's documented payloads parse into the generated types with nothing lost: the
//! full Belgian userinfo example (every claim itsme releases) and both variants'
//! decrypted ID token examples, copied verbatim from the integration document into
//! `tests/fixtures/itsme/`.

#![cfg(feature = "itsme")]

use idspec::itsme::{ActivationMechanism, AppLocale, Claim, Gender, IdTokenClaims, UserInfo};
use idspec::runtime::ClaimKey;
use serde_json::Value;

const BELGIAN_USERINFO: &str = include_str!("fixtures/itsme/userinfo-belgian-account.json");
const ID_TOKEN_PRIVATE_KEY_JWT: &str = include_str!("fixtures/itsme/id-token-private-key-jwt.json");
const ID_TOKEN_CLIENT_SECRET: &str = include_str!("fixtures/itsme/id-token-client-secret.json");

fn userinfo() -> UserInfo {
    serde_json::from_str(BELGIAN_USERINFO).expect("the document's example parses")
}

#[test]
fn the_belgian_userinfo_example_parses_into_typed_claims() {
    let info = userinfo();
    assert_eq!(info.sub, "e3xad7upx64grm14ttpnx4c586ve8gy0gp38");
    assert_eq!(info.name.as_deref(), Some("George Tǎnka"));
    assert_eq!(info.given_name.as_deref(), Some("George"));
    assert_eq!(info.family_name.as_deref(), Some("Tǎnka"));
    assert_eq!(info.birthdate.as_deref(), Some("1978-11-01"));
    assert_eq!(info.birthdate_as_string.as_deref(), Some("01.11.1978"));
    assert_eq!(info.gender, Some(Gender::Male));
    assert_eq!(info.locale, Some(AppLocale::Fr));
    assert_eq!(info.email.as_deref(), Some("test@itsme.be"));
    assert_eq!(info.email_verified, Some(false));
    assert_eq!(info.phone_number.as_deref(), Some("+32 485694175"));
    assert_eq!(info.phone_number_verified, Some(true));
    assert_eq!(info.citizenship.as_deref(), Some("BE"));
    assert_eq!(info.citizenship_iso.as_deref(), Some("BEL"));
    assert_eq!(info.be_national_number.as_deref(), Some("99060427181"));
    assert_eq!(info.be_eid_sn.as_deref(), Some("431522485012"));
    assert_eq!(info.id_document_sn.as_deref(), Some("431522485012"));
    assert_eq!(info.id_document_type.as_deref(), Some("I"));
    assert_eq!(
        info.picture.as_deref(),
        Some("https://oidc.uat.itsme.services/clientsecret-oidc/csapi/v0.1/picture")
    );

    let address = info.address.as_ref().expect("address");
    assert_eq!(address.street_address.as_deref(), Some("Jekerstraat 39"));
    assert_eq!(address.postal_code.as_deref(), Some("3700"));
    assert_eq!(address.locality.as_deref(), Some("TONGEREN"));
    assert_eq!(
        address.formatted.as_deref(),
        Some("Jekerstraat 39 3700 TONGEREN")
    );

    let place = info.place_of_birth.as_ref().expect("place of birth");
    assert_eq!(place.city.as_deref(), Some("Brussels"));
    assert_eq!(place.formatted.as_deref(), Some("Brussels"));
    assert_eq!(place.country, None);

    let device = info.device.as_ref().expect("claim_device");
    assert_eq!(device.os.as_deref(), Some("ANDROID"));
    assert_eq!(device.app_name.as_deref(), Some("be.bmid.itsme.uat"));
    assert_eq!(device.debug_enabled, Some(false));
    assert_eq!(device.rooted, Some(false));
    assert_eq!(device.device_lock_level.as_deref(), Some("true"));
    assert_eq!(device.device_model.as_deref(), Some("LG-H870"));
    assert_eq!(device.msisdn.as_deref(), Some("0032485694175"));
    assert!(device.other.is_empty(), "{:?}", device.other.keys());
}

#[test]
fn the_photo_is_decoded_on_request() {
    let info = userinfo();
    let photo = info.physical_person_photo.as_ref().expect("photo");
    assert_eq!(photo.format, "image/jpeg");
    let jpeg = photo.value.decode().expect("base64");
    // A JPEG: start-of-image and end-of-image markers.
    assert_eq!(&jpeg[..2], &[0xFF, 0xD8]);
    assert_eq!(&jpeg[jpeg.len() - 2..], &[0xFF, 0xD9]);
    // Debug never prints the image (it is personal data), only its size.
    assert!(!format!("{:?}", photo.value).contains("/9j/"));
}

#[test]
fn metadata_claims_are_keyed_by_the_claims_they_describe() {
    let info = userinfo();
    let validity_from = info.validity_from.as_ref().expect("validityFrom");
    assert_eq!(
        validity_from.get(Claim::BeEidSn).map(String::as_str),
        Some("2018-11-08T00:00:00Z")
    );
    let validity_to = info.validity_to.as_ref().expect("validityTo");
    assert_eq!(
        validity_to.get(Claim::BeEidSn).map(String::as_str),
        Some("2028-11-10T00:00:00Z")
    );
    let verified = info.verification_date.as_ref().expect("verificationDate");
    assert_eq!(verified.len(), 15);
    for claim in [
        Claim::PlaceOfBirth,
        Claim::Birthdate,
        Claim::Address,
        Claim::CitizenshipIso,
        Claim::Gender,
        Claim::BirthdateAsString,
        Claim::BeNationalNumber,
        Claim::GivenName,
        Claim::Citizenship,
        Claim::Picture,
        Claim::Name,
        Claim::IdDocumentSn,
        Claim::BeEidSn,
        Claim::FamilyName,
        Claim::PhysicalPersonPhoto,
    ] {
        assert_eq!(
            verified.get(claim).map(String::as_str),
            Some("2023-04-12T15:02:23Z"),
            "{claim}"
        );
    }
    // Every key names a documented claim.
    assert!(verified
        .iter()
        .all(|(key, _)| matches!(key, ClaimKey::Known(_))));
    let countries = info.id_issuing_country.as_ref().expect("IDIssuingCountry");
    assert_eq!(countries.len(), 15);
    assert_eq!(
        countries.get(Claim::Address).map(String::as_str),
        Some("BEL")
    );
    let locality = info.issuance_locality.as_ref().expect("issuance_locality");
    assert_eq!(
        locality.get(Claim::BeEidSn).map(String::as_str),
        Some("BRUXELLES")
    );
}

#[test]
fn nothing_in_the_example_is_lost() {
    let info = userinfo();
    // The members itsme sends beyond its claim list are kept, untouched.
    for member in ["iss", "aud", "nbf", "exp", "iat"] {
        assert!(info.other.contains_key(member), "{member}");
    }
    assert_eq!(info.other.len(), 5, "{:?}", info.other.keys());
    // And the typed value serializes back to exactly the document's JSON.
    let original: Value = serde_json::from_str(BELGIAN_USERINFO).unwrap();
    let again = serde_json::to_value(&info).unwrap();
    assert_eq!(again, original);
}

#[test]
fn members_and_values_a_later_itsme_may_add_are_kept() {
    let mut json: Value = serde_json::from_str(BELGIAN_USERINFO).unwrap();
    json["gender"] = "x".into();
    json["locale"] = "IT".into();
    json["http://itsme.services/v2/claim/verificationDate"]["http://itsme.services/v2/claim/new"] =
        "2024-01-01T00:00:00Z".into();
    json["http://itsme.services/v2/claim/place_of_birth"]["region"] = "Brussels-Capital".into();
    json["http://itsme.services/v2/claim/account"] = serde_json::json!({"activationDate": "2023-01-15T09:20:03.000Z", "activationMechanism": "EIDAS"});
    let info: UserInfo = serde_json::from_value(json.clone()).expect("still parses");
    assert_eq!(info.gender.as_ref().map(Gender::as_str), Some("x"));
    assert_eq!(info.locale.as_ref().map(AppLocale::as_str), Some("IT"));
    let verified = info.verification_date.as_ref().unwrap();
    assert_eq!(
        verified.unknown().collect::<Vec<_>>(),
        [(
            "http://itsme.services/v2/claim/new",
            &"2024-01-01T00:00:00Z".to_owned()
        )]
    );
    let place = info.place_of_birth.as_ref().unwrap();
    assert_eq!(place.other["region"], "Brussels-Capital");
    let account = info.account.as_ref().unwrap();
    assert_eq!(
        account
            .activation_mechanism
            .as_ref()
            .map(ActivationMechanism::as_str),
        Some("EIDAS")
    );
    assert_eq!(serde_json::to_value(&info).unwrap(), json);
}

#[test]
fn both_variants_id_token_examples_parse() {
    for example in [ID_TOKEN_PRIVATE_KEY_JWT, ID_TOKEN_CLIENT_SECRET] {
        let claims: IdTokenClaims = serde_json::from_str(example).expect("parses");
        assert_eq!(claims.sub, "6g2k9rgglem2dttw5d51ulkxpv24phwatiu6");
        assert_eq!(claims.name.as_deref(), Some("John Ronald R Tolkien"));
        assert_eq!(claims.gender, Some(Gender::Male));
        assert_eq!(claims.birthdate.as_deref(), Some("1974-10-23"));
        assert!(claims.aud.contains("WXw9DMqkEv"));
        let original: Value = serde_json::from_str(example).unwrap();
        assert_eq!(serde_json::to_value(&claims).unwrap(), original);
    }
}

#[test]
fn debug_output_names_claims_but_never_their_values() {
    let shown = format!("{:?}", userinfo());
    assert!(shown.contains("http://itsme.services/v2/claim/BENationalNumber"));
    for personal in [
        "99060427181",
        "George",
        "Jekerstraat",
        "431522485012",
        "test@itsme.be",
    ] {
        assert!(!shown.contains(personal), "{personal} in {shown}");
    }
}
