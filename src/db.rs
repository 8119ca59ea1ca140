//! The database: SQLite by default, Postgres when the URL says so, chosen at run time.
//!
//! Queries go through sqlx's `Any` driver with `$1`-style placeholders, which both backends accept.
//!
//! **Migrations.** Those in `migrations/` use SQL that means the same on both backends, and both
//! run them. A change that needs different SQL on each (CHECK constraints: Postgres adds them to a
//! table, SQLite cannot and uses triggers) is one file in `migrations/sqlite/` and one in
//! `migrations/postgres/`, with the same version and name, meaning the same. [`migrations`] merges
//! the common ones with the backend's own, in version order, into the one list that
//! [`connect`] runs; a version is in the common folder or in both backend folders, never in
//! both places (a test checks it).
//!
//! Enums are stored as their names (`as_str`) and decoded once, when a row is read: a column of
//! an enum of this crate decodes into it directly ([`text_columns!`]), the validator's `Kind` with
//! `#[sqlx(try_from = "Text<Kind>")]`. A stored name the enum does not know is a decode error that
//! names the column and the value (a `500` with that line in the log), never a default.

use sqlx::any::{AnyConnectOptions, AnyPoolOptions, AnyTypeInfo, AnyValueRef};
use sqlx::error::BoxDynError;
use sqlx::migrate::{MigrateError, Migration, MigrationSource, Migrator};
use sqlx::{Any, ConnectOptions, Decode, Executor, Type};
use std::future::Future;
use std::pin::Pin;
use std::str::FromStr;
use std::time::Duration;

/// The connection pool every service function takes.
pub type Pool = sqlx::AnyPool;

/// The migrations both backends run (`migrations/`), embedded in the binary.
static COMMON_MIGRATIONS: Migrator = sqlx::migrate!("./migrations");
/// The migrations only SQLite runs (`migrations/sqlite/`).
static SQLITE_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/sqlite");
/// The migrations only Postgres runs (`migrations/postgres/`).
static POSTGRES_MIGRATIONS: Migrator = sqlx::migrate!("./migrations/postgres");

/// The migrations `backend` runs: the common ones and its own, in version order.
pub fn migrations(backend: Backend) -> Vec<Migration> {
    let own = match backend {
        Backend::Sqlite => &SQLITE_MIGRATIONS,
        Backend::Postgres => &POSTGRES_MIGRATIONS,
    };
    let mut all: Vec<Migration> = COMMON_MIGRATIONS
        .iter()
        .chain(own.iter())
        .cloned()
        .collect();
    all.sort_by_key(|m| m.version);
    all
}

/// A list of migrations, as sqlx's migrator takes them.
#[derive(Debug)]
struct Listed(Vec<Migration>);

impl<'s> MigrationSource<'s> for Listed {
    fn resolve(
        self,
    ) -> Pin<Box<dyn Future<Output = Result<Vec<Migration>, BoxDynError>> + Send + 's>> {
        Box::pin(async move { Ok(self.0) })
    }
}

/// A migrator that runs `migrations` (in their order), such as [`migrations`] gives.
pub async fn migrator(migrations: Vec<Migration>) -> Result<Migrator, MigrateError> {
    Migrator::new(Listed(migrations)).await
}

/// Which database engine a URL points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// An embedded SQLite file.
    Sqlite,
    /// A Postgres server.
    Postgres,
}

impl Backend {
    /// The backend a `sqlite:` or `postgres://` URL selects.
    pub fn of_url(url: &str) -> Backend {
        if url.starts_with("sqlite:") {
            Backend::Sqlite
        } else {
            Backend::Postgres
        }
    }
}

/// Opens a pool on `url` and brings the schema up to date.
pub async fn connect(url: &str) -> Result<Pool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    let backend = Backend::of_url(url);
    let options = AnyConnectOptions::from_str(url)?.disable_statement_logging();
    let pool = AnyPoolOptions::new()
        .max_connections(match backend {
            Backend::Sqlite => 8,
            Backend::Postgres => 16,
        })
        .acquire_timeout(Duration::from_secs(10))
        // A Postgres connection may have been closed by the server, so it is checked before each
        // use. An SQLite connection lives in this process and cannot go stale, and checking it
        // cost a second round trip to its worker thread per query (a 1-byte download
        // went from 6,229 to 7,987 requests/s without it: wrk, 32 connections).
        .test_before_acquire(backend == Backend::Postgres)
        .after_connect(move |conn, _| {
            Box::pin(async move {
                if backend == Backend::Sqlite {
                    // Per connection: enforce foreign keys, wait for locks instead of failing,
                    // and read the file through a memory map (up to 1 GiB of it) instead of a
                    // system call and a copy per page: a search reads thousands of pages, and 8
                    // concurrent searches ran 35 to 70% more per second (scripts/bench-listings'
                    // query, 8 threads). The map shares the operating system's page cache.
                    conn.execute(
                        "PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000; PRAGMA synchronous = NORMAL; \
                         PRAGMA mmap_size = 1073741824;",
                    )
                    .await?;
                }
                Ok(())
            })
        })
        .connect_with(options)
        .await?;
    if backend == Backend::Sqlite {
        // Write-ahead logging lets readers and a writer work at once; it is a property of the file.
        pool.execute("PRAGMA journal_mode = WAL").await?;
    }
    migrator(migrations(backend)).await?.run(&pool).await?;
    Ok(pool)
}

impl Backend {
    /// The backend a pool is connected to.
    pub fn of_pool(pool: &Pool) -> Backend {
        Backend::of_url(pool.connect_options().database_url.as_str())
    }
}

/// A value bound to a [`Sql`] statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Int(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_string())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<i64> for Arg {
    fn from(number: i64) -> Arg {
        Arg::Int(number)
    }
}

/// A statement built from parts, numbering its `$n` placeholders as values are bound: each
/// combination of a listing's filters becomes its own statement, which the planner can answer
/// from an index (sqlx's `QueryBuilder` writes `?` placeholders for the Any driver, which Postgres
/// refuses).
#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    args: Vec<Arg>,
}

impl Sql {
    /// A statement starting with `text`.
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Sql {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder for `value`.
    pub fn bind(&mut self, value: impl Into<Arg>) -> &mut Sql {
        self.args.push(value.into());
        self.text.push_str(&format!("${}", self.args.len()));
        self
    }

    /// The statement's text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The statement as a query whose rows are read into `T`.
    pub fn query_as<'q, T>(
        &'q self,
    ) -> sqlx::query::QueryAs<'q, Any, T, sqlx::any::AnyArguments<'q>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        self.args
            .iter()
            .fold(sqlx::query_as(&self.text), |query, arg| match arg {
                Arg::Text(text) => query.bind(text.as_str()),
                Arg::Int(number) => query.bind(*number),
            })
    }

    /// The statement as a query of one value per row.
    pub fn query_scalar<'q, T>(
        &'q self,
    ) -> sqlx::query::QueryScalar<'q, Any, T, sqlx::any::AnyArguments<'q>>
    where
        (T,): for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        self.args
            .iter()
            .fold(sqlx::query_scalar(&self.text), |query, arg| match arg {
                Arg::Text(text) => query.bind(text.as_str()),
                Arg::Int(number) => query.bind(*number),
            })
    }
}

/// The current time in whole seconds since the Unix epoch, as stored in every `*_at` column.
pub fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or_default()
}

/// A new random identifier for a row: a UUIDv7, so that ids sort by creation time.
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Whether an error is a unique-constraint violation (the same meaning on both backends).
pub fn is_unique_violation(error: &sqlx::Error) -> bool {
    matches!(error, sqlx::Error::Database(e) if e.is_unique_violation())
}

/// A unique-constraint violation as the conflict `conflict` describes; any other error as itself.
pub fn conflict_on_unique(
    error: sqlx::Error,
    conflict: impl FnOnce() -> crate::error::AppError,
) -> crate::error::AppError {
    if is_unique_violation(&error) {
        conflict()
    } else {
        error.into()
    }
}

/// A text column read as `T` through its `FromStr`: an unknown value is a decode error, not a
/// default. Enums of this crate decode directly ([`text_columns!`]); this wrapper is for enums of
/// other crates, which cannot implement sqlx's traits here: `#[sqlx(try_from = "Text<Kind>")]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Text<T>(pub T);

impl<T> Type<Any> for Text<T> {
    fn type_info() -> AnyTypeInfo {
        <String as Type<Any>>::type_info()
    }

    fn compatible(ty: &AnyTypeInfo) -> bool {
        <String as Type<Any>>::compatible(ty)
    }
}

impl<'r, T: FromStr<Err = String>> Decode<'r, Any> for Text<T> {
    fn decode(value: AnyValueRef<'r>) -> Result<Self, BoxDynError> {
        let text = <String as Decode<'r, Any>>::decode(value)?;
        Ok(Text(text.parse()?))
    }
}

impl From<Text<crate::validate::Kind>> for crate::validate::Kind {
    fn from(text: Text<crate::validate::Kind>) -> Self {
        text.0
    }
}

/// Makes enums of this crate (with a `FromStr` whose error is a `String`, such as
/// `nanos_validate::enum_names!` gives) decodable from a text column: `pub channel: Channel` in a
/// `FromRow` struct. Encoding stays explicit: `.bind(channel.as_str())`.
macro_rules! text_columns {
    ($($type:ty),+ $(,)?) => {
        $(
            impl ::sqlx::Type<::sqlx::Any> for $type {
                fn type_info() -> ::sqlx::any::AnyTypeInfo {
                    <$crate::db::Text<$type> as ::sqlx::Type<::sqlx::Any>>::type_info()
                }

                fn compatible(ty: &::sqlx::any::AnyTypeInfo) -> bool {
                    <$crate::db::Text<$type> as ::sqlx::Type<::sqlx::Any>>::compatible(ty)
                }
            }

            impl<'r> ::sqlx::Decode<'r, ::sqlx::Any> for $type {
                fn decode(
                    value: ::sqlx::any::AnyValueRef<'r>,
                ) -> ::std::result::Result<Self, ::sqlx::error::BoxDynError> {
                    <$crate::db::Text<$type> as ::sqlx::Decode<'r, ::sqlx::Any>>::decode(value)
                        .map(|text| text.0)
                }
            }
        )+
    };
}
pub(crate) use text_columns;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statements_number_their_placeholders() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(1)
            .push(" AND b = ")
            .bind("x")
            .push(" AND c = ")
            .bind(2)
            .push(" LIMIT ")
            .bind(3);
        assert_eq!(
            sql.text(),
            "SELECT 1 WHERE a = $1 AND b = $2 AND c = $3 LIMIT $4"
        );
        assert_eq!(
            sql.args,
            [Arg::Int(1), Arg::from("x"), Arg::Int(2), Arg::Int(3)]
        );
    }

    #[test]
    fn each_version_is_common_or_in_both_backends() {
        let versions = |migrator: &Migrator| migrator.iter().map(|m| m.version).collect::<Vec<_>>();
        let (sqlite, postgres) = (versions(&SQLITE_MIGRATIONS), versions(&POSTGRES_MIGRATIONS));
        assert_eq!(
            sqlite, postgres,
            "every backend's own migration has its twin"
        );
        assert!(!sqlite.is_empty());
        for version in versions(&COMMON_MIGRATIONS) {
            assert!(
                !sqlite.contains(&version),
                "{version} is common and per backend"
            );
        }
        for backend in [Backend::Sqlite, Backend::Postgres] {
            let all = migrations(backend);
            assert!(all.windows(2).all(|w| w[0].version < w[1].version));
            assert_eq!(all.len(), COMMON_MIGRATIONS.iter().count() + sqlite.len());
        }
    }
}
