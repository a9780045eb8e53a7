//! One SQLite statement run through SQLite's C API on a connection sqlx hands over
//! (`SqliteConnection::lock_handle`), its text parameters bound without copying.
//!
//! Why: sqlx copies every bound string twice (into its own arguments for its worker thread,
//! then SQLite copies it again) and frees both after; for a sync's upsert that was half of all
//! the instructions spent (measured with callgrind). Here a row's strings are bound as
//! pointers into the caller's data (`SQLITE_STATIC`), valid for exactly one
//! [`Statement::execute`], which clears the bindings before it returns, so no pointer outlives
//! the data it points into. Everything runs inside whatever transaction the connection is in.

use std::{ffi::CStr, marker::PhantomData, ptr::NonNull};

use libsqlite3_sys as ffi;
use sqlx::sqlite::LockedSqliteHandle;

use crate::{Error, Result};

/// One value of a row written: bound to a SQLite parameter here, or a field of the Postgres
/// `COPY` of a sync's new rows (`backend.rs`).
#[derive(Clone, Copy)]
pub(super) enum Value<'v> {
    /// Text, bound as a pointer to the caller's bytes (not copied).
    Text(&'v str),
    /// An integer (booleans as 0 and 1, as sqlx binds them).
    Int(i64),
    /// SQL `NULL`.
    Null,
}

impl<'v> From<&'v str> for Value<'v> {
    fn from(text: &'v str) -> Self {
        Value::Text(text)
    }
}

impl<'v> From<Option<&'v str>> for Value<'v> {
    fn from(text: Option<&'v str>) -> Self {
        text.map_or(Value::Null, Value::Text)
    }
}

impl From<i64> for Value<'_> {
    fn from(n: i64) -> Self {
        Value::Int(n)
    }
}

impl From<Option<i64>> for Value<'_> {
    fn from(n: Option<i64>) -> Self {
        n.map_or(Value::Null, Value::Int)
    }
}

impl From<bool> for Value<'_> {
    fn from(b: bool) -> Self {
        Value::Int(i64::from(b))
    }
}

/// A prepared statement of a connection locked out of sqlx's worker; finalized on drop, and
/// it cannot outlive the lock (it borrows it).
pub(super) struct Statement<'h> {
    db: NonNull<ffi::sqlite3>,
    raw: NonNull<ffi::sqlite3_stmt>,
    parameters: usize,
    _lock: PhantomData<&'h mut ()>,
}

impl<'h> Statement<'h> {
    /// Prepares `sql` (one statement) on the locked connection.
    pub(super) fn prepare(handle: &'h mut LockedSqliteHandle<'_>, sql: &str) -> Result<Self> {
        let db = handle.as_raw_handle();
        let length = i32::try_from(sql.len()).map_err(|_| Error::Internal)?;
        let mut raw = std::ptr::null_mut();
        // SAFETY: `db` is an open connection no other thread uses while the lock is held;
        // `sql` is valid for `length` bytes during the call; `raw` receives the statement.
        let code = unsafe {
            ffi::sqlite3_prepare_v3(db.as_ptr(), sql.as_ptr().cast(), length, 0, &mut raw, std::ptr::null_mut())
        };
        if code != ffi::SQLITE_OK {
            return Err(failed(db, code, "prepare"));
        }
        let raw = NonNull::new(raw).ok_or(Error::Internal)?; // null: `sql` held no statement
                                                             // SAFETY: `raw` is a statement just prepared.
        let parameters = usize::try_from(unsafe { ffi::sqlite3_bind_parameter_count(raw.as_ptr()) }).unwrap_or(0);
        Ok(Self { db, raw, parameters, _lock: PhantomData })
    }

    /// Binds `values` to the statement's parameters in order (as many as it has), runs it to
    /// completion and clears the bindings, so the statement keeps no pointer into `values`.
    pub(super) fn execute(&mut self, values: &[Value<'_>]) -> Result<()> {
        if values.len() != self.parameters {
            tracing::error!(expected = self.parameters, given = values.len(), "wrong number of SQLite parameters");
            return Err(Error::Internal);
        }
        let outcome = self.bind(values).and_then(|()| self.step());
        // SAFETY: `raw` is a live statement; reset ends its run, clearing drops every pointer
        // bound above. Reset repeats the step's error code, already reported.
        unsafe {
            ffi::sqlite3_reset(self.raw.as_ptr());
            ffi::sqlite3_clear_bindings(self.raw.as_ptr());
        }
        outcome
    }

    fn bind(&mut self, values: &[Value<'_>]) -> Result<()> {
        let stmt = self.raw.as_ptr();
        for (i, value) in values.iter().enumerate() {
            let index = i32::try_from(i + 1).map_err(|_| Error::Internal)?;
            // SAFETY: `stmt` is a live statement and `index` one of its parameters. Text is
            // bound `SQLITE_STATIC`: SQLite reads it in place until the bindings are cleared,
            // which `execute` does before `values` (borrowed for the call) can go away.
            let code = unsafe {
                match *value {
                    Value::Text(text) => ffi::sqlite3_bind_text64(
                        stmt,
                        index,
                        text.as_ptr().cast(),
                        text.len() as u64,
                        ffi::SQLITE_STATIC(),
                        ffi::SQLITE_UTF8 as u8,
                    ),
                    Value::Int(n) => ffi::sqlite3_bind_int64(stmt, index, n),
                    Value::Null => ffi::sqlite3_bind_null(stmt, index),
                }
            };
            if code != ffi::SQLITE_OK {
                return Err(failed(self.db, code, "bind"));
            }
        }
        Ok(())
    }

    fn step(&mut self) -> Result<()> {
        // SAFETY: `raw` is a live statement with every parameter bound.
        match unsafe { ffi::sqlite3_step(self.raw.as_ptr()) } {
            ffi::SQLITE_DONE | ffi::SQLITE_ROW => Ok(()),
            code => Err(failed(self.db, code, "step")),
        }
    }
}

impl Drop for Statement<'_> {
    fn drop(&mut self) {
        // SAFETY: `raw` was prepared on this connection, which is still locked (borrowed).
        unsafe { ffi::sqlite3_finalize(self.raw.as_ptr()) };
    }
}

/// Logs SQLite's message for a failed call; the caller sees an internal error (a constraint
/// broken here is a bug of ours: the rows are checked before they are written).
fn failed(db: NonNull<ffi::sqlite3>, code: i32, call: &str) -> Error {
    // SAFETY: `db` is an open connection; its message is valid until the next call on it.
    let message = unsafe { CStr::from_ptr(ffi::sqlite3_errmsg(db.as_ptr())) }.to_string_lossy().into_owned();
    tracing::error!(code, call, message, "SQLite statement failed");
    Error::Internal
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn connection() -> sqlx::SqliteConnection {
        use sqlx::Connection;
        let mut conn = sqlx::SqliteConnection::connect("sqlite::memory:").await.unwrap();
        sqlx::query("CREATE TABLE t (id TEXT PRIMARY KEY, note TEXT NOT NULL, n BIGINT, flag BOOLEAN)")
            .execute(&mut conn)
            .await
            .unwrap();
        conn
    }

    #[tokio::test]
    async fn text_is_stored_byte_for_byte_and_each_run_binds_its_own_row() {
        let mut conn = connection().await;
        // Held in Strings dropped right after their run: a pointer kept past it would show.
        let notes = ["Café «Zürich» 'quoted' \"twice\"", "with\0nul inside", "", "🦀 emoji"];
        {
            let mut handle = conn.lock_handle().await.unwrap();
            let mut insert = Statement::prepare(&mut handle, "INSERT INTO t VALUES (?, ?, ?, ?)").unwrap();
            for (i, note) in notes.iter().enumerate() {
                let (id, note) = (format!("id{i}"), note.to_string());
                insert
                    .execute(&[id.as_str().into(), note.as_str().into(), Some(i as i64).into(), (i % 2 == 0).into()])
                    .unwrap();
            }
            insert.execute(&["none".into(), "x".into(), Option::<i64>::None.into(), false.into()]).unwrap();
        }
        let rows: Vec<(String, String, Option<i64>, bool)> =
            sqlx::query_as("SELECT id, note, n, flag FROM t ORDER BY id").fetch_all(&mut conn).await.unwrap();
        let expected: Vec<(String, String, Option<i64>, bool)> = notes
            .iter()
            .enumerate()
            .map(|(i, note)| (format!("id{i}"), note.to_string(), Some(i as i64), i % 2 == 0))
            .chain([("none".into(), "x".into(), None, false)])
            .collect();
        assert_eq!(rows, expected);
    }

    #[tokio::test]
    async fn a_failed_run_is_an_error_and_the_statement_runs_again_after_it() {
        let mut conn = connection().await;
        {
            let mut handle = conn.lock_handle().await.unwrap();
            let mut insert = Statement::prepare(&mut handle, "INSERT INTO t VALUES (?, ?, ?, ?)").unwrap();
            insert.execute(&["a".into(), "first".into(), 1i64.into(), true.into()]).unwrap();
            // The same id again, a NULL where NULL is refused, and a row too short: each refused.
            assert!(insert.execute(&["a".into(), "again".into(), 2i64.into(), true.into()]).is_err());
            assert!(insert.execute(&["b".into(), Value::Null, 2i64.into(), true.into()]).is_err());
            assert!(insert.execute(&["c".into(), "short".into()]).is_err());
            insert.execute(&["d".into(), "after".into(), 4i64.into(), false.into()]).unwrap();
            drop(insert);
            assert!(Statement::prepare(&mut handle, "INSERT INTO missing VALUES (?)").is_err());
        }
        let ids: Vec<(String, String)> =
            sqlx::query_as("SELECT id, note FROM t ORDER BY id").fetch_all(&mut conn).await.unwrap();
        assert_eq!(ids, [("a".to_string(), "first".to_string()), ("d".to_string(), "after".to_string())]);
    }
}
