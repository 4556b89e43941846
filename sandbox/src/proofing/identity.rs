//! The identity a verified session creates: shaped after the ID&V platform's
//! `GET /v1/identities/{id}` (level of assurance, attributes read from the ID
//! document, a status per evidence), with clearly fictional data: a specimen
//! passport of Utopia (`UTO`, the ICAO code reserved for specimens) belonging to
//! nobody.

use serde_json::{json, Value};

/// The payload of `identity_id`, made now.
pub(super) fn payload(identity_id: &str) -> Value {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let created = date_time(now);
    json!({
        "id": identity_id,
        "status": "VERIFIED",
        "levelOfAssurance": "LOA3",
        "creationDateTime": created,
        "evaluationDateTime": created,
        "sandbox": "Fictional data made by the idspec sandbox: no person was verified.",
        "idDocumentData": {
            "idDocumentType": "PASSPORT",
            "issuingCountry": "UTO",
            "documentNumber": "SBX000042",
            "dateOfIssuance": "2020-01-15",
            "dateOfExpiry": "2030-01-14",
            "personalAttributes": {
                "givenNames": ["Alex", "Sample"],
                "surname": "Sandbox",
                "dateOfBirth": "1990-04-01",
                "gender": "X",
                "nationality": "UTO"
            }
        },
        "evidences": [
            {
                "evidenceId": idspec_runtime::random::uuid_v4(),
                "type": "ID_DOCUMENT",
                "status": "VERIFIED",
                "errorCodes": []
            },
            {
                "evidenceId": idspec_runtime::random::uuid_v4(),
                "type": "PORTRAIT",
                "status": "VERIFIED",
                "livenessMode": "PASSIVE_VIDEO",
                "errorCodes": []
            }
        ]
    })
}

/// `seconds` since the epoch as an RFC 3339 UTC date and time.
fn date_time(seconds: u64) -> String {
    let days = seconds / 86_400;
    let rest = seconds % 86_400;
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's
/// `civil_from_days`, for non-negative days).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let doe = z % 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_utc_calendar_dates() {
        assert_eq!(date_time(0), "1970-01-01T00:00:00Z");
        assert_eq!(date_time(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(date_time(1_733_294_237), "2024-12-04T06:37:17Z");
    }
}
