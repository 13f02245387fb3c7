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

package mapping

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	. "github.com/onsi/gomega"

	v1 "github.com/andmoney/scim-operator/api/v1alpha1"
)

// The trees are written as Graph JSON so they read like docs/graph.md §5.3 and the parseExpression
// example they are checked against.
const (
	attrUPN      = `{"expression":"[userPrincipalName]","name":"userPrincipalName","type":"Attribute","parameters":[]}`
	attrGiven    = `{"expression":"[givenName]","name":"givenName","type":"Attribute","parameters":[]}`
	attrSurname  = `{"expression":"[surname]","name":"surname","type":"Attribute","parameters":[]}`
	attrMail     = `{"expression":"[mail]","name":"mail","type":"Attribute","parameters":[]}`
	constTrue    = `{"expression":"\"True\"","name":"True","type":"Constant","parameters":[]}`
	constFalse   = `{"expression":"\"False\"","name":"False","type":"Constant","parameters":[]}`
	activeSwitch = `{"expression":"Switch([IsSoftDeleted], , \"False\", \"True\", \"True\", \"False\")","name":"Switch","type":"Function","parameters":[
		{"key":"source","value":{"expression":"[IsSoftDeleted]","name":"IsSoftDeleted","type":"Attribute","parameters":[]}},
		{"key":"key","value":` + constFalse + `},{"key":"value","value":` + constTrue + `},
		{"key":"key","value":` + constTrue + `},{"key":"value","value":` + constFalse + `}]}`
)

func TestParse(t *testing.T) {
	cases := map[string]struct {
		expression string
		want       string
	}{
		"AttributeInBrackets":     {`[userPrincipalName]`, attrUPN},
		"BareAttribute":           {`userPrincipalName`, attrUPN},
		"BareAttributeWithSpaces": {"  userPrincipalName\t", attrUPN},
		"SpacesInsideBrackets":    {`[ userPrincipalName ]`, attrUPN},
		"BareExtensionAttribute": {`extension_5f2c_office.code-1`,
			`{"expression":"[extension_5f2c_office.code-1]","name":"extension_5f2c_office.code-1","type":"Attribute","parameters":[]}`},
		"Constant":      {`"True"`, constTrue},
		"EmptyConstant": {`""`, `{"expression":"\"\"","name":"","type":"Constant","parameters":[]}`},
		"EscapedConstant": {`"Company: \"Contoso\" \\ Ltd"`,
			`{"expression":"\"Company: \\\"Contoso\\\" \\\\ Ltd\"","name":"Company: \"Contoso\" \\ Ltd","type":"Constant","parameters":[]}`},
		"ActiveSwitchOfTheSeedGuide": {v1.ActiveFromSoftDeleted, activeSwitch},
		"SwitchWithDefaultValue": {`Switch([state], "Other", "NSW", "Sydney")`,
			`{"expression":"Switch([state], \"Other\", \"NSW\", \"Sydney\")","name":"Switch","type":"Function","parameters":[
				{"key":"source","value":{"expression":"[state]","name":"state","type":"Attribute","parameters":[]}},
				{"key":"defaultValue","value":{"expression":"\"Other\"","name":"Other","type":"Constant","parameters":[]}},
				{"key":"key","value":{"expression":"\"NSW\"","name":"NSW","type":"Constant","parameters":[]}},
				{"key":"value","value":{"expression":"\"Sydney\"","name":"Sydney","type":"Constant","parameters":[]}}]}`},
		"Join": {`Join(" ", [givenName], [surname])`,
			`{"expression":"Join(\" \", [givenName], [surname])","name":"Join","type":"Function","parameters":[
				{"key":"separator","value":{"expression":"\" \"","name":" ","type":"Constant","parameters":[]}},
				{"key":"source","value":` + attrGiven + `},{"key":"source","value":` + attrSurname + `}]}`},
		"Not": {`Not([accountEnabled])`,
			`{"expression":"Not([accountEnabled])","name":"Not","type":"Function","parameters":[
				{"key":"source","value":{"expression":"[accountEnabled]","name":"accountEnabled","type":"Attribute","parameters":[]}}]}`},
		"IIF": {`IIF(IsPresent([mail]), [mail], [userPrincipalName])`,
			`{"expression":"IIF(IsPresent([mail]), [mail], [userPrincipalName])","name":"IIF","type":"Function","parameters":[
				{"key":"condition","value":{"expression":"IsPresent([mail])","name":"IsPresent","type":"Function","parameters":[{"key":"expression","value":` + attrMail + `}]}},
				{"key":"valueIfTrue","value":` + attrMail + `},{"key":"valueIfFalse","value":` + attrUPN + `}]}`},
		// Graph's own parseExpression example: omitted arguments are dropped from parameters.
		"ReplaceOfGraphsParseExpressionExample": {`Replace([preferredLanguage], "-", , , "_", , )`,
			`{"expression":"Replace([preferredLanguage], \"-\", , , \"_\", , )","name":"Replace","type":"Function","parameters":[
				{"key":"source","value":{"expression":"[preferredLanguage]","name":"preferredLanguage","type":"Attribute","parameters":[]}},
				{"key":"Find","value":{"expression":"\"-\"","name":"-","type":"Constant","parameters":[]}},
				{"key":"Replacement","value":{"expression":"\"_\"","name":"_","type":"Constant","parameters":[]}}]}`},
		"ToLowerWithoutCulture": {`ToLower([mail], )`,
			`{"expression":"ToLower([mail], )","name":"ToLower","type":"Function","parameters":[{"key":"source","value":` + attrMail + `}]}`},
		"ToUpperWithCulture": {`ToUpper([mail], "da-DK")`,
			`{"expression":"ToUpper([mail], \"da-DK\")","name":"ToUpper","type":"Function","parameters":[{"key":"source","value":` + attrMail + `},
				{"key":"culture","value":{"expression":"\"da-DK\"","name":"da-DK","type":"Constant","parameters":[]}}]}`},
		"Coalesce": {`Coalesce([mail], [userPrincipalName])`,
			`{"expression":"Coalesce([mail], [userPrincipalName])","name":"Coalesce","type":"Function","parameters":[
				{"key":"source","value":` + attrMail + `},{"key":"source","value":` + attrUPN + `}]}`},
		"Append": {`Append([userPrincipalName], ".test")`,
			`{"expression":"Append([userPrincipalName], \".test\")","name":"Append","type":"Function","parameters":[
				{"key":"source","value":` + attrUPN + `},{"key":"suffix","value":{"expression":"\".test\"","name":".test","type":"Constant","parameters":[]}}]}`},
		"SingleAppRoleAssignment": {`SingleAppRoleAssignment([appRoleAssignments])`,
			`{"expression":"SingleAppRoleAssignment([appRoleAssignments])","name":"SingleAppRoleAssignment","type":"Function","parameters":[
				{"key":"source","value":{"expression":"[appRoleAssignments]","name":"appRoleAssignments","type":"Attribute","parameters":[]}}]}`},
		"ItemWithAnIntegerIndex": {`Item([proxyAddresses], 1)`,
			`{"expression":"Item([proxyAddresses], 1)","name":"Item","type":"Function","parameters":[
				{"key":"attribute","value":{"expression":"[proxyAddresses]","name":"proxyAddresses","type":"Attribute","parameters":[]}},
				{"key":"index","value":{"expression":"1","name":"1","type":"Constant","parameters":[]}}]}`},
		"NestedStripSpacesAndTrim": {`Trim(StripSpaces([mail]))`,
			`{"expression":"Trim(StripSpaces([mail]))","name":"Trim","type":"Function","parameters":[
				{"key":"source","value":{"expression":"StripSpaces([mail])","name":"StripSpaces","type":"Function","parameters":[{"key":"source","value":` + attrMail + `}]}}]}`},
		"NoArguments": {`Now( )`, `{"expression":"Now()","name":"Now","type":"Function","parameters":[]}`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := Parse(tc.expression)
			g.Expect(err).NotTo(HaveOccurred())
			if diff := cmp.Diff(jsonValue(t, []byte(tc.want)), jsonOf(t, got)); diff != "" {
				t.Errorf("Parse(%s) mismatch (-want +got):\n%s", tc.expression, diff)
			}
		})
	}
}

func TestNormalize(t *testing.T) {
	cases := map[string]struct{ expression, want string }{
		"BareAttribute":        {`objectId`, `[objectId]`},
		"CanonicalIsUnchanged": {v1.ActiveFromSoftDeleted, v1.ActiveFromSoftDeleted},
		"SpacingAndEmptyArguments": {`Switch( [IsSoftDeleted] ,, "False","True" , "True","False" )`,
			v1.ActiveFromSoftDeleted},
		"MultiLine": {"Switch([Active], ,\n  \"1\", \"True\",\n  \"0\", \"False\")",
			`Switch([Active], , "1", "True", "0", "False")`},
		"TrailingEmptyArguments": {`Replace([mail],"@contoso.com",,,"",,)`, `Replace([mail], "@contoso.com", , , "", , )`},
		"SpaceBeforeParenthesis": {`Not ([accountEnabled])`, `Not([accountEnabled])`},
		"EscapesAreKept":         {`Join("\\", "say \"hi\"")`, `Join("\\", "say \"hi\"")`},
		"NegativeInteger":        {`Mid([mail], -1, 3)`, `Mid([mail], -1, 3)`},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			got, err := Normalize(tc.expression)
			g.Expect(err).NotTo(HaveOccurred())
			g.Expect(got).To(Equal(tc.want))
		})
	}
}

func TestParseErrors(t *testing.T) {
	deep := strings.Repeat("Not(", maxDepth+1) + "[a]" + strings.Repeat(")", maxDepth+1)
	cases := map[string]struct {
		expression string
		column     int
		message    string
	}{
		"Empty":                  {``, 1, "the expression is empty"},
		"OnlySpaces":             {`   `, 1, "the expression is empty"},
		"UnterminatedAttribute":  {`[userPrincipalName`, 1, `unterminated attribute: expected "]"`},
		"EmptyAttribute":         {`Not([ ])`, 5, "empty attribute name"},
		"UnterminatedConstant":   {`Append([mail], "x)`, 16, "unterminated string constant"},
		"UnknownEscape":          {`"a\d"`, 3, `invalid escape "\d": only \" and \\ are allowed in a constant`},
		"MissingComma":           {`Switch([IsSoftDeleted] "False")`, 24, `expected ")" or ","`},
		"MissingClosing":         {`Join(" ", [givenName]`, 22, `expected ")" or ","`},
		"BareAttributeInCall":    {`Join(" ", givenName)`, 11, "attribute givenName needs brackets inside a function: [givenName]"},
		"UnknownFunction":        {`Swtich([a], , "1", "2")`, 1, "unknown function Swtich"},
		"WrongCase":              {`switch([a], , "1", "2")`, 1, "unknown function switch (function names are case-sensitive: Switch)"},
		"TooManyArguments":       {`Not([a], [b])`, 10, "Not takes at most 1 argument"},
		"ArgumentsToNow":         {`Now("x")`, 5, "Now takes no arguments"},
		"MissingRequired":        {`Append([mail])`, 14, "Append needs its suffix argument"},
		"OmittedRequired":        {`Switch(, "d", "k", "v")`, 8, "Switch needs its source argument"},
		"SwitchKeyWithoutValue":  {`Switch([a], , "k")`, 18, "Switch needs a value for its last key"},
		"SwitchOmittedKey":       {`Switch([a], , , "v")`, 15, "Switch needs a key here: keys and values cannot be omitted"},
		"ComparisonOperator":     {`IIF([country]="USA", "a", "b")`, 14, `comparison operators such as '=' are not supported; use Switch instead`},
		"TrailingText":           {`[a] [b]`, 5, `unexpected '[' after the end of the expression`},
		"TrailingAfterBare":      {`given name`, 7, `unexpected 'n' after the end of the expression`},
		"LoneMinus":              {`Item([a], -)`, 12, `expected a digit after "-", found ')'`},
		"NotAnArgument":          {`Join(" ", @x)`, 11, `expected an attribute ([name]), a constant ("text") or a function, found '@'`},
		"TooDeep":                {deep, 4*maxDepth + 1, "functions are nested more than 32 levels deep"},
		"InvalidUTF8":            {"\"a\xffb\"", 3, "the expression is not valid UTF-8"},
		"ColumnCountsCharacters": {`Join("ø", givenName)`, 11, "attribute givenName needs brackets inside a function: [givenName]"},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			g := NewWithT(t)
			_, err := Parse(tc.expression)
			var exprErr *ExpressionError
			g.Expect(errors.As(err, &exprErr)).To(BeTrue(), "error %v is not an *ExpressionError", err)
			g.Expect(exprErr.Expression).To(Equal(tc.expression))
			g.Expect(exprErr.Message).To(Equal(tc.message))
			g.Expect(exprErr.Column()).To(Equal(tc.column))
		})
	}
}

func TestExpressionErrorNamesTheColumn(t *testing.T) {
	g := NewWithT(t)
	_, err := Normalize(`Switch([IsSoftDeleted] "False")`)
	g.Expect(err).To(MatchError(`column 24: expected ")" or ","`))
}

func TestAttributeNames(t *testing.T) {
	g := NewWithT(t)
	source, err := Parse(`Coalesce(Join(" ", [givenName], [surname]), [givenName], "x", [mail])`)
	g.Expect(err).NotTo(HaveOccurred())
	g.Expect(source.AttributeNames()).To(Equal([]string{"givenName", "surname", "mail"}))
}

// FuzzParse checks, on its seed corpus in every go test run and on generated input under -fuzz,
// that Parse never panics, that errors point inside the expression, that Normalize is idempotent
// and that normalising does not change what the expression means.
func FuzzParse(f *testing.F) {
	for _, seed := range []string{
		``, `userPrincipalName`, `[userPrincipalName]`, `[ a b ]`, `"True"`, `"a\"b\\c"`, `"\d"`, `-12`,
		v1.ActiveFromSoftDeleted, `Switch( [IsSoftDeleted] ,, "False","True" , "True","False" )`,
		`Join(" ", [givenName], [surname])`, `Replace([preferredLanguage], "-", , , "_", , )`,
		`IIF(IsPresent([mail]), [mail], [userPrincipalName])`, `Item([proxyAddresses], 1)`, `Now()`,
		`Join("@", NormalizeDiacritics(StripSpaces(Join(".", [givenName], [surname]))), "contoso.com")`,
		`Switch([a], , "k")`, `Not([a], [b])`, `switch([a])`, `Join(" ", givenName)`, `[a`, `"a`, `(`, `)`, `,`,
		"Switch([Active], ,\n \"1\", \"True\")", "\"\xff\"", `Join("ø", [givenName])`, `Mid([mail], -, 1)`,
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, expression string) {
		source, err := Parse(expression)
		if err != nil {
			var exprErr *ExpressionError
			if !errors.As(err, &exprErr) {
				t.Fatalf("Parse(%q) returned %T, want *ExpressionError", expression, err)
			}
			if exprErr.Offset < 0 || exprErr.Offset > len(expression) {
				t.Fatalf("Parse(%q): offset %d outside the expression", expression, exprErr.Offset)
			}
			return
		}
		normalized := source.Expression
		again, err := Parse(normalized)
		if err != nil {
			t.Fatalf("Parse(%q) failed on the normalised form of %q: %v", normalized, expression, err)
		}
		if again.Expression != normalized {
			t.Fatalf("Normalize is not idempotent: %q -> %q -> %q", expression, normalized, again.Expression)
		}
		if diff := cmp.Diff(source, again); diff != "" {
			t.Fatalf("normalising %q changed its tree (-original +normalised):\n%s", expression, diff)
		}
	})
}

func jsonOf(t *testing.T, v any) any {
	t.Helper()
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("marshal: %v", err)
	}
	return jsonValue(t, raw)
}

func jsonValue(t *testing.T, raw []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		t.Fatalf("unmarshal %s: %v", raw, err)
	}
	return v
}
