//! Reading the files: gzip detected by content, the header, and the records streamed by a
//! CSV thread to the thread that adds them up (memory bounded by batches in flight).

use super::accumulate::FocusAccumulator;
use super::columns::{Dataset, Header};
use super::row::{Loc, Row};
use super::{commit, ContractTerms, FileSummary, FocusIngest, FocusOptions};
use crate::domain::Catalog;
use crate::error::InputError;
use crate::ingest::csvread::Lines;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{Receiver, SyncSender};

/// Records per batch handed from the CSV thread to the pricing thread.
const BATCH: usize = 2048;

fn open(path: &Path) -> Result<(Box<dyn Read + Send>, bool), InputError> {
    let mut f = std::fs::File::open(path).map_err(|e| {
        InputError::file(
            path,
            match e.kind() {
                std::io::ErrorKind::NotFound => "file not found".to_string(),
                _ => format!("cannot read file: {e}"),
            },
        )
    })?;
    let mut magic = [0u8; 2];
    let n = {
        let mut got = 0;
        while got < 2 {
            match f.read(&mut magic[got..]) {
                Ok(0) => break,
                Ok(k) => got += k,
                Err(e) => return Err(InputError::file(path, format!("cannot read file: {e}"))),
            }
        }
        got
    };
    use std::io::{Seek, SeekFrom};
    f.seek(SeekFrom::Start(0))
        .map_err(|e| InputError::file(path, format!("cannot read file: {e}")))?;
    let buf = std::io::BufReader::with_capacity(1 << 20, f);
    if n == 2 && magic == [0x1f, 0x8b] {
        Ok((Box::new(flate2::read::MultiGzDecoder::new(buf)), true))
    } else {
        Ok((Box::new(buf), false))
    }
}

/// The error of a CSV read at `line` (already corrected for the reader's lag, see
/// [`read_batches`]).
fn csv_err(file: &Path, e: csv::Error, line: u64, header_len: usize) -> InputError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { len, .. } => InputError::line(
            file,
            line,
            format!("expected {header_len} fields like the header, found {len}"),
        ),
        csv::ErrorKind::Io(io) => InputError::line(
            file,
            line,
            format!("cannot read past this line: {io} (truncated or corrupt file?)"),
        ),
        _ => InputError::line(file, line, format!("cannot read CSV: {e}")),
    }
}

/// Reads FOCUS files (cost-and-usage exports and, for 1.3, ContractCommitment dataset
/// files) against the catalog. The first malformed cell stops the read with a one-line
/// error naming the file, line and column.
pub fn read_focus(
    paths: &[PathBuf],
    catalog: &Catalog,
    opts: &FocusOptions,
) -> Result<FocusIngest, InputError> {
    let mut acc = FocusAccumulator::new(catalog, opts);
    let mut files = Vec::new();
    let mut contracts = Vec::new();
    for path in paths {
        files.push(read_file(path, &mut acc, &mut contracts)?);
    }
    acc.finish(files, contracts)
}

/// Reads one file: cost rows go to `acc`, ContractCommitment rows to `contracts`.
fn read_file(
    path: &Path,
    acc: &mut FocusAccumulator<'_>,
    contracts: &mut Vec<ContractTerms>,
) -> Result<FileSummary, InputError> {
    let (reader, gzip) = open(path)?;
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .buffer_capacity(1 << 20)
        .from_reader(reader);
    let (header, dataset) = read_header(path, &mut rdr)?;
    let mut summary = FileSummary {
        path: path.to_path_buf(),
        dataset: match dataset {
            Dataset::CostAndUsage => "cost_and_usage",
            Dataset::ContractCommitment => "contract_commitment",
        },
        version: header.version,
        gzip,
        rows: 0,
        gpu_rows: 0,
        extras: header.extras.clone(),
        unknown_columns: header.unknown.clone(),
    };
    stream_records(path, rdr, &header, |rec, line| {
        summary.rows += 1;
        match dataset {
            Dataset::CostAndUsage => {
                let row = Row {
                    rec,
                    loc: Loc {
                        file: path,
                        line,
                        header: &header,
                    },
                };
                if acc.row(&row)? {
                    summary.gpu_rows += 1;
                }
            }
            Dataset::ContractCommitment => contracts.push(commit::contract_row(
                path,
                line,
                &header.names,
                rec.as_byte_record(),
            )?),
        }
        Ok(())
    })?;
    Ok(summary)
}

/// Reads the header line: which columns, which FOCUS version and which dataset.
fn read_header(
    path: &Path,
    rdr: &mut csv::Reader<Box<dyn Read + Send>>,
) -> Result<(Header, Dataset), InputError> {
    let mut rec = csv::ByteRecord::new();
    let got = rdr
        .read_byte_record(&mut rec)
        .map_err(|e| csv_err(path, e, 1, 0))?;
    if !got {
        return Err(InputError::file(
            path,
            "file is empty: expected a FOCUS header line (ChargePeriodStart,ChargePeriodEnd,…)",
        ));
    }
    let mut fields = Vec::with_capacity(rec.len());
    for (i, b) in rec.iter().enumerate() {
        fields.push(
            std::str::from_utf8(b)
                .map_err(|_| {
                    InputError::cell(path, 1, i + 1, "?", "invalid UTF-8 bytes in the header")
                })?
                .to_string(),
        );
    }
    Header::parse(path, &fields)
}

/// A batch of records and how many of them are filled, or a CSV error and its line.
type BatchMessage = Result<(Vec<csv::ByteRecord>, usize), (csv::Error, u64)>;

/// Streams the records after the header to `handle(record, line)` until the first error.
/// Two threads: one reads and splits CSV records (and inflates gzip), this one handles
/// them. Batches of records circulate between them, so memory stays bounded.
fn stream_records(
    path: &Path,
    rdr: csv::Reader<Box<dyn Read + Send>>,
    header: &Header,
    mut handle: impl FnMut(&csv::StringRecord, u64) -> Result<(), InputError>,
) -> Result<(), InputError> {
    let ncols = header.names.len();
    std::thread::scope(|sc| {
        let (tx, rx) = std::sync::mpsc::sync_channel::<BatchMessage>(4);
        let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<csv::ByteRecord>>();
        let producer = std::thread::Builder::new()
            .name("focus-csv".into())
            .spawn_scoped(sc, move || read_batches(rdr, tx, back_rx));
        let producer = match producer {
            Ok(p) => p,
            Err(e) => {
                return Err(InputError::file(
                    path,
                    format!("cannot start the reading thread: {e}"),
                ))
            }
        };
        let mut out = Ok(());
        for msg in rx.iter() {
            let (mut batch, n) = match msg {
                Ok(b) => b,
                Err((e, line)) => {
                    out = Err(csv_err(path, e, line, ncols));
                    break;
                }
            };
            if let Err(e) = handle_batch(path, header, &mut batch, n, &mut handle) {
                out = Err(e);
                break;
            }
            let _ = back_tx.send(batch);
        }
        drop(rx);
        let _ = producer.join();
        out
    })
}

/// The reading thread: fills batches (reusing those sent back) and sends them on until the
/// end of the file, a CSV error (sent with its line: the error's own position, else the line
/// after the last record read), or the handling side hanging up.
///
/// Positions go through [`Lines`], so a CRLF export names the same lines as an LF one.
fn read_batches(
    mut rdr: csv::Reader<Box<dyn Read + Send>>,
    tx: SyncSender<BatchMessage>,
    back_rx: Receiver<Vec<csv::ByteRecord>>,
) {
    let mut line = 1u64;
    let mut lines = Lines::default();
    loop {
        let mut batch = back_rx
            .try_recv()
            .unwrap_or_else(|_| vec![csv::ByteRecord::new(); BATCH]);
        let mut n = 0;
        while n < BATCH {
            match rdr.read_byte_record(&mut batch[n]) {
                Ok(true) => {
                    line = match batch[n].position().cloned() {
                        Some(mut p) => {
                            p.set_line(lines.of(&p));
                            let at = p.line();
                            batch[n].set_position(Some(p));
                            at
                        }
                        None => line + 1,
                    };
                    n += 1;
                }
                Ok(false) => break,
                Err(e) => {
                    let at = e.position().map_or(line + 1, |p| lines.of(p));
                    let _ = tx.send(Err((e, at)));
                    return;
                }
            }
        }
        if n > 0 && tx.send(Ok((batch, n))).is_err() {
            return;
        }
        if n < BATCH {
            return;
        }
    }
}

/// Hands the first `n` records of a batch to `handle` as UTF-8 text, leaving each record's
/// buffer in the batch for reuse.
fn handle_batch(
    path: &Path,
    header: &Header,
    batch: &mut [csv::ByteRecord],
    n: usize,
    handle: &mut impl FnMut(&csv::StringRecord, u64) -> Result<(), InputError>,
) -> Result<(), InputError> {
    for slot in batch.iter_mut().take(n) {
        let line = slot.position().map_or(0, |p| p.line());
        let rec = match csv::StringRecord::from_byte_record(std::mem::take(slot)) {
            Ok(r) => r,
            Err(e) => {
                let f = e.utf8_error().field();
                return Err(InputError::cell(
                    path,
                    line,
                    f + 1,
                    header.names.get(f).map_or("?", String::as_str),
                    "invalid UTF-8 bytes: expected UTF-8 text",
                ));
            }
        };
        let r = handle(&rec, line);
        *slot = rec.into_byte_record();
        r?;
    }
    Ok(())
}
