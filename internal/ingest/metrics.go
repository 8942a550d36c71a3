package ingest

import "github.com/prometheus/client_golang/prometheus"

// metrics are the hub's own ingest health figures, exported on /metrics.
type metrics struct {
	connected      prometheus.Gauge
	refused        prometheus.Counter
	protocolErrors prometheus.Counter
	storeErrors    prometheus.Counter
	snapshots      prometheus.Counter
	values         prometheus.Counter
	bytes          prometheus.Counter
	extraBytes     prometheus.Counter
	deferred       prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		connected:      prometheus.NewGauge(prometheus.GaugeOpts{Name: "vigil_ingest_agents_connected", Help: "Agents connected to this hub (after their hello)."}),
		refused:        prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_refused_total", Help: "Agent connections refused for a missing, wrong or revoked token."}),
		protocolErrors: prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_protocol_errors_total", Help: "Agent connections closed for malformed or oversized frames."}),
		storeErrors:    prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_store_errors_total", Help: "Batches the series store failed to persist."}),
		snapshots:      prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_snapshots_total", Help: "Snapshots stored and acknowledged."}),
		values:         prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_values_total", Help: "Values stored and acknowledged."}),
		bytes:          prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_frame_bytes_total", Help: "Bytes of agent frames received."}),
		extraBytes:     prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_extra_frame_bytes_total", Help: "Bytes of agent frames carrying processes, process events, services and containers (protocol version 2), included in vigil_ingest_frame_bytes_total."}),
		deferred:       prometheus.NewCounter(prometheus.CounterOpts{Name: "vigil_ingest_handshakes_deferred_total", Help: "Agent handshakes answered 503 with Retry-After because the maximum were in progress."}),
	}
	if reg != nil {
		reg.MustRegister(m.connected, m.refused, m.protocolErrors, m.storeErrors, m.snapshots, m.values, m.bytes, m.extraBytes, m.deferred)
	}
	return m
}
