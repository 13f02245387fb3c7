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
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
	"github.com/andmoney/scim-operator/internal/graph"
)

// outcome is how a failed step wants to be retried.
type outcome struct {
	reason  string
	message string
	// retryAfter > 0 requeues after that long without an error (throttling, replication lag).
	retryAfter time.Duration
	// stalled marks configuration errors: nothing improves until the spec, a Secret or Entra
	// changes, so the controller polls slowly instead of backing off fast.
	stalled bool
}

// replicationRetry is how long to wait for Entra's directory replication after a create.
const replicationRetry = 5 * time.Second

// classify turns a step's error into a condition reason and a retry plan. permission names the Graph
// application permission the call needs, for the message of a 403.
func classify(err error, permission string, recentlyCreated bool) outcome {
	if ce, ok := errors.AsType[*configError](err); ok {
		return outcome{reason: ce.reason, message: ce.Error(), stalled: true}
	}
	if se, ok := errors.AsType[*secretError](err); ok {
		return outcome{reason: se.reason, message: se.Error(), stalled: true}
	}
	ge, ok := graph.AsError(err)
	if !ok {
		return outcome{reason: v1.GraphErrorReason, message: err.Error()}
	}
	switch {
	case recentlyCreated && graph.IsReplicationLag(err):
		return outcome{reason: v1.ProgressingReason, retryAfter: replicationRetry,
			message: "waiting for Entra to replicate the new application: " + ge.Error()}
	case graph.IsThrottled(err):
		wait := ge.RetryAfter
		if wait <= 0 {
			wait = 30 * time.Second
		}
		return outcome{reason: v1.ThrottledReason, retryAfter: wait, message: ge.Error()}
	case graph.IsInvalidCredentials(err):
		return outcome{reason: v1.InvalidCredentialsReason, stalled: true,
			message: "Entra rejected the credentials of the app registration: " + ge.Error()}
	case graph.IsForbidden(err):
		return outcome{reason: v1.ForbiddenReason, stalled: true,
			message: fmt.Sprintf("Graph denied the call; grant the application permission %s and admin consent: %s", permission, ge.Message)}
	case graph.IsUnreachable(err):
		return outcome{reason: v1.UnreachableReason, message: ge.Error()}
	}
	return outcome{reason: v1.GraphErrorReason, message: ge.Error()}
}

// jitter spreads polls of many objects over ±10% so they do not hit Graph in bursts.
func jitter(d time.Duration) time.Duration {
	return d + time.Duration((rand.Float64()*0.2-0.1)*float64(d)) //nolint:gosec // jitter needs no crypto randomness.
}
