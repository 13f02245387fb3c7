package simulator

import (
	"crypto/x509"
	"net/http"
	"time"
)

// Option configures a Simulator at construction time.
type Option func(*config)

type config struct {
	tenantID      string
	tenantDomains []string
	now           func() time.Time
	seed          *uint64

	authDisabled  bool
	staticTokens  map[string]bool
	clients       []clientRegistration
	tokenLifetime time.Duration

	replicationLag  time.Duration
	replicationFlap bool
	secretsReadLag  time.Duration
	transientStatus int
	transientCount  int
	faults          Faults
	rejectGzip      bool

	probe               SCIMProbe
	exportClient        *http.Client
	cycleFirstDelay     time.Duration
	cycleInterval       time.Duration
	automaticCycles     bool
	quarantineAfter     int
	credentialErrorCode string

	onDemandLimit  int
	onDemandWindow time.Duration

	sourceDirectoryName  string
	flowTypesWithSpaces  bool
	schemaPatchSupported bool
	legacyTemplate       bool
	maskAllSecrets       bool

	users  []User
	groups []Group
}

func defaultConfig() config {
	return config{
		now:                 time.Now,
		staticTokens:        map[string]bool{},
		tokenLifetime:       time.Hour,
		quarantineAfter:     1,
		credentialErrorCode: CodeCredentialValidationUnavailable,
		onDemandLimit:       5,
		onDemandWindow:      10 * time.Second,
		sourceDirectoryName: "Azure Active Directory",
		cycleInterval:       40 * time.Minute,
	}
}

// WithTenantID fixes the tenant (directory) id; by default a GUID is generated.
func WithTenantID(id string) Option { return func(c *config) { c.tenantID = id } }

// WithTenantDomains adds domain names (e.g. "contoso.onmicrosoft.com") the identity
// endpoints accept in place of the tenant id.
func WithTenantDomains(domains ...string) Option {
	return func(c *config) { c.tenantDomains = append(c.tenantDomains, domains...) }
}

// WithClock replaces time.Now; replication lag, schedules, rate limits, token expiry and all
// timestamps follow it. Use a ManualClock to drive time from a test.
func WithClock(now func() time.Time) Option { return func(c *config) { c.now = now } }

// WithSeed makes generated object ids (GUIDs) deterministic. Tokens stay random.
func WithSeed(seed uint64) Option { return func(c *config) { c.seed = &seed } }

// WithoutAuthorization accepts Graph calls without an Authorization header, for tests that
// use kiota's anonymous authentication provider.
func WithoutAuthorization() Option { return func(c *config) { c.authDisabled = true } }

// WithStaticToken makes Graph accept "Authorization: Bearer <token>" without a token request,
// for tests that use a fixed bearer token provider.
func WithStaticToken(token string) Option { return func(c *config) { c.staticTokens[token] = true } }

// WithTokenLifetime sets how long issued access tokens are accepted (default one hour).
func WithTokenLifetime(d time.Duration) Option { return func(c *config) { c.tokenLifetime = d } }

// WithClientSecret registers an app registration (client id) that may obtain tokens with a
// client secret. Several secrets may be registered for one client.
func WithClientSecret(clientID, secret string) Option {
	return func(c *config) {
		c.clients = append(c.clients, clientRegistration{clientID: clientID, secrets: []string{secret}})
	}
}

// WithClientCertificate registers a certificate whose key may sign client assertions for
// clientID (azidentity.ClientCertificateCredential).
func WithClientCertificate(clientID string, cert *x509.Certificate) Option {
	return func(c *config) {
		c.clients = append(c.clients, clientRegistration{clientID: clientID, certificates: []*x509.Certificate{cert}})
	}
}

// WithFederatedCredential registers a federated identity credential (workload identity)
// for clientID.
func WithFederatedCredential(clientID string, fc FederatedCredential) Option {
	return func(c *config) {
		c.clients = append(c.clients, clientRegistration{clientID: clientID, federated: []FederatedCredential{fc}})
	}
}

// WithReplicationLag makes newly created applications, service principals and jobs answer
// 404 Request_ResourceNotFound for d after creation (docs/graph.md §9.3). With flap set,
// the object is visible on every other request during that window, as replicas disagree.
func WithReplicationLag(d time.Duration, flap bool) Option {
	return func(c *config) { c.replicationLag, c.replicationFlap = d, flap }
}

// WithSecretsReadLag makes GET synchronization/secrets return the previous set for d after
// a PUT (docs/graph.md §4.2).
func WithSecretsReadLag(d time.Duration) Option { return func(c *config) { c.secretsReadLag = d } }

// WithTransientSyncWriteFailures answers the first count synchronization writes (job
// create/start/pause/delete, secrets PUT) on every new service principal with status
// (403 or 409), as Entra does right after an app is created (docs/graph.md §3.1, §9.3).
func WithTransientSyncWriteFailures(status, count int) Option {
	return func(c *config) { c.transientStatus, c.transientCount = status, count }
}

// WithFaults sets the initial fault knobs; SetFaults changes them at run time.
func WithFaults(f Faults) Option { return func(c *config) { c.faults = f } }

// WithGzipRejected answers 415 to gzip-compressed request bodies, the other real behaviour
// kiota's compression handler copes with (it retries uncompressed).
func WithGzipRejected() Option { return func(c *config) { c.rejectGzip = true } }

// WithSCIMProbe sets how "Test Connection" and provisioning cycles check the pushed SCIM
// endpoint. Without it the check is offline: BaseAddress must be an absolute http(s) URL and
// SecretToken non-empty. Use HTTPSCIMProbe to call the endpoint like Entra does.
func WithSCIMProbe(p SCIMProbe) Option { return func(c *config) { c.probe = p } }

// WithHTTPSCIMProbe is WithSCIMProbe(HTTPSCIMProbe(client)) and WithSCIMExportClient(client):
// test connection, cycles and provision on demand all call the pushed Tenant URL for real. A
// nil client uses a default one.
func WithHTTPSCIMProbe(client *http.Client) Option {
	return func(c *config) {
		if client == nil {
			client = &http.Client{Timeout: exportTimeout}
		}
		c.probe, c.exportClient = HTTPSCIMProbe(client), client
	}
}

// WithSCIMExportClient makes the provisioning engine send its SCIM requests (match lookups,
// POST, PATCH, DELETE) with client to the pushed Tenant URL. Without it (and without
// WithHTTPSCIMProbe) they go to an in-memory SCIM target inside the simulator. Redirects are
// never followed, so the Secret Token is only ever sent to the Tenant URL.
func WithSCIMExportClient(client *http.Client) Option {
	return func(c *config) { c.exportClient = client }
}

// WithAutomaticCycles runs provisioning cycles by the clock: the first one firstDelay after
// start, then every interval. Cycles run when a job is read or RunDueCycles is called.
// Without this option cycles only run through RunCycle.
func WithAutomaticCycles(firstDelay, interval time.Duration) Option {
	return func(c *config) {
		c.automaticCycles, c.cycleFirstDelay = true, firstDelay
		if interval > 0 {
			c.cycleInterval = interval
		}
	}
}

// WithQuarantineAfter sets how many successive failed cycles put a job into quarantine
// (default 1: Entra quarantines on the first invalid-credentials failure, §3.3).
func WithQuarantineAfter(failures int) Option {
	return func(c *config) {
		if failures > 0 {
			c.quarantineAfter = failures
		}
	}
}

// WithCredentialErrorCode overrides the error code validateCredentials answers when the
// SCIM endpoint rejects the probe (the real code is not documented, docs/graph.md §3.6).
func WithCredentialErrorCode(code string) Option {
	return func(c *config) { c.credentialErrorCode = code }
}

// WithProvisionOnDemandRateLimit changes the provisionOnDemand limit (default 5 per 10 s
// per job); limit 0 disables it.
func WithProvisionOnDemandRateLimit(limit int, window time.Duration) Option {
	return func(c *config) { c.onDemandLimit, c.onDemandWindow = limit, window }
}

// WithSourceDirectoryName changes the source directory name in the default schema
// (default "Azure Active Directory"; newer tenants say "Microsoft Entra ID").
func WithSourceDirectoryName(name string) Option {
	return func(c *config) { c.sourceDirectoryName = name }
}

// WithFlowTypesWithSpaces emits objectMapping.flowTypes as "Add, Update, Delete" (as some
// Graph examples do) to exercise the msgraph-sdk-go flags-enum bug (§10.5).
func WithFlowTypesWithSpaces() Option { return func(c *config) { c.flowTypesWithSpaces = true } }

// WithSchemaPatchSupported makes PATCH on a job schema behave like PUT instead of the real
// 404 UnknownError. Only useful to show what a controller relying on PATCH would miss.
func WithSchemaPatchSupported() Option { return func(c *config) { c.schemaPatchSupported = true } }

// WithLegacyTemplate also offers the legacy "customappsso" synchronization template.
func WithLegacyTemplate() Option { return func(c *config) { c.legacyTemplate = true } }

// WithAllSecretsMasked masks every secret value on GET, not only the credential-like keys;
// docs/graph.md §4.2 leaves open which keys the real service masks.
func WithAllSecretsMasked() Option { return func(c *config) { c.maskAllSecrets = true } }

// WithUsers seeds directory users.
func WithUsers(users ...User) Option { return func(c *config) { c.users = append(c.users, users...) } }

// WithGroups seeds directory groups.
func WithGroups(groups ...Group) Option {
	return func(c *config) { c.groups = append(c.groups, groups...) }
}
