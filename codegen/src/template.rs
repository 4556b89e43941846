//! URL templates of REST operations and links: `{base}/path/{param}?key={param}`.
//!
//! A template is parsed here, once, when the spec is validated; the generator emits
//! the parsed form, so the runtime never parses a template and a value can never
//! change a URL's shape (each is one percent-encoded segment or query value).

/// A parsed URL template.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Template {
    /// The name in the leading `{...}`: an environment URL or a `url` parameter.
    pub base: String,
    /// The path segments after the base.
    pub path: Vec<Part>,
    /// The query pairs.
    pub query: Vec<(String, Part)>,
}

/// A path segment or query value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    /// Literal text.
    Literal(String),
    /// The value of a parameter.
    Param(String),
}

impl Template {
    /// Parses `text`, or says what is wrong with it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let rest = text.strip_prefix('{').ok_or(
            "a URL template starts with `{name}`, an environment URL or a `url` parameter",
        )?;
        let (base, rest) = rest
            .split_once('}')
            .ok_or("the template's leading `{` is not closed")?;
        check_name(base)?;
        let (path, query) = match rest.split_once('?') {
            Some((path, query)) => (path, Some(query)),
            None => (rest, None),
        };
        let mut template = Template {
            base: base.to_owned(),
            path: Vec::new(),
            query: Vec::new(),
        };
        if !path.is_empty() {
            let segments = path
                .strip_prefix('/')
                .ok_or("the path after the base starts with `/`")?;
            for segment in segments.split('/') {
                template.path.push(part(segment)?);
            }
        }
        if let Some(query) = query {
            for pair in query.split('&') {
                let (key, value) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("query pair `{pair}` has no `=`"))?;
                if key.is_empty() || key.contains(['{', '}', '#']) {
                    return Err(format!("query key `{key}` must be literal text"));
                }
                template.query.push((key.to_owned(), part(value)?));
            }
        }
        Ok(template)
    }

    /// Every parameter the template names after its base, in order.
    pub fn params(&self) -> impl Iterator<Item = &str> {
        self.path
            .iter()
            .chain(self.query.iter().map(|(_, part)| part))
            .filter_map(|part| match part {
                Part::Param(name) => Some(name.as_str()),
                Part::Literal(_) => None,
            })
    }
}

fn part(text: &str) -> Result<Part, String> {
    if let Some(name) = text.strip_prefix('{').and_then(|t| t.strip_suffix('}')) {
        check_name(name)?;
        return Ok(Part::Param(name.to_owned()));
    }
    if text.is_empty() {
        return Err("a template has no empty path segments or values".to_owned());
    }
    if text.contains(['{', '}', '?', '#', '&', '=']) || text == "." || text == ".." {
        return Err(format!(
            "`{text}` is neither literal text nor one whole `{{parameter}}`"
        ));
    }
    Ok(Part::Literal(text.to_owned()))
}

fn check_name(name: &str) -> Result<(), String> {
    let valid = name.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if valid {
        Ok(())
    } else {
        Err(format!("`{{{name}}}` is not a snake_case name"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_base_path_and_query() {
        let template = Template::parse("{idv_url}/gips/v1/identities/{id}").unwrap();
        assert_eq!(template.base, "idv_url");
        assert_eq!(
            template.path,
            [
                Part::Literal("gips".into()),
                Part::Literal("v1".into()),
                Part::Literal("identities".into()),
                Part::Param("id".into())
            ]
        );
        let link = Template::parse("{ipa_start_url}?session-id={session_id}").unwrap();
        assert!(link.path.is_empty());
        assert_eq!(
            link.query,
            [("session-id".into(), Part::Param("session_id".into()))]
        );
        assert_eq!(link.params().collect::<Vec<_>>(), ["session_id"]);
        assert_eq!(Template::parse("{proof_url}").unwrap().base, "proof_url");
    }

    #[test]
    fn refuses_what_could_change_a_urls_shape() {
        for bad in [
            "https://example.com/{id}",
            "{base}/a{id}",
            "{base}/{id}.json",
            "{base}//x",
            "{base}/../x",
            "{base}x",
            "{base}?q",
            "{Base}/x",
            "{base",
        ] {
            assert!(Template::parse(bad).is_err(), "{bad}");
        }
    }
}
