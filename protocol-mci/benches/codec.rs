//! Codec benchmark (written next).

fn main() {}
