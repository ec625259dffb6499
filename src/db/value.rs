//! Baton's own values, rows' cells and database errors: what the concepts bind and read, on
//! either engine. Both engines store what SQLite's value model holds (null, integer, real,
//! text, blob; the team schema keeps `BIGINT` and `TEXT`); each engine's module turns its own
//! values and errors into these, so that no engine's types reach the concepts, and the same
//! failure is the same error on both.

use std::fmt;

/// A value as stored.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Integer(i64),
    Real(f64),
    Text(String),
    Blob(Vec<u8>),
}

/// A value as stored, borrowed from a row or from what is bound.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum ValueRef<'a> {
    Null,
    Integer(i64),
    Real(f64),
    Text(&'a str),
    Blob(&'a [u8]),
}

impl Value {
    pub(crate) fn as_ref(&self) -> ValueRef<'_> {
        match self {
            Value::Null => ValueRef::Null,
            Value::Integer(i) => ValueRef::Integer(*i),
            Value::Real(f) => ValueRef::Real(*f),
            Value::Text(s) => ValueRef::Text(s),
            Value::Blob(b) => ValueRef::Blob(b),
        }
    }
}

impl<'a> ValueRef<'a> {
    pub(crate) fn to_owned(self) -> Value {
        match self {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(i) => Value::Integer(i),
            ValueRef::Real(f) => Value::Real(f),
            ValueRef::Text(s) => Value::Text(s.to_string()),
            ValueRef::Blob(b) => Value::Blob(b.to_vec()),
        }
    }

    /// What sort of value this is, in SQLite's words.
    pub(crate) fn type_name(self) -> &'static str {
        match self {
            ValueRef::Null => "Null",
            ValueRef::Integer(_) => "Integer",
            ValueRef::Real(_) => "Real",
            ValueRef::Text(_) => "Text",
            ValueRef::Blob(_) => "Blob",
        }
    }

    /// The text, or why there is none.
    pub(crate) fn as_str(self) -> Result<&'a str, ValueError> {
        match self {
            ValueRef::Text(s) => Ok(s),
            other => Err(ValueError::WrongType(other.type_name())),
        }
    }
}

/// A value to bind: borrowed from what is bound, or made for the statement.
pub(crate) enum Bound<'a> {
    Ref(ValueRef<'a>),
    Owned(Value),
}

/// Why a cell cannot be read as the type asked for, or a value cannot be bound.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum ValueError {
    /// The cell holds another sort of value (its name).
    WrongType(&'static str),
    /// An integer that does not fit the type.
    OutOfRange(i64),
    /// What the type says is wrong with the value.
    Invalid(String),
}

impl fmt::Display for ValueError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ValueError::WrongType(found) => write!(f, "Invalid type {found}"),
            ValueError::OutOfRange(i) => write!(f, "Integer {i} out of range"),
            ValueError::Invalid(why) => f.write_str(why),
        }
    }
}

/// What can be bound to a placeholder.
pub(crate) trait ToValue {
    fn to_value(&self) -> Result<Bound<'_>, ValueError>;
}

/// What a cell can be read as.
pub(crate) trait FromValue: Sized {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError>;
}

impl<T: ToValue + ?Sized> ToValue for &T {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        (**self).to_value()
    }
}

impl<T: ToValue> ToValue for Option<T> {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        match self {
            Some(v) => v.to_value(),
            None => Ok(Bound::Ref(ValueRef::Null)),
        }
    }
}

impl<T: FromValue> FromValue for Option<T> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
        match v {
            ValueRef::Null => Ok(None),
            v => T::from_value(v).map(Some),
        }
    }
}

impl ToValue for Value {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(self.as_ref()))
    }
}

impl FromValue for Value {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
        Ok(v.to_owned())
    }
}

impl ToValue for str {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(ValueRef::Text(self)))
    }
}

impl ToValue for String {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(ValueRef::Text(self)))
    }
}

impl FromValue for String {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
        v.as_str().map(str::to_string)
    }
}

impl ToValue for [u8] {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(ValueRef::Blob(self)))
    }
}

impl ToValue for Vec<u8> {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(ValueRef::Blob(self)))
    }
}

impl FromValue for Vec<u8> {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
        match v {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            other => Err(ValueError::WrongType(other.type_name())),
        }
    }
}

impl ToValue for f64 {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(ValueRef::Real(*self)))
    }
}

impl FromValue for f64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
        match v {
            ValueRef::Real(f) => Ok(f),
            ValueRef::Integer(i) => Ok(i as f64),
            other => Err(ValueError::WrongType(other.type_name())),
        }
    }
}

impl ToValue for bool {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(ValueRef::Integer(i64::from(*self))))
    }
}

impl FromValue for bool {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
        i64::from_value(v).map(|i| i != 0)
    }
}

impl ToValue for i64 {
    fn to_value(&self) -> Result<Bound<'_>, ValueError> {
        Ok(Bound::Ref(ValueRef::Integer(*self)))
    }
}

impl FromValue for i64 {
    fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
        match v {
            ValueRef::Integer(i) => Ok(i),
            other => Err(ValueError::WrongType(other.type_name())),
        }
    }
}

/// Integers are stored as 64-bit; a wider one that does not fit is refused, not cut.
macro_rules! integers {
    ($($t:ty)*) => {$(
        impl ToValue for $t {
            fn to_value(&self) -> Result<Bound<'_>, ValueError> {
                i64::try_from(*self)
                    .map(|i| Bound::Ref(ValueRef::Integer(i)))
                    .map_err(|_| ValueError::Invalid(format!("{self} is too large to store")))
            }
        }

        impl FromValue for $t {
            fn from_value(v: ValueRef<'_>) -> Result<Self, ValueError> {
                let i = i64::from_value(v)?;
                <$t>::try_from(i).map_err(|_| ValueError::OutOfRange(i))
            }
        }
    )*};
}
integers!(i32 u32 u64 usize u16 u8);

/// A statement's values, in placeholder order, as `&[&dyn ToValue]`: `params![a, b]`.
macro_rules! params {
    () => { &[] as &[&dyn $crate::db::ToValue] };
    ($($v:expr),+ $(,)?) => { &[$(&$v as &dyn $crate::db::ToValue),+] as &[&dyn $crate::db::ToValue] };
}
pub(crate) use params;

/// What went wrong in the database, whichever engine it is: what it means for Baton, and the
/// engine's own words.
#[derive(Debug)]
pub struct DbError {
    what: Failure,
    message: String,
}

/// What a database failure means for Baton.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Failure {
    /// A query that reads one row found none.
    NoRows,
    /// A unique index refused a row (its name, where the engine says it).
    Unique,
    /// Another connection holds the workspace's write lock.
    Busy,
    /// The disk is full.
    DiskFull,
    /// The workspace file is damaged, or not a database at all.
    Damaged,
    /// A cell could not be read as asked, or a value bound.
    Value,
    /// Anything else.
    Other,
}

impl DbError {
    pub(crate) fn new(what: Failure, message: impl Into<String>) -> Self {
        DbError {
            what,
            message: message.into(),
        }
    }

    pub(crate) fn no_rows() -> Self {
        DbError::new(Failure::NoRows, "Query returned no rows")
    }

    /// Column `i`'s value could not be read as asked.
    pub(crate) fn column(i: usize, e: ValueError) -> Self {
        let message = match &e {
            ValueError::WrongType(found) => {
                format!("Invalid column type {found} at index: {i}, name: column {i}")
            }
            ValueError::OutOfRange(n) => format!("Integral value out of range at column {i}: {n}"),
            ValueError::Invalid(why) => {
                format!("Conversion error from type Text at index: {i}, {why}")
            }
        };
        DbError::new(Failure::Value, message)
    }

    /// What it means for Baton.
    pub(crate) fn what(&self) -> Failure {
        self.what
    }
}

impl fmt::Display for DbError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for DbError {}
