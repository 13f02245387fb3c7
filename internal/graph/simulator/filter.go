package simulator

import (
	"strconv"
	"strings"
)

// This file implements the subset of OData $filter the controller and its tests need:
// eq/ne/gt/ge/lt/le, and/or/not, parentheses, contains/startswith/endswith and
// tolower/toupper, over string, boolean, null, number and date-time literals.

type filterExpr interface {
	matches(item map[string]any) bool
}

type valueExpr interface {
	value(item map[string]any) any
}

type pathValue struct{ path string }

func (p pathValue) value(item map[string]any) any { return lookupPath(item, p.path) }

type literalValue struct{ v any }

func (l literalValue) value(map[string]any) any { return l.v }

type caseFunc struct {
	upper bool
	arg   valueExpr
}

func (f caseFunc) value(item map[string]any) any {
	s, ok := f.arg.value(item).(string)
	if !ok {
		return nil
	}
	if f.upper {
		return strings.ToUpper(s)
	}
	return strings.ToLower(s)
}

type comparison struct {
	op              string
	left, right     valueExpr
	caseInsensitive bool
}

func (c comparison) matches(item map[string]any) bool {
	cmp, ok := compareValues(c.left.value(item), c.right.value(item), c.caseInsensitive)
	switch c.op {
	case "eq":
		return ok && cmp == 0
	case "ne":
		return !ok || cmp != 0
	case "gt":
		return ok && cmp > 0
	case "ge":
		return ok && cmp >= 0
	case "lt":
		return ok && cmp < 0
	case "le":
		return ok && cmp <= 0
	}
	return false
}

type stringFunc struct {
	name            string
	haystack        valueExpr
	needle          valueExpr
	caseInsensitive bool
}

func (f stringFunc) matches(item map[string]any) bool {
	h, okH := f.haystack.value(item).(string)
	n, okN := f.needle.value(item).(string)
	if !okH || !okN {
		return false
	}
	if f.caseInsensitive {
		h, n = strings.ToLower(h), strings.ToLower(n)
	}
	switch f.name {
	case "contains":
		return strings.Contains(h, n)
	case "startswith":
		return strings.HasPrefix(h, n)
	default:
		return strings.HasSuffix(h, n)
	}
}

type logical struct {
	and         bool
	left, right filterExpr
}

func (l logical) matches(item map[string]any) bool {
	if l.and {
		return l.left.matches(item) && l.right.matches(item)
	}
	return l.left.matches(item) || l.right.matches(item)
}

type negation struct{ inner filterExpr }

func (n negation) matches(item map[string]any) bool { return !n.inner.matches(item) }

type filterParser struct {
	tokens []filterToken
	pos    int
	spec   filterSpec
}

type filterToken struct {
	text   string
	quoted bool
}

// parseFilter parses an OData $filter; errors carry Graph-like messages.
func parseFilter(text string, spec filterSpec) (filterExpr, error) {
	tokens, err := tokenizeFilter(text)
	if err != nil {
		return nil, err
	}
	p := &filterParser{tokens: tokens, spec: spec}
	expr, err := p.parseOr()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.tokens) {
		return nil, queryErrorf("Invalid filter clause: syntax error at '%s'.", p.tokens[p.pos].text)
	}
	return expr, nil
}

func tokenizeFilter(text string) ([]filterToken, error) {
	var tokens []filterToken
	for i := 0; i < len(text); {
		ch := text[i]
		switch ch {
		case ' ', '\t':
			i++
		case '(', ')', ',':
			tokens = append(tokens, filterToken{text: string(ch)})
			i++
		case '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(text) {
				if text[i] == '\'' {
					// OData doubles single quotes inside literals: 'O''Brien'.
					if i+1 < len(text) && text[i+1] == '\'' {
						b.WriteByte('\'')
						i += 2
						continue
					}
					i++
					closed = true
					break
				}
				b.WriteByte(text[i])
				i++
			}
			if !closed {
				return nil, queryError("Invalid filter clause: unterminated string literal.")
			}
			tokens = append(tokens, filterToken{text: b.String(), quoted: true})
		default:
			start := i
			for i < len(text) && !strings.ContainsRune(" \t(),'", rune(text[i])) {
				i++
			}
			tokens = append(tokens, filterToken{text: text[start:i]})
		}
	}
	return tokens, nil
}

func (p *filterParser) peek() (filterToken, bool) {
	if p.pos >= len(p.tokens) {
		return filterToken{}, false
	}
	return p.tokens[p.pos], true
}

func (p *filterParser) peekKeyword(keyword string) bool {
	t, ok := p.peek()
	return ok && !t.quoted && strings.EqualFold(t.text, keyword)
}

func (p *filterParser) expect(text string) error {
	t, ok := p.peek()
	if !ok || t.quoted || t.text != text {
		return queryErrorf("Invalid filter clause: expected '%s'.", text)
	}
	p.pos++
	return nil
}

func (p *filterParser) parseOr() (filterExpr, error) {
	left, err := p.parseAnd()
	if err != nil {
		return nil, err
	}
	for p.peekKeyword("or") {
		p.pos++
		right, err := p.parseAnd()
		if err != nil {
			return nil, err
		}
		left = logical{and: false, left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parseAnd() (filterExpr, error) {
	left, err := p.parseUnary()
	if err != nil {
		return nil, err
	}
	for p.peekKeyword("and") {
		p.pos++
		right, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		left = logical{and: true, left: left, right: right}
	}
	return left, nil
}

func (p *filterParser) parseUnary() (filterExpr, error) {
	if p.peekKeyword("not") {
		p.pos++
		inner, err := p.parseUnary()
		if err != nil {
			return nil, err
		}
		return negation{inner: inner}, nil
	}
	if t, ok := p.peek(); ok && !t.quoted && t.text == "(" {
		p.pos++
		inner, err := p.parseOr()
		if err != nil {
			return nil, err
		}
		return inner, p.expect(")")
	}
	for _, name := range []string{"contains", "startswith", "endswith"} {
		if p.peekKeyword(name) {
			p.pos++
			args, err := p.parseArguments(2)
			if err != nil {
				return nil, err
			}
			return stringFunc{name: name, haystack: args[0], needle: args[1], caseInsensitive: p.spec.caseInsensitive}, nil
		}
	}
	left, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	t, ok := p.peek()
	if !ok || t.quoted {
		return nil, queryError("Invalid filter clause: expected a comparison operator.")
	}
	op := strings.ToLower(t.text)
	switch op {
	case "eq", "ne", "gt", "ge", "lt", "le":
	default:
		return nil, queryErrorf("Invalid filter clause: unsupported operator '%s'.", t.text)
	}
	p.pos++
	right, err := p.parseValue()
	if err != nil {
		return nil, err
	}
	return comparison{op: op, left: left, right: right, caseInsensitive: p.spec.caseInsensitive}, nil
}

func (p *filterParser) parseArguments(n int) ([]valueExpr, error) {
	if err := p.expect("("); err != nil {
		return nil, err
	}
	args := make([]valueExpr, 0, n)
	for i := range n {
		if i > 0 {
			if err := p.expect(","); err != nil {
				return nil, err
			}
		}
		v, err := p.parseValue()
		if err != nil {
			return nil, err
		}
		args = append(args, v)
	}
	return args, p.expect(")")
}

func (p *filterParser) parseValue() (valueExpr, error) {
	t, ok := p.peek()
	if !ok {
		return nil, queryError("Invalid filter clause: unexpected end of expression.")
	}
	p.pos++
	if t.quoted {
		return literalValue{v: t.text}, nil
	}
	lower := strings.ToLower(t.text)
	switch lower {
	case "tolower", "toupper":
		args, err := p.parseArguments(1)
		if err != nil {
			return nil, err
		}
		return caseFunc{upper: lower == "toupper", arg: args[0]}, nil
	case "true", "false":
		return literalValue{v: lower == "true"}, nil
	case "null":
		return literalValue{v: nil}, nil
	case "(", ")", ",":
		return nil, queryErrorf("Invalid filter clause: unexpected '%s'.", t.text)
	}
	if tm, ok := parseFilterTime(t.text); ok {
		return literalValue{v: filterTime{t: tm}}, nil
	}
	if n, err := strconv.ParseFloat(t.text, 64); err == nil {
		return literalValue{v: n}, nil
	}
	if strings.HasSuffix(lower, "/any") || strings.HasSuffix(lower, "/all") {
		return nil, queryErrorf("Invalid filter clause: lambda expressions are not supported ('%s').", t.text)
	}
	if !p.spec.properties[strings.ToLower(t.text)] {
		return nil, queryErrorf("Unsupported or invalid query filter clause specified for property '%s'.", t.text)
	}
	return pathValue{path: t.text}, nil
}
