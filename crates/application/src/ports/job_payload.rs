//! A job's payload as it crosses the job store's port. The use cases hand the store a serde
//! value ([`Payload`]) and get back something to deserialize ([`StoredPayload`]); which format
//! the value is kept in (the database adapter writes JSON) is the store's business, and which
//! versions a worker can read is this layer's (`crate::jobs`). erased-serde is what lets a
//! trait object carry a serde value without naming a format (docs/adr/0007-job-queue.md).

use std::any::Any;
use std::fmt;
use std::sync::Arc;

use serde::{Serialize, Serializer};

/// A payload on its way to the store: any serde value, written in the store's format. Built by
/// [`crate::jobs::JobPayload::into_job`]; equal when it holds the same type and value.
#[derive(Clone)]
pub struct Payload(Arc<dyn Erased>);

impl Payload {
    pub fn new<T: Serialize + fmt::Debug + PartialEq + Send + Sync + 'static>(value: T) -> Self {
        Self(Arc::new(value))
    }
}

impl Serialize for Payload {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        erased_serde::serialize(&*self.0, serializer)
    }
}

impl fmt::Debug for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.debug().fmt(f)
    }
}

impl PartialEq for Payload {
    fn eq(&self, other: &Self) -> bool {
        self.0.equals(other.0.as_any())
    }
}

/// What [`Payload`] needs of the value it holds, as a trait object.
trait Erased: erased_serde::Serialize + Send + Sync {
    fn as_any(&self) -> &dyn Any;
    fn debug(&self) -> &dyn fmt::Debug;
    fn equals(&self, other: &dyn Any) -> bool;
}

impl<T: Serialize + fmt::Debug + PartialEq + Send + Sync + 'static> Erased for T {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn debug(&self) -> &dyn fmt::Debug {
        self
    }

    fn equals(&self, other: &dyn Any) -> bool {
        other.downcast_ref::<T>().is_some_and(|other| other == self)
    }
}

/// A payload as the store read it back, for a handler to decode (`crate::jobs::decode`).
pub trait StoredPayload: Send + Sync {
    /// A deserializer over the payload, for one reading of it (a handler may read it twice:
    /// the version first, then the fields).
    ///
    /// # Errors
    /// What is stored is not in the store's format at all: why, in words.
    fn deserializer(&self) -> Result<Box<dyn erased_serde::Deserializer<'_> + '_>, String>;
}
