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
	"errors"
	"io"
	"net"
	"syscall"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	utilnet "k8s.io/apimachinery/pkg/util/net"
	logf "sigs.k8s.io/controller-runtime/pkg/log"
)

// ErrUnavailable means the API server did not answer in time or could not serve: the client should try
// again later (503 with Retry-After). What the request asked for may still happen: an ambiguous create is
// finished in the background, so a retry's match lookup finds the record (see Store.Create).
var ErrUnavailable = errors.New("the API server is unavailable")

// ErrUserNameInFlight means another request is renaming the record, or the record that holds the
// userName, right now: the outcome is open, so the client should try again later rather than be told the
// userName is taken.
var ErrUserNameInFlight = errors.New("the userName is being written by another request")

// IsUnavailable reports whether err means the API server did not (or could not) answer: a timeout, a
// refused or broken connection, overload or a server-side failure. Those are worth a retry; a 4xx is not.
func IsUnavailable(err error) bool {
	if err == nil {
		return false
	}
	if errors.Is(err, ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	if apierrors.IsTimeout(err) || apierrors.IsServerTimeout(err) || apierrors.IsServiceUnavailable(err) ||
		apierrors.IsTooManyRequests(err) || apierrors.IsInternalError(err) || apierrors.IsUnexpectedServerError(err) {
		return true
	}
	var status apierrors.APIStatus
	if errors.As(err, &status) {
		return false // Any other answer of the API server is a definite one.
	}
	var netErr net.Error
	return errors.As(err, &netErr) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF) || utilnet.IsConnectionReset(err) || utilnet.IsProbableEOF(err)
}

// ambiguous reports whether a failed write may still have landed: the API server answered nothing
// definite. A 429 means it was turned away before anything was written.
func ambiguous(err error) bool {
	return IsUnavailable(err) && !apierrors.IsTooManyRequests(err)
}

// unavailable wraps an error that IsUnavailable recognises so that callers need only check ErrUnavailable.
func unavailable(err error) error {
	if IsUnavailable(err) && !errors.Is(err, ErrUnavailable) {
		return errors.Join(ErrUnavailable, err)
	}
	return err
}

// budget returns the context for a request's main work: ctx with its deadline brought forward by
// CleanupTimeout, so that resolving an ambiguous write still fits in the request's
// time and the answer goes out before the HTTP server's write timeout.
func (s *Store) budget(ctx context.Context) (context.Context, context.CancelFunc) {
	if d, ok := ctx.Deadline(); ok {
		return context.WithDeadline(ctx, d.Add(-s.opts.CleanupTimeout))
	}
	return context.WithCancel(ctx)
}

// cleanup returns the context for resolving and releasing after the main work: CleanupTimeout long,
// not cancelled with the request (a cancelled request is one reason to get here), and never past the
// request's own deadline by more than CleanupTimeout.
func (s *Store) cleanup(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), s.opts.CleanupTimeout)
}

// later runs fn in the background until it succeeds, with a short, growing interval, for at most
// ResolveFor: the work a request could not finish while the API server was away (ending a half-done
// rename), done as soon as the API server is back. At most MaxPending run at once; beyond that the work
// is dropped, and the rename is finished by the next request that meets it or abandoned after RenameGrace.
func (s *Store) later(ctx context.Context, what string, fn func(context.Context) error) {
	log := logf.FromContext(ctx).WithValues("work", what)
	select {
	case s.pending <- struct{}{}:
	default:
		log.Info("Too much work waits for the API server; dropping some")
		return
	}
	go func() {
		defer func() { <-s.pending }()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.opts.ResolveFor)
		defer cancel()
		interval := 100 * time.Millisecond
		for {
			attempt, cancelAttempt := context.WithTimeout(ctx, s.opts.CleanupTimeout)
			err := fn(attempt)
			cancelAttempt()
			if err == nil {
				log.V(1).Info("Finished work left by a request while the API server was unavailable")
				return
			}
			t := time.NewTimer(interval)
			select {
			case <-ctx.Done():
				t.Stop()
				log.Error(err, "Gave up on work left by a request while the API server was unavailable")
				return
			case <-t.C:
			}
			interval = min(2*interval, time.Second)
		}
	}()
}
