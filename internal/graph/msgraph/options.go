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

package msgraph

import "time"

// Defaults of the options; production values.
const (
	// DefaultMaxRetries is how often one call retries a 429, 503 or 504 (kiota's default).
	DefaultMaxRetries = 3
	// DefaultRetryDelay is the back-off base when Graph sends no Retry-After (kiota's default).
	DefaultRetryDelay = 3 * time.Second
	// DefaultMaxRetryAfter is the longest Retry-After a call waits for in-line; a longer one is
	// returned to the caller as *graph.Error with RetryAfter, so a controller requeues instead
	// of blocking a worker.
	DefaultMaxRetryAfter = 30 * time.Second
	// RetryAfterCap is the longest Retry-After the operator honours: a longer one (a mistake, or
	// an endpoint that wants to park the tenant's reconciles for days) is read as this.
	RetryAfterCap = time.Minute
	// DefaultTimeout bounds one HTTP attempt (Graph or the token endpoint).
	DefaultTimeout = 60 * time.Second
	// DefaultCacheSize is how many clients a Factory keeps.
	DefaultCacheSize = 256
)

// Option configures NewFactory and NewClient.
type Option func(*options)

type options struct {
	maxRetries    int
	retryDelay    time.Duration
	maxRetryAfter time.Duration
	timeout       time.Duration
	cacheSize     int
}

func defaultOptions() options {
	return options{
		maxRetries:    DefaultMaxRetries,
		retryDelay:    DefaultRetryDelay,
		maxRetryAfter: DefaultMaxRetryAfter,
		timeout:       DefaultTimeout,
		cacheSize:     DefaultCacheSize,
	}
}

func buildOptions(opts []Option) options {
	o := defaultOptions()
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithRetry sets how often one call retries a 429, 503 or 504 answer (0: never, at most 10)
// and the back-off base used when Graph sends no Retry-After (whole seconds, at least one,
// doubled per retry, as kiota's RetryHandler does). The same count and delay apply to the
// token endpoint's transient failures (azcore's retry policy).
func WithRetry(maxRetries int, delay time.Duration) Option {
	return func(o *options) {
		o.maxRetries = min(max(maxRetries, 0), 10)
		if delay > 0 {
			o.retryDelay = delay
		}
	}
}

// WithMaxRetryAfter sets the longest Retry-After a call waits for before retrying; an answer
// asking for longer is returned at once as *graph.Error with RetryAfter set.
func WithMaxRetryAfter(d time.Duration) Option {
	return func(o *options) {
		if d >= 0 {
			o.maxRetryAfter = d
		}
	}
}

// WithTimeout bounds each HTTP attempt, to Graph or to the token endpoint. In-line retries and
// their waits come on top; the caller's context bounds the whole call.
func WithTimeout(d time.Duration) Option {
	return func(o *options) {
		if d > 0 {
			o.timeout = d
		}
	}
}

// WithCacheSize sets how many clients a Factory keeps (least recently used are dropped).
func WithCacheSize(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.cacheSize = n
		}
	}
}
