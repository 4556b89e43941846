//! The `Claim` enum (every documented claim, for metadata maps and claim requests)
//! and the typed `claims` request parameter built from it.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Context;
use crate::ident;
use crate::model::ClaimTarget;
use crate::names;

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let spec = cx.spec;
    if spec.claims.is_empty() {
        return TokenStream::new();
    }
    let mut variants = Vec::new();
    let mut docs = Vec::new();
    let mut wires = Vec::new();
    for (wire, claim) in &spec.claims {
        variants.push(format_ident!(
            "{}",
            ident::pascal(&names::claim(wire, claim))
        ));
        let mut doc = format!("`{wire}`");
        if let Some(text) = &claim.doc {
            // The first sentence: the full text is on the claims structs' fields.
            let first = text.trim().split("\n\n").next().unwrap_or_default();
            doc.push_str(": ");
            doc.push_str(first);
        }
        if claim.delivered_in == [ClaimTarget::IdToken] {
            doc.push_str("\n\nDelivered in the ID token only.");
        } else if claim.delivered_in == [ClaimTarget::Userinfo] {
            doc.push_str("\n\nDelivered from userinfo only.");
        }
        docs.push(super::doc_attr(Some(&doc)));
        wires.push(wire.as_str());
    }
    let name = &spec.name;
    let enum_doc = format!(
        " Every claim {name} documents, by a readable Rust name.\n\n It keys metadata about other claims and names the claims of a `claims` request:\n a claim that is not documented has no variant, so it cannot be asked for by\n mistake. `ClaimName::from_wire` maps a wire name back."
    );
    let enum_doc = super::doc_lines(&enum_doc);
    let request = claims_request(cx);
    quote! {
        #enum_doc
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum Claim {
            #( #docs #variants, )*
        }

        impl Claim {
            /// Every documented claim.
            pub const ALL: &'static [Claim] = &[#(Claim::#variants),*];

            /// The claim's wire name.
            pub fn as_str(self) -> &'static str {
                match self {
                    #( Claim::#variants => #wires, )*
                }
            }
        }

        impl #rt::ClaimName for Claim {
            fn from_wire(wire: &str) -> Option<Self> {
                match wire {
                    #( #wires => Some(Claim::#variants), )*
                    _ => None,
                }
            }

            fn as_wire(self) -> &'static str {
                self.as_str()
            }
        }

        impl ::std::fmt::Display for Claim {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        #request
    }
}

/// The typed `claims` parameter, when the provider accepts it.
fn claims_request(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    if cx.spec.claims_parameter.is_none() {
        return TokenStream::new();
    }
    quote! {
        /// The `claims` request parameter (OpenID Connect Core 5.5): which documented
        /// claims to deliver in the ID token and which from userinfo, and how much
        /// each is needed. Pass it to `AuthorizationRequest::claims`, for example
        /// `ClaimsRequest::new().id_token(Claim::Sub, ClaimRequest::Essential)` with
        /// the runtime's `ClaimRequest`.
        #[derive(Clone, Debug, Default, PartialEq)]
        #[must_use = "a claims request does nothing until passed to `AuthorizationRequest::claims`"]
        pub struct ClaimsRequest {
            request: #rt::ClaimsRequest,
        }

        impl ClaimsRequest {
            /// Asks for nothing yet.
            pub fn new() -> Self {
                Self::default()
            }

            /// Asks for `claim` in the ID token.
            pub fn id_token(mut self, claim: Claim, request: #rt::ClaimRequest) -> Self {
                self.request = self.request.id_token(claim.as_str(), request);
                self
            }

            /// Asks for `claim` from the userinfo endpoint.
            pub fn userinfo(mut self, claim: Claim, request: #rt::ClaimRequest) -> Self {
                self.request = self.request.userinfo(claim.as_str(), request);
                self
            }

            /// Asks for each of `claims` in the ID token, voluntarily.
            pub fn id_token_claims(mut self, claims: impl IntoIterator<Item = Claim>) -> Self {
                for claim in claims {
                    self = self.id_token(claim, #rt::ClaimRequest::Voluntary);
                }
                self
            }

            /// Asks for each of `claims` from the userinfo endpoint, voluntarily.
            pub fn userinfo_claims(mut self, claims: impl IntoIterator<Item = Claim>) -> Self {
                for claim in claims {
                    self = self.userinfo(claim, #rt::ClaimRequest::Voluntary);
                }
                self
            }
        }

        impl From<ClaimsRequest> for #rt::ClaimsRequest {
            fn from(request: ClaimsRequest) -> Self {
                request.request
            }
        }
    }
}
