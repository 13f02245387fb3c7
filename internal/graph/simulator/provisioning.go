package simulator

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
)

// ErrJobNotFound is returned by test hooks for an unknown job id.
var ErrJobNotFound = errors.New("simulator: synchronization job not found")

// ErrJobNotStarted is returned by RunCycle for a job whose schedule is not Active.
var ErrJobNotStarted = errors.New("simulator: synchronization job is not started")

// ErrCycleInProgress is returned by RunCycle while another cycle of the job runs.
var ErrCycleInProgress = errors.New("simulator: a cycle of this job is already running")

// QuarantineFault describes a quarantine forced by a test.
type QuarantineFault struct {
	// Reason is a synchronizationQuarantine reason; default EncounteredQuarantineException.
	Reason string
	// ErrorCode defaults to SystemForCrossDomainIdentityManagementInvalidCredentials.
	ErrorCode string
	Message   string
}

// Notification is a failure e-mail the service would have sent because the job's
// SyncNotificationSettings had Enabled set (§4.1).
type Notification struct {
	Time       time.Time
	JobID      string
	Recipients string
	Subject    string
}

// quarantineBackoff is the delay before the first retry of a quarantined job; it doubles
// per series up to a day, as Entra slows quarantined jobs down to once a day.
const (
	quarantineBackoff    = 5 * time.Minute
	maxQuarantineBackoff = 24 * time.Hour
)

// RunCycle runs one provisioning cycle of a started job now: it tests the connection to the
// SCIM endpoint (see WithSCIMProbe), then exports every user whose mapped values changed since
// the last cycle to the endpoint (see the engine in engine.go), records a provisioning log
// entry per exported user and the counts in the job status. A 401/403 from the endpoint, a
// failed connection test or a forced fault fail the cycle and quarantine the job.
func (s *Simulator) RunCycle(ctx context.Context, jobID string) (TaskExecution, error) {
	s.mu.Lock()
	_, j := s.jobByIDLocked(jobID)
	if j == nil {
		s.mu.Unlock()
		return TaskExecution{}, fmt.Errorf("run cycle of %q: %w", jobID, ErrJobNotFound)
	}
	if j.schedule.State != ScheduleActive {
		s.mu.Unlock()
		return TaskExecution{}, fmt.Errorf("run cycle of %q: %w", jobID, ErrJobNotStarted)
	}
	if j.cycleRunning {
		s.mu.Unlock()
		return TaskExecution{}, fmt.Errorf("run cycle of %q: %w", jobID, ErrCycleInProgress)
	}
	j.cycleRunning = true
	sp := s.servicePrincipals[j.spID]
	baseAddress, token := secretValue(sp.secrets, "BaseAddress"), secretValue(sp.secrets, "SecretToken")
	forced := j.pendingQuarantine
	j.pendingQuarantine = nil
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		j.cycleRunning = false
		s.mu.Unlock()
	}()

	began := s.now()
	var probeErr error
	if forced == nil {
		probeErr = s.probeSCIM(ctx, "cycle", baseAddress, token)
	}
	if forced != nil || probeErr != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		sp, j = s.jobByIDLocked(jobID)
		if j == nil {
			return TaskExecution{}, fmt.Errorf("run cycle of %q: %w", jobID, ErrJobNotFound)
		}
		if forced != nil {
			syncErr := forced.syncError()
			s.recordExecutionFailureLocked(j, began, syncErr)
			s.quarantineLocked(sp, j, forced.reason(), syncErr)
		} else {
			s.recordFailureLocked(sp, j, began, cycleFailureError(probeErr))
		}
		return *j.status.LastExecution, nil
	}

	return s.exportCycle(ctx, jobID, began, baseAddress, token)
}

// exportCycle is the part of a cycle after a successful connection test: plan under the lock,
// send the requests without it, apply the results under it again.
func (s *Simulator) exportCycle(ctx context.Context, jobID string, began time.Time, baseAddress, token string) (TaskExecution, error) {
	s.mu.Lock()
	sp, j := s.jobByIDLocked(jobID)
	s.mu.Unlock()
	if j == nil {
		return TaskExecution{}, fmt.Errorf("run cycle of %q: %w", jobID, ErrJobNotFound)
	}
	var execution *TaskExecution
	var work []exportWork
	var exporter *scimExporter
	var exporterErr error
	var tooMany *SyncError
	func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		execution = &TaskExecution{ActivityIdentifier: s.newGUIDLocked(), State: "Succeeded", TimeBegan: formatTime(began)}
		work = s.planCycleLocked(j, sp, execution)
		exporter, exporterErr = newSCIMExporter(s.exportClientLocked(), baseAddress, token, jobID, s.now)
		if threshold, enabled := deleteThreshold(sp); enabled && !j.forceDeletes && countDeletions(work) > threshold {
			tooMany = &SyncError{Code: "TooManyDeletes", TenantActionable: true, Message: fmt.Sprintf(
				"The cycle would disable or delete %d users, more than the accidental deletions threshold of %d. Restart the job with ForceDeletes to let them through.",
				countDeletions(work), threshold)}
		}
		j.forceDeletes = false
	}()
	if tooMany != nil {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.recordExecutionFailureLocked(j, began, tooMany)
		s.quarantineLocked(sp, j, QuarantineTooManyDeletes, tooMany)
		return *j.status.LastExecution, nil
	}

	var results []exportResult
	var abort error
	if exporterErr == nil {
		for i := range work {
			r := work[i].execute(ctx, exporter)
			results = append(results, r)
			if r.abort != nil {
				abort = r.abort
				break
			}
		}
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if exporter != nil {
		s.scimRequests = append(s.scimRequests, exporter.requests...)
	}
	sp, j = s.jobByIDLocked(jobID)
	if j == nil {
		return TaskExecution{}, fmt.Errorf("run cycle of %q: %w", jobID, ErrJobNotFound)
	}
	for _, r := range results {
		applyResultLocked(j, r)
		r.change.cycleID, r.change.initiatedBy = execution.ActivityIdentifier, "Azure AD Provisioning Service"
		if r.abort != nil {
			s.appendLogLocked(sp, j, r.change, began)
			continue
		}
		countResult(execution, r)
		if r.change.action != "other" && r.change.status != "skipped" {
			s.appendLogLocked(sp, j, r.change, began)
		}
	}
	switch {
	case exporterErr != nil:
		s.recordFailureLocked(sp, j, began, cycleFailureError(&SCIMProbeError{URL: baseAddress, Err: exporterErr}))
	case abort != nil:
		var statusErr *scimStatusError
		_ = errors.As(abort, &statusErr)
		s.recordFailureLocked(sp, j, began, cycleFailureError(&SCIMProbeError{URL: statusErr.URL, StatusCode: statusErr.StatusCode, Err: abort}))
	default:
		s.recordSuccessLocked(j, execution)
	}
	return *j.status.LastExecution, nil
}

// planCycleLocked lists the work of a cycle: every user whose mapped values changed, every
// exported user that left scope, every exported user that was hard-deleted. It counts the
// imported and entitled users into execution. Caller holds s.mu.
func (s *Simulator) planCycleLocked(j *job, sp *servicePrincipal, execution *TaskExecution) []exportWork {
	userMapping, err := j.mappingFor("User")
	if err != nil || !userMapping.Enabled {
		return nil
	}
	var work []exportWork
	for _, id := range s.userOrder {
		u := s.users[id]
		execution.CountImported++
		inScope := s.inScopeLocked(sp, id) && !u.SoftDeleted && !u.Disabled
		if inScope {
			execution.CountEntitled++
			execution.CountEntitledForProvisioning++
		}
		if w, needed := s.planUserLocked(j, userMapping, u, inScope, false); needed {
			work = append(work, w)
		}
	}
	var deleted []string
	for id := range j.exported {
		if _, exists := s.users[id]; !exists && !s.isGroupLocked(id) {
			deleted = append(deleted, id)
		}
	}
	sort.Strings(deleted)
	for _, id := range deleted {
		work = append(work, planDelete(id, j.exported[id], userMapping.TargetObjectName))
	}
	return work
}

// deleteThreshold reads the accidental-deletions threshold from SyncNotificationSettings.
func deleteThreshold(sp *servicePrincipal) (int, bool) {
	var settings struct {
		DeleteThresholdEnabled any `json:"DeleteThresholdEnabled"`
		DeleteThresholdValue   any `json:"DeleteThresholdValue"`
	}
	if json.Unmarshal([]byte(secretValue(sp.secrets, "SyncNotificationSettings")), &settings) != nil {
		return 0, false
	}
	enabled := strings.EqualFold(fmt.Sprint(settings.DeleteThresholdEnabled), "true")
	value, err := strconv.Atoi(fmt.Sprint(settings.DeleteThresholdValue))
	return value, enabled && err == nil && value > 0
}

// countDeletions counts the disables and deletes a cycle would export.
func countDeletions(work []exportWork) int {
	n := 0
	for _, w := range work {
		if w.hardDeleted || (!w.inScope && w.failed == nil) {
			n++
		}
	}
	return n
}

func (s *Simulator) isGroupLocked(id string) bool {
	_, ok := s.groups[id]
	return ok
}

// countResult adds one export's outcome to the cycle's counts.
func countResult(execution *TaskExecution, r exportResult) {
	for _, req := range r.change.requests {
		if req.IsWrite() {
			execution.CountExports++
		}
	}
	switch {
	case r.change.status == "failure":
		execution.CountEscrowed++
		execution.CountEscrowedRaw++
		execution.State = "EntryLevelErrors"
	case r.change.action != "other" && r.change.status == "success":
		execution.CountExported++
	}
}

// ExportFailure is how the SCIM target rejects a user in a cycle.
type ExportFailure struct {
	// ErrorCode is the provisioning log's errorCode, e.g. SystemForCrossDomainIdentityManagementBadResponse.
	ErrorCode string
	Reason    string
}

// FailExports makes every following cycle fail to export the user, as a SCIM endpoint that keeps
// rejecting one object does; ClearExportFailures undoes it.
func (s *Simulator) FailExports(userID string, failure ExportFailure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.exportFailures[userID] = failure
}

// ClearExportFailures lets every user export again.
func (s *Simulator) ClearExportFailures() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.exportFailures)
}

// RunDueCycles runs the cycles that WithAutomaticCycles has made due by the clock.
func (s *Simulator) RunDueCycles(ctx context.Context) {
	s.runDueCycles(ctx, "", "")
}

// runDueCycles runs due cycles, optionally only of one service principal or one job.
func (s *Simulator) runDueCycles(ctx context.Context, spID, jobID string) {
	if !s.cfg.automaticCycles {
		return
	}
	s.mu.Lock()
	now := s.now()
	var due []string
	for _, id := range s.spOrder {
		if spID != "" && id != spID {
			continue
		}
		for _, j := range s.servicePrincipals[id].jobs {
			if (jobID == "" || j.id == jobID) && j.schedule.State == ScheduleActive && !now.Before(j.nextCycle) {
				due = append(due, j.id)
			}
		}
	}
	s.mu.Unlock()
	for _, id := range due {
		// A concurrent request may have run it already; errors only mean "not due any more".
		_, _ = s.RunCycle(ctx, id)
	}
}

func (s *Simulator) jobByIDLocked(jobID string) (*servicePrincipal, *job) {
	sp, ok := s.servicePrincipals[s.jobOwners[jobID]]
	if !ok {
		return nil, nil
	}
	for _, j := range sp.jobs {
		if j.id == jobID {
			return sp, j
		}
	}
	return nil, nil
}

// recordFailureLocked records a failed cycle and quarantines the job once the configured
// number of successive failures is reached.
func (s *Simulator) recordFailureLocked(sp *servicePrincipal, j *job, began time.Time, syncErr *SyncError) {
	s.recordExecutionFailureLocked(j, began, syncErr)
	if j.status.CountSuccessiveCompleteFailures >= int64(s.cfg.quarantineAfter) {
		s.quarantineLocked(sp, j, QuarantineEncounteredQuarantineException, syncErr)
	}
}

func (s *Simulator) recordExecutionFailureLocked(j *job, began time.Time, syncErr *SyncError) {
	j.status.LastExecution = &TaskExecution{
		ActivityIdentifier: s.newGUIDLocked(), State: "Failed",
		TimeBegan: formatTime(began), TimeEnded: formatTime(s.now()), Error: syncErr,
	}
	j.status.CountSuccessiveCompleteFailures++
	j.nextCycle = s.now().Add(s.cfg.cycleInterval)
}

// quarantineLocked puts the job into (or keeps it in) quarantine with exponential back-off.
func (s *Simulator) quarantineLocked(sp *servicePrincipal, j *job, reason string, syncErr *SyncError) {
	now := s.now()
	q := j.status.Quarantine
	if q == nil {
		q = &Quarantine{SeriesBegan: formatTime(now)}
		s.notifyLocked(sp, j, reason, syncErr)
	}
	q.SeriesCount++
	backoff := min(quarantineBackoff<<min(q.SeriesCount-1, 20), maxQuarantineBackoff)
	q.CurrentBegan = formatTime(now)
	q.NextAttempt = formatTime(now.Add(backoff))
	q.Reason = reason
	q.Error = syncErr
	j.status.Quarantine = q
	j.status.Code = StatusQuarantine
	j.nextCycle = now.Add(backoff)
}

// notifyLocked records the failure e-mail Entra sends when a job enters quarantine.
func (s *Simulator) notifyLocked(sp *servicePrincipal, j *job, reason string, syncErr *SyncError) {
	raw := secretValue(sp.secrets, "SyncNotificationSettings")
	if raw == "" {
		return
	}
	var settings map[string]any
	if err := json.Unmarshal([]byte(raw), &settings); err != nil {
		return
	}
	enabled := false
	switch v := settings["Enabled"].(type) {
	case bool:
		enabled = v
	case string:
		enabled = strings.EqualFold(v, "true")
	}
	recipients, _ := settings["Recipients"].(string)
	if !enabled || recipients == "" {
		return
	}
	subject := fmt.Sprintf("Provisioning for %s has been quarantined (%s)", sp.displayName, reason)
	if syncErr != nil {
		subject += ": " + syncErr.Code
	}
	s.notifications = append(s.notifications, Notification{Time: s.now(), JobID: j.id, Recipients: recipients, Subject: subject})
}

// recordSuccessLocked records a cycle that reached the end; entry-level errors (escrows) keep
// it from counting as steady state.
func (s *Simulator) recordSuccessLocked(j *job, execution *TaskExecution) {
	now := s.now()
	execution.TimeEnded = formatTime(now)
	j.status.LastExecution = execution
	j.status.LastSuccessfulExecution = execution
	if execution.CountExported > 0 {
		j.status.LastSuccessfulExecutionWithExports = execution
	}
	j.status.Code = StatusActive
	j.status.CountSuccessiveCompleteFailures = 0
	j.status.Quarantine = nil
	if execution.CountEscrowed == 0 {
		if j.status.SteadyStateFirstAchievedTime == neverTime {
			j.status.SteadyStateFirstAchievedTime = formatTime(now)
		}
		j.status.SteadyStateLastAchievedTime = formatTime(now)
	}
	users := int64(0)
	for id := range j.exported {
		if !s.isGroupLocked(id) {
			users++
		}
	}
	j.status.SynchronizedEntryCountByType = []KeyCount{{Key: "User to " + targetUserObject, Value: users}}
	j.nextCycle = now.Add(s.cfg.cycleInterval)
}

// applyMapping evaluates every attribute mapping of om against source attributes.
func applyMapping(om *objectMapping, source map[string]string) map[string]string {
	target := map[string]string{}
	for _, am := range om.AttributeMappings {
		if v, ok := am.Source.evaluate(source); ok {
			target[am.TargetAttributeName] = v
		} else if am.DefaultValue != nil {
			target[am.TargetAttributeName] = *am.DefaultValue
		}
	}
	return target
}

func diffAttributes(previous, current map[string]string) []ModifiedProperty {
	var changes []ModifiedProperty
	names := make([]string, 0, len(current))
	for name := range current {
		names = append(names, name)
	}
	for name := range previous {
		if _, ok := current[name]; !ok {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	for _, name := range names {
		oldValue, hadOld := previous[name]
		newValue, hasNew := current[name]
		if hadOld == hasNew && oldValue == newValue {
			continue
		}
		change := ModifiedProperty{DisplayName: name}
		if hadOld {
			change.OldValue = &oldValue
		}
		if hasNew {
			change.NewValue = &newValue
		}
		changes = append(changes, change)
	}
	return changes
}

// QuarantineJob forces a job into quarantine now, as the service does for critical errors.
func (s *Simulator) QuarantineJob(jobID string, fault QuarantineFault) error {
	if err := fault.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	sp, j := s.jobByIDLocked(jobID)
	if j == nil {
		return fmt.Errorf("quarantine %q: %w", jobID, ErrJobNotFound)
	}
	s.quarantineLocked(sp, j, fault.reason(), fault.syncError())
	return nil
}

// QuarantineOnNextCycle makes the job's next cycle fail with fault and quarantine it.
func (s *Simulator) QuarantineOnNextCycle(jobID string, fault QuarantineFault) error {
	if err := fault.validate(); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	_, j := s.jobByIDLocked(jobID)
	if j == nil {
		return fmt.Errorf("quarantine %q on next cycle: %w", jobID, ErrJobNotFound)
	}
	j.pendingQuarantine = &fault
	return nil
}

func (f QuarantineFault) validate() error {
	if f.Reason != "" && !quarantineReasons[f.Reason] {
		return fmt.Errorf("simulator: unknown quarantine reason %q", f.Reason)
	}
	return nil
}

func (f QuarantineFault) reason() string {
	if f.Reason == "" {
		return QuarantineEncounteredQuarantineException
	}
	return f.Reason
}

func (f QuarantineFault) syncError() *SyncError {
	code, message := f.ErrorCode, f.Message
	if code == "" {
		code = CodeInvalidCredentials
	}
	if message == "" {
		message = "Please provide valid credentials for your application."
	}
	return &SyncError{Code: code, Message: message, TenantActionable: true}
}
