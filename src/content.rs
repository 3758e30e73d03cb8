//! The release content govgate serves: the ontology, the crosswalks and the schemas.
//! By default it is the bundle compiled into the binary (see `build.rs`), so a binary
//! always serves the release it was built with; `content_dir` swaps in files on disk.

use std::borrow::Cow;
use std::fs;
use std::path::{Path, PathBuf};

mod bundled {
    include!(concat!(env!("OUT_DIR"), "/bundled.rs"));
}

/// The ontology release this build carries, as a literal for `concat!`.
#[macro_export]
macro_rules! ontology_release {
    () => {
        "2026.1"
    };
}

/// The ontology release this build of govgate carries (`owl:versionInfo` of `ontology/core.ttl`).
pub const ONTOLOGY_RELEASE: &str = ontology_release!();

/// Top-level directories that hold release content.
pub const CONTENT_DIRS: &[&str] = &["ontology", "mappings", "schemas", "rules"];

/// One file of release content, named by its path relative to the content root.
#[derive(Debug, Clone)]
pub struct ContentFile {
    pub path: String,
    pub bytes: Cow<'static, [u8]>,
}

/// A complete set of release content files, sorted by path.
#[derive(Debug, Clone)]
pub struct Content {
    files: Vec<ContentFile>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ContentError {
    #[error("cannot read content directory `{path}`: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("content directory `{0}` has none of the directories ontology/, mappings/, schemas/, rules/")]
    Empty(PathBuf),
}

impl Content {
    /// The content compiled into this binary.
    pub fn bundled() -> Self {
        let files = bundled::FILES
            .iter()
            .map(|(path, bytes)| ContentFile { path: (*path).to_owned(), bytes: Cow::Borrowed(bytes) })
            .collect();
        Self { files }
    }

    /// The content below `root` (which holds `ontology/`, `mappings/`, `schemas/`).
    pub fn from_dir(root: &Path) -> Result<Self, ContentError> {
        let mut files = Vec::new();
        let mut found = false;
        for dir in CONTENT_DIRS {
            let dir = root.join(dir);
            if dir.is_dir() {
                found = true;
                read_tree(root, &dir, &mut files)?;
            }
        }
        if !found {
            return Err(ContentError::Empty(root.to_owned()));
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(Self { files })
    }

    /// Content made of the given (path, bytes) files, for tools and tests.
    pub fn from_files(files: impl IntoIterator<Item = (String, Vec<u8>)>) -> Self {
        let mut files: Vec<ContentFile> =
            files.into_iter().map(|(path, bytes)| ContentFile { path, bytes: Cow::Owned(bytes) }).collect();
        files.sort_by(|a, b| a.path.cmp(&b.path));
        Self { files }
    }

    /// Files whose path starts with `prefix` and ends with `suffix`.
    pub fn files<'a>(&'a self, prefix: &'a str, suffix: &'a str) -> impl Iterator<Item = &'a ContentFile> {
        self.files.iter().filter(move |f| f.path.starts_with(prefix) && f.path.ends_with(suffix))
    }

    /// One file by its exact path.
    pub fn get(&self, path: &str) -> Option<&ContentFile> {
        self.files.iter().find(|f| f.path == path)
    }
}

fn read_tree(root: &Path, dir: &Path, files: &mut Vec<ContentFile>) -> Result<(), ContentError> {
    let read_error = |source| ContentError::Read { path: dir.to_owned(), source };
    for entry in fs::read_dir(dir).map_err(read_error)? {
        let path = entry.map_err(read_error)?.path();
        if path.is_dir() {
            read_tree(root, &path, files)?;
        } else {
            let bytes = fs::read(&path).map_err(|source| ContentError::Read { path: path.clone(), source })?;
            let relative = path.strip_prefix(root).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            files.push(ContentFile { path: relative, bytes: Cow::Owned(bytes) });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_bundle_matches_the_source_tree() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let on_disk = Content::from_dir(root).expect("source tree has content");
        let bundled = Content::bundled();
        let paths = |c: &Content| c.files.iter().map(|f| f.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(&bundled), paths(&on_disk));
        for (a, b) in bundled.files.iter().zip(&on_disk.files) {
            assert!(a.bytes == b.bytes, "{} differs from the bundle: rebuild", a.path);
        }
    }
}
