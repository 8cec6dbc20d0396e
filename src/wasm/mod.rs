//! The JavaScript face of the library: bindings that move data between JS and the core,
//! and (in `client`) the fetch transport. No protocol logic lives here.

mod alloc;
pub mod client;
pub mod errors;
pub mod functions;
pub mod input;
mod redact;
pub mod transport;
