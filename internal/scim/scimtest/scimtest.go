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

// Package scimtest runs the SCIM endpoint against a local control plane the way cmd/main.go runs it,
// for the tests and the tools in hack/ that drive it over real HTTP: one place that starts it and
// creates applications, so that none of them drifts from production's configuration.
package scimtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/config"
	"sigs.k8s.io/controller-runtime/pkg/manager"
	metricsserver "sigs.k8s.io/controller-runtime/pkg/metrics/server"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/localcluster"
	"github.com/andmoney/scim-operator/internal/scheme"
	"github.com/andmoney/scim-operator/internal/scim"
)

// Endpoint is a running manager that serves the SCIM endpoint and runs no other controller: the
// endpoint serves an application from its token Secret alone.
type Endpoint struct {
	Manager manager.Manager
	// URL is the endpoint's base URL, http://127.0.0.1:<port>.
	URL string

	stop context.CancelFunc
	done chan error
}

// Start runs the SCIM endpoint with opts (its Listener is set here, on 127.0.0.1) in a manager with
// production's cache options. It returns once the manager is started, not once the endpoint serves.
func Start(cluster *localcluster.Cluster, opts scim.Options) (*Endpoint, error) {
	mgr, err := ctrl.NewManager(cluster.Config, ctrl.Options{
		Scheme:                 cluster.Scheme,
		Metrics:                metricsserver.Options{BindAddress: "0"},
		HealthProbeBindAddress: "0",
		Cache:                  scheme.CacheOptions(),
		// A process may run two (hack/scimload starts a second one as a new replica); a real replica is a
		// process of its own, so the controller names need not be unique here.
		Controller: config.Controller{SkipNameValidation: new(true)},
	})
	if err != nil {
		return nil, fmt.Errorf("create the manager: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	opts.Listener = ln
	if err := scim.Setup(mgr, opts); err != nil {
		return nil, errors.Join(fmt.Errorf("set up the SCIM endpoint: %w", err), ln.Close())
	}
	ctx, stop := context.WithCancel(context.Background())
	e := &Endpoint{Manager: mgr, URL: "http://" + ln.Addr().String(), stop: stop, done: make(chan error, 1)}
	go func() { e.done <- mgr.Start(ctx) }()
	return e, nil
}

// Stop stops the manager and returns its error, if it ended with one.
func (e *Endpoint) Stop() error {
	e.stop()
	return <-e.done
}

// RandomToken is a bearer token no other application has.
func RandomToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// NewApplication creates in namespace ns a Secret that holds token under the key "token", opted in as a
// SCIM token, and a ScimApplication of resource type rt (tenant "contoso") that names it. With name ""
// both are given generated names. The endpoint accepts the token once its token controller has read the
// Secret: wait for that before counting on it.
func NewApplication(ctx context.Context, c client.Client, ns, name string, rt v1.ResourceType, token string) (*v1.ScimApplication, error) {
	secret := &corev1.Secret{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Labels: map[string]string{v1.SecretTypeLabel: v1.SecretTypeSCIMToken}},
		Data:       map[string][]byte{"token": []byte(token)},
	}
	app := &v1.ScimApplication{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns},
		Spec:       v1.ScimApplicationSpec{TenantRef: v1.LocalObjectReference{Name: "contoso"}, ResourceType: rt},
	}
	if name == "" {
		secret.GenerateName, app.GenerateName = "token-", string(rt)+"-"
	} else {
		secret.Name, app.Name = name+"-token", name
	}
	if err := c.Create(ctx, secret); err != nil {
		return nil, fmt.Errorf("create the token Secret: %w", err)
	}
	app.Spec.TokenSecretRef = v1.SecretKeySelector{Name: secret.Name, Key: "token"}
	if err := c.Create(ctx, app); err != nil {
		return nil, fmt.Errorf("create the ScimApplication: %w", err)
	}
	return app, nil
}
