//! The RDF store: oxigraph's RocksDB-backed store in a data directory (durable), or an
//! in-memory store for tests and one-shot CLI runs. This module owns the named-graph
//! policy ([`graphs`]) and the versioned start-up loading of release content ([`load`]).

pub mod graphs;
pub mod lease;
pub mod load;
pub mod push;
pub mod remote;

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use oxigraph::model::{GraphNameRef, NamedNode, NamedOrBlankNode};
use oxigraph::store::StorageError;

pub use graphs::GraphKind;

/// Name of the lock file that keeps two govgate processes off one data directory.
const LOCK_FILE: &str = "govgate.lock";

/// A handle on the store; cheap to clone, shared by every part of the process.
#[derive(Clone)]
pub struct Store {
    inner: oxigraph::store::Store,
    location: Option<PathBuf>,
    /// Held for the life of the process: the OS releases it when the last clone drops.
    _lock: Option<Arc<File>>,
    views: Arc<Views>,
}

/// What is derived from the store's graph list and kept between requests: the public
/// dataset costs a store read per named graph, more than a small query itself. Every
/// write through [`Store::write`] moves `generation` on, which retires the cached view.
#[derive(Default)]
struct Views {
    generation: std::sync::atomic::AtomicU64,
    public: std::sync::Mutex<Option<PublicView>>,
}

struct PublicView {
    generation: u64,
    prefixes: Vec<String>,
    public: Vec<NamedNode>,
    everything: bool,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("data directory `{path}` is not writable: {source}")]
    Unwritable { path: PathBuf, source: std::io::Error },
    #[error("data directory `{0}` is in use by another govgate process")]
    Locked(PathBuf),
    #[error("cannot open the store in `{path}`: {source}")]
    Open { path: PathBuf, source: StorageError },
    #[error("store error: {0}")]
    Storage(#[from] StorageError),
    #[error("`{file}`: {message}")]
    Parse { file: String, message: String },
}

impl Store {
    /// Opens (creating if needed) the durable store in `dir`, refusing a directory that
    /// another govgate process holds.
    pub fn open(dir: &Path) -> Result<Self, StoreError> {
        let unwritable = |source| StoreError::Unwritable { path: dir.to_owned(), source };
        fs::create_dir_all(dir).map_err(unwritable)?;
        let lock =
            File::options().create(true).truncate(false).write(true).open(dir.join(LOCK_FILE)).map_err(unwritable)?;
        match lock.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(StoreError::Locked(dir.to_owned())),
            Err(TryLockError::Error(source)) => return Err(unwritable(source)),
        }
        #[cfg(feature = "rocksdb")]
        let inner = oxigraph::store::Store::open(dir.join("rdf"));
        // The fuzz targets build without RocksDB (it does not build under sanitizers).
        #[cfg(not(feature = "rocksdb"))]
        let inner = Err(StorageError::Other("this build has no durable store (the `rocksdb` feature is off)".into()));
        let inner = inner.map_err(|source| StoreError::Open { path: dir.to_owned(), source })?;
        Ok(Self { inner, location: Some(dir.to_owned()), _lock: Some(Arc::new(lock)), views: Arc::default() })
    }

    /// A fresh store that lives in memory only.
    pub fn in_memory() -> Result<Self, StoreError> {
        Ok(Self { inner: oxigraph::store::Store::new()?, location: None, _lock: None, views: Arc::default() })
    }

    /// Writes what the write-ahead log holds into the store's files (durable stores only).
    pub fn flush(&self) -> Result<(), StoreError> {
        #[cfg(feature = "rocksdb")]
        if self.location.is_some() {
            self.inner.flush()?;
        }
        Ok(())
    }

    /// The data directory, or `None` for an in-memory store.
    pub fn location(&self) -> Option<&Path> {
        self.location.as_deref()
    }

    /// The underlying oxigraph store, for reading. Writes to the main store go through
    /// [`Store::write`] (the exchange ledger, a store of its own that is never published,
    /// writes here directly).
    pub fn oxigraph(&self) -> &oxigraph::store::Store {
        &self.inner
    }

    /// Number of quads in one graph.
    pub fn graph_len(&self, kind: &GraphKind) -> Result<usize, StoreError> {
        let iri = kind.iri();
        let mut count = 0;
        for quad in self.inner.quads_for_pattern(None, None, None, Some(GraphNameRef::NamedNode(iri.as_ref()))) {
            quad?;
            count += 1;
        }
        Ok(count)
    }

    /// Whether a graph holds at least one quad.
    pub fn has_graph(&self, kind: &GraphKind) -> Result<bool, StoreError> {
        let iri = kind.iri();
        let graph = GraphNameRef::NamedNode(iri.as_ref());
        Ok(self.inner.quads_for_pattern(None, None, None, Some(graph)).next().transpose()?.is_some())
    }

    /// The named graphs govgate knows, with what they hold.
    pub fn graphs(&self) -> Result<Vec<(NamedNode, GraphKind)>, StoreError> {
        let mut graphs = Vec::new();
        for graph in self.inner.named_graphs() {
            if let NamedOrBlankNode::NamedNode(iri) = graph?
                && let Some(kind) = GraphKind::parse(iri.as_ref())
            {
                graphs.push((iri, kind));
            }
        }
        Ok(graphs)
    }

    /// Every named graph, govgate's or not.
    pub fn named_graphs(&self) -> Result<Vec<NamedOrBlankNode>, StoreError> {
        Ok(self.inner.named_graphs().collect::<Result<_, _>>()?)
    }

    /// The public dataset in one pass: the graphs the public may see (the ontology release,
    /// the mapping sets, and graphs whose IRI starts with one of `extra_prefixes`, published
    /// by an operator), and whether they are everything the store holds (no other named
    /// graph, an empty default graph). Public queries then run over the union of all
    /// graphs, which oxigraph reads with one index scan instead of one per graph.
    pub fn public_dataset(&self, extra_prefixes: &[String]) -> Result<(Vec<NamedNode>, bool), StoreError> {
        use std::sync::atomic::Ordering;
        // Read the generation first: a write that lands while the view is computed moves it
        // on, so the view is stored under the older number and recomputed next time.
        let generation = self.views.generation.load(Ordering::Acquire);
        {
            let cached = self.views.public.lock().unwrap_or_else(|e| e.into_inner());
            if let Some(view) = cached.as_ref().filter(|v| v.generation == generation && v.prefixes == extra_prefixes) {
                return Ok((view.public.clone(), view.everything));
            }
        }
        let (public, everything) = self.compute_public_dataset(extra_prefixes)?;
        *self.views.public.lock().unwrap_or_else(|e| e.into_inner()) =
            Some(PublicView { generation, prefixes: extra_prefixes.to_vec(), public: public.clone(), everything });
        Ok((public, everything))
    }

    /// Every write to the main store goes through here, so that views derived from the
    /// graph list (the public dataset) are recomputed after it. Reads use [`Store::oxigraph`].
    pub fn write<T>(&self, write: impl FnOnce(&oxigraph::store::Store) -> T) -> T {
        let result = write(&self.inner);
        self.views.generation.fetch_add(1, std::sync::atomic::Ordering::AcqRel);
        result
    }

    fn compute_public_dataset(&self, extra_prefixes: &[String]) -> Result<(Vec<NamedNode>, bool), StoreError> {
        let mut public = Vec::new();
        let mut everything = true;
        for graph in self.inner.named_graphs() {
            match graph? {
                NamedOrBlankNode::NamedNode(iri) if graphs::is_public_iri(iri.as_str(), extra_prefixes) => {
                    public.push(iri)
                }
                _ => everything = false,
            }
        }
        if everything
            && self.inner.quads_for_pattern(None, None, None, Some(GraphNameRef::DefaultGraph)).next().is_some()
        {
            everything = false;
        }
        Ok((public, everything))
    }

    /// The graphs the public may see (see [`Store::public_dataset`]).
    pub fn public_graphs(&self, extra_prefixes: &[String]) -> Result<Vec<NamedNode>, StoreError> {
        Ok(self.public_dataset(extra_prefixes)?.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_open_of_the_same_directory_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let first = Store::open(dir.path()).unwrap();
        let second = Store::open(dir.path());
        assert!(matches!(second, Err(StoreError::Locked(_))), "{:?}", second.err());
        drop(first);
        Store::open(dir.path()).expect("the lock goes with the first store");
    }
}
