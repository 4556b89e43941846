//! The sandbox's JOSE and error behaviour in itsme's shapes, as one test binary so
//! that the helpers in `support` are shared without dead code: request objects,
//! encrypted ID tokens and userinfo, the claims parameter, and errors at each endpoint.

mod claims_request;
mod encrypted_tokens;
mod endpoint_errors;
mod request_objects;
mod support;
