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

package store

import (
	"context"
	"fmt"
	"time"

	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// Field indexes on Advisor and Room. Values are prefixed with the application name, so that one lookup
// in a namespace never returns another application's records.
const (
	// IndexUserName is "<application>\x00<folded userName>".
	IndexUserName = "scim.userName"
	// IndexExternalID is "<application>\x00<externalId>".
	IndexExternalID = "scim.externalId"
	// IndexApplication is the application name.
	IndexApplication = "scim.application"
)

func indexKey(app, value string) string { return app + "\x00" + value }

// RegisterIndexes registers the field indexes the store reads through, on the objects of every kind; call
// it before the cache starts.
func RegisterIndexes(ctx context.Context, indexer client.FieldIndexer, kinds model.Kinds) error {
	for _, kind := range kinds {
		for name, extract := range indexers(kind) {
			if err := indexer.IndexField(ctx, kind.NewObject(), name, extract); err != nil {
				return fmt.Errorf("index %s by %s: %w", kind.Kind, name, err)
			}
		}
	}
	return nil
}

// indexers are the field indexes of one kind, by name.
func indexers(kind *model.KindSpec) map[string]client.IndexerFunc {
	values := map[string]func(app string, obj client.Object) []string{
		IndexUserName: func(app string, obj client.Object) []string {
			return []string{indexKey(app, model.Fold(kind.UserOf(obj).UserName))}
		},
		IndexExternalID: func(app string, obj client.Object) []string {
			if id := kind.UserOf(obj).ExternalID; id != "" {
				return []string{indexKey(app, id)}
			}
			return nil
		},
		IndexApplication: func(app string, _ client.Object) []string { return []string{app} },
	}
	out := make(map[string]client.IndexerFunc, len(values))
	for name, value := range values {
		out[name] = func(obj client.Object) []string {
			app := obj.GetLabels()[v1.ApplicationLabel]
			if app == "" {
				return nil
			}
			return value(app, obj)
		}
	}
	return out
}

func toRecord(kind *model.KindSpec, obj client.Object) Record {
	created := createdOf(obj)
	modified := created
	if t, err := time.Parse(time.RFC3339, obj.GetAnnotations()[LastModifiedAnnotation]); err == nil && t.After(created) {
		modified = t
	}
	return Record{ID: idOf(obj), User: kind.UserOf(obj), Created: created, LastModified: modified}
}
