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

package model

import "strings"

// Stores reports whether a record of the kind keeps an attribute (sub == "") or a sub-attribute of it.
// Names compare case-insensitively. Everything else a client sends is ignored, never refused: Entra sends
// whatever a bank's admin maps, and one extra mapping must not stop users from being provisioned.
func (k *KindSpec) Stores(attr, sub string) bool {
	attr, sub = strings.ToLower(attr), strings.ToLower(sub)
	switch attr {
	case "username", "displayname", "externalid", "active":
		return sub == ""
	case "name":
		return k.HasName && (sub == "" || sub == "givenname" || sub == "familyname")
	case "addresses":
		return sub == "" || sub == typeAttr || sub == formattedAttr
	}
	return false
}

// Protected reports whether an attribute is one no client may write: id and meta are the server's, schemas
// is the message's, groups is read-only for a User (RFC 7643 §4.1.2). A write of one stays an error rather
// than being ignored, so that a client learns it cannot set them.
func Protected(attr string) bool {
	switch strings.ToLower(attr) {
	case "id", "meta", "schemas", "groups":
		return true
	}
	return false
}

// Label names an ignored attribute for the scim_ignored_attributes_total metric: its RFC 7643 spelling
// when the RFC defines it, or a fixed word otherwise, so that a client cannot grow the metric's label set.
func Label(attr, sub string) string {
	a, ok := rfcUserAttributes[strings.ToLower(attr)]
	if !ok {
		return "other"
	}
	if sub == "" {
		return a.name
	}
	for _, s := range a.subs {
		if strings.EqualFold(s, sub) {
			return a.name + "." + s
		}
	}
	return a.name + ".other"
}

// The stored sub-attributes of an address.
const (
	typeAttr      = "type"
	formattedAttr = "formatted"
)

// Labels for what is not an attribute of the core User schema.
const (
	LabelEnterprise       = "enterprise" // the enterprise User extension
	LabelExtension        = "extension"  // any other schema URN
	LabelNonWorkAddresses = "addresses[non-work]"
)

type rfcAttribute struct {
	name string
	subs []string
}

var multiValuedSubs = []string{"value", "display", "type", "primary"}

// rfcUserAttributes is RFC 7643 §4.1's User schema, keyed by lower-cased name.
var rfcUserAttributes = func() map[string]rfcAttribute {
	attrs := []rfcAttribute{
		{name: "userName"}, {name: "displayName"}, {name: "externalId"}, {name: "active"},
		{name: "name", subs: []string{"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"}},
		{name: "nickName"}, {name: "profileUrl"}, {name: "title"}, {name: "userType"}, {name: "preferredLanguage"},
		{name: "locale"}, {name: "timezone"}, {name: "password"},
		{name: "emails", subs: multiValuedSubs}, {name: "phoneNumbers", subs: multiValuedSubs},
		{name: "ims", subs: multiValuedSubs}, {name: "photos", subs: multiValuedSubs},
		{name: "entitlements", subs: multiValuedSubs}, {name: "roles", subs: multiValuedSubs},
		{name: "x509Certificates", subs: multiValuedSubs},
		{name: "addresses", subs: []string{"formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary"}},
	}
	m := make(map[string]rfcAttribute, len(attrs))
	for _, a := range attrs {
		m[strings.ToLower(a.name)] = a
	}
	return m
}()
