package template

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"text/template"
)

// TextParser is a Parser that uses text/template.
//
// CLOVE PATCH: it substitutes {{.Name}} only (a key of a map, an exported
// field of a struct), the only action Fyne's and Clove's messages use,
// without text/template: text/template's field lookup calls reflect's
// MethodByName with a name known only at run time, which makes the linker
// keep every exported method of every type in the binary (3.7 MB of
// Clove's). Anything else in {{ }} is an error, and the caller's fallback is
// used. Option "missingkey=error" is kept; Funcs are ignored.
type TextParser struct {
	LeftDelim  string
	RightDelim string
	Funcs      template.FuncMap
	Option     string
}

func (te *TextParser) Cacheable() bool {
	return te.Funcs == nil
}

func (te *TextParser) Parse(src, leftDelim, rightDelim string) (ParsedTemplate, error) {
	if leftDelim == "" {
		leftDelim = te.LeftDelim
	}
	if leftDelim == "" {
		leftDelim = "{{"
	}
	if !strings.Contains(src, leftDelim) {
		// Fast path to avoid parsing a template that has no actions.
		return &identityParsedTemplate{src: src}, nil
	}

	if rightDelim == "" {
		rightDelim = te.RightDelim
	}
	if rightDelim == "" {
		rightDelim = "}}"
	}

	return parseFields(src, leftDelim, rightDelim, te.Option == "missingkey=error") // CLOVE PATCH
}

// CLOVE PATCH: what follows replaces text/template.

// fieldTemplate is literal text around {{.Name}} actions: lits has one
// entry more than names.
type fieldTemplate struct {
	lits         []string
	names        []string
	missingIsErr bool
}

func parseFields(src, left, right string, missingIsErr bool) (*fieldTemplate, error) {
	t := &fieldTemplate{missingIsErr: missingIsErr}
	for {
		i := strings.Index(src, left)
		if i < 0 {
			t.lits = append(t.lits, src)
			return t, nil
		}
		rest := src[i+len(left):]
		j := strings.Index(rest, right)
		if j < 0 {
			return nil, fmt.Errorf("template: unclosed action in %q", src)
		}
		action := strings.TrimSpace(rest[:j])
		name, ok := strings.CutPrefix(action, ".")
		if !ok || name == "" || strings.ContainsAny(name, " \t\n.|()$\"") {
			return nil, fmt.Errorf("template: only {{.Name}} is supported, not %q", action)
		}
		t.lits = append(t.lits, src[:i])
		t.names = append(t.names, name)
		src = rest[j+len(right):]
	}
}

func (t *fieldTemplate) Execute(data any) (string, error) {
	var b strings.Builder
	for i, name := range t.names {
		b.WriteString(t.lits[i])
		v, err := field(data, name, t.missingIsErr)
		if err != nil {
			return b.String(), err
		}
		fmt.Fprint(&b, v)
	}
	b.WriteString(t.lits[len(t.lits)-1])
	return b.String(), nil
}

// field is data's key or field name, as text/template's {{.name}}: a
// missing map key prints "<no value>", or is an error with missingkey=error.
func field(data any, name string, missingIsErr bool) (any, error) {
	v := reflect.ValueOf(data)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			break
		}
		v = v.Elem()
	}
	switch v.Kind() {
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		e := v.MapIndex(reflect.ValueOf(name).Convert(v.Type().Key()))
		if !e.IsValid() && missingIsErr {
			return nil, fmt.Errorf("template: map has no entry for key %q", name)
		}
		if !e.IsValid() {
			return "<no value>", nil
		}
		return e.Interface(), nil
	case reflect.Struct:
		if f, ok := v.Type().FieldByName(name); ok && f.IsExported() {
			fv, err := v.FieldByIndexErr(f.Index) // a nil embedded pointer
			if err != nil {
				return nil, fmt.Errorf("template: %w", err)
			}
			return fv.Interface(), nil
		}
		return nil, fmt.Errorf("template: can't evaluate field %s in type %s", name, v.Type())
	}
	if !v.IsValid() {
		return nil, errors.New("template: nil data; no entry for key " + name)
	}
	return nil, fmt.Errorf("template: can't evaluate field %s in type %s", name, v.Type())
}
