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
	"context"
	"time"

	"github.com/microsoftgraph/msgraph-sdk-go/auditlogs"
	"github.com/microsoftgraph/msgraph-sdk-go/models"

	"github.com/andmoney/scim-operator/internal/graph"
)

// defaultFailureLimit is ListProvisioningFailures' limit when the caller passes none.
const defaultFailureLimit = 50

// ListProvisioningFailures lists the job's failed provisioning log entries after since, newest
// first, at most limit (default 50). Enum values Graph spells unexpectedly come back empty.
func (c *Client) ListProvisioningFailures(ctx context.Context, jobID string, since time.Time, limit int) ([]graph.ProvisioningEvent, error) {
	if err := requireIDs("list provisioning logs", jobID); err != nil {
		return nil, err
	}
	if limit <= 0 {
		limit = defaultFailureLimit
	}
	filter := "jobId eq '" + quote(jobID) + "' and provisioningStatusInfo/status eq 'failure'"
	if !since.IsZero() {
		filter += " and activityDateTime gt " + since.UTC().Format(time.RFC3339Nano)
	}
	top := int32(min(limit, 999))
	fetch := func(next string) (models.ProvisioningObjectSummaryCollectionResponseable, error) {
		if next != "" {
			res, err := c.provisioning.WithUrl(next).Get(ctx, nil)
			return res, mapError("list provisioning logs", err)
		}
		res, err := c.provisioning.Get(ctx, &auditlogs.ProvisioningRequestBuilderGetRequestConfiguration{
			QueryParameters: &auditlogs.ProvisioningRequestBuilderGetQueryParameters{
				Filter: &filter, Orderby: []string{"activityDateTime desc"}, Top: &top,
			},
		})
		return res, mapError("list provisioning logs", err)
	}
	return collectPages(fetch, keepAll(provisioningEventFromModel), limit)
}
