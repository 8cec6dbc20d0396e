//! The JavaScript face of the library: bindings that move data between JS and the core
//! (all through `boundary`), and (in `client`) the fetch transport. No protocol logic here.

pub mod boundary;
pub mod client;
pub mod errors;
pub mod functions;
mod redact;
pub mod request;
pub mod transport;
