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

// Package scim is the SCIM 2.0 endpoint Microsoft Entra provisions into: /advisors/scim and /rooms/scim,
// each serving the User resource type over Advisor or Room records. It runs inside the manager as a
// Runnable on every replica, after the caches have synced; the bearer token selects the ScimApplication.
package scim

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"sync"
	"sync/atomic"

	elimity "github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	"github.com/go-logr/logr"
	toolscache "k8s.io/client-go/tools/cache"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
	"sigs.k8s.io/controller-runtime/pkg/manager"

	"github.com/andmoney/scim-operator/internal/scim/model"
	"github.com/andmoney/scim-operator/internal/scim/store"
)

// Server is the SCIM endpoint, a manager Runnable.
type Server struct {
	opts   Options
	log    logr.Logger
	tokens *tokens
	store  *store.Store
	users  map[model.Kind]elimity.ResourceType
	// filterSchemas are the kinds' schemas as list filters are validated against them.
	filterSchemas map[model.Kind]schema.Schema
	// bodySchemas are the kinds' schemas as POST and PUT bodies are validated against them (bodySchema).
	bodySchemas map[model.Kind]schema.Schema
	spc         *elimity.ServiceProviderConfig
	serving     atomic.Bool
	addr        atomic.Pointer[string]
	// servers caches elimity servers by kind and base URL; serverCount bounds it.
	servers     sync.Map
	serverCount atomic.Int64
}

var (
	_ manager.Runnable               = (*Server)(nil)
	_ manager.LeaderElectionRunnable = (*Server)(nil)
)

// Setup registers the record field indexes, the endpoint as a Runnable and its readiness check with the
// manager. Call it before mgr.Start.
func Setup(mgr manager.Manager, opts Options) error {
	s, err := New(mgr, opts)
	if err != nil {
		return err
	}
	if err := store.RegisterIndexes(context.Background(), mgr.GetFieldIndexer(), s.opts.Kinds); err != nil {
		return err
	}
	if err := s.store.Watch(context.Background(), mgr.GetCache(), s.opts.Kinds); err != nil {
		return err
	}
	if err := s.tokens.setupWithManager(context.Background(), mgr); err != nil {
		return fmt.Errorf("set up the SCIM token controller: %w", err)
	}
	if err := mgr.Add(s); err != nil {
		return fmt.Errorf("add the SCIM endpoint to the manager: %w", err)
	}
	if err := mgr.AddReadyzCheck("scim", s.ReadyCheck); err != nil {
		return fmt.Errorf("add the SCIM readiness check: %w", err)
	}
	return nil
}

// New builds the endpoint without adding it to the manager.
func New(mgr manager.Manager, opts Options) (*Server, error) {
	opts = opts.withDefaults()
	st := store.New(mgr.GetCache(), mgr.GetAPIReader(), mgr.GetClient(), store.DefaultOptions())
	s := &Server{
		opts:          opts,
		log:           mgr.GetLogger().WithName("scim"),
		tokens:        newTokens(mgr.GetCache(), mgr.GetAPIReader(), opts.Kinds),
		store:         st,
		users:         map[model.Kind]elimity.ResourceType{},
		filterSchemas: map[model.Kind]schema.Schema{},
		bodySchemas:   map[model.Kind]schema.Schema{},
		spc:           serviceProviderConfig(opts.MaxResults),
	}
	for _, kind := range opts.Kinds {
		s.filterSchemas[kind.Kind] = withCommonAttributes(userSchema(kind))
		s.bodySchemas[kind.Kind] = bodySchema(kind)
		s.users[kind.Kind] = elimity.ResourceType{
			ID:          optional.NewString("User"),
			Name:        "User",
			Description: optional.NewString(kind.Description),
			Endpoint:    "/Users",
			Schema:      userSchema(kind),
			Handler:     userHandler{kind: kind, store: st},
		}
	}
	if err := registerMetrics(&recordCollector{apps: s.tokens.applications, store: st}); err != nil {
		return nil, err
	}
	return s, nil
}

// NeedLeaderElection is false: every replica serves SCIM, while only the leader runs the controllers.
func (s *Server) NeedLeaderElection() bool { return false }

// Start serves until ctx ends, then drains in-flight requests. The manager starts it after its caches
// have synced; it waits for the store's id index too, so the first request already reads a full cache.
func (s *Server) Start(ctx context.Context) error {
	if !toolscache.WaitForCacheSync(ctx.Done(), s.store.Synced) {
		return errors.New("the SCIM store's id index did not sync before shutdown")
	}
	ln := s.opts.Listener
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", s.opts.BindAddress); err != nil {
			return fmt.Errorf("listen on %s for SCIM: %w", s.opts.BindAddress, err)
		}
	}
	addr := ln.Addr().String()
	s.addr.Store(&addr)
	srv := &http.Server{
		Handler:           s,
		ReadHeaderTimeout: s.opts.ReadHeaderTimeout,
		ReadTimeout:       s.opts.ReadTimeout,
		WriteTimeout:      s.opts.WriteTimeout,
		IdleTimeout:       s.opts.IdleTimeout,
		MaxHeaderBytes:    16 << 10,
		// Requests must outlive ctx during the graceful drain, so they get a context without its cancel.
		BaseContext: func(net.Listener) context.Context { return logf.IntoContext(context.WithoutCancel(ctx), s.log) },
		ErrorLog:    nil,
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	s.serving.Store(true)
	s.log.Info("Serving SCIM", "address", addr)
	select {
	case err := <-errc:
		s.serving.Store(false)
		return fmt.Errorf("serve SCIM: %w", err)
	case <-ctx.Done():
	}
	s.serving.Store(false)
	s.log.Info("Shutting down the SCIM endpoint")
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ShutdownTimeout)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down the SCIM endpoint: %w", err)
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve SCIM: %w", err)
	}
	return nil
}

// Addr is the address the endpoint listens on, empty before Start.
func (s *Server) Addr() string {
	if p := s.addr.Load(); p != nil {
		return *p
	}
	return ""
}

// ReadyCheck is the readiness check: ready once serving with every application's token read.
func (s *Server) ReadyCheck(r *http.Request) error {
	if !s.serving.Load() {
		return errors.New("the SCIM endpoint is not serving")
	}
	if !s.tokens.synced(r.Context()) {
		return errors.New("the SCIM endpoint has not read every application's token yet")
	}
	return nil
}
