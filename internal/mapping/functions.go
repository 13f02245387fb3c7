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
	"fmt"
	"strings"
)

// param is one formal parameter of an Entra function.
type param struct {
	name     string
	required bool
}

// signature is how an Entra function names and checks its positional arguments.
type signature struct {
	params []param
	// variadic: the last parameter repeats (Join's and Coalesce's source).
	variadic bool
	// pairs: after params, arguments alternate key and value (Switch). The role is fixed by the
	// position, so an omitted defaultValue leaves the pair numbering unchanged.
	pairs bool
}

func req(name string) param { return param{name: name, required: true} }
func opt(name string) param { return param{name: name} }

// functions lists every function of Entra's expression language with its formal parameters.
//
// Unknown names are rejected rather than given generic keys: Entra's syntax is case-sensitive and
// rejects unknown functions, so accepting them would only move a typo (Swtich, switch) from a
// condition on the ScimApplication to a failed schema PUT, and the Function tree we would send
// would carry parameter keys no Entra function has.
//
// Keys come from Graph's synchronizationSchema "functions" response where it lists the function
// (Append, Join, Mid, Not, Prepend, Replace, SingleAppRoleAssignment, Split, StripSpaces; Replace's
// Find and Replacement also appear in Graph's parseExpression example), otherwise from the
// parameter tables of Entra's function reference. Switch's key/value names follow docs/graph.md
// §5.3 (Inferred; Graph's functions response names the repeating parameter "switchValue").
// Entra keeps the expression text, which is what this package compares, so a wrong key can only
// matter for a tree this package builds.
var functions = map[string]signature{
	"Append":                    {params: []param{req("source"), req("suffix")}},
	"AppRoleAssignments":        {params: []param{req("source")}},
	"AppRoleAssignmentsComplex": {params: []param{req("source")}},
	"BitAnd":                    {params: []param{req("value1"), req("value2")}},
	"CBool":                     {params: []param{req("expression")}},
	"CDate":                     {params: []param{req("expression")}},
	"Coalesce":                  {params: []param{req("source")}, variadic: true},
	"ConvertToBase64":           {params: []param{req("source")}},
	"ConvertToUTF8Hex":          {params: []param{req("source")}},
	"Count":                     {params: []param{req("attribute")}},
	"CStr":                      {params: []param{req("value")}},
	"DateAdd":                   {params: []param{req("interval"), req("value"), req("dateTime")}},
	"DateDiff":                  {params: []param{req("interval"), req("date1"), req("date2")}},
	"DateFromNum":               {params: []param{req("value")}},
	"DefaultDomain":             {},
	"FormatDateTime":            {params: []param{req("source"), opt("dateTimeStyles"), req("inputFormat"), req("outputFormat")}},
	"Guid":                      {},
	"IgnoreFlowIfNullOrEmpty":   {params: []param{req("expression")}},
	"IIF":                       {params: []param{req("condition"), req("valueIfTrue"), req("valueIfFalse")}},
	"InStr":                     {params: []param{req("value1"), req("value2"), opt("start"), opt("compareType")}},
	"IsNothing":                 {params: []param{req("source")}},
	"IsNull":                    {params: []param{req("expression")}},
	"IsNullOrEmpty":             {params: []param{req("expression")}},
	"IsPresent":                 {params: []param{req("expression")}},
	"IsString":                  {params: []param{req("expression")}},
	"Item":                      {params: []param{req("attribute"), req("index")}},
	"Join":                      {params: []param{req("separator"), req("source")}, variadic: true},
	"Left":                      {params: []param{req("string"), req("numChars")}},
	"Mid":                       {params: []param{req("source"), req("start"), req("length")}},
	"NormalizeDiacritics":       {params: []param{req("source")}},
	"Not":                       {params: []param{req("source")}},
	"Now":                       {},
	"NumFromDate":               {params: []param{req("value")}},
	"PCase":                     {params: []param{req("source"), opt("wordSeparators")}},
	"Prepend":                   {params: []param{req("prefix"), req("source")}},
	"RandomString": {params: []param{req("length"), req("minimumNumbers"), req("minimumSpecialCharacters"),
		req("minimumCapital"), req("minimumLowerCase"), opt("charactersToAvoid")}},
	"Redact":           {params: []param{req("source")}},
	"RemoveDuplicates": {params: []param{req("attribute")}},
	"Replace": {params: []param{req("source"), opt("Find"), opt("RegularExpression"), opt("RegularExpressionGroupName"),
		opt("Replacement"), opt("ReplacementPropertyName"), opt("Template")}},
	"SelectUniqueValue":       {params: []param{req("uniqueValueRule")}, variadic: true},
	"SingleAppRoleAssignment": {params: []param{req("source")}},
	"Split":                   {params: []param{req("source"), req("delimiter")}},
	"StripSpaces":             {params: []param{req("source")}},
	"Switch":                  {params: []param{req("source"), opt("defaultValue")}, pairs: true},
	"ToLower":                 {params: []param{req("source"), opt("culture")}},
	"ToUpper":                 {params: []param{req("source"), opt("culture")}},
	// Trim is not in the app-provisioning reference but is part of the sync engine's language
	// shared with cloud sync; it is accepted so expressions copied from there keep working.
	"Trim": {params: []param{req("source")}},
	"Word": {params: []param{req("string"), req("wordNumber"), req("delimiters")}},
}

// functionsByFold finds the intended function when only the case is wrong.
var functionsByFold = func() map[string]string {
	m := make(map[string]string, len(functions))
	for name := range functions {
		m[strings.ToLower(name)] = name
	}
	return m
}()

// key returns the formal parameter name of the argument at position i, or "" when the function
// takes no argument there.
func (s signature) key(i int) string {
	switch {
	case i < len(s.params):
		return s.params[i].name
	case s.variadic && len(s.params) > 0:
		return s.params[len(s.params)-1].name
	case s.pairs:
		if (i-len(s.params))%2 == 0 {
			return "key"
		}
		return "value"
	}
	return ""
}

// check validates the arity of a call. args holds nil for an omitted argument; offsets are where
// each argument starts and closing is the offset of ")".
func (s signature) check(name string, args []*Source, offsets []int, closing int) (int, string, bool) {
	for i := range args {
		if s.key(i) != "" {
			continue
		}
		if len(s.params) == 0 {
			return offsets[i], name + " takes no arguments", false
		}
		return offsets[i], fmt.Sprintf("%s takes at most %s", name, plural(len(s.params), "argument")), false
	}
	for i, p := range s.params {
		if !p.required {
			continue
		}
		if i >= len(args) {
			return closing, fmt.Sprintf("%s needs its %s argument", name, p.name), false
		}
		if args[i] == nil {
			return offsets[i], fmt.Sprintf("%s needs its %s argument", name, p.name), false
		}
	}
	if s.pairs && len(args) > len(s.params) {
		for i := len(s.params); i < len(args); i++ {
			if args[i] == nil {
				return offsets[i], fmt.Sprintf("%s needs a %s here: keys and values cannot be omitted", name, s.key(i)), false
			}
		}
		if (len(args)-len(s.params))%2 == 1 {
			return closing, fmt.Sprintf("%s needs a value for its last key", name), false
		}
	}
	return 0, "", true
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
