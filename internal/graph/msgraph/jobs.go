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
	"errors"
	"fmt"
	"strings"

	"github.com/microsoftgraph/msgraph-sdk-go/models"
	"github.com/microsoftgraph/msgraph-sdk-go/serviceprincipals"

	"github.com/andmoney/scim-operator/internal/graph"
)

func (c *Client) job(spID, jobID string) *serviceprincipals.ItemSynchronizationJobsSynchronizationJobItemRequestBuilder {
	return c.sp(spID).Synchronization().Jobs().BySynchronizationJobId(jobID)
}

// ListJobs lists the service principal's synchronization jobs.
func (c *Client) ListJobs(ctx context.Context, servicePrincipalID string) ([]graph.Job, error) {
	if err := requireIDs("list synchronization jobs", servicePrincipalID); err != nil {
		return nil, err
	}
	jobs := c.sp(servicePrincipalID).Synchronization().Jobs()
	fetch := func(next string) (models.SynchronizationJobCollectionResponseable, error) {
		if next != "" {
			res, err := jobs.WithUrl(next).Get(ctx, nil)
			return res, mapError("list synchronization jobs", err)
		}
		res, err := jobs.Get(ctx, nil)
		return res, mapError("list synchronization jobs", err)
	}
	return collectPages(fetch, keepAll(jobFromModel), 0)
}

// CreateJob creates a synchronization job from a template (graph.ScimJobTemplateID).
func (c *Client) CreateJob(ctx context.Context, servicePrincipalID, templateID string) (*graph.Job, error) {
	if err := requireIDs("create synchronization job", servicePrincipalID, templateID); err != nil {
		return nil, err
	}
	body := models.NewSynchronizationJob()
	body.SetTemplateId(&templateID)
	res, err := c.sp(servicePrincipalID).Synchronization().Jobs().Post(ctx, body, nil)
	if err != nil {
		return nil, mapError("create synchronization job", err)
	}
	if res == nil {
		return nil, errors.New("create synchronization job: empty answer")
	}
	j := jobFromModel(res)
	return &j, nil
}

// GetJob reads a job with its status.
func (c *Client) GetJob(ctx context.Context, servicePrincipalID, jobID string) (*graph.Job, error) {
	if err := requireIDs("get synchronization job", servicePrincipalID, jobID); err != nil {
		return nil, err
	}
	res, err := c.job(servicePrincipalID, jobID).Get(ctx, nil)
	if err != nil {
		return nil, mapError("get synchronization job", err)
	}
	if res == nil {
		return nil, errors.New("get synchronization job: empty answer")
	}
	j := jobFromModel(res)
	return &j, nil
}

// StartJob starts, resumes or releases a job from quarantine.
func (c *Client) StartJob(ctx context.Context, servicePrincipalID, jobID string) error {
	if err := requireIDs("start synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	return mapError("start synchronization job", c.job(servicePrincipalID, jobID).Start().Post(ctx, nil))
}

// PauseJob pauses a job.
func (c *Client) PauseJob(ctx context.Context, servicePrincipalID, jobID string) error {
	if err := requireIDs("pause synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	return mapError("pause synchronization job", c.job(servicePrincipalID, jobID).Pause().Post(ctx, nil))
}

// RestartJob restarts a job clearing resetScope, a comma-separated list of None,
// ConnectorDataStore, Escrows, Watermark, QuarantineState, Full, ForceDeletes (spaces allowed).
// An empty scope restarts without clearing state.
func (c *Client) RestartJob(ctx context.Context, servicePrincipalID, jobID, resetScope string) error {
	if err := requireIDs("restart synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	body := serviceprincipals.NewItemSynchronizationJobsItemRestartPostRequestBody()
	criteria := models.NewSynchronizationJobRestartCriteria()
	if strings.TrimSpace(resetScope) != "" {
		// The SDK's flags parser splits on "," without trimming (docs/graph.md §10.5-2).
		normalized := strings.Join(strings.Fields(strings.ReplaceAll(resetScope, ",", " ")), ",")
		parsed, _ := models.ParseSynchronizationJobRestartScope(normalized)
		scope, ok := parsed.(*models.SynchronizationJobRestartScope)
		if !ok || scope == nil {
			return fmt.Errorf("restart synchronization job: invalid reset scope %q", resetScope)
		}
		criteria.SetResetScope(scope)
	}
	body.SetCriteria(criteria)
	return mapError("restart synchronization job", c.job(servicePrincipalID, jobID).Restart().Post(ctx, body, nil))
}

// DeleteJob deletes a job; a job that is already gone is success.
func (c *Client) DeleteJob(ctx context.Context, servicePrincipalID, jobID string) error {
	if err := requireIDs("delete synchronization job", servicePrincipalID, jobID); err != nil {
		return err
	}
	return ignoreNotFound(mapError("delete synchronization job", c.job(servicePrincipalID, jobID).Delete(ctx, nil)))
}

// ValidateCredentials is the portal's "Test Connection": Entra probes the SCIM endpoint with
// the given BaseAddress and SecretToken. With no credentials the saved secrets are tested.
func (c *Client) ValidateCredentials(ctx context.Context, servicePrincipalID, jobID string, credentials []graph.Secret) error {
	if err := requireIDs("validate credentials", servicePrincipalID, jobID); err != nil {
		return err
	}
	body := serviceprincipals.NewItemSynchronizationJobsItemValidateCredentialsPostRequestBody()
	useSaved := len(credentials) == 0
	body.SetUseSavedCredentials(&useSaved)
	if !useSaved {
		body.SetCredentials(secretPairs(credentials))
	}
	return mapError("validate credentials", c.job(servicePrincipalID, jobID).ValidateCredentials().Post(ctx, body, nil))
}

// ProvisionOnDemand provisions one user now. Graph answers a key/value pair whose strings are
// JSON documents (docs/graph.md §6); they are decoded into the result.
func (c *Client) ProvisionOnDemand(ctx context.Context, servicePrincipalID, jobID, ruleID, userObjectID string) (*graph.OnDemandResult, error) {
	if err := requireIDs("provision on demand", servicePrincipalID, jobID, ruleID, userObjectID); err != nil {
		return nil, err
	}
	subject := models.NewSynchronizationJobSubject()
	subject.SetObjectId(&userObjectID)
	objectType := "User"
	subject.SetObjectTypeName(&objectType)
	parameters := models.NewSynchronizationJobApplicationParameters()
	parameters.SetRuleId(&ruleID)
	parameters.SetSubjects([]models.SynchronizationJobSubjectable{subject})
	body := serviceprincipals.NewItemSynchronizationJobsItemProvisionOnDemandPostRequestBody()
	body.SetParameters([]models.SynchronizationJobApplicationParametersable{parameters})
	res, err := c.job(servicePrincipalID, jobID).ProvisionOnDemand().Post(ctx, body, nil)
	if err != nil {
		return nil, mapError("provision on demand", err)
	}
	if res == nil {
		return nil, fmt.Errorf("provision on demand: empty answer")
	}
	return parseOnDemand(deref(res.GetKey()), deref(res.GetValue())), nil
}
