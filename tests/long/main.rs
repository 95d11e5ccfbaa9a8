//! The long suites: an hour-long soak through the engine, randomized host torture through the
//! CLAP build, and state fuzzing of every saved field.

mod soak;
mod state_fuzz;
mod torture;
