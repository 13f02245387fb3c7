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

package msgraph_test

import (
	"context"
	"testing"

	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/graph/msgraph"
)

// BenchmarkSteadyStateReads measures the reads a steady-state resync makes (job status and
// schema) through the SDK stack against the in-process simulator over TLS.
func BenchmarkSteadyStateReads(b *testing.B) {
	e := newEnv(b)
	ctx := context.Background()
	c, err := msgraph.NewFactory(testOptions()...).ForTenant(ctx, "bench", secretCredentials(), e.endpoints)
	if err != nil {
		b.Fatal(err)
	}
	sp, err := c.InstantiateApplication(ctx, "advisors")
	if err != nil {
		b.Fatal(err)
	}
	job, err := c.CreateJob(ctx, sp.ID, graph.ScimJobTemplateID)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := c.GetJob(ctx, sp.ID, job.ID); err != nil {
			b.Fatal(err)
		}
		if _, err := c.GetSchema(ctx, sp.ID, job.ID); err != nil {
			b.Fatal(err)
		}
	}
}
