//! Layout-driven codec for MCI fixed-length frames.
