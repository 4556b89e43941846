//! Documented errors on demand, from the login field: `error:<code>` fails the
//! authorization (the callback carries the code), `error:<endpoint>:<code>` signs in
//! and then has the token, userinfo or revocation endpoint answer the code for that
//! login's tokens. A relying party tests its handling of every documented error
//! without a scripted user for each.

use idspec_codegen::model::{ErrorEndpoint, Spec};

/// The prefix of a login that asks for an error.
pub(crate) const PREFIX: &str = "error:";

/// A documented error an endpoint answers for one login's tokens.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Failure {
    /// The endpoint that answers with it.
    pub endpoint: ErrorEndpoint,
    /// The documented code.
    pub code: String,
}

/// The failure a login asks for: `None` for an ordinary login, `Err` with a message
/// for the person when the code is not documented for that endpoint.
pub(crate) fn parse(spec: &Spec, login: &str) -> Option<Result<Failure, String>> {
    let rest = login.strip_prefix(PREFIX)?;
    // A code may itself contain a colon; only a known endpoint name is a prefix.
    let (endpoint, code) = rest
        .split_once(':')
        .and_then(|(name, code)| Some((endpoint_named(name)?, code)))
        .unwrap_or((ErrorEndpoint::Authorization, rest));
    if spec.errors.for_endpoint(endpoint).any(|c| c.code == code) {
        return Some(Ok(Failure {
            endpoint,
            code: code.to_owned(),
        }));
    }
    let documented = documented(spec, endpoint);
    let whose = if spec.errors.per_endpoint() {
        format!("the {} endpoint", endpoint.as_str())
    } else {
        "this provider".to_owned()
    };
    Some(Err(if documented.is_empty() {
        format!("`{login}`: {whose} documents no error codes.")
    } else {
        format!(
            "`{login}`: `{code}` is not an error code documented for {whose}. Documented: {}.",
            documented.join(", ")
        )
    }))
}

/// The login that triggers `code` at `endpoint`.
pub(crate) fn login(endpoint: ErrorEndpoint, code: &str) -> String {
    match endpoint {
        ErrorEndpoint::Authorization => format!("{PREFIX}{code}"),
        other => format!("{PREFIX}{}:{code}", other.as_str()),
    }
}

/// The codes documented for `endpoint`, each once.
pub(crate) fn documented(spec: &Spec, endpoint: ErrorEndpoint) -> Vec<&str> {
    let mut codes: Vec<&str> = Vec::new();
    for code in spec.errors.for_endpoint(endpoint) {
        if !codes.contains(&code.code.as_str()) {
            codes.push(&code.code);
        }
    }
    codes
}

fn endpoint_named(name: &str) -> Option<ErrorEndpoint> {
    ErrorEndpoint::ALL.into_iter().find(|e| e.as_str() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: &str = r#"
id: t
name: T
source: none.txt
family: oidc
environments:
  production:
    issuer: https://t.example
    endpoints: { authorization: "https://t.example/a", token: "https://t.example/t" }
client_auth: { methods: [client_secret_basic] }
id_token: { signing: [RS256] }
scopes: { openid: { claims: [sub] } }
claims: { sub: { type: string } }
errors:
  codes:
"#;

    fn spec(codes: &str) -> Spec {
        idspec_codegen::load("t.yaml", &format!("{SPEC}{codes}"))
            .unwrap_or_else(|d| panic!("{d}"))
            .spec()
            .clone()
    }

    #[test]
    fn plain_codes_fail_the_authorization_and_prefixed_ones_their_endpoint() {
        let spec = spec(
            "    - { code: access_denied, message: No }\n    - { code: \"urn:x\", message: Colon }\n",
        );
        let failure = |login: &str| parse(&spec, login).unwrap().unwrap();
        assert_eq!(
            failure("error:access_denied").endpoint,
            ErrorEndpoint::Authorization
        );
        assert_eq!(failure("error:urn:x").code, "urn:x");
        let at_token = failure("error:token:access_denied");
        assert_eq!(
            (at_token.endpoint, at_token.code.as_str()),
            (ErrorEndpoint::Token, "access_denied")
        );
        assert!(parse(&spec, "lovelace").is_none());
        let problem = parse(&spec, "error:revocation:nope").unwrap().unwrap_err();
        assert!(problem.contains("access_denied"), "{problem}");
        assert_eq!(login(ErrorEndpoint::Userinfo, "x"), "error:userinfo:x");
    }

    #[test]
    fn per_endpoint_codes_must_be_documented_for_their_endpoint() {
        let spec = spec(
            "    - { code: invalid_request, message: Authorize, endpoints: [authorization] }
    - { code: invalid_request, message: Token, endpoints: [token] }
    - { code: invalid_grant, message: Grant, endpoints: [token] }
",
        );
        assert!(parse(&spec, "error:token:invalid_grant").unwrap().is_ok());
        let problem = parse(&spec, "error:invalid_grant").unwrap().unwrap_err();
        assert!(
            problem.contains("the authorization endpoint") && problem.contains("invalid_request"),
            "{problem}"
        );
        assert_eq!(
            documented(&spec, ErrorEndpoint::Token),
            ["invalid_request", "invalid_grant"]
        );
        assert!(parse(&spec, "error:userinfo:invalid_request")
            .unwrap()
            .unwrap_err()
            .contains("documents no error codes"));
    }
}
