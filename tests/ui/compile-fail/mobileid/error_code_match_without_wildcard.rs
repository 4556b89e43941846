// `ErrorCode` is `#[non_exhaustive]`: a provider may document a new code tomorrow,
// so a match must have a wildcard arm even when it names every variant there is.
use idspec::mobileid::ErrorCode;

fn describe(code: &ErrorCode) -> &'static str {
    match code {
        ErrorCode::AcrValuesNotSingle
        | ErrorCode::AcrValuesInvalid
        | ErrorCode::UiLocalesNotSingle
        | ErrorCode::UiLocalesInvalid
        | ErrorCode::LoginHintEmptyHints
        | ErrorCode::LoginHintAl4ManualInput
        | ErrorCode::LoginHintInvalidMsisdn
        | ErrorCode::LoginHintDuplicateMsisdn
        | ErrorCode::LoginHintInvalidSn
        | ErrorCode::LoginHintInvalidJson
        | ErrorCode::InvalidScopes
        | ErrorCode::Al4WithoutLoginHint
        | ErrorCode::MissingQueryString
        | ErrorCode::InvalidClientRequest => "request",
        ErrorCode::UnauthorizedScopes
        | ErrorCode::UnauthorizedAcrValues
        | ErrorCode::UnauthorizedParameters => "security",
        ErrorCode::AuthenticationRejected
        | ErrorCode::ClaimsSharingRejected
        | ErrorCode::SignatureCmsValidationFailed
        | ErrorCode::SerialNumberValidationFailed
        | ErrorCode::CountryValidationFailed
        | ErrorCode::MsisdnOwnershipFailed
        | ErrorCode::AccountActivationFailed
        | ErrorCode::SimCardRequired
        | ErrorCode::NoAuthenticationMethod
        | ErrorCode::SmsOtpFailed
        | ErrorCode::AuthenticationFailed => "authentication",
        ErrorCode::InternalServerError => "system",
        ErrorCode::Unhandled(_) => "undocumented",
    }
}

fn main() {
    let _ = describe;
}
