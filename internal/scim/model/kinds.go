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

import (
	"errors"
	"fmt"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// KindSpec is one record kind as data: everything the endpoint, the store and the controller need to know
// about it. Adding a kind is adding a KindSpec (and its CRD and RBAC rules), not editing switches.
type KindSpec struct {
	// Kind is the ScimApplication resourceType this kind serves.
	Kind Kind
	// Prefix is the endpoint's path prefix, e.g. /advisors/scim.
	Prefix string
	// HasName says whether a record keeps name.givenName and name.familyName.
	HasName bool
	// Description is the description of the kind's SCIM resource type (its User schema is "User Account").
	Description string
	// NewObject returns an empty record object; NewList an empty list of them.
	NewObject func() client.Object
	NewList   func() client.ObjectList
	// Items calls fn for every object of a list NewList made.
	Items func(list client.ObjectList, fn func(client.Object))
	// UserOf reads a record object; SetUser writes one's spec.
	UserOf  func(client.Object) User
	SetUser func(client.Object, User)
}

// ErrUnknownKind is returned for a kind no KindSpec describes. A record of an unknown kind is never
// stored or deleted as some other kind.
var ErrUnknownKind = errors.New("unknown record kind")

// Kinds is a set of record kinds, in the order their endpoints are matched.
type Kinds []*KindSpec

// Lookup returns the KindSpec of a kind, or an error wrapping ErrUnknownKind.
func (ks Kinds) Lookup(kind Kind) (*KindSpec, error) {
	for _, k := range ks {
		if k.Kind == kind {
			return k, nil
		}
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownKind, kind)
}

// BuiltinKinds are the kinds the operator serves: Advisors and Rooms.
func BuiltinKinds() Kinds { return Kinds{AdvisorKind, RoomKind} }

// AdvisorKind is the Advisor record: every attribute.
var AdvisorKind = &KindSpec{
	Kind:        Advisors,
	Prefix:      "/advisors/scim",
	HasName:     v1.StoredBy(Advisors, v1.TargetGivenName),
	Description: "An &Money advisor, stored as an Advisor.",
	NewObject:   func() client.Object { return &v1.Advisor{} },
	NewList:     func() client.ObjectList { return &v1.AdvisorList{} },
	Items: func(list client.ObjectList, fn func(client.Object)) {
		l := list.(*v1.AdvisorList)
		for i := range l.Items {
			fn(&l.Items[i])
		}
	},
	UserOf: func(obj client.Object) User {
		o := obj.(*v1.Advisor)
		u := FromFields(&o.Spec.RecordFields)
		if o.Spec.Name != nil {
			u.GivenName, u.FamilyName = o.Spec.Name.GivenName, o.Spec.Name.FamilyName
		}
		return u
	},
	SetUser: func(obj client.Object, u User) {
		o := obj.(*v1.Advisor)
		o.Spec.RecordFields = u.Fields()
		o.Spec.Name = u.PersonName()
	},
}

// RoomKind is the Room record.
var RoomKind = &KindSpec{
	Kind:        Rooms,
	Prefix:      "/rooms/scim",
	HasName:     v1.StoredBy(Rooms, v1.TargetGivenName),
	Description: "An &Money meeting room, stored as a Room.",
	NewObject:   func() client.Object { return &v1.Room{} },
	NewList:     func() client.ObjectList { return &v1.RoomList{} },
	Items: func(list client.ObjectList, fn func(client.Object)) {
		l := list.(*v1.RoomList)
		for i := range l.Items {
			fn(&l.Items[i])
		}
	},
	UserOf:  func(obj client.Object) User { return FromFields(&obj.(*v1.Room).Spec.RecordFields) },
	SetUser: func(obj client.Object, u User) { obj.(*v1.Room).Spec.RecordFields = u.Fields() },
}

// String is the kind's name, e.g. advisors.
func (k *KindSpec) String() string { return string(k.Kind) }
