//! Rust names from wire names: `mid_al3_any` → `MidAl3Any`, `enableManualInput` →
//! `enable_manual_input`, `http://itsme.services/v2/claim/BENationalNumber` →
//! `http_itsme_services_v2_claim_be_national_number` (which is why such names get a
//! `rust_name` in the spec).

/// Splits a wire name into lowercase words at separators and camelCase boundaries.
fn words(wire: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let chars: Vec<char> = wire.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if !c.is_ascii_alphanumeric() {
            if !current.is_empty() {
                words.push(std::mem::take(&mut current));
            }
            continue;
        }
        let boundary = c.is_ascii_uppercase()
            && !current.is_empty()
            && (chars[i - 1].is_ascii_lowercase()
                || chars[i - 1].is_ascii_digit()
                || chars.get(i + 1).is_some_and(|n| n.is_ascii_lowercase())
                    && chars[i - 1].is_ascii_uppercase());
        if boundary {
            words.push(std::mem::take(&mut current));
        }
        current.push(c.to_ascii_lowercase());
    }
    if !current.is_empty() {
        words.push(current);
    }
    words
}

/// A snake_case identifier for a field, function or module.
pub fn snake(wire: &str) -> String {
    let joined = words(wire).join("_");
    fix(joined, "value")
}

/// A PascalCase identifier for a type or variant.
pub fn pascal(wire: &str) -> String {
    let joined: String = words(wire)
        .iter()
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_ascii_uppercase().to_string() + chars.as_str(),
                None => String::new(),
            }
        })
        .collect();
    fix(joined, "Value")
}

/// A SCREAMING_SNAKE_CASE identifier for a constant.
pub fn screaming(wire: &str) -> String {
    snake(wire).to_ascii_uppercase()
}

fn fix(ident: String, empty: &str) -> String {
    let ident = if ident.is_empty() {
        empty.to_owned()
    } else if ident.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{ident}")
    } else {
        ident
    };
    if is_keyword(&ident) {
        format!("{ident}_")
    } else {
        ident
    }
}

/// Whether `ident` is a Rust keyword (strict or reserved) or `Self`-like name.
pub fn is_keyword(ident: &str) -> bool {
    matches!(
        ident,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

/// Whether a name written in a spec is usable as a snake_case Rust identifier.
pub fn is_snake_ident(ident: &str) -> bool {
    ident.starts_with(|c: char| c.is_ascii_lowercase())
        && ident
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        && !is_keyword(ident)
}

/// Whether a name written in a spec is usable as a PascalCase Rust identifier.
pub fn is_pascal_ident(ident: &str) -> bool {
    ident.starts_with(|c: char| c.is_ascii_uppercase())
        && ident.chars().all(|c| c.is_ascii_alphanumeric())
        && !is_keyword(ident)
}

/// Whether a name is usable as a SCREAMING_SNAKE_CASE constant.
pub fn is_screaming_ident(ident: &str) -> bool {
    ident.starts_with(|c: char| c.is_ascii_uppercase())
        && ident
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// The Levenshtein distance between two names, for "did you mean" hints.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous + usize::from(ca != *cb);
            previous = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(pascal("mid_al3_any"), "MidAl3Any");
        assert_eq!(snake("enableManualInput"), "enable_manual_input");
        assert_eq!(snake("BENationalNumber"), "be_national_number");
        assert_eq!(snake("IDIssuingCountry"), "id_issuing_country");
        assert_eq!(pascal("service:{code}"), "ServiceCode");
        assert_eq!(snake("type"), "type_");
        assert_eq!(pascal("1.0"), "V10");
        assert_eq!(
            snake("http://itsme.services/v2/claim/BENationalNumber"),
            "http_itsme_services_v2_claim_be_national_number"
        );
        assert_eq!(screaming("user_cancel"), "USER_CANCEL");
    }
}
