//! What the lists share: offsets, and checkpoint pages with their cursors (from the domain,
//! so every backend pages the same way).

pub(crate) use orgwarden_domain::paging::{
    checkpoint, id_after, limit_offset, seq_after, seq_checkpoint,
};
