/*
Copyright 2026 &Money.

Licensed under the Apache License, Version 2.0 (the "License");
you may not use this file except in compliance with the License.
You may obtain a copy of the License at

    http://www.apache.org/licenses/LICENSE-2.0

Unless required by applicable law or agreed to in writing, software
distributed under the License is distributed on an "AS IS" BASIS,
WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
See the License for the specific language governing permissions and
limitations under the License.
*/

package scim

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	ctrlmetrics "sigs.k8s.io/controller-runtime/pkg/metrics"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// Metric label names.
const (
	labelApplication = "application" // namespace/name
	labelOperation   = "operation"
	labelCode        = "code"
)

var (
	requestsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_requests_total",
		Help: "SCIM requests, by application (namespace/name; unauthenticated before a token matched), operation and HTTP status code.",
	}, []string{labelApplication, labelOperation, labelCode})
	requestErrorsTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_request_errors_total",
		Help: "SCIM requests answered with an error status (4xx or 5xx), by application, operation and HTTP status code.",
	}, []string{labelApplication, labelOperation, labelCode})
	requestDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name:    "scim_request_duration_seconds",
		Help:    "SCIM request latency, by application and operation.",
		Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
	}, []string{labelApplication, labelOperation})
	ignoredAttributesTotal = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "scim_ignored_attributes_total",
		Help: "Attributes, sub-attributes and multi-valued elements a client sent that the record kind does not store, " +
			"ignored rather than refused, by kind and attribute (RFC 7643 name, enterprise, extension, or other).",
	}, []string{"kind", "attribute"})
	recordsDesc = prometheus.NewDesc("scim_records",
		"Advisor or Room records of an application, as the SCIM endpoint's cache holds them.",
		[]string{labelApplication, "resource_type"}, nil)

	registerOnce sync.Once
)

// recordCollector reports scim_records of one server at scrape time from the cache's application index,
// so the figure is never out of date and costs nothing between scrapes.
type recordCollector struct {
	apps  func() []store.App
	store *store.Store
}

func (c *recordCollector) Describe(ch chan<- *prometheus.Desc) { ch <- recordsDesc }

func (c *recordCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, app := range c.apps() {
		n, err := c.store.Count(ctx, app)
		if err != nil {
			continue
		}
		ch <- prometheus.MustNewConstMetric(recordsDesc, prometheus.GaugeValue, float64(n), app.String(), string(app.Kind.Kind))
	}
}

// registerMetrics adds the request metrics to the manager's registry once per process, and the server's
// record collector in place of an earlier server's (tests and benchmarks build more than one).
func registerMetrics(records *recordCollector) error {
	registerOnce.Do(func() {
		ctrlmetrics.Registry.MustRegister(requestsTotal, requestErrorsTotal, requestDuration, ignoredAttributesTotal)
	})
	err := ctrlmetrics.Registry.Register(records)
	if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
		ctrlmetrics.Registry.Unregister(are.ExistingCollector)
		err = ctrlmetrics.Registry.Register(records)
	}
	if err != nil {
		return fmt.Errorf("register the SCIM record metric: %w", err)
	}
	return nil
}

func observe(app, op string, code int, elapsed time.Duration) {
	c := strconv.Itoa(code)
	requestsTotal.WithLabelValues(app, op, c).Inc()
	if code >= 400 {
		requestErrorsTotal.WithLabelValues(app, op, c).Inc()
	}
	requestDuration.WithLabelValues(app, op).Observe(elapsed.Seconds())
}

// countIgnored counts the attributes a request carried that its kind does not store, and logs them at debug
// level: an admin who mapped one in Entra by mistake can find it, and no user fails over it.
func countIgnored(ctx context.Context, kind *model.KindSpec, ignored []string) {
	if len(ignored) == 0 {
		return
	}
	for _, a := range ignored {
		ignoredAttributesTotal.WithLabelValues(kind.String(), a).Inc()
	}
	logf.FromContext(ctx).V(1).Info("Ignored attributes the record does not store", "attributes", ignored)
}
