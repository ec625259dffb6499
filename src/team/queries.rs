//! The statements a team workspace's set-up and status run on PostgreSQL.

use crate::error::Result;

/// The tables in the connection's schema.
pub(crate) fn tables(c: &mut postgres::Client) -> Result<Vec<String>> {
    Ok(c.query(
        "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
        &[],
    )
    .map_err(db)?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Each applied migration: (version, checksum).
pub(crate) fn applied(c: &mut postgres::Client) -> Result<Vec<(u32, String)>> {
    Ok(c.query(
        "SELECT version, checksum FROM schema_migrations ORDER BY version",
        &[],
    )
    .map_err(db)?
    .iter()
    .map(|r| (r.get::<_, i64>(0) as u32, r.get(1)))
    .collect())
}

/// The server's version string.
pub(crate) fn server_version(c: &mut postgres::Client) -> Result<String> {
    Ok(c.query_one("SHOW server_version", &[]).map_err(db)?.get(0))
}

/// Whether this session is encrypted (TLS), as the server sees it.
pub(crate) fn encrypted(c: &mut postgres::Client) -> Result<bool> {
    Ok(c.query_one(
        "SELECT COALESCE((SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()), false)",
        &[],
    )
    .map_err(db)?
    .get(0))
}

/// One round trip.
pub(crate) fn ping(c: &mut postgres::Client) -> Result<()> {
    c.query_one("SELECT 1", &[]).map_err(db)?;
    Ok(())
}

/// Says this laptop is here now, as `person`.
pub(crate) fn seen(
    c: &mut postgres::Client,
    host: &str,
    person: &str,
    baton: &str,
    at: &str,
) -> Result<()> {
    c.execute(
        "INSERT INTO laptops (host, person, baton, last_seen) VALUES ($1, $2, $3, $4)
         ON CONFLICT (host, person) DO UPDATE SET baton = excluded.baton, last_seen = excluded.last_seen",
        &[&host, &person, &baton, &at],
    )
    .map_err(db)?;
    Ok(())
}

/// Every laptop that said it is here: (host, person, Baton version, last seen), latest first.
pub(crate) fn laptops(c: &mut postgres::Client) -> Result<Vec<(String, String, String, String)>> {
    Ok(c.query(
        "SELECT host, person, baton, last_seen FROM laptops ORDER BY last_seen DESC, host",
        &[],
    )
    .map_err(db)?
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect())
}

/// A statement that failed on an open connection.
pub(crate) fn db(e: postgres::Error) -> crate::error::Error {
    match e.as_db_error() {
        Some(d) => {
            crate::error::Error::Conflict(format!("the team database said: {}", d.message()))
        }
        None => crate::error::Error::Unreachable(
            "the connection to the team database was lost; nothing was changed, try again".into(),
        ),
    }
}
