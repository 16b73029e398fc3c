//! [`StoreCollector`]: the store's plain atomics ([`StoreStats`]) exported at scrape time.
//!
//! The store counts with atomics so its writer thread needs no metrics dependency; this collector
//! reads them when Prometheus scrapes, so they cost nothing between scrapes.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use prometheus::core::{Collector, Desc};
use prometheus::proto::{Counter, Gauge, LabelPair, Metric, MetricFamily, MetricType};

use super::registry::NAMESPACE;
use crate::store::{ByteForm, DropReason, RecordKind, StoreStats};

/// One exported store family: name without the namespace, help, and its label name if any.
struct Spec {
    name: &'static str,
    help: &'static str,
    label: Option<&'static str>,
    kind: MetricType,
}

/// The exported families, in the order [`StoreCollector::collect`] fills them.
const SPECS: [Spec; 12] = [
    Spec {
        name: "store_records_total",
        help: "Records made durable, by kind.",
        label: Some("kind"),
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_record_bytes_total",
        help: "Bytes of the records made durable: raw (plain JSON) and stored (compressed).",
        label: Some("form"),
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_dropped_total",
        help: "Events or records not stored, by reason (channel_full: writer queue full).",
        label: Some("reason"),
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_degraded",
        help: "1 while the store's backend is failing and records are dropped, else 0.",
        label: None,
        kind: MetricType::GAUGE,
    },
    Spec {
        name: "store_events_committed_total",
        help: "Comparison events whose effects are durable (matches and skipped included).",
        label: None,
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_flushes_total",
        help: "Group commits flushed to disk.",
        label: None,
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_retention_segments_removed_total",
        help: "Day segments removed by retention.",
        label: None,
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_retention_records_removed_total",
        help: "Records removed by retention.",
        label: None,
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_reopens_total",
        help: "Times the store's database was reopened to recover from a disk failure.",
        label: None,
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_unpersisted_events_total",
        help: "Comparison events counted but never persisted: the store closed while degraded.",
        label: None,
        kind: MetricType::COUNTER,
    },
    Spec {
        name: "store_spooling",
        help: "1 while PostgreSQL cannot be written (unreachable, or refusing the login) and the store spools to the local store, else 0.",
        label: None,
        kind: MetricType::GAUGE,
    },
    Spec {
        name: "store_previous_run_unclean",
        help: "1 when the previous run on this store did not stop cleanly (killed, crashed or lost power: comparisons in flight and records not yet committed may be lost), else 0.",
        label: None,
        kind: MetricType::GAUGE,
    },
];

/// One sample before encoding: its label (name, value), if any, and its value.
type Sample = (Option<(&'static str, &'static str)>, f64);

/// Reads the attached store's statistics at every scrape; exports nothing until one is attached.
#[derive(Clone)]
pub(super) struct StoreCollector {
    descs: Arc<Vec<Desc>>,
    stats: Arc<Mutex<Option<Arc<StoreStats>>>>,
}

impl StoreCollector {
    #[allow(clippy::expect_used)]
    pub(super) fn new() -> Self {
        let descs = SPECS
            .iter()
            .map(|spec| {
                let labels = spec.label.iter().map(|l| l.to_string()).collect();
                // Constant names and labels: valid, checked by the tests.
                Desc::new(
                    full_name(spec),
                    spec.help.to_owned(),
                    labels,
                    Default::default(),
                )
                .expect("constant store metric descriptions are valid")
            })
            .collect();
        Self {
            descs: Arc::new(descs),
            stats: Arc::new(Mutex::new(None)),
        }
    }

    /// Exports `stats` from now on, replacing any store attached before.
    pub(super) fn attach(&self, stats: Arc<StoreStats>) {
        *self.stats.lock().unwrap_or_else(PoisonError::into_inner) = Some(stats);
    }
}

impl Collector for StoreCollector {
    fn desc(&self) -> Vec<&Desc> {
        self.descs.iter().collect()
    }

    fn collect(&self) -> Vec<MetricFamily> {
        let Some(stats) = self
            .stats
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
        else {
            return Vec::new();
        };
        let load = |value: &AtomicU64| value.load(Ordering::Relaxed) as f64;
        let samples: [Vec<Sample>; SPECS.len()] = [
            RecordKind::ALL
                .iter()
                .map(|&kind| (Some(("kind", kind.as_str())), stats.written(kind) as f64))
                .collect(),
            ByteForm::ALL
                .iter()
                .map(|&form| {
                    (
                        Some(("form", form.as_str())),
                        stats.record_bytes(form) as f64,
                    )
                })
                .collect(),
            DropReason::ALL
                .iter()
                .map(|&reason| {
                    (
                        Some(("reason", reason.as_str())),
                        stats.dropped(reason) as f64,
                    )
                })
                .collect(),
            vec![(None, if stats.is_degraded() { 1.0 } else { 0.0 })],
            vec![(None, load(&stats.events_committed))],
            vec![(None, load(&stats.flushes))],
            vec![(None, load(&stats.retention_segments_removed))],
            vec![(None, load(&stats.retention_records_removed))],
            vec![(None, load(&stats.reopens))],
            vec![(None, load(&stats.unpersisted_events))],
            vec![(None, flag(&stats.spooling))],
            vec![(
                None,
                if stats.previous_run().unclean().is_some() {
                    1.0
                } else {
                    0.0
                },
            )],
        ];
        SPECS
            .iter()
            .zip(samples)
            .map(|(spec, samples)| {
                let mut family = MetricFamily::default();
                family.set_name(full_name(spec));
                family.set_help(spec.help.to_owned());
                family.set_field_type(spec.kind);
                family.set_metric(
                    samples
                        .into_iter()
                        .map(|(label, value)| sample(spec.kind, label, value))
                        .collect(),
                );
                family
            })
            .collect()
    }
}

/// A flag as a gauge value.
fn flag(value: &std::sync::atomic::AtomicBool) -> f64 {
    if value.load(Ordering::Relaxed) {
        1.0
    } else {
        0.0
    }
}

fn full_name(spec: &Spec) -> String {
    format!("{NAMESPACE}_{}", spec.name)
}

/// One sample of a counter or gauge, with at most one label.
fn sample(kind: MetricType, label: Option<(&str, &str)>, value: f64) -> Metric {
    let labels = label
        .map(|(name, value)| {
            let mut pair = LabelPair::default();
            pair.set_name(name.to_owned());
            pair.set_value(value.to_owned());
            pair
        })
        .into_iter()
        .collect();
    let mut metric = Metric::from_label(labels);
    if kind == MetricType::COUNTER {
        let mut counter = Counter::default();
        counter.set_value(value);
        metric.set_counter(counter);
    } else {
        let mut gauge = Gauge::default();
        gauge.set_value(value);
        metric.set_gauge(gauge);
    }
    metric
}
