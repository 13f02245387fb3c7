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

import (
	"fmt"
	"net"
	"net/url"
	"strings"
)

// The well-known endpoints of Microsoft's clouds. A tenant names its cloud; only the operator's
// administrator can add other endpoints (EndpointAllowList), because the operator sends the
// tenant's credential to the sign-in endpoint and application tokens to Graph.
var (
	// AzurePublic is Microsoft's global cloud.
	AzurePublic = Endpoints{AuthorityHost: "https://login.microsoftonline.com/", GraphBaseURL: "https://graph.microsoft.com/v1.0"}
	// AzureUSGovernment is Microsoft Cloud for US Government (L4).
	AzureUSGovernment = Endpoints{AuthorityHost: "https://login.microsoftonline.us/", GraphBaseURL: "https://graph.microsoft.us/v1.0"}
	// AzureChina is Microsoft Azure operated by 21Vianet.
	AzureChina = Endpoints{AuthorityHost: "https://login.chinacloudapi.cn/", GraphBaseURL: "https://microsoftgraph.chinacloudapi.cn/v1.0"}
)

// EndpointAllowList is the set of origins (scheme, host, port) custom endpoints may use. The zero
// value allows nothing.
type EndpointAllowList struct {
	entries []allowedOrigin
}

type allowedOrigin struct {
	scheme string
	host   string // lower case; "*.example.com" allows every subdomain of example.com
	port   string // "" for the scheme's default, "*" for any
}

// ParseEndpointAllowList parses a comma-separated list of origins such as
// "https://127.0.0.1:*,https://graph.example.com". An entry is scheme://host[:port]: the port "*"
// allows any port, a missing port only the scheme's default, and a host "*.example.com" every
// subdomain of example.com (not example.com itself). Paths, users, queries and a bare "*" are
// refused, so that an entry says exactly which listener may receive credentials.
func ParseEndpointAllowList(list string) (EndpointAllowList, error) {
	var out EndpointAllowList
	for entry := range strings.SplitSeq(list, ",") {
		entry = strings.TrimSpace(entry)
		if entry == "" {
			continue
		}
		scheme, rest, ok := strings.Cut(entry, "://")
		scheme = strings.ToLower(scheme)
		if !ok || (scheme != "https" && scheme != "http") {
			return EndpointAllowList{}, fmt.Errorf("allowed endpoint %q: want http(s)://host[:port]", entry)
		}
		rest = strings.TrimSuffix(rest, "/")
		if strings.ContainsAny(rest, "/?#@") || rest == "" {
			return EndpointAllowList{}, fmt.Errorf("allowed endpoint %q: want only scheme, host and port", entry)
		}
		host, port := rest, ""
		if h, p, err := net.SplitHostPort(rest); err == nil {
			host, port = h, p
			if port == "" {
				return EndpointAllowList{}, fmt.Errorf("allowed endpoint %q: empty port", entry)
			}
		}
		host = strings.ToLower(strings.Trim(host, "[]"))
		if host == "" || host == "*" || strings.Contains(strings.TrimPrefix(host, "*."), "*") {
			return EndpointAllowList{}, fmt.Errorf("allowed endpoint %q: host must be a name, an address or *.domain", entry)
		}
		out.entries = append(out.entries, allowedOrigin{scheme: scheme, host: host, port: port})
	}
	return out, nil
}

// Allows reports whether rawURL's origin matches an entry.
func (l EndpointAllowList) Allows(rawURL string) bool {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" || u.User != nil {
		return false
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(u.Hostname()), u.Port()
	if port == "" {
		port = defaultPort(scheme)
	}
	for _, e := range l.entries {
		if e.scheme != scheme || !e.matchesHost(host) {
			continue
		}
		if e.port == "*" || e.port == port || (e.port == "" && port == defaultPort(scheme)) {
			return true
		}
	}
	return false
}

func (e allowedOrigin) matchesHost(host string) bool {
	if domain, ok := strings.CutPrefix(e.host, "*."); ok {
		return strings.HasSuffix(host, "."+domain)
	}
	return e.host == host
}

func defaultPort(scheme string) string {
	if scheme == "http" {
		return "80"
	}
	return "443"
}

// String lists the entries as they are matched, for messages.
func (l EndpointAllowList) String() string {
	parts := make([]string, 0, len(l.entries))
	for _, e := range l.entries {
		host := e.host
		if strings.Contains(host, ":") {
			host = "[" + host + "]"
		}
		if e.port != "" {
			host += ":" + e.port
		}
		parts = append(parts, e.scheme+"://"+host)
	}
	return strings.Join(parts, ",")
}
