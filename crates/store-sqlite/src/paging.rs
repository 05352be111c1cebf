//! What the lists share: offsets, and checkpoint pages with their cursors (from the domain,
//! so every backend pages the same way).
//!
//! Every `LIMIT` and `OFFSET` is written `LIMIT +?n OFFSET +?n`, never with a bare parameter:
//! SQLite reads a bare bound `LIMIT` while planning the statement, so each new value
//! re-prepares the cached statement on its next step (parsing and planning it again, on every
//! page of every list). The unary plus makes it an expression the plan does not depend on.

pub(crate) use orgwarden_domain::paging::{
    checkpoint, id_after, limit_offset, seq_after, seq_checkpoint,
};

#[cfg(test)]
mod tests {
    use rusqlite::{params, Connection, StatementStatus};

    fn reprepares(conn: &Connection, sql: &str) -> i32 {
        for offset in 0..3_i64 {
            let mut stmt = conn.prepare_cached(sql).unwrap();
            let rows = stmt.query_map(params!["org_1", 50_i64, offset], |_| Ok(()));
            assert_eq!(rows.unwrap().count(), 0);
        }
        conn.prepare_cached(sql)
            .unwrap()
            .get_status(StatementStatus::RePrepare)
    }

    #[test]
    fn a_paged_statement_is_planned_once() {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::migrate::run(&mut conn).unwrap();
        let sql = "SELECT connection_id FROM organization_connections WHERE org_id = ?1
                   ORDER BY seq LIMIT +?2 OFFSET +?3";
        assert_eq!(reprepares(&conn, sql), 0);
        // Why the rule exists: the bare form is planned again whenever the values change.
        assert!(reprepares(&conn, &sql.replace("+?", "?")) > 0);
    }
}
