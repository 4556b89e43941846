//! Expanding a parsed URL template with configured URLs and parameter values.

use url::Url;

use super::{Part, UrlTemplate};
use crate::rest::client::RestError;

/// The URL for `template`: its base (an environment URL from `base_url`, or a `url`
/// parameter), then each path segment and query value percent-encoded whole, so
/// that no value can add a segment, a query member or a fragment.
pub(super) fn expand(
    template: &UrlTemplate,
    base_url: impl Fn(&str) -> Option<Url>,
    params: &[(&'static str, String)],
) -> Result<Url, RestError> {
    let value = |name: &'static str| {
        params
            .iter()
            .find(|(param, _)| *param == name)
            .map(|(_, value)| value.as_str())
            .ok_or(RestError::MissingParameter { name })
    };
    let mut url = match base_url(template.base) {
        Some(url) => url,
        None => Url::parse(value(template.base)?).map_err(|_| RestError::InvalidUrl {
            name: template.base,
        })?,
    };
    if !template.path.is_empty() {
        let mut segments = url
            .path_segments_mut()
            .map_err(|()| RestError::InvalidUrl {
                name: template.base,
            })?;
        segments.pop_if_empty();
        for part in template.path {
            let segment = match part {
                Part::Literal(text) => text,
                Part::Param(name) => checked_segment(name, value(name)?)?,
            };
            segments.push(segment);
        }
    }
    if !template.query.is_empty() {
        let mut query = url.query_pairs_mut();
        for (key, part) in template.query {
            let text = match part {
                Part::Literal(text) => text,
                Part::Param(name) => value(name)?,
            };
            query.append_pair(key, text);
        }
    }
    Ok(url)
}

/// A parameter's value as one path segment: `.` and `..` would be resolved away by
/// the URL and move the request to another resource.
fn checked_segment<'a>(name: &'static str, value: &'a str) -> Result<&'a str, RestError> {
    if value.is_empty() || value == "." || value == ".." {
        Err(RestError::InvalidParameter { name })
    } else {
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDENTITY: UrlTemplate = UrlTemplate {
        base: "idv_url",
        path: &[
            Part::Literal("gips"),
            Part::Literal("v1"),
            Part::Literal("identities"),
            Part::Param("identity_id"),
        ],
        query: &[],
    };

    fn idv(name: &str) -> Option<Url> {
        (name == "idv_url").then(|| Url::parse("https://proofing.example/").unwrap())
    }

    #[test]
    fn values_are_single_percent_encoded_segments() {
        let url = expand(&IDENTITY, idv, &[("identity_id", "gips-1".into())]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://proofing.example/gips/v1/identities/gips-1"
        );
        let url = expand(&IDENTITY, idv, &[("identity_id", "a/../b?x=1#f".into())]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://proofing.example/gips/v1/identities/a%2F..%2Fb%3Fx=1%23f"
        );
        for bad in ["", ".", ".."] {
            assert!(expand(&IDENTITY, idv, &[("identity_id", bad.into())]).is_err());
        }
    }

    #[test]
    fn query_values_and_url_parameters() {
        const START: UrlTemplate = UrlTemplate {
            base: "start_url",
            path: &[],
            query: &[("session-id", Part::Param("session_id"))],
        };
        let start = |name: &str| {
            (name == "start_url")
                .then(|| Url::parse("https://ipa.example/api/v1/ipa/start").unwrap())
        };
        let url = expand(&START, start, &[("session_id", "a&b=c".into())]).unwrap();
        assert_eq!(
            url.as_str(),
            "https://ipa.example/api/v1/ipa/start?session-id=a%26b%3Dc"
        );
        const PROOF: UrlTemplate = UrlTemplate {
            base: "proof_url",
            path: &[],
            query: &[],
        };
        let url = expand(
            &PROOF,
            idv,
            &[("proof_url", "https://p.example/x/proof".into())],
        )
        .unwrap();
        assert_eq!(url.as_str(), "https://p.example/x/proof");
        assert!(expand(&PROOF, idv, &[("proof_url", "not a url".into())]).is_err());
        assert!(expand(&PROOF, idv, &[]).is_err());
    }
}
