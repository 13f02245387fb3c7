package simulator

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"

	. "github.com/onsi/gomega"
)

func TestParseAndEvaluateExpressions(t *testing.T) {
	source := map[string]string{"givenName": "Ada", "surname": "Lovelace", "IsSoftDeleted": "True", "mail": ""}
	cases := map[string]struct {
		expression string
		wantKeys   []string // parameter keys of the top-level function
		wantValue  string
		wantNull   bool
		wantErr    string
	}{
		"attribute":                {expression: "[givenName]", wantValue: "Ada"},
		"empty attribute is null":  {expression: "[mail]", wantNull: true},
		"missing attribute":        {expression: "[nickname]", wantNull: true},
		"constant":                 {expression: `"fixed"`, wantValue: "fixed"},
		"switch drops empty args":  {expression: `Switch([IsSoftDeleted], , "False", "True", "True", "False")`, wantKeys: []string{"source", "key", "value", "key", "value"}, wantValue: "False"},
		"switch default":           {expression: `Switch([surname], "none", "X", "Y")`, wantKeys: []string{"source", "defaultValue", "key", "value"}, wantValue: "none"},
		"join skips null":          {expression: `Join(" ", [givenName], [mail], [surname])`, wantKeys: []string{"separator", "source", "source", "source"}, wantValue: "Ada Lovelace"},
		"not":                      {expression: `Not([IsSoftDeleted])`, wantKeys: []string{"source"}, wantValue: "False"},
		"nested":                   {expression: `ToUpper(Append([givenName], "!"))`, wantKeys: []string{"source"}, wantValue: "ADA!"},
		"coalesce":                 {expression: `Coalesce([mail], [givenName])`, wantKeys: []string{"source", "source"}, wantValue: "Ada"},
		"unknown function":         {expression: `Frobnicate([a])`, wantErr: "unknown function"},
		"unterminated attribute":   {expression: `[givenName`, wantErr: "unterminated attribute"},
		"unterminated constant":    {expression: `"abc`, wantErr: "unterminated string"},
		"missing closing paren":    {expression: `Not([a]`, wantErr: "missing ')'"},
		"trailing text":            {expression: `[a] [b]`, wantErr: "unexpected"},
		"empty":                    {expression: ``, wantErr: "empty"},
		"bare identifier rejected": {expression: `givenName`, wantErr: "expected an attribute"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			parsed, err := parseExpression(tc.expression)
			if tc.wantErr != "" {
				g.Expect(err).To(MatchError(ContainSubstring(tc.wantErr)))
				return
			}
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(parsed.Expression).To(Equal(tc.expression))
			if tc.wantKeys != nil {
				var keys []string
				for _, p := range parsed.Parameters {
					keys = append(keys, p.Key)
				}
				g.Expect(keys).To(Equal(tc.wantKeys))
			}
			value, ok := parsed.evaluate(source)
			g.Expect(ok).To(Equal(!tc.wantNull))
			if !tc.wantNull {
				g.Expect(value).To(Equal(tc.wantValue))
			}
		})
	}
}

// TestConcurrentUse hammers one simulator from many goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	g := NewWithT(t)
	sim, _, c := newSimulatorServer(t, WithProvisionOnDemandRateLimit(0, 0))
	user := sim.AddUser(User{UserPrincipalName: "a@andmoney.dk"})
	spID, jobID := createAppWithJob(t, c, "advisors")
	putSecrets(t, c, spID, "BaseAddress", "https://x.example/scim", "SecretToken", "t", "SyncAll", "true")
	g.Expect(c.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/start", nil).status).To(Equal(http.StatusNoContent))

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for w := range 8 {
		wg.Go(func() {
			local := *c
			local.t = t
			for i := range 20 {
				var status int
				switch i % 5 {
				case 0:
					status = local.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID, nil).status
				case 1:
					status = local.do(http.MethodPost, "/applicationTemplates/"+NonGalleryTemplateID+"/instantiate", map[string]string{"displayName": fmt.Sprintf("app-%d-%d", w, i)}).status
				case 2:
					status = local.do(http.MethodPost, "/servicePrincipals/"+spID+"/synchronization/jobs/"+jobID+"/provisionOnDemand", map[string]any{"parameters": []map[string]any{{
						"ruleId": sim.templateRuleID, "subjects": []map[string]string{{"objectId": user, "objectTypeName": "User"}},
					}}}).status
				case 3:
					if _, err := sim.RunCycle(context.Background(), jobID); err != nil && !errors.Is(err, ErrCycleInProgress) {
						errs <- err
					}
					status = http.StatusOK
				case 4:
					if err := sim.QuarantineJob(jobID, QuarantineFault{}); err != nil {
						errs <- err
					}
					status = local.do(http.MethodGet, "/servicePrincipals/"+spID+"/synchronization/jobs", nil).status
				}
				if status >= 400 {
					errs <- fmt.Errorf("worker %d request %d: status %d", w, i, status)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	g.Expect(sim.Applications()).To(HaveLen(1 + 8*4))
}
