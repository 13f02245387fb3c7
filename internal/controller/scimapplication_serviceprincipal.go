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

package controller

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/controller-runtime/pkg/client"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// reconcileServicePrincipal adopts spec.servicePrincipalID, reuses the one in status, or creates the
// application from the non-gallery template.
func (r *ScimApplicationReconciler) reconcileServicePrincipal(ctx context.Context, s *appScope) *stepFailure {
	app, st := s.app, &s.app.Status
	want := app.Spec.ServicePrincipalID
	if want == "" {
		want = st.ServicePrincipalID
	}
	if created := app.Annotations[v1.CreatedServicePrincipalAnnotation]; want == "" && created != "" {
		want, st.Origin = created, v1.OriginCreated // status was lost; the annotation remembers
	}
	if want != "" && want == st.ServicePrincipalID && st.ApplicationID != "" {
		return nil // known; a vanished application shows up as a 404 of its job
	}
	if want != "" {
		sp, err := s.graph.GetServicePrincipal(ctx, want)
		if err != nil {
			return s.fail(v1.ServicePrincipalReadyCondition, err, graph.PermissionApplicationRead)
		}
		if app.Spec.ServicePrincipalID != "" && st.ServicePrincipalID != want {
			st.Origin = v1.OriginAdopted
		}
		recordServicePrincipal(st, sp)
		s.principal = sp
		return nil
	}
	name := app.Spec.DisplayName
	if name == "" {
		name = app.Name
	}
	// A previous pass may have created the application and then failed to record it (the API server
	// was down): the marker finds it, instead of creating a second one.
	marker := creationMarker(app)
	sp, err := s.graph.FindTaggedApplication(ctx, name, marker)
	if err != nil {
		return s.fail(v1.ServicePrincipalReadyCondition, err, graph.PermissionApplicationOwnedBy)
	}
	if sp == nil {
		if sp, err = s.graph.InstantiateApplication(ctx, name); err != nil {
			return s.fail(v1.ServicePrincipalReadyCondition, err, graph.PermissionApplicationOwnedBy)
		}
		if err := tagCreated(ctx, s.graph, sp.ApplicationObjectID, marker); err != nil {
			// Recorded below it is found all the same; only a failure of both could leave it behind.
			r.Recorder.Eventf(app, nil, corev1.EventTypeWarning, "TagFailed", "TagApplication",
				"Could not mark enterprise application %s as this object's: %v", sp.ID, err)
		}
	}
	if err := r.annotateCreated(ctx, app, sp.ID); err != nil {
		return transient(err)
	}
	st.Origin = v1.OriginCreated
	recordServicePrincipal(st, sp)
	s.principal, s.principalCreated, s.principalName = sp, true, name
	r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Created", "CreateApplication",
		"Created enterprise application %s (service principal %s)", name, sp.ID)
	// Stop here, so that the application is on record (annotation and status) before anything else is
	// created for it; the annotation's change usually starts the next pass before the wait is over.
	return waitFor(replicationRetry, errCreatedApplication)
}

// creationMarker is the tag the operator puts on an application it creates: the ScimApplication's
// UID, unique per object and stable across passes.
func creationMarker(app *v1.ScimApplication) string {
	return "scim-operator:" + string(app.UID)
}

// tagCreated marks a new application, waiting out Entra's replication (a just-created application
// can answer 404 for seconds) until the reconcile's deadline.
func tagCreated(ctx context.Context, gc graph.Client, applicationObjectID, marker string) error {
	for {
		err := gc.TagApplication(ctx, applicationObjectID, []string{marker})
		if err == nil || !graph.IsReplicationLag(err) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(time.Second):
		}
	}
}

// errCreatedApplication is why a pass ends right after the application was created and recorded.
var errCreatedApplication = errors.New("created the enterprise application")

// annotateCreated records the created service principal on the object itself, keeping the status
// this reconcile has computed so far (a patch answers with the stored object, status included).
func (r *ScimApplicationReconciler) annotateCreated(ctx context.Context, app *v1.ScimApplication, spID string) error {
	status := app.Status.DeepCopy()
	patch := client.MergeFrom(app.DeepCopy())
	metav1.SetMetaDataAnnotation(&app.ObjectMeta, v1.CreatedServicePrincipalAnnotation, spID)
	err := r.Patch(ctx, app, patch)
	app.Status = *status
	if err != nil {
		return fmt.Errorf("record the created service principal %s: %w", spID, err)
	}
	return nil
}

func recordServicePrincipal(st *v1.ScimApplicationStatus, sp *graph.ServicePrincipal) {
	st.ServicePrincipalID, st.ApplicationID, st.ApplicationObjectID = sp.ID, sp.AppID, sp.ApplicationObjectID
}
