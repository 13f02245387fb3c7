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

package graph

import "testing"

func TestEndpointAllowList(t *testing.T) {
	list, err := ParseEndpointAllowList(" https://127.0.0.1:* , https://graph.example.com,http://[::1]:8443, https://*.sim.example.net:9443 ")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		url  string
		want bool
	}{
		{"https://127.0.0.1:8443/", true},
		{"https://127.0.0.1:1/v1.0", true},
		{"https://127.0.0.1/", true},
		{"http://127.0.0.1:8443/", false}, // scheme differs
		{"https://127.0.0.2:8443/", false},
		{"https://graph.example.com/v1.0", true},
		{"https://GRAPH.example.com:443/v1.0", true},
		{"https://graph.example.com:8443/v1.0", false}, // only the default port
		{"https://graph.example.com.evil.test/v1.0", false},
		{"https://evil.test/?graph.example.com", false},
		{"https://graph.example.com@evil.test/", false},
		{"https://user@graph.example.com/", false},
		{"http://[::1]:8443/v1.0", true},
		{"http://[::1]:8444/v1.0", false},
		{"https://a.sim.example.net:9443/", true},
		{"https://a.b.sim.example.net:9443/", true},
		{"https://sim.example.net:9443/", false},
		{"https://a.sim.example.net/", false},
		{"https://login.microsoftonline.com/", false},
		{"not a url", false},
		{"", false},
	}
	for _, tt := range tests {
		if got := list.Allows(tt.url); got != tt.want {
			t.Errorf("Allows(%q) = %v, want %v", tt.url, got, tt.want)
		}
	}
	if got, want := list.String(), "https://127.0.0.1:*,https://graph.example.com,http://[::1]:8443,https://*.sim.example.net:9443"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
}

func TestEndpointAllowListEmptyAllowsNothing(t *testing.T) {
	list, err := ParseEndpointAllowList("")
	if err != nil {
		t.Fatal(err)
	}
	for _, u := range []string{"https://127.0.0.1:8443/", AzurePublic.GraphBaseURL} {
		if list.Allows(u) {
			t.Errorf("the empty list allows %q", u)
		}
	}
}

func TestParseEndpointAllowListRejects(t *testing.T) {
	for _, entry := range []string{
		"127.0.0.1:8443", "ftp://host", "https://", "https://*", "https://*:443", "https://host/path",
		"https://user@host", "https://host:", "https://a.*.example.com", "https://host?x=1",
	} {
		if _, err := ParseEndpointAllowList(entry); err == nil {
			t.Errorf("ParseEndpointAllowList(%q) accepted it", entry)
		}
	}
}
