//! The exchange's durable state, in a store of its own (`<data_dir>/exchange`): the inbox, the
//! outbox and the evidence chain. Every change to a message and the evidence entry that
//! records it are written in one transaction, so the log never misses a message and never
//! records one that was not stored.
//!
//! The evidence chain is an append-only list of entries; each entry's hash is the SHA-256 of
//! one line of text (see [`Entry::line`]) that includes the previous entry's hash, so an
//! altered, removed or inserted entry breaks every later hash. Anyone can recompute a hash
//! with `printf '%s' LINE | sha256sum`.

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use oxigraph::model::vocab::xsd;
use oxigraph::model::{GraphName, Literal, NamedNode, NamedOrBlankNodeRef, Quad, Term, TermRef};
use oxigraph::store::Transaction;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use super::envelope::{ChainHead, sha256_hex};
use crate::store::graphs::GraphKind;
use crate::store::{Store, StoreError};

const NS: &str = "https://w3id.org/govgate/exchange#";
const RECORDS: &str = "https://w3id.org/govgate/exchange/";
/// The hash an empty chain starts from.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("the exchange record of `{0}` is incomplete")]
    Corrupt(String),
}

impl From<oxigraph::store::StorageError> for LedgerError {
    fn from(e: oxigraph::store::StorageError) -> Self {
        LedgerError::Store(StoreError::from(e))
    }
}

/// Which way a message went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    fn as_str(self) -> &'static str {
        match self {
            Direction::In => "in",
            Direction::Out => "out",
        }
    }
}

/// Where a message stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Outbox: waiting for (another) delivery attempt.
    Pending,
    /// Outbox: the receiver's receipt was checked and stored.
    Delivered,
    /// Outbox: given up after the last attempt, or refused for good.
    Failed,
    /// Inbox: stored and receipted.
    Received,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Delivered => "delivered",
            State::Failed => "failed",
            State::Received => "received",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        Some(match text {
            "pending" => State::Pending,
            "delivered" => State::Delivered,
            "failed" => State::Failed,
            "received" => State::Received,
            _ => return None,
        })
    }
}

/// One message as the ledger holds it.
#[derive(Debug, Clone, Serialize)]
pub struct Record {
    pub direction: Direction,
    pub id: String,
    /// The other agency.
    pub peer: String,
    pub message_type: String,
    pub profile: String,
    pub state: State,
    pub attempts: u32,
    #[serde(skip_serializing_if = "Option::is_none", with = "time::serde::rfc3339::option")]
    pub next_attempt: Option<OffsetDateTime>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    #[serde(skip)]
    pub envelope: Vec<u8>,
    #[serde(skip)]
    pub signature: String,
    #[serde(skip)]
    pub receipt: Option<(Vec<u8>, String)>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub translated_to: Option<String>,
    #[serde(skip)]
    pub translation: Option<Vec<u8>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<serde_json::Value>,
}

/// One evidence entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: u64,
    pub prev: String,
    /// `sent-message`, `received-message`, `sent-receipt`, `received-receipt`.
    pub kind: String,
    pub message_id: String,
    pub party: String,
    /// SHA-256 of the exact bytes recorded (an envelope or a receipt).
    pub digest: String,
    pub at: String,
    /// The other gateway's chain head it attested in those bytes, `seq:hash`.
    pub peer_head: String,
    pub hash: String,
}

impl Entry {
    /// The text whose SHA-256 is the entry's hash.
    pub fn line(&self) -> String {
        format!(
            "govgate-evidence/1|{}|{}|{}|{}|{}|{}|{}|{}",
            self.seq, self.prev, self.kind, self.message_id, self.party, self.digest, self.at, self.peer_head
        )
    }

    pub fn computed_hash(&self) -> String {
        sha256_hex(self.line().as_bytes())
    }
}

/// Where a chain check failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("evidence entry {seq}: {reason}")]
pub struct ChainBreak {
    pub seq: u64,
    pub reason: String,
}

/// The exchange state of one gateway.
pub struct Ledger {
    store: Store,
    graph: NamedNode,
    /// One writer at a time, holding the chain head as last committed (read from the
    /// store once). Every append rewrites the stored head, and a key rewritten thousands of
    /// times is slow to read until RocksDB compacts its deleted versions away.
    writer: Mutex<Option<ChainHead>>,
    /// Commits since the last flush of RocksDB's in-memory table (see [`Ledger::committed`]).
    unflushed: AtomicU64,
    flushing: Arc<AtomicBool>,
}

/// Commits after which the in-memory table is written out. Every message adds a few
/// hundred index keys to RocksDB's skip list; past a few hundred thousand, each insert
/// is a chain of cache misses and a message costs milliseconds. Flushing keeps it small
/// (and keeps the write-ahead log a restart must replay short).
const FLUSH_EVERY: u64 = 512;

/// A message as both sides store it.
pub struct Message<'a> {
    pub id: &'a str,
    /// The other agency.
    pub peer: &'a str,
    pub message_type: &'a str,
    pub profile: &'a str,
    /// The exact envelope bytes and their detached signature.
    pub envelope: &'a [u8],
    pub signature: &'a str,
}

/// What a new entry records.
pub struct NewEntry<'a> {
    pub kind: &'a str,
    pub message_id: &'a str,
    pub party: &'a str,
    pub bytes: &'a [u8],
    pub peer_head: Option<&'a ChainHead>,
}

fn p(local: &str) -> NamedNode {
    NamedNode::new_unchecked(format!("{NS}{local}"))
}

fn text(value: &str) -> Literal {
    Literal::new_simple_literal(value)
}

fn integer(value: u64) -> Literal {
    Literal::new_typed_literal(value.to_string(), xsd::INTEGER)
}

fn timestamp(value: OffsetDateTime) -> Literal {
    Literal::new_typed_literal(value.format(&Rfc3339).unwrap_or_default(), xsd::DATE_TIME)
}

fn binary(value: &[u8]) -> Literal {
    Literal::new_typed_literal(B64.encode(value), xsd::BASE_64_BINARY)
}

/// Message ids and agency ids are restricted, so they are safe in record IRIs.
pub fn valid_id(id: &str) -> bool {
    (1..=128).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

impl Ledger {
    pub fn new(store: Store) -> Self {
        Self {
            store,
            graph: GraphKind::Exchange.iri(),
            writer: Mutex::new(None),
            unflushed: AtomicU64::new(0),
            flushing: Arc::default(),
        }
    }

    fn record_iri(direction: Direction, peer: &str, id: &str) -> NamedNode {
        NamedNode::new_unchecked(format!("{RECORDS}message/{}/{peer}/{id}", direction.as_str()))
    }

    fn entry_iri(seq: u64) -> NamedNode {
        NamedNode::new_unchecked(format!("{RECORDS}evidence/{seq}"))
    }

    fn head_iri() -> NamedNode {
        NamedNode::new_unchecked(format!("{RECORDS}evidence/head"))
    }

    fn graph_name(&self) -> GraphName {
        GraphName::NamedNode(self.graph.clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Option<ChainHead>> {
        self.writer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Called after each commit: every [`FLUSH_EVERY`] commits, one background thread
    /// flushes the store (writers go on meanwhile).
    fn committed(&self) {
        if self.unflushed.fetch_add(1, Ordering::Relaxed) + 1 < FLUSH_EVERY
            || self.flushing.swap(true, Ordering::AcqRel)
        {
            return;
        }
        self.unflushed.store(0, Ordering::Relaxed);
        let (store, flushing) = (self.store.clone(), self.flushing.clone());
        std::thread::spawn(move || {
            if let Err(e) = store.flush() {
                tracing::warn!(error = %e, "could not flush the exchange ledger");
            }
            flushing.store(false, Ordering::Release);
        });
    }

    /// The committed chain head, from the writer's cache (filled on first use).
    fn committed_head(&self, writer: &mut Option<ChainHead>) -> Result<ChainHead, LedgerError> {
        if writer.is_none() {
            *writer = Some(self.head()?);
        }
        Ok(writer.clone().unwrap_or_else(|| ChainHead { seq: 0, hash: GENESIS.to_owned() }))
    }

    // ---- reading --------------------------------------------------------------------

    fn values(
        &self,
        transaction: Option<&Transaction<'_>>,
        subject: &NamedNode,
        predicate: &str,
    ) -> Result<Vec<Term>, LedgerError> {
        let predicate = p(predicate);
        let graph = self.graph_name();
        let subject: NamedOrBlankNodeRef<'_> = subject.as_ref().into();
        let iter = match transaction {
            Some(t) => t.quads_for_pattern(Some(subject), Some(predicate.as_ref()), None, Some(graph.as_ref())),
            None => self.store.oxigraph().quads_for_pattern(
                Some(subject),
                Some(predicate.as_ref()),
                None,
                Some(graph.as_ref()),
            ),
        };
        let mut out = Vec::new();
        for quad in iter {
            out.push(quad?.object);
        }
        Ok(out)
    }

    fn value(
        &self,
        t: Option<&Transaction<'_>>,
        subject: &NamedNode,
        predicate: &str,
    ) -> Result<Option<String>, LedgerError> {
        Ok(self.values(t, subject, predicate)?.into_iter().next().map(|term| match term {
            Term::Literal(l) => l.value().to_owned(),
            other => other.to_string(),
        }))
    }

    /// The chain's last entry as stored (`GENESIS` at sequence 0 when empty).
    pub fn head(&self) -> Result<ChainHead, LedgerError> {
        let head = Self::head_iri();
        let seq = self.value(None, &head, "seq")?.and_then(|s| s.parse().ok()).unwrap_or(0);
        let hash = self.value(None, &head, "hash")?.unwrap_or_else(|| GENESIS.to_owned());
        Ok(ChainHead { seq, hash })
    }

    pub fn get(&self, direction: Direction, peer: &str, id: &str) -> Result<Option<Record>, LedgerError> {
        self.read_record(None, &Self::record_iri(direction, peer, id))
    }

    fn read_record(&self, t: Option<&Transaction<'_>>, iri: &NamedNode) -> Result<Option<Record>, LedgerError> {
        let Some(state) = self.value(t, iri, "state")? else { return Ok(None) };
        let corrupt = || LedgerError::Corrupt(iri.as_str().to_owned());
        let get = |name: &str| self.value(t, iri, name);
        let decode = |v: Option<String>| v.and_then(|v| B64.decode(v).ok());
        let receipt = match (decode(get("receipt")?), get("receiptSignature")?) {
            (Some(bytes), Some(signature)) => Some((bytes, signature)),
            _ => None,
        };
        Ok(Some(Record {
            direction: if get("direction")?.as_deref() == Some("in") { Direction::In } else { Direction::Out },
            id: get("messageId")?.ok_or_else(corrupt)?,
            peer: get("peer")?.ok_or_else(corrupt)?,
            message_type: get("type")?.unwrap_or_default(),
            profile: get("profile")?.unwrap_or_default(),
            state: State::parse(&state).ok_or_else(corrupt)?,
            attempts: get("attempts")?.and_then(|a| a.parse().ok()).unwrap_or(0),
            next_attempt: get("nextAttempt")?.and_then(|t| OffsetDateTime::parse(&t, &Rfc3339).ok()),
            last_error: get("lastError")?,
            envelope: decode(get("envelope")?).ok_or_else(corrupt)?,
            signature: get("signature")?.ok_or_else(corrupt)?,
            receipt,
            translated_to: get("translatedTo")?,
            translation: decode(get("translation")?),
            report: get("report")?.and_then(|r| serde_json::from_str(&r).ok()),
        }))
    }

    /// Every message in one direction, by id.
    pub fn list(&self, direction: Direction) -> Result<Vec<Record>, LedgerError> {
        let graph = self.graph_name();
        let mut records = Vec::new();
        let direction_literal = text(direction.as_str());
        for quad in self.store.oxigraph().quads_for_pattern(
            None,
            Some(p("direction").as_ref()),
            Some(TermRef::from(direction_literal.as_ref())),
            Some(graph.as_ref()),
        ) {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(iri) = quad?.subject
                && let Some(record) = self.read_record(None, &iri)?
            {
                records.push(record);
            }
        }
        records.sort_by(|a, b| a.id.cmp(&b.id));
        Ok(records)
    }

    /// Outbox messages due for an attempt at `now`, at most `limit`.
    pub fn due(&self, now: OffsetDateTime, limit: usize) -> Result<Vec<Record>, LedgerError> {
        let graph = self.graph_name();
        let pending = text(State::Pending.as_str());
        let mut due = Vec::new();
        for quad in self.store.oxigraph().quads_for_pattern(
            None,
            Some(p("state").as_ref()),
            Some(TermRef::from(pending.as_ref())),
            Some(graph.as_ref()),
        ) {
            if let oxigraph::model::NamedOrBlankNode::NamedNode(iri) = quad?.subject
                && let Some(record) = self.read_record(None, &iri)?
                && record.next_attempt.is_none_or(|t| t <= now)
            {
                due.push(record);
            }
        }
        due.sort_by_key(|r| r.next_attempt);
        due.truncate(limit);
        Ok(due)
    }

    // ---- writing --------------------------------------------------------------------

    fn set(
        &self,
        t: &mut Transaction<'_>,
        subject: &NamedNode,
        predicate: &str,
        value: impl Into<Term>,
    ) -> Result<(), LedgerError> {
        let predicate = p(predicate);
        let graph = self.graph_name();
        let old: Vec<Quad> = t
            .quads_for_pattern(Some(subject.as_ref().into()), Some(predicate.as_ref()), None, Some(graph.as_ref()))
            .collect::<Result<_, _>>()?;
        for quad in &old {
            t.remove(quad);
        }
        t.insert(&Quad::new(subject.clone(), predicate, value.into(), graph));
        Ok(())
    }

    fn clear(&self, t: &mut Transaction<'_>, subject: &NamedNode, predicate: &str) -> Result<(), LedgerError> {
        let predicate = p(predicate);
        let graph = self.graph_name();
        let old: Vec<Quad> = t
            .quads_for_pattern(Some(subject.as_ref().into()), Some(predicate.as_ref()), None, Some(graph.as_ref()))
            .collect::<Result<_, _>>()?;
        for quad in &old {
            t.remove(quad);
        }
        Ok(())
    }

    /// Appends an entry after `head` and moves `head` to it. The caller stores `head` in
    /// the writer's cache once the transaction commits.
    fn append(
        &self,
        t: &mut Transaction<'_>,
        head: &mut ChainHead,
        new: &NewEntry<'_>,
        at: OffsetDateTime,
    ) -> Result<ChainHead, LedgerError> {
        let mut entry = Entry {
            seq: head.seq + 1,
            prev: head.hash.clone(),
            kind: new.kind.to_owned(),
            message_id: new.message_id.to_owned(),
            party: new.party.to_owned(),
            digest: sha256_hex(new.bytes),
            at: at.format(&Rfc3339).unwrap_or_default(),
            peer_head: new.peer_head.map(|h| format!("{}:{}", h.seq, h.hash)).unwrap_or_default(),
            hash: String::new(),
        };
        entry.hash = entry.computed_hash();
        let iri = Self::entry_iri(entry.seq);
        for (predicate, value) in [
            ("seq", Term::from(integer(entry.seq))),
            ("prev", text(&entry.prev).into()),
            ("kind", text(&entry.kind).into()),
            ("messageId", text(&entry.message_id).into()),
            ("party", text(&entry.party).into()),
            ("digest", text(&entry.digest).into()),
            ("at", text(&entry.at).into()),
            ("peerHead", text(&entry.peer_head).into()),
            ("hash", text(&entry.hash).into()),
        ] {
            t.insert(&Quad::new(iri.clone(), p(predicate), value, self.graph_name()));
        }
        // The stored head: the known old values are removed, not looked up (see `writer`).
        let head_iri = Self::head_iri();
        if head.seq > 0 {
            t.remove(&Quad::new(head_iri.clone(), p("seq"), integer(head.seq), self.graph_name()));
            t.remove(&Quad::new(head_iri.clone(), p("hash"), text(&head.hash), self.graph_name()));
        }
        t.insert(&Quad::new(head_iri.clone(), p("seq"), integer(entry.seq), self.graph_name()));
        t.insert(&Quad::new(head_iri, p("hash"), text(&entry.hash), self.graph_name()));
        *head = ChainHead { seq: entry.seq, hash: entry.hash };
        Ok(head.clone())
    }

    fn write_record(
        &self,
        t: &mut Transaction<'_>,
        iri: &NamedNode,
        direction: Direction,
        message: &Message<'_>,
        state: State,
    ) -> Result<(), LedgerError> {
        let graph = self.graph_name();
        for (predicate, value) in [
            ("direction", Term::from(text(direction.as_str()))),
            ("messageId", text(message.id).into()),
            ("peer", text(message.peer).into()),
            ("type", text(message.message_type).into()),
            ("profile", text(message.profile).into()),
            ("envelope", binary(message.envelope).into()),
            ("signature", text(message.signature).into()),
            ("state", text(state.as_str()).into()),
            ("attempts", integer(0).into()),
        ] {
            t.insert(&Quad::new(iri.clone(), p(predicate), value, graph.clone()));
        }
        Ok(())
    }

    /// Puts a sealed message in the outbox with its evidence entry. `seal` receives the
    /// chain head to commit to and returns the envelope bytes and their signature.
    pub fn enqueue(
        &self,
        id: &str,
        to: &str,
        message_type: &str,
        profile: &str,
        seal: impl FnOnce(ChainHead) -> (Vec<u8>, String),
    ) -> Result<Record, LedgerError> {
        let mut writer = self.lock();
        let mut head = self.committed_head(&mut writer)?;
        let iri = Self::record_iri(Direction::Out, to, id);
        let mut t = self.store.oxigraph().start_transaction()?;
        let (envelope, signature) = seal(head.clone());
        let message = Message { id, peer: to, message_type, profile, envelope: &envelope, signature: &signature };
        self.write_record(&mut t, &iri, Direction::Out, &message, State::Pending)?;
        let now = OffsetDateTime::now_utc();
        self.set(&mut t, &iri, "nextAttempt", timestamp(now))?;
        let entry = NewEntry { kind: "sent-message", message_id: id, party: to, bytes: &envelope, peer_head: None };
        self.append(&mut t, &mut head, &entry, now)?;
        t.commit()?;
        *writer = Some(head);
        self.committed();
        drop(writer);
        self.get(Direction::Out, to, id)?.ok_or_else(|| LedgerError::Corrupt(iri.as_str().to_owned()))
    }

    /// What a receiver does with a verified envelope, in one transaction: a replay (same
    /// sender, id and bytes) gets the stored receipt back (`Ok(Received::Replay)`); the same
    /// id with other bytes is a conflict; a new message is stored, logged and receipted by
    /// `receipt`, which is given the chain head after the message's entry.
    pub fn receive(
        &self,
        message: &Message<'_>,
        sender_head: Option<&ChainHead>,
        processed: Processed,
        receipt: impl FnOnce(ChainHead) -> (Vec<u8>, String),
    ) -> Result<Received, LedgerError> {
        let (from, id, envelope) = (message.peer, message.id, message.envelope);
        let mut writer = self.lock();
        let mut chain = self.committed_head(&mut writer)?;
        let iri = Self::record_iri(Direction::In, from, id);
        let mut t = self.store.oxigraph().start_transaction()?;
        if let Some(existing) = self.read_record(Some(&t), &iri)? {
            return Ok(if existing.envelope == envelope {
                match existing.receipt {
                    Some((bytes, signature)) => Received::Replay { receipt: bytes, signature },
                    None => return Err(LedgerError::Corrupt(iri.as_str().to_owned())),
                }
            } else {
                Received::Conflict
            });
        }
        self.write_record(&mut t, &iri, Direction::In, message, State::Received)?;
        if let Some((target, bytes)) = &processed.translation {
            self.set(&mut t, &iri, "translatedTo", text(target))?;
            self.set(&mut t, &iri, "translation", binary(bytes))?;
        }
        if let Some(report) = &processed.report {
            self.set(&mut t, &iri, "report", text(&report.to_string()))?;
        }
        let now = OffsetDateTime::now_utc();
        let entry =
            NewEntry { kind: "received-message", message_id: id, party: from, bytes: envelope, peer_head: sender_head };
        let head = self.append(&mut t, &mut chain, &entry, now)?;
        let (receipt_bytes, receipt_signature) = receipt(head);
        self.set(&mut t, &iri, "receipt", binary(&receipt_bytes))?;
        self.set(&mut t, &iri, "receiptSignature", text(&receipt_signature))?;
        let entry =
            NewEntry { kind: "sent-receipt", message_id: id, party: from, bytes: &receipt_bytes, peer_head: None };
        self.append(&mut t, &mut chain, &entry, now)?;
        t.commit()?;
        *writer = Some(chain);
        self.committed();
        Ok(Received::New { receipt: receipt_bytes, signature: receipt_signature })
    }

    /// Records a checked receipt: the message is delivered.
    pub fn delivered(
        &self,
        to: &str,
        id: &str,
        receipt: &[u8],
        signature: &str,
        receiver_head: &ChainHead,
    ) -> Result<(), LedgerError> {
        let mut writer = self.lock();
        let mut head = self.committed_head(&mut writer)?;
        let iri = Self::record_iri(Direction::Out, to, id);
        let mut t = self.store.oxigraph().start_transaction()?;
        if self.value(Some(&t), &iri, "state")?.as_deref() == Some(State::Delivered.as_str()) {
            return Ok(()); // a late duplicate answer: the first receipt stands
        }
        self.set(&mut t, &iri, "state", text(State::Delivered.as_str()))?;
        self.set(&mut t, &iri, "receipt", binary(receipt))?;
        self.set(&mut t, &iri, "receiptSignature", text(signature))?;
        self.clear(&mut t, &iri, "nextAttempt")?;
        let entry = NewEntry {
            kind: "received-receipt",
            message_id: id,
            party: to,
            bytes: receipt,
            peer_head: Some(receiver_head),
        };
        self.append(&mut t, &mut head, &entry, OffsetDateTime::now_utc())?;
        t.commit()?;
        *writer = Some(head);
        self.committed();
        Ok(())
    }

    /// Records a failed attempt: another at `retry_at`, or none (failed for good).
    pub fn attempt_failed(
        &self,
        to: &str,
        id: &str,
        error: &str,
        retry_at: Option<OffsetDateTime>,
    ) -> Result<(), LedgerError> {
        let _writer = self.lock();
        let iri = Self::record_iri(Direction::Out, to, id);
        let mut t = self.store.oxigraph().start_transaction()?;
        let attempts: u64 = self.value(Some(&t), &iri, "attempts")?.and_then(|a| a.parse().ok()).unwrap_or(0);
        self.set(&mut t, &iri, "attempts", integer(attempts + 1))?;
        self.set(&mut t, &iri, "lastError", text(error))?;
        match retry_at {
            Some(at) => self.set(&mut t, &iri, "nextAttempt", timestamp(at))?,
            None => {
                self.set(&mut t, &iri, "state", text(State::Failed.as_str()))?;
                self.clear(&mut t, &iri, "nextAttempt")?;
            }
        }
        t.commit()?;
        Ok(())
    }

    /// The highest trust-directory version this gateway has used (0 before the first).
    pub fn directory_version(&self) -> Result<u64, LedgerError> {
        Ok(self.value(None, &Self::head_iri(), "directoryVersion")?.and_then(|v| v.parse().ok()).unwrap_or(0))
    }

    pub fn record_directory_version(&self, version: u64) -> Result<(), LedgerError> {
        let _writer = self.lock();
        let mut t = self.store.oxigraph().start_transaction()?;
        if self.value(Some(&t), &Self::head_iri(), "directoryVersion")?.and_then(|v| v.parse::<u64>().ok()).unwrap_or(0)
            < version
        {
            self.set(&mut t, &Self::head_iri(), "directoryVersion", integer(version))?;
        }
        t.commit()?;
        Ok(())
    }

    // ---- evidence -------------------------------------------------------------------

    /// The entries from `from` to the head, in order.
    pub fn entries(&self, from: u64) -> Result<Vec<Entry>, LedgerError> {
        let head = self.head()?;
        (from.max(1)..=head.seq).map(|seq| self.entry(seq)).collect()
    }

    pub fn entry(&self, seq: u64) -> Result<Entry, LedgerError> {
        let iri = Self::entry_iri(seq);
        let get = |name: &str| -> Result<String, LedgerError> { Ok(self.value(None, &iri, name)?.unwrap_or_default()) };
        let stored_seq = self.value(None, &iri, "seq")?;
        if stored_seq.is_none() {
            return Err(LedgerError::Corrupt(format!("evidence entry {seq} is missing")));
        }
        Ok(Entry {
            seq: stored_seq.and_then(|s| s.parse().ok()).unwrap_or(0),
            prev: get("prev")?,
            kind: get("kind")?,
            message_id: get("messageId")?,
            party: get("party")?,
            digest: get("digest")?,
            at: get("at")?,
            peer_head: get("peerHead")?,
            hash: get("hash")?,
        })
    }

    /// Checks the whole chain: every entry present, linked to the previous one and hashing
    /// to its recorded hash, and the head naming the last one. Returns the entry count.
    pub fn verify(&self) -> Result<Result<u64, ChainBreak>, LedgerError> {
        let head = self.head()?;
        let mut prev = GENESIS.to_owned();
        for seq in 1..=head.seq {
            let entry = match self.entry(seq) {
                Ok(entry) => entry,
                Err(LedgerError::Corrupt(reason)) => return Ok(Err(ChainBreak { seq, reason })),
                Err(e) => return Err(e),
            };
            if let Err(reason) = check_link(&entry, seq, &prev) {
                return Ok(Err(ChainBreak { seq, reason }));
            }
            prev = entry.hash;
        }
        if prev != head.hash {
            return Ok(Err(ChainBreak { seq: head.seq, reason: "the head does not name the last entry".to_owned() }));
        }
        Ok(Ok(head.seq))
    }

    /// The entries that record a message (its own and its receipt's).
    pub fn entries_of(&self, message_id: &str) -> Result<Vec<Entry>, LedgerError> {
        let graph = self.graph_name();
        let mut seqs = Vec::new();
        let literal = text(message_id);
        for quad in self.store.oxigraph().quads_for_pattern(
            None,
            Some(p("messageId").as_ref()),
            Some(TermRef::from(literal.as_ref())),
            Some(graph.as_ref()),
        ) {
            let subject = quad?.subject.to_string();
            if let Some(seq) = subject.trim_matches(['<', '>']).strip_prefix(&format!("{RECORDS}evidence/"))
                && let Ok(seq) = seq.parse::<u64>()
            {
                seqs.push(seq);
            }
        }
        seqs.sort_unstable();
        seqs.into_iter().map(|s| self.entry(s)).collect()
    }

    /// Test support and forensics: overwrite one stored field of an entry.
    #[doc(hidden)]
    pub fn tamper(&self, seq: u64, field: &str, value: &str) -> Result<(), LedgerError> {
        let mut t = self.store.oxigraph().start_transaction()?;
        self.set(&mut t, &Self::entry_iri(seq), field, text(value))?;
        t.commit()?;
        Ok(())
    }
}

/// What the receiver made of the document, stored with the message.
#[derive(Debug, Default)]
pub struct Processed {
    /// (target profile, translated document bytes).
    pub translation: Option<(String, Vec<u8>)>,
    /// The gap report or the validation problems, as JSON.
    pub report: Option<serde_json::Value>,
}

/// The result of [`Ledger::receive`].
#[derive(Debug)]
pub enum Received {
    New { receipt: Vec<u8>, signature: String },
    Replay { receipt: Vec<u8>, signature: String },
    Conflict,
}

/// Checks one entry against its position and predecessor.
pub fn check_link(entry: &Entry, seq: u64, prev: &str) -> Result<(), String> {
    if entry.seq != seq {
        return Err(format!("stored at {seq} but numbered {}", entry.seq));
    }
    if entry.prev != prev {
        return Err(format!("links to {} instead of the previous entry's hash {prev}", entry.prev));
    }
    if entry.computed_hash() != entry.hash {
        return Err("its content does not hash to its recorded hash (altered)".to_owned());
    }
    Ok(())
}
