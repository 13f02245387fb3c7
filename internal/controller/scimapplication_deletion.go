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
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	ctrl "sigs.k8s.io/controller-runtime"
	"sigs.k8s.io/controller-runtime/pkg/client"
	"sigs.k8s.io/controller-runtime/pkg/controller/controllerutil"
	"sigs.k8s.io/controller-runtime/pkg/log"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
	"github.com/andmoney/scim-operator/internal/scim/model"
)

// deletionStallAfter is how long a deletion retries Entra before it reports itself Stalled; it
// keeps retrying, slowly, and deletionPolicy: Orphan releases it at once.
const deletionStallAfter = 10 * time.Minute

// +kubebuilder:rbac:groups="",resources=namespaces,verbs=get

// reconcileDelete honours deletionPolicy for Entra and recordRetention for the records, then lets
// the object go. A Delete that cannot reach Entra keeps the finalizer and says why, Stalled once the
// cause is one only a person fixes (the tenant or its credentials are gone) or after
// deletionStallAfter; switching the policy to Orphan releases it. When the namespace itself is being
// deleted, nobody is left to fix anything: the Entra objects are left behind (the operator's log
// names them) rather than blocking the namespace forever.
//
// A deletion pass runs no steps. Its one reported failure is the Entra cleanup's (deleteFailed,
// classified as a step's fail is); an error of the Kubernetes API (deleting the records, removing
// the finalizer) is returned for backoff through the work queue, as a step's transient is.
func (r *ScimApplicationReconciler) reconcileDelete(ctx context.Context, app *v1.ScimApplication) (ctrl.Result, error) {
	if !controllerutil.ContainsFinalizer(app, v1.Finalizer) {
		return ctrl.Result{}, nil
	}
	if app.Spec.DeletionPolicy != v1.DeletionPolicyOrphan && app.Status.ServicePrincipalID != "" {
		graphCtx, cancel := r.Graph.graphContext(ctx)
		err := r.deleteInEntra(graphCtx, app)
		cancel()
		if err != nil {
			terminating, nsErr := r.namespaceTerminating(ctx, app.Namespace)
			if nsErr != nil || !terminating {
				return r.deleteFailed(ctx, app, errors.Join(err, nsErr))
			}
			// A terminating namespace takes no events: the operator's log is the record.
			log.FromContext(ctx).Info("Namespace is being deleted and the Entra objects could not be deleted; leaving them in Entra",
				"servicePrincipal", app.Status.ServicePrincipalID, "job", app.Status.JobID, "error", err.Error())
		}
	}
	if app.Spec.RecordRetention == v1.RecordRetentionDelete {
		if err := r.deleteRecords(ctx, app); err != nil {
			return ctrl.Result{}, err
		}
	}
	forgetObjectMetrics(kindOf(app), app.Namespace, app.Name)
	patch := client.MergeFrom(app.DeepCopy())
	controllerutil.RemoveFinalizer(app, v1.Finalizer)
	return ctrl.Result{}, client.IgnoreNotFound(r.Patch(ctx, app, patch))
}

// deleteFailed has patchStatus report a failed Entra cleanup (in Ready, and in Stalled when it
// needs a person) and plans the retry.
func (r *ScimApplicationReconciler) deleteFailed(ctx context.Context, app *v1.ScimApplication, err error) (ctrl.Result, error) {
	base := app.DeepCopy()
	o := classify(err, graph.PermissionApplicationOwnedBy, false)
	o.stalled = o.stalled || time.Since(app.DeletionTimestamp.Time) > deletionStallAfter
	logFailure(ctx, app, v1.ReadyCondition, o)
	if perr := r.patchStatus(ctx, base, &appScope{app: app, deletionFailure: &o}); perr != nil {
		return ctrl.Result{}, errors.Join(err, perr)
	}
	return requeue(o, err, r.PollInterval)
}

// namespaceTerminating reports whether the namespace is being deleted (read uncached: the operator
// watches no namespaces).
func (r *ScimApplicationReconciler) namespaceTerminating(ctx context.Context, name string) (bool, error) {
	ns := &corev1.Namespace{}
	if err := r.APIReader.Get(ctx, client.ObjectKey{Name: name}, ns); err != nil {
		return false, client.IgnoreNotFound(err)
	}
	return !ns.DeletionTimestamp.IsZero(), nil
}

func (r *ScimApplicationReconciler) deleteInEntra(ctx context.Context, app *v1.ScimApplication) error {
	tenant := &v1.ScimTenant{}
	if err := r.Get(ctx, client.ObjectKey{Namespace: app.Namespace, Name: app.Spec.TenantRef.Name}, tenant); err != nil {
		if apierrors.IsNotFound(err) {
			return &configError{reason: v1.TenantNotFoundReason,
				err: fmt.Errorf("ScimTenant %q not found in namespace %s", app.Spec.TenantRef.Name, app.Namespace)}
		}
		return fmt.Errorf("get ScimTenant %s: %w", app.Spec.TenantRef.Name, err)
	}
	gc, err := r.Graph.tenantClient(ctx, r.Client, r.APIReader, tenant)
	if err != nil {
		return err
	}
	st := app.Status
	if st.JobID != "" {
		if err := gc.DeleteJob(ctx, st.ServicePrincipalID, st.JobID); err != nil && !graph.IsNotFound(err) {
			return err
		}
	}
	if st.Origin == v1.OriginCreated && st.ApplicationObjectID != "" {
		if err := gc.DeleteApplication(ctx, st.ApplicationObjectID); err != nil && !graph.IsNotFound(err) {
			return err
		}
		r.Recorder.Eventf(app, nil, corev1.EventTypeNormal, "Deleted", "DeleteApplication",
			"Deleted enterprise application %s", st.ServicePrincipalID)
	}
	return nil
}

// deleteRecords deletes the records the application's SCIM endpoint created. An application of a kind no
// endpoint serves has none, but its deletion fails rather than delete records of another kind.
func (r *ScimApplicationReconciler) deleteRecords(ctx context.Context, app *v1.ScimApplication) error {
	kind, err := model.BuiltinKinds().Lookup(app.Spec.ResourceType)
	if err != nil {
		return fmt.Errorf("delete the records of %s: %w", app.Name, err)
	}
	err = r.DeleteAllOf(ctx, kind.NewObject(), client.InNamespace(app.Namespace),
		client.MatchingLabels{v1.ApplicationLabel: app.Name})
	if err != nil {
		return fmt.Errorf("delete the records of %s: %w", app.Name, err)
	}
	return nil
}
