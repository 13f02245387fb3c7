package simulator

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// mappingSource is attributeMappingSource: an Attribute, a Constant or a Function tree.
type mappingSource struct {
	Expression string             `json:"expression"`
	Name       string             `json:"name"`
	Parameters []mappingParameter `json:"parameters"`
	Type       string             `json:"type"`
}

type mappingParameter struct {
	Key   string         `json:"key"`
	Value *mappingSource `json:"value"`
}

// functionParameterNames gives the formal parameter keys of the functions the simulator
// models; "*" repeats the previous name, "key/value" alternate (Switch). The real service
// knows many more functions (docs/graph.md §5.5); unknown ones fail to parse here.
var functionParameterNames = map[string][]string{
	"Switch":                  {"source", "defaultValue", "key/value"},
	"Join":                    {"separator", "source", "*"},
	"Not":                     {"source"},
	"Append":                  {"source", "suffix"},
	"ToLower":                 {"source", "culture"},
	"ToUpper":                 {"source", "culture"},
	"Coalesce":                {"source", "*"},
	"StripSpaces":             {"source"},
	"SingleAppRoleAssignment": {"source"},
	"Replace":                 {"source", "oldValue", "regexPattern", "regexGroupName", "replacementValue", "replacementAttributeName", "template"},
	"IIF":                     {"condition", "valueIfTrue", "valueIfFalse"},
}

// evaluableFunctions are the functions the provisioning engine computes. A mapping that uses
// any other function fails the user it is evaluated for: the simulator never guesses.
var evaluableFunctions = map[string]bool{
	"Switch": true, "Join": true, "Not": true, "Append": true, "ToLower": true, "ToUpper": true,
	"Coalesce": true, "StripSpaces": true, "IIF": true,
}

// checkEvaluable reports the first part of the tree the engine cannot compute against the
// source attributes: an unknown function, an unknown source attribute or an unknown type.
func (m *mappingSource) checkEvaluable(attributes map[string]string) error {
	if m == nil {
		return nil
	}
	switch m.Type {
	case "Attribute":
		if _, ok := attributes[m.Name]; !ok {
			return fmt.Errorf("the source attribute '%s' is not known to the provisioning engine", m.Name)
		}
		return nil
	case "Constant":
		return nil
	case "Function":
		if !evaluableFunctions[m.Name] {
			return fmt.Errorf("the function '%s' in '%s' cannot be evaluated", m.Name, m.Expression)
		}
		for _, p := range m.Parameters {
			if err := p.Value.checkEvaluable(attributes); err != nil {
				return err
			}
		}
		return nil
	}
	return fmt.Errorf("the mapping source type '%s' cannot be evaluated", m.Type)
}

// parseExpression turns "[attr]", "\"constant\"" or "Func(arg, , arg)" into the source
// tree Graph's parseExpression returns; empty arguments are dropped from parameters (§5.3).
func parseExpression(text string) (*mappingSource, error) {
	p := &expressionParser{text: text}
	source, err := p.parse()
	if err != nil {
		return nil, err
	}
	p.skipSpaces()
	if p.pos != len(p.text) {
		return nil, fmt.Errorf("unexpected %q at offset %d", p.text[p.pos:], p.pos)
	}
	if source == nil {
		return nil, errors.New("the expression is empty")
	}
	return source, nil
}

type expressionParser struct {
	text string
	pos  int
}

func (p *expressionParser) skipSpaces() {
	for p.pos < len(p.text) && (p.text[p.pos] == ' ' || p.text[p.pos] == '\t') {
		p.pos++
	}
}

// parse reads one argument; nil (without error) means an empty argument.
func (p *expressionParser) parse() (*mappingSource, error) {
	p.skipSpaces()
	if p.pos >= len(p.text) || p.text[p.pos] == ',' || p.text[p.pos] == ')' {
		return nil, nil
	}
	switch p.text[p.pos] {
	case '[':
		return p.parseAttribute()
	case '"':
		return p.parseConstant()
	}
	return p.parseFunction()
}

// parseAttribute reads an attribute reference, [name], starting at its '['.
func (p *expressionParser) parseAttribute() (*mappingSource, error) {
	start := p.pos
	end := strings.IndexByte(p.text[p.pos:], ']')
	if end < 0 {
		return nil, fmt.Errorf("unterminated attribute reference at offset %d", start)
	}
	name := strings.TrimSpace(p.text[p.pos+1 : p.pos+end])
	p.pos += end + 1
	if name == "" {
		return nil, fmt.Errorf("empty attribute reference at offset %d", start)
	}
	return &mappingSource{Expression: "[" + name + "]", Name: name, Type: "Attribute", Parameters: []mappingParameter{}}, nil
}

// parseConstant reads a string constant, "value" with backslash escapes, starting at its
// opening quote.
func (p *expressionParser) parseConstant() (*mappingSource, error) {
	start := p.pos
	var value strings.Builder
	p.pos++
	for p.pos < len(p.text) {
		ch := p.text[p.pos]
		if ch == '\\' && p.pos+1 < len(p.text) {
			value.WriteByte(p.text[p.pos+1])
			p.pos += 2
			continue
		}
		if ch == '"' {
			p.pos++
			return &mappingSource{Expression: p.text[start:p.pos], Name: value.String(), Type: "Constant", Parameters: []mappingParameter{}}, nil
		}
		value.WriteByte(ch)
		p.pos++
	}
	return nil, fmt.Errorf("unterminated string constant at offset %d", start)
}

// parseFunction reads a function call, Name(arg, ...), naming its arguments after the
// function's formal parameters and dropping empty ones.
func (p *expressionParser) parseFunction() (*mappingSource, error) {
	start := p.pos
	for p.pos < len(p.text) && isIdentifierChar(p.text[p.pos]) {
		p.pos++
	}
	name := p.text[start:p.pos]
	p.skipSpaces()
	if name == "" || p.pos >= len(p.text) || p.text[p.pos] != '(' {
		return nil, fmt.Errorf("expected an attribute, a constant or a function at offset %d", start)
	}
	formal, known := functionParameterNames[name]
	if !known {
		return nil, fmt.Errorf("unknown function '%s'", name)
	}
	p.pos++
	args, err := p.parseArguments(name)
	if err != nil {
		return nil, err
	}
	source := &mappingSource{Expression: p.text[start:p.pos], Name: name, Type: "Function", Parameters: []mappingParameter{}}
	for i, arg := range args {
		if arg == nil {
			continue
		}
		source.Parameters = append(source.Parameters, mappingParameter{Key: formalName(formal, i), Value: arg})
	}
	return source, nil
}

// parseArguments reads a function's arguments after its '(' up to and including the
// closing ')'; empty arguments are nil.
func (p *expressionParser) parseArguments(function string) ([]*mappingSource, error) {
	var args []*mappingSource
	for {
		arg, err := p.parse()
		if err != nil {
			return nil, err
		}
		args = append(args, arg)
		p.skipSpaces()
		if p.pos >= len(p.text) {
			return nil, fmt.Errorf("missing ')' for function '%s'", function)
		}
		if p.text[p.pos] == ')' {
			p.pos++
			return args, nil
		}
		p.pos++ // ','
	}
}

func isIdentifierChar(ch byte) bool {
	return ch == '_' || (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
}

func formalName(formal []string, index int) string {
	last := len(formal) - 1
	if index < last {
		return formal[index]
	}
	switch formal[last] {
	case "*":
		return formal[last-1]
	case "key/value":
		if (index-last)%2 == 0 {
			return "key"
		}
		return "value"
	}
	if index == last {
		return formal[last]
	}
	return fmt.Sprintf("parameter%d", index)
}

// evaluate computes a mapping source against source attributes. ok is false when the
// result is null (the attribute is then not exported).
func (m *mappingSource) evaluate(attributes map[string]string) (string, bool) {
	if m == nil {
		return "", false
	}
	switch m.Type {
	case "Attribute":
		v, found := attributes[m.Name]
		return v, found && v != ""
	case "Constant":
		return m.Name, true
	}
	return m.evaluateFunction(attributes)
}

// functionArguments are a function's parameters grouped by formal name, in order.
type functionArguments map[string][]*mappingSource

// first evaluates the first parameter named key; ok is false when there is none.
func (a functionArguments) first(key string, attributes map[string]string) (string, bool) {
	if len(a[key]) == 0 {
		return "", false
	}
	return a[key][0].evaluate(attributes)
}

// evaluateFunction computes a Function mapping source; see evaluate.
func (m *mappingSource) evaluateFunction(attributes map[string]string) (string, bool) {
	args := functionArguments{}
	for _, p := range m.Parameters {
		args[p.Key] = append(args[p.Key], p.Value)
	}
	switch m.Name {
	case "Switch":
		return args.evaluateSwitch(attributes)
	case "Join":
		return args.evaluateJoin(attributes)
	case "Not":
		v, ok := args.first("source", attributes)
		return boolString(!strings.EqualFold(v, "true")), ok
	case "Append":
		v, ok := args.first("source", attributes)
		suffix, _ := args.first("suffix", attributes)
		return v + suffix, ok
	case "ToLower":
		v, ok := args.first("source", attributes)
		return strings.ToLower(v), ok
	case "ToUpper":
		v, ok := args.first("source", attributes)
		return strings.ToUpper(v), ok
	case "Coalesce":
		for _, src := range args["source"] {
			if v, ok := src.evaluate(attributes); ok {
				return v, true
			}
		}
		return "", false
	case "StripSpaces":
		v, ok := args.first("source", attributes)
		return strings.ReplaceAll(v, " ", ""), ok
	case "IIF":
		condition, _ := args.first("condition", attributes)
		if strings.EqualFold(condition, "true") {
			return args.first("valueIfTrue", attributes)
		}
		return args.first("valueIfFalse", attributes)
	}
	// Functions without a modelled evaluation pass their source through.
	return args.first("source", attributes)
}

// evaluateSwitch returns the value paired with the first key equal (ignoring case) to
// the source, else the default value.
func (a functionArguments) evaluateSwitch(attributes map[string]string) (string, bool) {
	value, _ := a.first("source", attributes)
	for i := range a["key"] {
		key, _ := a["key"][i].evaluate(attributes)
		if i < len(a["value"]) && strings.EqualFold(key, value) {
			return a["value"][i].evaluate(attributes)
		}
	}
	return a.first("defaultValue", attributes)
}

// evaluateJoin joins the non-null sources with the separator; null when all are null.
func (a functionArguments) evaluateJoin(attributes map[string]string) (string, bool) {
	separator, _ := a.first("separator", attributes)
	var parts []string
	for _, src := range a["source"] {
		if v, ok := src.evaluate(attributes); ok {
			parts = append(parts, v)
		}
	}
	return strings.Join(parts, separator), len(parts) > 0
}

// handleParseExpression implements schema/parseExpression (§5.5): 200 in all cases, with
// parsingSucceeded false and an error for bad syntax. Test input evaluation is supported
// for flat objects of string values.
func (s *Simulator) handleParseExpression(c *call) {
	var body struct {
		Expression      string         `json:"expression"`
		TestInputObject map[string]any `json:"testInputObject"`
	}
	if !c.decode(&body) {
		return
	}
	response := map[string]any{
		"@odata.context":      c.context("microsoft.graph.parseExpressionResponse"),
		"error":               nil,
		"evaluationResult":    nil,
		"evaluationSucceeded": false,
		"parsedExpression":    nil,
		"parsingSucceeded":    false,
	}
	source, err := parseExpression(body.Expression)
	if err != nil {
		response["error"] = map[string]any{"code": "ExpressionParsingFailed", "message": err.Error()}
		c.writeJSON(http.StatusOK, response)
		return
	}
	response["parsedExpression"] = source
	response["parsingSucceeded"] = true
	if body.TestInputObject != nil {
		attributes := testInputAttributes(body.TestInputObject)
		if v, ok := source.evaluate(attributes); ok {
			response["evaluationResult"] = []string{v}
		} else {
			response["evaluationResult"] = []string{}
		}
		response["evaluationSucceeded"] = true
	}
	c.writeJSON(http.StatusOK, response)
}

// testInputAttributes flattens an expressionInputObject ({definition, properties:[{key,
// value}]}) or a plain object into attribute values.
func testInputAttributes(input map[string]any) map[string]string {
	attributes := map[string]string{}
	if props, ok := input["properties"].([]any); ok {
		for _, p := range props {
			kv, ok := p.(map[string]any)
			if !ok {
				continue
			}
			key, _ := kv["key"].(string)
			attributes[key] = fmt.Sprint(kv["value"])
		}
		return attributes
	}
	for k, v := range input {
		attributes[k] = fmt.Sprint(v)
	}
	return attributes
}
