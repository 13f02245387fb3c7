package simulator

import "time"

// Job status codes (synchronizationStatus.code, §3.7).
const (
	StatusNotConfigured = "NotConfigured"
	StatusNotRun        = "NotRun"
	StatusActive        = "Active"
	StatusPaused        = "Paused"
	StatusQuarantine    = "Quarantine"
)

// Schedule states (synchronizationSchedule.state).
const (
	ScheduleActive   = "Active"
	ScheduleDisabled = "Disabled"
	SchedulePaused   = "Paused"
)

// Quarantine reasons (synchronizationQuarantine.reason).
const (
	QuarantineEncounteredBaseEscrowThreshold       = "EncounteredBaseEscrowThreshold"
	QuarantineEncounteredTotalEscrowThreshold      = "EncounteredTotalEscrowThreshold"
	QuarantineEncounteredEscrowProportionThreshold = "EncounteredEscrowProportionThreshold"
	QuarantineEncounteredQuarantineException       = "EncounteredQuarantineException"
	QuarantineUnknown                              = "Unknown"
	QuarantineQuarantinedOnDemand                  = "QuarantinedOnDemand"
	QuarantineTooManyDeletes                       = "TooManyDeletes"
	QuarantineIngestionInterrupted                 = "IngestionInterrupted"
)

// Error codes the provisioning service reports for SCIM endpoint problems. The
// credential-validation code is Inferred (docs/graph.md §11.3) and configurable.
const (
	CodeInvalidCredentials              = "SystemForCrossDomainIdentityManagementInvalidCredentials"
	CodeCredentialValidationUnavailable = "SystemForCrossDomainIdentityManagementCredentialValidationUnavailable"
	CodeServiceIncompatible             = "SystemForCrossDomainIdentityManagementServiceIncompatible"
)

var quarantineReasons = map[string]bool{
	QuarantineEncounteredBaseEscrowThreshold: true, QuarantineEncounteredTotalEscrowThreshold: true,
	QuarantineEncounteredEscrowProportionThreshold: true, QuarantineEncounteredQuarantineException: true,
	QuarantineUnknown: true, QuarantineQuarantinedOnDemand: true, QuarantineTooManyDeletes: true,
	QuarantineIngestionInterrupted: true,
}

// neverTime is how the service writes "never" for steady-state times.
const neverTime = "0001-01-01T00:00:00Z"

// notStartedInterval is .NET TimeSpan.MaxValue, the interval of a job never started (§3.1).
const notStartedInterval = "P10675199DT2H48M5.4775807S"

// JobStatus is synchronizationJob.status as Graph serialises it.
type JobStatus struct {
	Code                               string         `json:"code"`
	CountSuccessiveCompleteFailures    int64          `json:"countSuccessiveCompleteFailures"`
	EscrowsPruned                      bool           `json:"escrowsPruned"`
	LastExecution                      *TaskExecution `json:"lastExecution"`
	LastSuccessfulExecution            *TaskExecution `json:"lastSuccessfulExecution"`
	LastSuccessfulExecutionWithExports *TaskExecution `json:"lastSuccessfulExecutionWithExports"`
	Progress                           []any          `json:"progress"`
	Quarantine                         *Quarantine    `json:"quarantine"`
	SteadyStateFirstAchievedTime       string         `json:"steadyStateFirstAchievedTime"`
	SteadyStateLastAchievedTime        string         `json:"steadyStateLastAchievedTime"`
	SynchronizedEntryCountByType       []KeyCount     `json:"synchronizedEntryCountByType"`
	TroubleshootingURL                 *string        `json:"troubleshootingUrl"`
}

// TaskExecution is synchronizationTaskExecution: one provisioning cycle.
type TaskExecution struct {
	ActivityIdentifier           string     `json:"activityIdentifier"`
	CountEntitled                int64      `json:"countEntitled"`
	CountEntitledForProvisioning int64      `json:"countEntitledForProvisioning"`
	CountEscrowed                int64      `json:"countEscrowed"`
	CountEscrowedRaw             int64      `json:"countEscrowedRaw"`
	CountExported                int64      `json:"countExported"`
	CountExports                 int64      `json:"countExports"`
	CountImported                int64      `json:"countImported"`
	CountImportedDeltas          int64      `json:"countImportedDeltas"`
	CountImportedReferenceDeltas int64      `json:"countImportedReferenceDeltas"`
	State                        string     `json:"state"`
	TimeBegan                    string     `json:"timeBegan"`
	TimeEnded                    string     `json:"timeEnded"`
	Error                        *SyncError `json:"error"`
}

// Quarantine is synchronizationQuarantine.
type Quarantine struct {
	CurrentBegan string     `json:"currentBegan"`
	NextAttempt  string     `json:"nextAttempt"`
	Reason       string     `json:"reason"`
	SeriesBegan  string     `json:"seriesBegan"`
	SeriesCount  int64      `json:"seriesCount"`
	Error        *SyncError `json:"error"`
}

// SyncError is synchronizationError.
type SyncError struct {
	Code             string `json:"code"`
	Message          string `json:"message"`
	TenantActionable bool   `json:"tenantActionable"`
}

// KeyCount is a synchronizedEntryCountByType entry.
type KeyCount struct {
	Key   string `json:"key"`
	Value int64  `json:"value"`
}

// Schedule is synchronizationSchedule.
type Schedule struct {
	Expiration *string `json:"expiration"`
	Interval   string  `json:"interval"`
	State      string  `json:"state"`
}

func newJobStatus() JobStatus {
	return JobStatus{
		Code:                         StatusNotConfigured,
		Progress:                     []any{},
		SteadyStateFirstAchievedTime: neverTime,
		SteadyStateLastAchievedTime:  neverTime,
		SynchronizedEntryCountByType: []KeyCount{},
	}
}

// formatTime renders times as the synchronization backend does (7 fractional digits, UTC).
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.0000000Z")
}
