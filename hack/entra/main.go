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

// Command entra changes the local Entra of `make run` (the Graph simulator) while it runs: what an
// admin does in the portal. It calls the simulator's /_sim endpoints.
//
//	go run ./hack/entra users
//	go run ./hack/entra disable bo.nielsen@contoso.example      (enable, soft-delete, restore, delete)
//	go run ./hack/entra set anna.jensen@contoso.example surname=Kragh officeLocation="Havnegade 5"
//	go run ./hack/entra add-user cecilie.holm@contoso.example displayName="Cecilie Holm" givenName=Cecilie
//	go run ./hack/entra add-member Advisors cecilie.holm@contoso.example   (remove-member)
//	go run ./hack/entra cycle                                    run a provisioning cycle of every job now
package main

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	stateDir := flag.String("state-dir", ".run", "make run's state directory: entra-url and graph-ca.pem are read from it.")
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, `usage: go run ./hack/entra [-state-dir .run] <command> [args]
  users                                  list the directory with group memberships
  disable|enable|soft-delete|restore|delete <upn>
  set <upn> attr=value...                change attributes (surname, givenName, displayName, officeLocation, mailNickname, ...)
  add-user <upn> attr=value...           add a user
  add-member|remove-member <group> <upn> change a group's members
  cycle                                  run a provisioning cycle of every started job now`)
	}
	flag.Parse()
	if err := run(*stateDir, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "entra:", err)
		os.Exit(1)
	}
}

// userActions are the commands whose /_sim action has another name.
var userActions = map[string]string{"soft-delete": "softDelete"}

func run(stateDir string, args []string) error {
	if len(args) == 0 {
		flag.Usage()
		return fmt.Errorf("no command")
	}
	client, base, err := connect(stateDir)
	if err != nil {
		return err
	}
	user := func(i int) (string, error) {
		if len(args) <= i {
			return "", fmt.Errorf("%s needs a user principal name", args[0])
		}
		return url.PathEscape(args[i]), nil
	}
	var method, path string
	var body any
	switch args[0] {
	case "users":
		method, path = http.MethodGet, "/_sim/users"
	case "cycle":
		method, path = http.MethodPost, "/_sim/cycles"
	case "disable", "enable", "soft-delete", "restore":
		upn, err := user(1)
		if err != nil {
			return err
		}
		action := args[0]
		if renamed, ok := userActions[action]; ok {
			action = renamed
		}
		method, path = http.MethodPost, "/_sim/users/"+upn+"/"+action
	case "delete":
		upn, err := user(1)
		if err != nil {
			return err
		}
		method, path = http.MethodDelete, "/_sim/users/"+upn
	case "set", "add-user":
		upn, err := user(1)
		if err != nil {
			return err
		}
		attrs := map[string]string{}
		for _, kv := range args[2:] {
			k, v, ok := strings.Cut(kv, "=")
			if !ok {
				return fmt.Errorf("%q is not attr=value", kv)
			}
			attrs[k] = v
		}
		body = attrs
		method, path = http.MethodPatch, "/_sim/users/"+upn
		if args[0] == "add-user" {
			attrs["userPrincipalName"] = args[1]
			method, path = http.MethodPost, "/_sim/users"
		}
	case "add-member", "remove-member":
		if len(args) != 3 {
			return fmt.Errorf("%s needs a group and a user principal name", args[0])
		}
		method, path = http.MethodPost, "/_sim/groups/"+url.PathEscape(args[1])+"/members/"+url.PathEscape(args[2])
		if args[0] == "remove-member" {
			method = http.MethodDelete
		}
	default:
		flag.Usage()
		return fmt.Errorf("unknown command %q", args[0])
	}
	return call(client, method, base+path, body)
}

// connect reads the simulator's address and CA certificate that make run wrote.
func connect(stateDir string) (*http.Client, string, error) {
	rawURL, err := os.ReadFile(filepath.Join(stateDir, "entra-url"))
	if err != nil {
		return nil, "", fmt.Errorf("is make run running? %w", err)
	}
	ca, err := os.ReadFile(filepath.Join(stateDir, "graph-ca.pem"))
	if err != nil {
		return nil, "", err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(ca) {
		return nil, "", fmt.Errorf("no certificate in %s", filepath.Join(stateDir, "graph-ca.pem"))
	}
	client := &http.Client{Timeout: 2 * time.Minute, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
	return client, strings.TrimSpace(string(rawURL)), nil
}

func call(client *http.Client, method, target string, body any) error {
	var reader io.Reader
	if body != nil {
		payload, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(payload)
	}
	req, err := http.NewRequest(method, target, reader) //nolint:noctx // a one-shot command line call.
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	fmt.Print(string(out))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %s", method, target, resp.Status)
	}
	return nil
}
