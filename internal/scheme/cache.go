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

package scheme

import (
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/controller-runtime/pkg/cache"
	"sigs.k8s.io/controller-runtime/pkg/client"

	"github.com/andmoney/scim-operator/internal/credential"
)

// CacheOptions is the cache every manager of the operator runs with, cmd/main.go's and the tests' alike,
// so that a test sees what production caches. It keeps no managedFields: nothing here reads them (the
// controllers merge-patch, the SCIM store updates), and they are most of a cached record's memory
// (docs/benchmarks.md). Of Secrets it keeps the metadata of those that opt in with
// scim.andmoney.dk/secret-type, without annotations (credential.SecretCache). namespaces limits the
// cache to those namespaces; none means all.
func CacheOptions(namespaces ...string) cache.Options {
	var perNamespace map[string]cache.Config
	for _, ns := range namespaces {
		if perNamespace == nil {
			perNamespace = map[string]cache.Config{}
		}
		perNamespace[ns] = cache.Config{}
	}
	return cache.Options{
		DefaultTransform:  cache.TransformStripManagedFields(),
		DefaultNamespaces: perNamespace,
		ByObject:          map[client.Object]cache.ByObject{&corev1.Secret{}: credential.SecretCache()},
	}
}
