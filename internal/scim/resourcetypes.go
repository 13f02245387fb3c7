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
	"github.com/elimity-com/scim"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"

	"github.com/andmoney/scim-operator/internal/scim/model"
)

// userSchema is the core User schema cut down to exactly the attributes a record of the kind keeps (see
// model.KindSpec.Stores; anything else a client sends is ignored). It keeps the core URN, so that
// URN-qualified names (urn:ietf:params:scim:schemas:core:2.0:User:displayName) resolve, and the
// description "User Account" of RFC 7643 §8.7.1, which clients compare against.
func userSchema(kind *model.KindSpec) schema.Schema {
	str := func(name string, required bool, uniqueness schema.AttributeUniqueness) schema.CoreAttribute {
		return schema.SimpleCoreAttribute(schema.SimpleStringParams(schema.StringParams{
			Name: name, Required: required, Uniqueness: uniqueness,
		}))
	}
	attrs := []schema.CoreAttribute{
		str("userName", true, schema.AttributeUniquenessServer()),
		str("displayName", false, schema.AttributeUniquenessNone()),
	}
	if kind.HasName {
		attrs = append(attrs, schema.ComplexCoreAttribute(schema.ComplexParams{
			Name:        "name",
			Description: optional.NewString("Only givenName and familyName are stored; other sub-attributes are ignored."),
			SubAttributes: []schema.SimpleParams{
				schema.SimpleStringParams(schema.StringParams{Name: "givenName"}),
				schema.SimpleStringParams(schema.StringParams{Name: "familyName"}),
			},
		}))
	}
	attrs = append(attrs,
		schema.SimpleCoreAttribute(schema.SimpleBooleanParams(schema.BooleanParams{Name: "active"})),
		schema.ComplexCoreAttribute(schema.ComplexParams{
			Name:        "addresses",
			Description: optional.NewString("Only the formatted value of the work address is stored; other addresses and sub-attributes are ignored."),
			MultiValued: true,
			SubAttributes: []schema.SimpleParams{
				schema.SimpleStringParams(schema.StringParams{Name: "type", CanonicalValues: []string{model.WorkType}}),
				schema.SimpleStringParams(schema.StringParams{Name: "formatted"}),
			},
		}),
		// Read-only, never filled: declared so that a PATCH of groups is a mutability error, not an
		// unknown path, as RFC 7643 defines it for User.
		schema.ComplexCoreAttribute(schema.ComplexParams{
			Name:        "groups",
			Description: optional.NewString("Never stored; read-only, so a write of it is refused."),
			MultiValued: true,
			Mutability:  schema.AttributeMutabilityReadOnly(),
			SubAttributes: []schema.SimpleParams{
				schema.SimpleStringParams(schema.StringParams{Name: "value", Mutability: schema.AttributeMutabilityReadOnly()}),
				schema.SimpleStringParams(schema.StringParams{Name: "display", Mutability: schema.AttributeMutabilityReadOnly()}),
			},
		}),
	)
	return schema.Schema{
		ID:          schema.UserSchema,
		Name:        optional.NewString("User"),
		Description: optional.NewString("User Account"),
		Attributes:  attrs,
	}
}

// serviceProviderConfig advertises what the endpoint does: patch and filter (with the real page limit),
// no bulk, sort or ETags (none are sent), bearer tokens.
func serviceProviderConfig(maxResults int) *scim.ServiceProviderConfig {
	return &scim.ServiceProviderConfig{
		DocumentationURI: optional.NewString("https://github.com/andmoney/scim-operator"),
		AuthenticationSchemes: []scim.AuthenticationScheme{{
			Type:        scim.AuthenticationTypeOauthBearerToken,
			Name:        "OAuth Bearer Token",
			Description: "The Secret Token of the Entra enterprise application, sent as Authorization: Bearer.",
			SpecURI:     optional.NewString("https://www.rfc-editor.org/rfc/rfc6750"),
			Primary:     true,
		}},
		MaxResults:       maxResults,
		SupportFiltering: true,
		SupportPatch:     true,
	}
}
