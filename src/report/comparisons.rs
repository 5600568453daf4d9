//! `report compare`: each workflow's (and segment's) before/after
//! comparison from the engine's evidence, computed on all cores and kept
//! per workflow where the engine keeps parts (`report::compare`).

use super::*;

/// What a comparison request asks for; every field has a default.
#[derive(Debug, Clone, Default)]
pub struct CompareRequest {
    /// Workflows to compare; empty means every automated workflow.
    pub workflows: Vec<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub baseline: Option<BaselineChoice>,
    pub seed: Option<u64>,
    pub resamples: Option<usize>,
    /// Whole weeks (the default) or runs one by one.
    pub interval: Option<compare::Interval>,
    /// Report as at this moment: the catalogue version and batches known then.
    pub as_of: Option<String>,
    /// By and where on the runs' attributes: a comparison per workflow and
    /// segment, of the runs that match.
    pub segments: Segments,
}

/// Before/after comparisons, one per workflow (and segment), in workflow
/// order (then segment).
pub fn compare(store: &dyn Engine, req: &CompareRequest) -> Result<Vec<Comparison>, ReportError> {
    let comparisons = compare_with(store, req, None, true)?;
    carried_by(
        &req.segments,
        comparisons.iter().map(|c| c.segment.as_ref()),
    )?;
    if comparisons
        .iter()
        .flat_map(|c| &c.rows)
        .all(|r| r.after_n == 0)
    {
        filter_carried(store, &req.segments, parse_as_of(req.as_of.as_deref())?)?;
    }
    Ok(comparisons)
}

/// [`compare`], with the current catalogue when the caller has read it
/// (`req.as_of` is then `None`); without `outcomes`, the comparisons carry
/// no outcome rows (nothing of them is read).
pub(super) fn compare_with(
    store: &dyn Engine,
    req: &CompareRequest,
    current: Option<&[CatalogueEntry]>,
    outcomes: bool,
) -> Result<Vec<Comparison>, ReportError> {
    let parse = |what: &str, v: &Option<String>| {
        v.as_deref()
            .map(|s| {
                parse_timestamp_or_date(s)
                    .map_err(|e| ReportError::BadRequest(format!("{what}: {e}")))
            })
            .transpose()
    };
    let from = parse("from", &req.from)?;
    let to = match parse("to", &req.to)? {
        Some(t) => t,
        None => match store.run_span()? {
            Some((a, b)) => Period::covering(a, b).to,
            None => {
                return Err(ReportError::BadRequest(
                    "no runs are stored yet: nothing to compare".into(),
                ))
            }
        },
    };
    if let Some(f) = from {
        Period::new(f, to)?;
    }
    let spec = CompareSpec {
        baseline: req.baseline,
        ..bootstrap_spec(from, to, req.seed, req.resamples, req.interval)?
    };
    let as_of = parse_as_of(req.as_of.as_deref())?;
    let catalogue = match current {
        Some(c) if as_of.is_none() => Catalogue::Current(c),
        _ => Catalogue::Read(as_of),
    }
    .get(store)?;
    let mut chosen = Vec::new();
    if req.workflows.is_empty() {
        chosen.extend(
            catalogue
                .iter()
                .filter(|w| w.workflow.automated_since.is_some()),
        );
    } else {
        for id in &req.workflows {
            let w = catalogue
                .iter()
                .find(|w| &w.workflow.workflow_id == id)
                .ok_or_else(|| not_in_catalogue(id, &catalogue))?;
            chosen.push(w);
        }
    }
    let segments = &req.segments;
    // Where on the workflows' fields (`where team=…`) keeps some of them.
    if !segments.workflows.filter.is_empty() && !chosen.is_empty() {
        let ids: Vec<String> = chosen
            .iter()
            .map(|w| w.workflow.workflow_id.clone())
            .collect();
        let kept = kept_workflows(segments, &catalogue, &ids)?;
        chosen.retain(|w| kept.contains(&w.workflow.workflow_id));
    }
    // By the workflows' fields (`--by team`): each comparison labelled.
    let label = |mut out: Vec<Comparison>| {
        let rows = out
            .iter_mut()
            .map(|c| (c.workflow_id.as_str(), &mut c.segment));
        label_rows(segments, &catalogue, rows);
        out
    };
    let reclaimed = after_side_reclaimed(store, &chosen, &catalogue, (from, to), as_of, segments)?;
    let none = compare::Reclaimed {
        hours: None,
        money: None,
    };
    let by_id: HashMap<&str, &CatalogueEntry> = chosen
        .iter()
        .map(|w| (w.workflow.workflow_id.as_str(), *w))
        .collect();
    // One workflow's (or segment's) comparison.
    let one = |id: &str,
               study: &polars::prelude::DataFrame,
               runs: &RunSample,
               seg: Vec<Option<String>>| {
        let w = by_id[id];
        let baseline = compare::Baseline {
            b: w.b,
            source: w.b_source.clone(),
            terms: w.terms.clone(),
        };
        let key = (id.to_string(), seg);
        let mut c = compare::compare(
            &w.workflow,
            study,
            runs,
            spec,
            &baseline,
            reclaimed.get(&key).copied().unwrap_or(none),
        )?;
        if !segments.by.is_empty() {
            c.segment = Some(segments.columns().into_iter().zip(key.1).collect());
        }
        Ok::<_, ReportError>(c)
    };
    let ids: Vec<String> = chosen
        .iter()
        .map(|w| w.workflow.workflow_id.clone())
        .collect();
    if !segments.is_empty() {
        // Segmented answers are computed whole, never kept by part.
        let mut out = Vec::new();
        for chunk in ids.chunks(COMPARE_CHUNK) {
            let (study, by) = store.segment_evidence(chunk, None, to, as_of, segments)?;
            let study_parts = compare::split_by_workflow(&study)?;
            let mut items = Vec::new();
            for (id, samples) in chunk.iter().zip(by) {
                // Filtered only, a workflow without a matching run still has
                // its comparison ("no data after"), as without a filter.
                if samples.is_empty() && segments.by.is_empty() {
                    items.push((id, Vec::new(), RunSample::default()));
                }
                for (seg, runs) in samples {
                    items.push((id, segment_values(segments, seg.as_deref())?, runs));
                }
            }
            out.extend(on_all_cores(&items, |(id, seg, runs)| {
                let study = compare::frame_of(&study_parts, &study, id);
                one(id, &study, runs, seg.clone())
            })?);
        }
        if outcomes {
            outcomes::attach(store, &mut out, &catalogue, as_of, segments, spec)?;
        }
        return Ok(label(out));
    }
    let compute = |ids: &[String]| {
        over_evidence(store, ids, None, to, as_of, |id, study, runs| {
            one(id, study, runs, Vec::new())
        })
    };
    let mut out = match (store.parts(), as_of) {
        // Each workflow's comparison is kept; only those whose data changed
        // are computed again.
        (Some(parts), None) => {
            let args = format!(
                "{:?} {:?} {} {} {} {} {:?}",
                spec.baseline,
                spec.from,
                spec.to,
                spec.seed,
                spec.resamples,
                spec.level,
                spec.interval
            );
            parts.each("compare", &args, &ids, compute)
        }
        _ => compute(&ids),
    }?;
    // Outcomes are read afresh: a changed declaration changes them while
    // the kept comparisons stand.
    if outcomes {
        outcomes::attach(store, &mut out, &catalogue, as_of, segments, spec)?;
    }
    Ok(label(out))
}

/// Workflows whose comparison evidence is fetched by one query.
pub(super) const COMPARE_CHUNK: usize = 256;

/// `f(id, its time study, its runs)` of every workflow of `ids`, with the
/// runs anchored in `[from, to)` as of `as_of`, in the order of `ids`. The
/// evidence of COMPARE_CHUNK workflows comes in one query (a query per
/// workflow cost more than the bootstrap at 1,000 workflows), which also
/// bounds memory at any number of runs; within a chunk one workflow's result
/// does not depend on another's (each has its own seeded stream), so they
/// run on all cores.
pub(super) fn over_evidence<R: Send>(
    store: &dyn Engine,
    ids: &[String],
    from: Option<chrono::NaiveDateTime>,
    to: chrono::NaiveDateTime,
    as_of: Option<chrono::NaiveDateTime>,
    f: impl Fn(&str, &polars::prelude::DataFrame, &RunSample) -> Result<R, ReportError> + Sync,
) -> Result<Vec<R>, ReportError> {
    let mut out = Vec::with_capacity(ids.len());
    for chunk in ids.chunks(COMPARE_CHUNK) {
        let (study, samples) = store.compare_evidence(chunk, from, to, as_of)?;
        let study_parts = compare::split_by_workflow(&study)?;
        let items: Vec<(&String, RunSample)> = chunk.iter().zip(samples).collect();
        out.extend(on_all_cores(&items, |(id, runs)| {
            f(id, &compare::frame_of(&study_parts, &study, id), runs)
        })?);
    }
    Ok(out)
}

/// `f` of every item, on up to 8 threads, in the items' order.
fn on_all_cores<T: Sync, R: Send>(
    items: &[T],
    f: impl Fn(&T) -> Result<R, ReportError> + Sync,
) -> Result<Vec<R>, ReportError> {
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .clamp(1, 8);
    let mut results: Vec<Option<Result<R, ReportError>>> = Vec::new();
    results.resize_with(items.len(), || None);
    std::thread::scope(|scope| {
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let f = &f;
                scope.spawn(move || {
                    (t..items.len())
                        .step_by(threads)
                        .map(|i| (i, f(&items[i])))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        for h in handles {
            for (i, r) in h.join().expect("a comparison thread panicked") {
                results[i] = Some(r);
            }
        }
    });
    results
        .into_iter()
        .map(|r| r.expect("every item was computed"))
        .collect()
}

/// The metric table's reclaimed hours and money for each workflow's after
/// side, `[max(from, go-live), to)`, so compare and the table agree to the
/// digit. Runs anchored before go-live reclaim nothing (DESIGN's definition),
/// so one table over `[from, to)` — or, without `from`, from the earliest
/// go-live — holds every workflow's after-side figures: one query for all.
/// A workflow without a go-live, or whose after side is empty, has none.
fn after_side_reclaimed(
    store: &dyn Engine,
    chosen: &[&CatalogueEntry],
    catalogue: &[CatalogueEntry],
    (from, to): (Option<chrono::NaiveDateTime>, chrono::NaiveDateTime),
    as_of: Option<chrono::NaiveDateTime>,
    segments: &Segments,
) -> Result<HashMap<SegmentKey, compare::Reclaimed>, ReportError> {
    let starts: Vec<(&str, chrono::NaiveDateTime)> = chosen
        .iter()
        .filter_map(|e| {
            let go_live = e.workflow.automated_since?;
            let start = from.map_or(go_live, |f| f.max(go_live));
            (start < to).then_some((e.workflow.workflow_id.as_str(), start))
        })
        .collect();
    let Some(earliest) = starts.iter().map(|(_, s)| *s).min() else {
        return Ok(HashMap::new());
    };
    let ids: Vec<String> = starts.iter().map(|(id, _)| id.to_string()).collect();
    let table = segment_table(
        store,
        Period::new(from.unwrap_or(earliest), to)?,
        &ids,
        as_of,
        catalogue,
        segments,
    )?;
    Ok(table
        .rows()?
        .into_iter()
        .map(|r| {
            let reclaimed = compare::Reclaimed {
                hours: r.reclaimed_hours,
                money: r.reclaimed_money,
            };
            let seg = segments.key_of(r.segment.as_ref());
            ((r.workflow_id, seg), reclaimed)
        })
        .collect())
}

/// A workflow and its segment's values (none when not segmented).
type SegmentKey = (String, Vec<Option<String>>);

/// The JSON body of comparisons (`report compare`, `GET /api/v1/compare`).
pub fn comparisons_json(comparisons: &[Comparison]) -> serde_json::Value {
    serde_json::json!({ "comparisons": comparisons })
}

/// The JSON Schema of [`comparisons_json`]'s body.
pub fn comparisons_json_schema(g: &mut SchemaGenerator) -> Schema {
    let comparisons = schema::array(g.subschema_for::<Comparison>());
    schema::object(vec![("comparisons", comparisons)], &[])
}

/// Several comparisons as one CSV: the header once, then every row.
pub fn comparisons_csv(comparisons: &[Comparison]) -> Result<Vec<u8>, ReportError> {
    if comparisons.is_empty() {
        return Ok(format!("{}\n", compare::FIELDS.join(",")).into_bytes());
    }
    let mut out = Vec::new();
    for (i, c) in comparisons.iter().enumerate() {
        let csv = c.to_csv()?;
        let body = if i == 0 { &csv[..] } else { skip_header(&csv) };
        out.extend_from_slice(body);
    }
    Ok(out)
}

fn skip_header(csv: &[u8]) -> &[u8] {
    match csv.iter().position(|b| *b == b'\n') {
        Some(i) => &csv[i + 1..],
        None => &[],
    }
}
