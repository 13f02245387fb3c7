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

package controller

import (
	"errors"
	"testing"

	"k8s.io/apimachinery/pkg/types"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

func TestTenantEndpoints(t *testing.T) {
	allowed, err := graph.ParseEndpointAllowList("https://127.0.0.1:*")
	if err != nil {
		t.Fatal(err)
	}
	g := GraphConfig{AllowedCustomEndpoints: allowed}
	custom := func(authority, graphURL string) v1.ScimTenantSpec {
		return v1.ScimTenantSpec{Cloud: v1.CloudCustom, CustomEndpoints: &v1.CustomEndpoints{AuthorityHost: authority, GraphEndpoint: graphURL}}
	}
	tests := map[string]struct {
		spec          v1.ScimTenantSpec
		wantAuthority string
		wantGraph     string
		wantReason    string
	}{
		"no cloud is the public cloud": {spec: v1.ScimTenantSpec{},
			wantAuthority: "https://login.microsoftonline.com/", wantGraph: "https://graph.microsoft.com/v1.0"},
		"AzurePublic": {spec: v1.ScimTenantSpec{Cloud: v1.CloudAzurePublic},
			wantAuthority: "https://login.microsoftonline.com/", wantGraph: "https://graph.microsoft.com/v1.0"},
		"AzureUSGovernment": {spec: v1.ScimTenantSpec{Cloud: v1.CloudAzureUSGovernment},
			wantAuthority: "https://login.microsoftonline.us/", wantGraph: "https://graph.microsoft.us/v1.0"},
		"AzureChina": {spec: v1.ScimTenantSpec{Cloud: v1.CloudAzureChina},
			wantAuthority: "https://login.chinacloudapi.cn/", wantGraph: "https://microsoftgraph.chinacloudapi.cn/v1.0"},
		"a named cloud ignores stray custom endpoints": {
			spec:          v1.ScimTenantSpec{Cloud: v1.CloudAzurePublic, CustomEndpoints: &v1.CustomEndpoints{AuthorityHost: "https://evil.test/", GraphEndpoint: "https://evil.test/v1.0"}},
			wantAuthority: "https://login.microsoftonline.com/", wantGraph: "https://graph.microsoft.com/v1.0"},
		"allowed custom endpoints": {spec: custom("https://127.0.0.1:8443/", "https://127.0.0.1:8443/v1.0"),
			wantAuthority: "https://127.0.0.1:8443/", wantGraph: "https://127.0.0.1:8443/v1.0"},
		"custom authority elsewhere":   {spec: custom("https://evil.test/", "https://127.0.0.1:8443/v1.0"), wantReason: v1.EndpointNotAllowedReason},
		"custom Graph elsewhere":       {spec: custom("https://127.0.0.1:8443/", "https://evil.test/v1.0"), wantReason: v1.EndpointNotAllowedReason},
		"custom over plain http":       {spec: custom("https://127.0.0.1:8443/", "http://127.0.0.1:8443/v1.0"), wantReason: v1.EndpointNotAllowedReason},
		"Custom without endpoints":     {spec: v1.ScimTenantSpec{Cloud: v1.CloudCustom}, wantReason: v1.EndpointNotAllowedReason},
		"a cloud the operator lacks":   {spec: v1.ScimTenantSpec{Cloud: "AzureGermany"}, wantReason: v1.EndpointNotAllowedReason},
		"loopback by name, not listed": {spec: custom("https://localhost:8443/", "https://localhost:8443/v1.0"), wantReason: v1.EndpointNotAllowedReason},
	}
	for name, tt := range tests {
		t.Run(name, func(t *testing.T) {
			got, err := g.endpoints(&v1.ScimTenant{Spec: tt.spec})
			if tt.wantReason != "" {
				var ce *configError
				if !errors.As(err, &ce) || ce.reason != tt.wantReason {
					t.Fatalf("err = %v, want reason %s", err, tt.wantReason)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.AuthorityHost != tt.wantAuthority || got.GraphBaseURL != tt.wantGraph {
				t.Errorf("endpoints = %s, %s; want %s, %s", got.AuthorityHost, got.GraphBaseURL, tt.wantAuthority, tt.wantGraph)
			}
		})
	}
	// Without an allow-list, no custom endpoint passes.
	if _, err := (GraphConfig{}).endpoints(&v1.ScimTenant{Spec: custom("https://127.0.0.1:8443/", "https://127.0.0.1:8443/v1.0")}); err == nil {
		t.Error("custom endpoints accepted without an allow-list")
	}
}

func TestTokenAudience(t *testing.T) {
	g := GraphConfig{AllowedAudiences: []string{DefaultTokenAudience}}
	if a, err := g.audience(v1.WorkloadIdentity{}); err != nil || a != DefaultTokenAudience {
		t.Errorf("default audience = %q, %v", a, err)
	}
	if a, err := g.audience(v1.WorkloadIdentity{Audience: DefaultTokenAudience}); err != nil || a != DefaultTokenAudience {
		t.Errorf("allowed audience = %q, %v", a, err)
	}
	var ce *configError
	if _, err := g.audience(v1.WorkloadIdentity{Audience: "https://kubernetes.default.svc"}); !errors.As(err, &ce) || ce.reason != v1.AudienceNotAllowedReason {
		t.Errorf("another audience: err = %v", err)
	}
}

func TestTenantSlots(t *testing.T) {
	slots := newTenantSlots(2)
	a, b := types.UID("a"), types.UID("b")
	r1, ok1 := slots.tryAcquire(a)
	r2, ok2 := slots.tryAcquire(a)
	_, ok3 := slots.tryAcquire(a)
	if !ok1 || !ok2 || ok3 {
		t.Fatalf("acquired %v %v %v, want true true false", ok1, ok2, ok3)
	}
	if _, ok := slots.tryAcquire(b); !ok {
		t.Fatal("a busy tenant blocks another")
	}
	r1()
	r1() // releasing twice gives back one slot only
	if _, ok := slots.tryAcquire(a); !ok {
		t.Fatal("a released slot is not free")
	}
	if _, ok := slots.tryAcquire(a); ok {
		t.Fatal("a double release freed two slots")
	}
	r2()
	var none *tenantSlots
	if _, ok := none.tryAcquire(a); !ok {
		t.Fatal("no slots must allow everything")
	}
}
