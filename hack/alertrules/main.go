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

// Command alertrules prints the spec of a PrometheusRule file as a Prometheus rule file, which
// promtool reads (`make test-alerts`): go run ./hack/alertrules config/prometheus/alerts.yaml.
package main

import (
	"errors"
	"fmt"
	"os"

	"sigs.k8s.io/yaml"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "alertrules:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	if len(args) != 1 {
		return errors.New("usage: alertrules <PrometheusRule file>")
	}
	data, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var rule struct {
		Kind string         `json:"kind"`
		Spec map[string]any `json:"spec"`
	}
	if err := yaml.Unmarshal(data, &rule); err != nil {
		return err
	}
	if rule.Kind != "PrometheusRule" || rule.Spec["groups"] == nil {
		return fmt.Errorf("%s: not a PrometheusRule with groups", args[0])
	}
	out, err := yaml.Marshal(rule.Spec)
	if err != nil {
		return err
	}
	_, err = os.Stdout.Write(out)
	return err
}
