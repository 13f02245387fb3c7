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

// Package mapping turns a ScimApplication's attribute-mapping table into Entra's synchronization
// schema: it parses Entra mapping expressions into the source trees Graph stores and edits a
// fetched job schema so its User object mapping is exactly the desired table. It is pure (no
// Graph, no Kubernetes), so what a mapping becomes in Entra is tested without either.
package mapping

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// SourceType is the kind of an attributeMappingSource node.
type SourceType string

// The node kinds Graph uses in attributeMappingSource.type.
const (
	SourceAttribute SourceType = "Attribute"
	SourceConstant  SourceType = "Constant"
	SourceFunction  SourceType = "Function"
)

// Source is Graph's attributeMappingSource: the parsed form of a mapping expression that Entra
// stores next to the expression text.
type Source struct {
	// Expression is the canonical text of this node (see Normalize).
	Expression string `json:"expression"`
	// Name is the attribute name, the unquoted constant value or the function name.
	Name string `json:"name"`
	// Parameters are a function's arguments, keyed by formal parameter name; omitted arguments
	// are absent. Never nil, because Graph writes [] for attributes and constants.
	Parameters []Parameter `json:"parameters"`
	Type       SourceType  `json:"type"`
}

// Parameter is one argument of a Function source.
type Parameter struct {
	Key   string  `json:"key"`
	Value *Source `json:"value"`
}

// ExpressionError is a mapping expression that cannot be parsed. Its message is meant for a
// condition on the ScimApplication, so it points at the column the user has to fix.
type ExpressionError struct {
	// Expression is the text that failed.
	Expression string
	// Offset is the byte offset of the problem in Expression.
	Offset int
	// Message says what was expected or wrong there.
	Message string
}

// Error returns "column N: message".
func (e *ExpressionError) Error() string {
	return fmt.Sprintf("column %d: %s", e.Column(), e.Message)
}

// Column is the 1-based column of Offset, counted in characters rather than bytes so that it
// matches what the user sees in their editor.
func (e *ExpressionError) Column() int {
	offset := min(max(e.Offset, 0), len(e.Expression))
	return utf8.RuneCountInString(e.Expression[:offset]) + 1
}

// maxDepth bounds function nesting so a hostile spec cannot exhaust the stack; real expressions
// nest a handful of levels.
const maxDepth = 32

// Parse parses an Entra mapping expression into the source tree Graph stores: "[attr]" or a bare
// attribute name, a "constant" (with \" and \\ escapes), an integer, or Function(arg, , arg) with
// omitted arguments dropped from the parameters. Errors are *ExpressionError.
//
// Comparison operators (IIF([c]="x", ...)) and VB-style tokens (&HF, vbBinaryCompare) are not
// supported: their Graph tree shape is unknown, so guessing it could write a wrong mapping.
func Parse(expression string) (*Source, error) {
	p := &parser{text: expression}
	if i := invalidUTF8(expression); i >= 0 {
		return nil, p.fail(i, "the expression is not valid UTF-8")
	}
	p.skipSpace()
	if p.done() {
		return nil, p.fail(0, "the expression is empty")
	}
	source, err := p.term(true)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if !p.done() {
		return nil, p.fail(p.pos, fmt.Sprintf("unexpected %s after the end of the expression", p.describe()))
	}
	return source, nil
}

// Normalize returns the canonical text of an expression: brackets around attributes, no space
// except one after each comma, and constants re-escaped. Omitted arguments keep their position
// (Switch([IsSoftDeleted], , "False", ...)) because Entra's own text keeps them, so the canonical
// texts of the spec and of Entra's stored expression compare equal when they mean the same.
func Normalize(expression string) (string, error) {
	source, err := Parse(expression)
	if err != nil {
		return "", err
	}
	return source.Expression, nil
}

// AttributeNames lists the attributes a source reads, each once, in order of appearance.
func (s *Source) AttributeNames() []string {
	var names []string
	seen := map[string]bool{}
	var walk func(*Source)
	walk = func(n *Source) {
		if n == nil {
			return
		}
		if n.Type == SourceAttribute && !seen[n.Name] {
			seen[n.Name] = true
			names = append(names, n.Name)
		}
		for _, p := range n.Parameters {
			walk(p.Value)
		}
	}
	walk(s)
	return names
}

type parser struct {
	text  string
	pos   int
	depth int
}

func (p *parser) fail(offset int, message string) *ExpressionError {
	return &ExpressionError{Expression: p.text, Offset: offset, Message: message}
}

func (p *parser) done() bool { return p.pos >= len(p.text) }

func (p *parser) skipSpace() {
	for !p.done() && strings.IndexByte(" \t\r\n", p.text[p.pos]) >= 0 {
		p.pos++
	}
}

// describe names the character at pos for an error message.
func (p *parser) describe() string {
	if p.done() {
		return "end of expression"
	}
	r, _ := utf8.DecodeRuneInString(p.text[p.pos:])
	return fmt.Sprintf("%q", r)
}

// term parses one attribute, constant, number or function call. top is true for the whole
// expression, the only place where a bare attribute name (a "Direct" mapping) is Entra syntax.
func (p *parser) term(top bool) (*Source, error) {
	c := p.text[p.pos]
	switch {
	case c == '[':
		return p.attribute()
	case c == '"':
		return p.constant()
	case c == '-' || isDigit(c):
		return p.number()
	case isIdentifierStart(c):
		return p.identifier(top)
	case c == '=' || c == '<' || c == '>':
		return nil, p.comparison()
	}
	return nil, p.fail(p.pos, fmt.Sprintf(`expected an attribute ([name]), a constant ("text") or a function, found %s`, p.describe()))
}

// comparison rejects IIF([country]="USA", ...): how Graph represents an operator in the source
// tree is not known, and a guessed tree would be written to Entra.
func (p *parser) comparison() *ExpressionError {
	return p.fail(p.pos, fmt.Sprintf("comparison operators such as %s are not supported; use Switch instead", p.describe()))
}

func (p *parser) attribute() (*Source, error) {
	start := p.pos
	end := strings.IndexByte(p.text[start:], ']')
	if end < 0 {
		return nil, p.fail(start, `unterminated attribute: expected "]"`)
	}
	name := strings.TrimSpace(p.text[start+1 : start+end])
	if name == "" {
		return nil, p.fail(start, "empty attribute name")
	}
	p.pos = start + end + 1
	return attributeSource(name), nil
}

func attributeSource(name string) *Source {
	return &Source{Expression: "[" + name + "]", Name: name, Type: SourceAttribute, Parameters: []Parameter{}}
}

// constant parses a quoted string. Entra's reference defines only \" and \\, so any other escape
// is an error: guessing whether "\d" means \d or d could change a regular expression silently.
func (p *parser) constant() (*Source, error) {
	start := p.pos
	var value strings.Builder
	for p.pos++; !p.done(); {
		switch c := p.text[p.pos]; c {
		case '"':
			p.pos++
			return constantSource(value.String()), nil
		case '\\':
			if p.pos+1 >= len(p.text) {
				return nil, p.fail(start, "unterminated string constant")
			}
			if next := p.text[p.pos+1]; next != '"' && next != '\\' {
				r, _ := utf8.DecodeRuneInString(p.text[p.pos+1:])
				return nil, p.fail(p.pos, fmt.Sprintf(`invalid escape "\%c": only \" and \\ are allowed in a constant`, r))
			}
			value.WriteByte(p.text[p.pos+1])
			p.pos += 2
		default:
			value.WriteByte(c)
			p.pos++
		}
	}
	return nil, p.fail(start, "unterminated string constant")
}

func constantSource(value string) *Source {
	quoted := `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(value) + `"`
	return &Source{Expression: quoted, Name: value, Type: SourceConstant, Parameters: []Parameter{}}
}

// number parses an integer argument such as Item's index or Mid's start. Entra's reference
// writes them unquoted; the text is kept verbatim so the canonical form does not turn 1 into "1".
func (p *parser) number() (*Source, error) {
	start := p.pos
	if p.text[p.pos] == '-' {
		p.pos++
	}
	digits := p.pos
	for !p.done() && isDigit(p.text[p.pos]) {
		p.pos++
	}
	if p.pos == digits {
		return nil, p.fail(p.pos, fmt.Sprintf(`expected a digit after "-", found %s`, p.describe()))
	}
	text := p.text[start:p.pos]
	return &Source{Expression: text, Name: text, Type: SourceConstant, Parameters: []Parameter{}}, nil
}

func (p *parser) identifier(top bool) (*Source, error) {
	start := p.pos
	for !p.done() && isIdentifierPart(p.text[p.pos]) {
		p.pos++
	}
	name := p.text[start:p.pos]
	end := p.pos
	p.skipSpace()
	if !p.done() && p.text[p.pos] == '(' {
		return p.call(name, start)
	}
	if !top {
		return nil, p.fail(start, fmt.Sprintf("attribute %s needs brackets inside a function: [%s]", name, name))
	}
	p.pos = end
	return attributeSource(name), nil
}

// call parses the arguments of a function whose name starts at offset start; p.pos is at "(".
func (p *parser) call(name string, start int) (*Source, error) {
	sig, known := functions[name]
	if !known {
		if canonical, ok := functionsByFold[strings.ToLower(name)]; ok {
			return nil, p.fail(start, fmt.Sprintf("unknown function %s (function names are case-sensitive: %s)", name, canonical))
		}
		return nil, p.fail(start, fmt.Sprintf("unknown function %s", name))
	}
	if p.depth++; p.depth > maxDepth {
		return nil, p.fail(start, fmt.Sprintf("functions are nested more than %d levels deep", maxDepth))
	}
	defer func() { p.depth-- }()

	p.pos++
	var args []*Source
	var offsets []int
	p.skipSpace()
	if !p.done() && p.text[p.pos] == ')' {
		p.pos++
	} else {
		for {
			p.skipSpace()
			offsets = append(offsets, p.pos)
			var arg *Source
			if !p.done() && p.text[p.pos] != ',' && p.text[p.pos] != ')' {
				var err error
				if arg, err = p.term(false); err != nil {
					return nil, err
				}
			}
			args = append(args, arg)
			p.skipSpace()
			if !p.done() && strings.IndexByte("=<>", p.text[p.pos]) >= 0 {
				return nil, p.comparison()
			}
			if p.done() || (p.text[p.pos] != ',' && p.text[p.pos] != ')') {
				return nil, p.fail(p.pos, `expected ")" or ","`)
			}
			p.pos++
			if p.text[p.pos-1] == ')' {
				break
			}
		}
	}
	if offset, message, ok := sig.check(name, args, offsets, p.pos-1); !ok {
		return nil, p.fail(offset, message)
	}

	texts := make([]string, len(args))
	parameters := []Parameter{}
	for i, arg := range args {
		if arg == nil {
			continue
		}
		texts[i] = arg.Expression
		parameters = append(parameters, Parameter{Key: sig.key(i), Value: arg})
	}
	text := name + "(" + strings.Join(texts, ", ") + ")"
	return &Source{Expression: text, Name: name, Type: SourceFunction, Parameters: parameters}, nil
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isIdentifierStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// isIdentifierPart also allows "." and "-", which appear in directory extension attribute names
// written without brackets.
func isIdentifierPart(c byte) bool {
	return isIdentifierStart(c) || isDigit(c) || c == '.' || c == '-'
}

// invalidUTF8 returns the offset of the first invalid byte, or -1. JSON encoding would replace
// such bytes, so the expression Entra stores could never equal the spec's again.
func invalidUTF8(s string) int {
	for i, r := range s {
		if r == utf8.RuneError {
			if _, size := utf8.DecodeRuneInString(s[i:]); size == 1 {
				return i
			}
		}
	}
	return -1
}
