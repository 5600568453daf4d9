//! `report trend`: the metric table of every ISO week or calendar month in
//! a time zone (`report::trend`).

use super::*;

/// The most periods one trend answers.
pub const MAX_TREND_PERIODS: usize = 400;

/// A trend: the metric table of every period, in period then workflow order.
#[derive(Debug, Clone)]
pub struct Trend {
    pub granularity: crate::metrics::trend::Granularity,
    pub tz: chrono_tz::Tz,
    pub buckets: Vec<crate::metrics::trend::Bucket>,
    pub tables: Vec<MetricTable>,
}

/// The metric table per ISO week or calendar month in `tz`, over `[from, to)`
/// widened to whole periods; periods without runs are present with zero runs.
pub fn trend(
    store: &dyn Engine,
    granularity: crate::metrics::trend::Granularity,
    tz: &str,
    from: Option<&str>,
    to: Option<&str>,
    workflows: &[String],
    as_of: Option<chrono::NaiveDateTime>,
) -> Result<Trend, ReportError> {
    let (catalogue, whole) = (Catalogue::Read(as_of), Segments::default());
    trend_from(
        store,
        granularity,
        tz,
        from,
        to,
        workflows,
        catalogue,
        &whole,
    )
}

/// [`trend`] with the catalogue from `catalogue` (read as of a moment, or
/// the one the caller read), segmented and filtered (`--by`, `--where`): a
/// row per period, workflow and segment, every period holding every segment
/// of the span.
#[allow(clippy::too_many_arguments)]
pub fn trend_from(
    store: &dyn Engine,
    granularity: crate::metrics::trend::Granularity,
    tz: &str,
    from: Option<&str>,
    to: Option<&str>,
    workflows: &[String],
    catalogue: Catalogue<'_>,
    segments: &Segments,
) -> Result<Trend, ReportError> {
    use crate::metrics::trend;
    let as_of = catalogue.as_of();
    let tz = trend::parse_tz(tz)?;
    // In a trend, a bare date is local midnight in the reporting time zone.
    let (from, to) = (local_bound(tz, from), local_bound(tz, to));
    let period = resolve_period(store, from.as_deref(), to.as_deref())?.ok_or_else(|| {
        ReportError::BadRequest("no runs are stored yet: give from and to".into())
    })?;
    let buckets = trend::buckets(granularity, tz, period.from, period.to, MAX_TREND_PERIODS)?;
    // Validate the workflows and read the catalogue once, not once per period.
    let catalogue = catalogue.checked(store, workflows)?;
    let workflows: &[String] = &kept_workflows(segments, &catalogue, workflows)?;
    // Every period in one query: the bounds are consecutive.
    let mut bounds: Vec<chrono::NaiveDateTime> = buckets.iter().map(|b| b.start).collect();
    bounds.extend(buckets.last().map(|b| b.end));
    let scope = crate::engine::Scope::of(workflows, as_of);
    let frames = if segments.is_empty() {
        store.metric_frames(&bounds, DEFAULT_LEAK_HORIZON_DAYS, scope)?
    } else {
        store.segment_frames(&bounds, DEFAULT_LEAK_HORIZON_DAYS, scope, segments)?
    };
    let tables = buckets
        .iter()
        .zip(frames)
        .map(|(b, df)| {
            let period = Period::new(b.start, b.end)?;
            let mut t = if segments.is_empty() {
                MetricTable::from_frame(period, df)?
            } else {
                MetricTable::from_segment_frame(period, df, segments)?
            };
            t.assumptions = assumptions_of(workflows, &catalogue, period);
            label_table(&mut t, segments, &catalogue)?;
            Ok(t)
        })
        .collect::<Result<Vec<_>, ReportError>>()?;
    super::carried(store, &tables, segments, as_of)?;
    Ok(Trend {
        granularity,
        tz,
        buckets,
        tables,
    })
}

impl Trend {
    /// `{"granularity", "tz", "rows": [{"period_start", "period_end", "period_start_utc",
    /// "period_end_utc", ...metric fields}]}`.
    pub fn to_json(&self) -> Result<serde_json::Value, ReportError> {
        let mut rows = Vec::new();
        for (b, t) in self.buckets.iter().zip(&self.tables) {
            for r in t.rows()? {
                let mut m = serde_json::Map::new();
                m.insert("period_start".into(), b.start_local.to_string().into());
                m.insert("period_end".into(), b.end_local.to_string().into());
                m.insert(
                    "period_start_utc".into(),
                    crate::model::format_timestamp(b.start).into(),
                );
                m.insert(
                    "period_end_utc".into(),
                    crate::model::format_timestamp(b.end).into(),
                );
                if let serde_json::Value::Object(fields) =
                    serde_json::to_value(&r).expect("rows serialise")
                {
                    m.extend(fields);
                }
                rows.push(serde_json::Value::Object(m));
            }
        }
        Ok(serde_json::json!({
            "granularity": self.granularity,
            "tz": self.tz.name(),
            "rows": rows,
        }))
    }

    /// The JSON Schema of [`Trend::to_json`]'s body: each row a metric row
    /// with its period, local and UTC.
    pub fn json_schema(g: &mut SchemaGenerator) -> Schema {
        let local = || json_schema!({ "type": "string", "description": "in the trend's time zone, `YYYY-MM-DD HH:MM:SS`" });
        let (start, end) = (schema::timestamp(g), schema::timestamp(g));
        let row = schema::extended::<crate::metrics::MetricRow>(
            g,
            vec![
                ("period_start", local()),
                ("period_end", local()),
                ("period_start_utc", start),
                ("period_end_utc", end),
            ],
            &[],
        );
        let granularity = g.subschema_for::<crate::metrics::trend::Granularity>();
        schema::object(
            vec![
                ("granularity", granularity),
                ("tz", json_schema!({ "type": "string" })),
                ("rows", schema::array(row)),
            ],
            &[],
        )
    }

    /// The same rows as CSV, through polars: two period columns, then the metric fields.
    pub fn to_csv(&self) -> Result<Vec<u8>, ReportError> {
        use polars::prelude::{Column, CsvWriter, DataFrame, SerWriter};
        let mut all: Option<DataFrame> = None;
        for (b, t) in self.buckets.iter().zip(&self.tables) {
            let h = t.frame().height();
            let mut cols = vec![
                Column::new("period_start".into(), vec![b.start_local.to_string(); h]),
                Column::new("period_end".into(), vec![b.end_local.to_string(); h]),
            ];
            cols.extend(t.frame().columns().iter().cloned());
            let df = DataFrame::new(h, cols).map_err(MetricsError::from)?;
            all = Some(match all {
                None => df,
                Some(mut a) => {
                    a.vstack_mut(&df).map_err(MetricsError::from)?;
                    a
                }
            });
        }
        let mut out = Vec::new();
        if let Some(mut df) = all {
            CsvWriter::new(&mut out)
                .include_header(true)
                .finish(&mut df)
                .map_err(MetricsError::from)?;
        }
        Ok(out)
    }
}
