//! The keys of the runs a report names (`--by attributes.KEY`, `--where
//! attributes.KEY=VALUE`, and `version`), checked against the runs. A key
//! that no run carries is most likely misspelt, and its answer would read as
//! real: by it, one empty segment holding every run; filtered on it, no run
//! at all. The reports asked for by name (`report`, the API) refuse both; a
//! dashboard's by-segment panel shows such runs as "(missing)".

use super::*;

/// Refuses metric tables segmented by a key none of their runs carries,
/// or filtered on one no stored run carries (see [`filter_carried`]).
pub(super) fn carried(
    store: &dyn Engine,
    tables: &[MetricTable],
    segments: &Segments,
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<(), ReportError> {
    if segments.by.is_empty() && segments.filter.is_empty() {
        return Ok(());
    }
    let mut rows = Vec::new();
    for t in tables {
        rows.extend(t.rows()?.into_iter().filter(|r| r.runs > 0));
    }
    carried_by(segments, rows.iter().map(|r| r.segment.as_ref()))?;
    if rows.is_empty() {
        filter_carried(store, segments, as_of)?;
    }
    Ok(())
}

/// Refuses the rows of a report by segment (each its segment) of which none
/// has a value for some key of the runs, when there are rows.
pub(super) fn carried_by<'a>(
    segments: &Segments,
    rows: impl IntoIterator<Item = Option<&'a SegmentMap>>,
) -> Result<(), ReportError> {
    match first_uncarried(segments, rows) {
        Some(key) => Err(ReportError::BadRequest(format!(
            "by `{key}`: no run of the period carries it, so every run would be in one \
             empty segment; {SPELLING}"
        ))),
        None => Ok(()),
    }
}

/// Refuses a filter on a key of the runs that no stored run (of any
/// workflow, as the data stood at `as_of`) carries: `where
/// attributes.regoin=EU` matches nothing because of the key, not the value.
/// Called only when the filtered report found no run, since it reads every
/// stored run once, segmented by the filter's keys; a value that matches
/// nothing on a key that runs carry keeps its empty answer.
pub(super) fn filter_carried(
    store: &dyn Engine,
    segments: &Segments,
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<(), ReportError> {
    if segments.filter.is_empty() {
        return Ok(());
    }
    let Some((first, last)) = store.run_span()? else {
        return Ok(());
    };
    let mut by: Vec<_> = segments.filter.iter().map(|(k, _)| k.clone()).collect();
    by.sort();
    by.dedup();
    let keys = Segments {
        by,
        ..Segments::default()
    };
    let period = Period::covering(first, last);
    let frames = store.segment_frames(
        &[period.from, period.to],
        DEFAULT_LEAK_HORIZON_DAYS,
        Scope::of(&[], as_of),
        &keys,
    )?;
    let mut rows = Vec::new();
    for df in frames {
        let t = MetricTable::from_segment_frame(period, df, &keys)?;
        rows.extend(t.rows()?.into_iter().filter(|r| r.runs > 0));
    }
    let Some(key) = first_uncarried(&keys, rows.iter().map(|r| r.segment.as_ref())) else {
        return Ok(());
    };
    let value = segments
        .filter
        .iter()
        .find(|(k, _)| k.column() == key)
        .map_or("", |(_, v)| v.as_str());
    Err(ReportError::BadRequest(format!(
        "where `{key}={value}`: no stored run carries `{key}`, so no run can match; {SPELLING}"
    )))
}

/// What a misspelt key is likely meant to be.
const SPELLING: &str = "check its spelling (a run file's extra column `region` is \
                        `attributes.region`; the run's own version is `version`)";

/// The first segment column that none of the rows (when there are rows)
/// has a value for.
fn first_uncarried<'a>(
    segments: &Segments,
    rows: impl IntoIterator<Item = Option<&'a SegmentMap>>,
) -> Option<String> {
    let values: Vec<_> = rows.into_iter().map(|s| segments.key_of(s)).collect();
    if values.is_empty() {
        return None;
    }
    segments
        .columns()
        .into_iter()
        .enumerate()
        .find(|(i, _)| values.iter().all(|v| v.get(*i).is_none_or(Option::is_none)))
        .map(|(_, k)| k)
}
