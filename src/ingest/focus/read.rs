//! Reading the files: gzip detected by content, the header, and the records streamed by a
//! CSV thread to the thread that adds them up (memory bounded by batches in flight).

use super::accumulate::FocusAccumulator;
use super::columns::{Dataset, Header};
use super::row::{Loc, Row};
use super::{commit, FileSummary, FocusIngest, FocusOptions};
use crate::domain::Catalog;
use crate::error::InputError;
use std::io::Read;
use std::path::{Path, PathBuf};

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

fn csv_err(file: &Path, e: csv::Error, line: u64, header_len: usize) -> InputError {
    match e.kind() {
        csv::ErrorKind::UnequalLengths { pos, len, .. } => InputError::line(
            file,
            pos.as_ref().map_or(line, |p| p.line()),
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
        let (reader, gzip) = open(path)?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(false)
            .buffer_capacity(1 << 20)
            .from_reader(reader);
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
        let (header, dataset) = Header::parse(path, &fields)?;
        let mut summary = FileSummary {
            path: path.clone(),
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
        let ncols = header.names.len();
        // Two threads: one reads and splits CSV records (and inflates gzip), the other
        // prices them. Batches of records circulate between them, so memory stays bounded.
        let res: Result<(), InputError> = std::thread::scope(|sc| {
            let (tx, rx) = std::sync::mpsc::sync_channel::<
                Result<(Vec<csv::ByteRecord>, usize), (csv::Error, u64)>,
            >(4);
            let (back_tx, back_rx) = std::sync::mpsc::channel::<Vec<csv::ByteRecord>>();
            let producer = std::thread::Builder::new()
                .name("focus-csv".into())
                .spawn_scoped(sc, move || {
                    let mut line = 1u64;
                    loop {
                        let mut batch = back_rx
                            .try_recv()
                            .unwrap_or_else(|_| vec![csv::ByteRecord::new(); BATCH]);
                        let mut n = 0;
                        while n < BATCH {
                            match rdr.read_byte_record(&mut batch[n]) {
                                Ok(true) => {
                                    line = batch[n].position().map_or(line + 1, |p| p.line());
                                    n += 1;
                                }
                                Ok(false) => break,
                                Err(e) => {
                                    let _ = tx.send(Err((e, line + 1)));
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
                });
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
            'recv: for msg in rx.iter() {
                let (mut batch, n) = match msg {
                    Ok(b) => b,
                    Err((e, line)) => {
                        out = Err(csv_err(path, e, line, ncols));
                        break;
                    }
                };
                for slot in batch.iter_mut().take(n) {
                    let line = slot.position().map_or(0, |p| p.line());
                    let rec = match csv::StringRecord::from_byte_record(std::mem::take(slot)) {
                        Ok(r) => r,
                        Err(e) => {
                            let f = e.utf8_error().field();
                            out = Err(InputError::cell(
                                path,
                                line,
                                f + 1,
                                header.names.get(f).map_or("?", String::as_str),
                                "invalid UTF-8 bytes: expected UTF-8 text",
                            ));
                            break 'recv;
                        }
                    };
                    summary.rows += 1;
                    let r = match dataset {
                        Dataset::CostAndUsage => {
                            let row = Row {
                                rec: &rec,
                                loc: Loc {
                                    file: path,
                                    line,
                                    header: &header,
                                },
                            };
                            acc.row(&row).map(|gpu| {
                                if gpu {
                                    summary.gpu_rows += 1;
                                }
                            })
                        }
                        Dataset::ContractCommitment => {
                            commit::contract_row(path, line, &header.names, rec.as_byte_record())
                                .map(|c| contracts.push(c))
                        }
                    };
                    *slot = rec.into_byte_record();
                    if let Err(e) = r {
                        out = Err(e);
                        break 'recv;
                    }
                }
                let _ = back_tx.send(batch);
            }
            drop(rx);
            let _ = producer.join();
            out
        });
        res?;
        files.push(summary);
    }
    acc.finish(files, contracts)
}
