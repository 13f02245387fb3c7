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
	"flag"
	"net"
	"time"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// Options configure the SCIM endpoint.
type Options struct {
	// BindAddress is where the endpoint listens, e.g. :8080.
	BindAddress string
	// MaxBodyBytes caps a request body; larger ones are refused with 413 before anything parses them.
	MaxBodyBytes int64
	// MaxResults is the most resources one list response holds (ServiceProviderConfig filter.maxResults).
	MaxResults int
	// RequestTimeout bounds the work for one request, well under the 60 s after which Entra gives up and
	// retries (a POST that succeeded late would then come back as a 409 loop).
	RequestTimeout time.Duration
	// ReadHeaderTimeout, ReadTimeout, WriteTimeout and IdleTimeout are the http.Server's.
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	// ShutdownTimeout bounds the graceful drain of in-flight requests on shutdown.
	ShutdownTimeout time.Duration

	// Kinds are the record kinds served, one endpoint each; BuiltinKinds when empty.
	Kinds model.Kinds

	// Listener, when set, is served instead of listening on BindAddress (tests bind 127.0.0.1:0).
	Listener net.Listener
}

// DefaultOptions returns the defaults the flags have.
func DefaultOptions() Options {
	return Options{
		BindAddress:       ":8080",
		MaxBodyBytes:      64 << 10,
		MaxResults:        200,
		RequestTimeout:    25 * time.Second,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ShutdownTimeout:   20 * time.Second,
	}
}

// BindFlags registers the endpoint's flags, with DefaultOptions' values as defaults.
func (o *Options) BindFlags(fs *flag.FlagSet) {
	d := DefaultOptions()
	fs.StringVar(&o.BindAddress, "scim-bind-address", d.BindAddress,
		"Address the SCIM endpoint (/advisors/scim, /rooms/scim) listens on.")
	fs.Int64Var(&o.MaxBodyBytes, "scim-max-body-bytes", d.MaxBodyBytes,
		"Largest SCIM request body accepted; larger ones get 413.")
	fs.IntVar(&o.MaxResults, "scim-max-results", d.MaxResults, "Most resources in one SCIM list response.")
	fs.DurationVar(&o.RequestTimeout, "scim-request-timeout", d.RequestTimeout,
		"Time limit for handling one SCIM request (Entra gives up after 60s).")
	fs.DurationVar(&o.ReadHeaderTimeout, "scim-read-header-timeout", d.ReadHeaderTimeout,
		"Time limit for reading a SCIM request's headers.")
	fs.DurationVar(&o.ReadTimeout, "scim-read-timeout", d.ReadTimeout, "Time limit for reading a whole SCIM request.")
	fs.DurationVar(&o.WriteTimeout, "scim-write-timeout", d.WriteTimeout,
		"Time limit from the end of reading a SCIM request to the end of its response.")
	fs.DurationVar(&o.IdleTimeout, "scim-idle-timeout", d.IdleTimeout, "How long an idle keep-alive connection stays open.")
	fs.DurationVar(&o.ShutdownTimeout, "scim-shutdown-timeout", d.ShutdownTimeout,
		"How long shutdown waits for in-flight SCIM requests.")
}

// withDefaults fills zero fields from DefaultOptions, so that a partly set Options (as tests use) works.
func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.BindAddress == "" {
		o.BindAddress = d.BindAddress
	}
	if o.MaxBodyBytes <= 0 {
		o.MaxBodyBytes = d.MaxBodyBytes
	}
	if len(o.Kinds) == 0 {
		o.Kinds = model.BuiltinKinds()
	}
	if o.MaxResults <= 0 {
		o.MaxResults = d.MaxResults
	}
	for _, f := range []struct{ v, d *time.Duration }{
		{&o.RequestTimeout, &d.RequestTimeout}, {&o.ReadHeaderTimeout, &d.ReadHeaderTimeout},
		{&o.ReadTimeout, &d.ReadTimeout}, {&o.WriteTimeout, &d.WriteTimeout},
		{&o.IdleTimeout, &d.IdleTimeout}, {&o.ShutdownTimeout, &d.ShutdownTimeout},
	} {
		if *f.v <= 0 {
			*f.v = *f.d
		}
	}
	return o
}
