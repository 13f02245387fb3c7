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

package main

import (
	"reflect"
	"testing"
)

func TestDocumentedValues(t *testing.T) {
	cases := map[string]struct {
		values string
		want   []value
	}{
		"comment, continuation and leaf": {
			values: "# -- The image.\n# Pulled by digest when set.\ndigest: \"\"\nreplicas: 2\n",
			want: []value{
				{key: "digest", typ: "string", def: "`\"\"`", description: "The image. Pulled by digest when set."},
				{key: "replicas", typ: "int", def: "`2`"},
			},
		},
		"nested map documented through its leaves": {
			values: "image:\n  # -- Repository.\n  repository: a/b\n  pullPolicy: Always\n",
			want: []value{
				{key: "image.repository", typ: "string", def: "`\"a/b\"`", description: "Repository."},
				{key: "image.pullPolicy", typ: "string", def: "`\"Always\"`"},
			},
		},
		"documented map and empty map": {
			values: "# -- Limits.\nkubeAPI:\n  qps: 5\nlabels: {}\n",
			want: []value{
				{key: "kubeAPI", typ: "object", def: "`{\"qps\":5}`", description: "Limits."},
				{key: "kubeAPI.qps", typ: "int", def: "`5`"},
				{key: "labels", typ: "object", def: "`{}`"},
			},
		},
		"keys inside list items belong to the list": {
			values: "from:\n- namespaceSelector:\n    matchLabels:\n      a: b\n",
			want:   []value{{key: "from", typ: "list", def: "`[{\"namespaceSelector\":{\"matchLabels\":{\"a\":\"b\"}}}]`"}},
		},
		"a blank line ends a comment; plain comments are not descriptions": {
			values: "# -- Orphaned.\n\n# A note.\nx: true\n",
			want:   []value{{key: "x", typ: "bool", def: "`true`"}},
		},
		"a flag at the start of a continuation line continues it": {
			values: "# -- Passed as\n# --flag-name.\nx: 1\n",
			want:   []value{{key: "x", typ: "int", def: "`1`", description: "Passed as --flag-name."}},
		},
		"pipes are escaped": {
			values: "# -- a|b\nre: \"x|y\"\n",
			want:   []value{{key: "re", typ: "string", def: "`\"x\\|y\"`", description: `a\|b`}},
		},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			got, err := documentedValues([]byte(tc.values))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
		})
	}
}
