// Command graph-simulator serves the Microsoft Graph / Entra ID simulator of
// internal/graph/simulator on a local port, for running the operator by hand (make run)
// or other tools against a stand-in for Entra.
//
// It serves TLS by default because azidentity refuses a non-https authority host; the
// self-signed certificate is written to -ca-out so that clients can trust it.
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"log"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/andmoney/scim-operator/internal/graph/simulator"
)

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

type options struct {
	listen, caOut, tlsHosts                 string
	plainHTTP, noAuth                       bool
	tenantID, tenantDomain                  string
	clientID, clientSecret, clientCertFile  string
	federatedIssuer, federatedSubject       string
	staticToken                             string
	seed                                    uint64
	throttleRate, unavailableRate           float64
	retryAfter, latency                     time.Duration
	replicationLag, secretsReadLag          time.Duration
	replicationFlap                         bool
	scimProbe, scimProbeInsecure            bool
	cycleFirstDelay, cycleInterval          time.Duration
	quarantineAfter, onDemandLimit          int
	sourceDirectoryName                     string
	users, groups                           listFlag
	transientStatus, transientWriteFailures int
}

func main() {
	var o options
	flag.StringVar(&o.listen, "listen", "127.0.0.1:8443", "address to listen on (port 0 picks a free port)")
	flag.BoolVar(&o.plainHTTP, "plain-http", false, "serve plain HTTP (msgraph with a static token works; azidentity does not)")
	flag.StringVar(&o.caOut, "ca-out", filepath.Join(os.TempDir(), "graph-simulator-ca.pem"), "where to write the self-signed TLS certificate (PEM)")
	flag.StringVar(&o.tlsHosts, "tls-hosts", "localhost,127.0.0.1,::1", "comma-separated DNS names and IPs of the TLS certificate")
	flag.StringVar(&o.tenantID, "tenant-id", "", "tenant id (default: generated)")
	flag.StringVar(&o.tenantDomain, "tenant-domain", "", "extra tenant domain name accepted by the identity endpoints")
	flag.StringVar(&o.clientID, "client-id", "00000000-0000-0000-0000-00000000c11e", "client id of the operator's app registration")
	flag.StringVar(&o.clientSecret, "client-secret", "simulator-secret", "client secret accepted for -client-id (empty: none)")
	flag.StringVar(&o.clientCertFile, "client-cert", "", "PEM certificate whose key may sign client assertions for -client-id")
	flag.StringVar(&o.federatedIssuer, "federated-issuer", "", "issuer of a federated credential (workload identity) for -client-id")
	flag.StringVar(&o.federatedSubject, "federated-subject", "", "subject of that federated credential, e.g. system:serviceaccount:ns:name")
	flag.StringVar(&o.staticToken, "static-token", "", "bearer token Graph accepts without a token request")
	flag.BoolVar(&o.noAuth, "no-auth", false, "accept Graph calls without Authorization")
	flag.Uint64Var(&o.seed, "seed", 0, "seed for deterministic object ids (0: random)")
	flag.Float64Var(&o.throttleRate, "throttle-rate", 0, "fraction of Graph requests answered 429")
	flag.Float64Var(&o.unavailableRate, "unavailable-rate", 0, "fraction of Graph requests answered 503")
	flag.DurationVar(&o.retryAfter, "retry-after", time.Second, "Retry-After of injected 429/503")
	flag.DurationVar(&o.latency, "latency", 0, "latency added to every Graph answer")
	flag.DurationVar(&o.replicationLag, "replication-lag", 0, "how long new objects answer 404")
	flag.BoolVar(&o.replicationFlap, "replication-flap", false, "during the lag, new objects flicker in and out of existence")
	flag.DurationVar(&o.secretsReadLag, "secrets-read-lag", 0, "how long GET secrets returns the previous set after a PUT")
	flag.IntVar(&o.transientStatus, "transient-status", http.StatusForbidden, "status (403 or 409) of transient synchronization write failures")
	flag.IntVar(&o.transientWriteFailures, "transient-failures", 0, "synchronization writes answered -transient-status on each new service principal")
	flag.BoolVar(&o.scimProbe, "scim-probe", true, "call the pushed SCIM endpoint on test connection, and export users to it in cycles and provision on demand, like Entra")
	flag.BoolVar(&o.scimProbeInsecure, "scim-probe-insecure", false, "do not verify the SCIM endpoint's TLS certificate")
	flag.DurationVar(&o.cycleFirstDelay, "cycle-first-delay", 20*time.Second, "delay between start and the first provisioning cycle")
	flag.DurationVar(&o.cycleInterval, "cycle-interval", 40*time.Minute, "interval between provisioning cycles (0: cycles only on demand)")
	flag.IntVar(&o.quarantineAfter, "quarantine-after", 1, "successive failed cycles before quarantine")
	flag.IntVar(&o.onDemandLimit, "on-demand-limit", 5, "provisionOnDemand requests per 10 s per job (0: unlimited)")
	flag.StringVar(&o.sourceDirectoryName, "source-directory-name", "Azure Active Directory", "source directory name of the default schema")
	flag.Var(&o.users, "user", "seed a user, repeatable: upn[=Display Name]")
	flag.Var(&o.groups, "group", "seed a group, repeatable: Display Name=upn1;upn2")
	flag.Parse()

	if err := run(o); err != nil {
		log.Fatalf("graph-simulator: %v", err)
	}
}

func run(o options) error {
	simOptions, err := simulatorOptions(o)
	if err != nil {
		return err
	}
	sim := simulator.New(simOptions...)
	seedDirectory(sim, o)

	listener, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", o.listen, err)
	}
	server := &http.Server{Handler: sim.Handler(), ReadHeaderTimeout: 10 * time.Second}
	scheme := "http"
	if !o.plainHTTP {
		cert, err := selfSignedCertificate(strings.Split(o.tlsHosts, ","), o.caOut)
		if err != nil {
			return err
		}
		server.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		listener = tls.NewListener(listener, server.TLSConfig)
		scheme = "https"
	}
	base := fmt.Sprintf("%s://%s", scheme, listener.Addr().String())
	fmt.Printf("Graph simulator listening\n")
	fmt.Printf("  Graph base URL:  %s/v1.0\n", base)
	fmt.Printf("  Authority host:  %s/  (azidentity: cloud.Configuration{ActiveDirectoryAuthorityHost}, DisableInstanceDiscovery: true)\n", base)
	fmt.Printf("  Tenant ID:       %s\n", sim.TenantID())
	fmt.Printf("  Client ID:       %s\n", o.clientID)
	if !o.plainHTTP {
		fmt.Printf("  CA certificate:  %s\n", o.caOut)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.cycleInterval > 0 {
		go runCycles(ctx, sim)
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- server.Serve(listener) }()
	select {
	case err := <-serveErr:
		if !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		return nil
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := server.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shut down: %w", err)
	}
	return nil
}

// runCycles drives the wall-clock schedule: cycles also run when a job is read, but a job
// nobody polls must still be provisioned (and quarantined) on time.
func runCycles(ctx context.Context, sim *simulator.Simulator) {
	ticker := time.NewTicker(time.Second)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C:
			sim.RunDueCycles(ctx)
		}
	}
}

func simulatorOptions(o options) ([]simulator.Option, error) {
	opts := []simulator.Option{
		simulator.WithFaults(simulator.Faults{ThrottleRate: o.throttleRate, UnavailableRate: o.unavailableRate, RetryAfter: o.retryAfter, Latency: o.latency}),
		simulator.WithReplicationLag(o.replicationLag, o.replicationFlap),
		simulator.WithSecretsReadLag(o.secretsReadLag),
		simulator.WithQuarantineAfter(o.quarantineAfter),
		simulator.WithProvisionOnDemandRateLimit(o.onDemandLimit, 10*time.Second),
		simulator.WithSourceDirectoryName(o.sourceDirectoryName),
		simulator.WithTransientSyncWriteFailures(o.transientStatus, o.transientWriteFailures),
	}
	if o.tenantID != "" {
		opts = append(opts, simulator.WithTenantID(o.tenantID))
	}
	if o.tenantDomain != "" {
		opts = append(opts, simulator.WithTenantDomains(o.tenantDomain))
	}
	if o.seed != 0 {
		opts = append(opts, simulator.WithSeed(o.seed))
	}
	if o.clientSecret != "" {
		opts = append(opts, simulator.WithClientSecret(o.clientID, o.clientSecret))
	}
	if o.clientCertFile != "" {
		cert, err := readCertificate(o.clientCertFile)
		if err != nil {
			return nil, err
		}
		opts = append(opts, simulator.WithClientCertificate(o.clientID, cert))
	}
	if o.federatedIssuer != "" || o.federatedSubject != "" {
		opts = append(opts, simulator.WithFederatedCredential(o.clientID, simulator.FederatedCredential{Issuer: o.federatedIssuer, Subject: o.federatedSubject}))
	}
	if o.staticToken != "" {
		opts = append(opts, simulator.WithStaticToken(o.staticToken))
	}
	if o.noAuth {
		opts = append(opts, simulator.WithoutAuthorization())
	}
	if o.scimProbe {
		client := &http.Client{Timeout: 15 * time.Second}
		if o.scimProbeInsecure {
			client.Transport = &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // opt-in for self-signed local SCIM servers.
		}
		opts = append(opts, simulator.WithHTTPSCIMProbe(client))
	}
	if o.cycleInterval > 0 {
		opts = append(opts, simulator.WithAutomaticCycles(o.cycleFirstDelay, o.cycleInterval))
	}
	return opts, nil
}

func seedDirectory(sim *simulator.Simulator, o options) {
	byUPN := map[string]string{}
	for _, spec := range o.users {
		upn, display, _ := strings.Cut(spec, "=")
		if display == "" {
			display = upn
		}
		nick, _, _ := strings.Cut(upn, "@")
		byUPN[strings.ToLower(upn)] = sim.AddUser(simulator.User{UserPrincipalName: upn, DisplayName: display, MailNickname: nick})
	}
	for _, spec := range o.groups {
		name, members, _ := strings.Cut(spec, "=")
		group := simulator.Group{DisplayName: name}
		for upn := range strings.SplitSeq(members, ";") {
			if id, ok := byUPN[strings.ToLower(strings.TrimSpace(upn))]; ok {
				group.Members = append(group.Members, id)
			}
		}
		sim.AddGroup(group)
	}
}

func readCertificate(path string) (*x509.Certificate, error) {
	payload, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read client certificate: %w", err)
	}
	for block, rest := pem.Decode(payload); block != nil; block, rest = pem.Decode(rest) {
		if block.Type == "CERTIFICATE" {
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("parse client certificate %s: %w", path, err)
			}
			return cert, nil
		}
	}
	return nil, fmt.Errorf("no CERTIFICATE block in %s", path)
}

// selfSignedCertificate creates a throw-away serving certificate and writes it (the
// certificate only, which is also its own CA) to caOut.
func selfSignedCertificate(hosts []string, caOut string) (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("generate TLS key: %w", err)
	}
	template := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "graph-simulator"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	for _, h := range hosts {
		h = strings.TrimSpace(h)
		if ip := net.ParseIP(h); ip != nil {
			template.IPAddresses = append(template.IPAddresses, ip)
		} else if h != "" {
			template.DNSNames = append(template.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, template, template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, fmt.Errorf("create TLS certificate: %w", err)
	}
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	if err := os.WriteFile(caOut, certPEM, 0o644); err != nil { //nolint:gosec // a public certificate.
		return tls.Certificate{}, fmt.Errorf("write %s: %w", caOut, err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}
