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

import (
	"net/http"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/gomega"

	"github.com/andmoney/scim-operator/internal/graph"
)

func TestParseOnDemand(t *testing.T) {
	cases := map[string]struct {
		key, value string
		want       graph.OnDemandResult
	}{
		"created (Graph docs example shape)": {
			key:   `{"result":"Success","details":{}}`,
			value: `{"action":"Create","changeId":"x","statusInfo":{"status":"Success"},"provisioningSteps":[{"name":"EntryImport","type":"Import","status":"Success","description":"Retrieved alice from Azure Active Directory","details":{}}]}`,
			want:  graph.OnDemandResult{Result: "Success", Action: "Create"},
		},
		"redundant export": {
			key:   `{"result":"Skipped","details":{"errorCode":"RedundantExport","errorMessage":"The target object is already up to date."}}`,
			value: `{"action":"Other","statusInfo":{"status":"Skipped"}}`,
			want:  graph.OnDemandResult{Result: "Skipped", Action: "Other", Details: "RedundantExport: The target object is already up to date."},
		},
		"out of scope": {
			key: `{"result":"Skipped","details":{}}`,
			value: `{"action":"Other","statusInfo":{"status":"Skipped","reason":"not in scope"},"provisioningSteps":[` +
				`{"name":"EntrySynchronizationScoping","status":"Skipped","description":"Not assigned","details":{"IsActive":"True","Assigned":"False"}}]}`,
			want: graph.OnDemandResult{Result: "Skipped", Action: "Other", Details: "not in scope; EntrySynchronizationScoping: Not assigned (Assigned=False, IsActive=True)"},
		},
		"details as a string": {
			key:  `{"result":"Failure","details":"boom"}`,
			want: graph.OnDemandResult{Result: "Failure", Details: "boom"},
		},
		"not JSON": {
			key:   `Failure`,
			value: `also not JSON`,
			want:  graph.OnDemandResult{Details: "Failure"},
		},
		"result only in the value": {
			value: `{"action":"Update","statusInfo":{"status":"Failure","errorCode":"SystemForCrossDomainIdentityManagementBadResponse","reason":"500 from target"}}`,
			want:  graph.OnDemandResult{Result: "Failure", Action: "Update", Details: "SystemForCrossDomainIdentityManagementBadResponse; 500 from target"},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			g.Expect(*parseOnDemand(tc.key, tc.value)).To(Equal(tc.want))
		})
	}
	t.Run("details are bounded", func(t *testing.T) {
		g := NewWithT(t)
		long := strings.Repeat("x", 5000)
		got := parseOnDemand(`{"result":"Failure","details":"`+long+`"}`, "")
		g.Expect(len(got.Details)).To(BeNumerically("<=", maxMessageLen+len("…")))
	})
}

func TestRetryAfter(t *testing.T) {
	g := NewWithT(t)
	h := http.Header{}
	_, ok := retryAfter(h)
	g.Expect(ok).To(BeFalse())
	h.Set("Retry-After", "7")
	d, ok := retryAfter(h)
	g.Expect(ok).To(BeTrue())
	g.Expect(d).To(Equal(7 * time.Second))
	h.Set("Retry-After", time.Now().Add(45*time.Second).UTC().Format(http.TimeFormat))
	d, ok = retryAfter(h)
	g.Expect(ok).To(BeTrue())
	g.Expect(d).To(BeNumerically("~", 45*time.Second, 2*time.Second))
	// An endpoint cannot park a tenant for longer than the cap, in seconds or as a date.
	h.Set("Retry-After", "86400")
	d, _ = retryAfter(h)
	g.Expect(d).To(Equal(RetryAfterCap))
	h.Set("Retry-After", time.Now().Add(24*time.Hour).UTC().Format(http.TimeFormat))
	d, _ = retryAfter(h)
	g.Expect(d).To(Equal(RetryAfterCap))
	h.Set("Retry-After", "soon")
	_, ok = retryAfter(h)
	g.Expect(ok).To(BeFalse())
}

func TestResolveEndpoints(t *testing.T) {
	g := NewWithT(t)
	r, err := resolveEndpoints(graph.Endpoints{})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(r.authorityHost).To(Equal(graph.AzurePublic.AuthorityHost))
	g.Expect(r.graphBaseURL).To(Equal(graph.AzurePublic.GraphBaseURL))
	g.Expect(r.scope).To(Equal("https://graph.microsoft.com/.default"))
	g.Expect(r.graphHost).To(Equal("graph.microsoft.com"))
	g.Expect(isPublicAuthority(r.authorityHost)).To(BeTrue())

	r, err = resolveEndpoints(graph.Endpoints{AuthorityHost: "https://login.microsoftonline.us", GraphBaseURL: "https://graph.microsoft.us/v1.0/"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(r.authorityHost).To(Equal("https://login.microsoftonline.us/"))
	g.Expect(r.graphBaseURL).To(Equal("https://graph.microsoft.us/v1.0"))
	g.Expect(r.scope).To(Equal("https://graph.microsoft.us/.default"))
	g.Expect(isPublicAuthority(r.authorityHost)).To(BeFalse())

	r, err = resolveEndpoints(graph.Endpoints{AuthorityHost: "https://127.0.0.1:8443/", GraphBaseURL: "https://127.0.0.1:8443/v1.0"})
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(r.scope).To(Equal("https://127.0.0.1:8443/.default"))
	g.Expect(r.graphHost).To(Equal("127.0.0.1"))
}
