//! What a rest sandbox takes from its spec: the paths of the token endpoint, of the
//! session operation, of the start page and of the identity, the credentials' wire
//! details, and the webhook's delivery rules. Paths are the provider's own (the
//! first environment's URLs), all served on the sandbox's one host.

use std::time::Duration;

use idspec_codegen::model::{ClientAuthMethod, OperationMethod, OperationSpec, Spec};
use idspec_codegen::template::{Part, Template};

use crate::StartError;

/// The sandbox's route for the identity's proof file, under the identity: the shape
/// of the document's `proofUrl` (`…/gips/v1/identities/{id}/proof`).
const PROOF_SEGMENT: &str = "proof";

/// A path, segment by segment, with at most one parameter (the identity's id).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RestPath(Vec<Part>);

impl RestPath {
    /// The axum route: literal segments, the parameter as `{name}`.
    pub(crate) fn route(&self) -> String {
        self.render(|name| format!("{{{name}}}"))
    }

    /// The path with `value` (a sandbox-made id, URL-safe) in place of the parameter.
    pub(crate) fn with(&self, value: &str) -> String {
        self.render(|_| value.to_owned())
    }

    fn render(&self, param: impl Fn(&str) -> String) -> String {
        if self.0.is_empty() {
            return "/".to_owned();
        }
        self.0
            .iter()
            .map(|part| match part {
                Part::Literal(text) => format!("/{text}"),
                Part::Param(name) => format!("/{}", param(name)),
            })
            .collect()
    }

    fn params(&self) -> usize {
        self.0
            .iter()
            .filter(|part| matches!(part, Part::Param(_)))
            .count()
    }

    fn child(&self, segment: &str) -> Self {
        let mut parts = self.0.clone();
        parts.push(Part::Literal(segment.to_owned()));
        Self(parts)
    }
}

/// How the webhook is delivered.
#[derive(Clone, Debug)]
pub(crate) struct WebhookPlan {
    /// The body member naming the session (`sessionId`).
    pub correlate: String,
    /// More attempts after an answer that is not 2xx.
    pub retries: u32,
    /// The wait between attempts.
    pub interval: Duration,
}

/// Everything the rest simulation takes from the spec and the options.
#[derive(Clone, Debug)]
pub(crate) struct Config {
    /// Every environment URL of the spec, by name, with its path (the sandbox serves
    /// them all on its one host).
    pub urls: Vec<(String, String)>,
    pub token: RestPath,
    /// How the client id and secret must come (`client_secret_post`).
    pub client_auth: ClientAuthMethod,
    pub sessions: RestPath,
    /// The create-session response member naming the session (`sessionId`).
    pub session_member: String,
    /// The create-session body members the spec lists; anything else is refused.
    pub session_body: Vec<String>,
    /// How long a session lives (`starts_flow.expires`).
    pub session_lifetime: Duration,
    pub start: RestPath,
    /// The start URL's query parameter carrying the session (`session-id`).
    pub start_param: String,
    pub identity: RestPath,
    pub proof: RestPath,
    /// The header the API key comes in (`apikey`).
    pub api_key_header: String,
    pub webhook: WebhookPlan,
}

impl Config {
    pub(crate) fn of(spec: &Spec) -> Result<Self, StartError> {
        let unsupported = |what: &str| StartError::Unsupported(format!("rest spec: {what}"));
        let env_urls = spec
            .environments
            .values()
            .next()
            .map(|env| env.urls.clone())
            .unwrap_or_default();
        let mut urls = Vec::new();
        for (name, url) in &env_urls {
            // A configured URL without an example is served at the root.
            let path = url
                .fixed_or_example()
                .and_then(|text| url::Url::parse(text).ok())
                .map(|url| url.path().to_owned())
                .unwrap_or_else(|| "/".to_owned());
            urls.push((name.clone(), path));
        }
        let path_of = |template: &Template| -> Result<RestPath, StartError> {
            let (_, base) = urls
                .iter()
                .find(|(name, _)| *name == template.base)
                .ok_or_else(|| {
                    unsupported(&format!("`{{{}}}` is no environment URL", template.base))
                })?;
            let mut parts: Vec<Part> = base
                .split('/')
                .filter(|segment| !segment.is_empty())
                .map(|segment| Part::Literal(segment.to_owned()))
                .collect();
            parts.extend(template.path.iter().cloned());
            Ok(RestPath(parts))
        };
        let parse = |text: &str| Template::parse(text).map_err(|e| unsupported(&e));

        let (token_url, client_auth) = spec
            .auth
            .values()
            .find_map(|scheme| scheme.client_credentials.as_ref())
            .map(|cc| (cc.token_url.clone(), cc.client_auth))
            .ok_or_else(|| unsupported("no client credentials scheme to issue tokens for"))?;
        let token = path_of(&parse(&token_url)?)?;

        let (create, flow) = spec
            .operations
            .values()
            .find_map(|op| op.starts_flow.as_ref().map(|flow| (op, flow)))
            .ok_or_else(|| unsupported("no operation starts a flow (a session)"))?;
        let session_member = flow.id.clone();
        let sessions = path_of(&parse(&create.url)?)?;

        let link = spec
            .links
            .values()
            .next()
            .ok_or_else(|| unsupported("no link to send the person to"))?;
        let link = parse(&link.url)?;
        let start_param = link
            .query
            .iter()
            .find(|(_, part)| matches!(part, Part::Param(_)))
            .map(|(key, _)| key.clone())
            .ok_or_else(|| unsupported("the link names no session parameter"))?;
        let start = path_of(&link)?;

        let (identity_op, api_key_header) = identity_operation(spec)
            .ok_or_else(|| unsupported("no GET operation with an API key names an identity"))?;
        let identity = path_of(&parse(&identity_op.url)?)?;
        let proof = identity.child(PROOF_SEGMENT);

        let webhook = spec
            .webhooks
            .values()
            .find(|w| w.correlate == session_member)
            .or_else(|| spec.webhooks.values().next())
            .map(|w| WebhookPlan {
                correlate: w.correlate.clone(),
                retries: w.retries,
                interval: Duration::from_secs(w.retry_interval.map_or(0, |d| d.seconds)),
            })
            .ok_or_else(|| unsupported("no webhook reports the end of a session"))?;

        let config = Self {
            urls,
            token,
            client_auth,
            sessions,
            session_body: create
                .body
                .as_ref()
                .map(|body| body.keys().cloned().collect())
                .unwrap_or_default(),
            session_member,
            session_lifetime: Duration::from_secs(flow.expires.seconds),
            start,
            start_param,
            identity,
            proof,
            api_key_header,
            webhook,
        };
        config.check_routes()?;
        Ok(config)
    }

    /// Two operations on different hosts may share a path, but the sandbox has one
    /// host; axum would panic on the duplicate route, so the spec is refused first.
    fn check_routes(&self) -> Result<(), StartError> {
        let routes = [
            &self.token,
            &self.sessions,
            &self.start,
            &self.identity,
            &self.proof,
        ];
        let mut seen = std::collections::HashSet::new();
        for path in routes {
            if !seen.insert(path.route()) {
                return Err(StartError::Unsupported(format!(
                    "rest spec: two endpoints share the path {}",
                    path.route()
                )));
            }
        }
        if self.identity.params() != 1 {
            return Err(StartError::Unsupported(
                "rest spec: the identity's URL names exactly one parameter".to_owned(),
            ));
        }
        if [&self.token, &self.sessions, &self.start]
            .iter()
            .any(|path| path.params() != 0)
        {
            return Err(StartError::Unsupported(
                "rest spec: the token, session and start URLs name no parameter".to_owned(),
            ));
        }
        Ok(())
    }
}

/// The GET operation authenticated with an API key whose path names one parameter
/// (IPA's `get_identity`), with the key's header.
fn identity_operation(spec: &Spec) -> Option<(&OperationSpec, String)> {
    spec.operations.values().find_map(|op| {
        let header = op
            .auth
            .as_ref()
            .and_then(|name| spec.auth.get(name))
            .and_then(|scheme| scheme.api_key.as_ref())?
            .header
            .clone();
        let template = Template::parse(&op.url).ok()?;
        let one_param = template
            .path
            .iter()
            .filter(|part| matches!(part, Part::Param(_)))
            .count()
            == 1;
        (op.method == OperationMethod::Get && one_param && op.response.json.is_some())
            .then_some((op, header))
    })
}
