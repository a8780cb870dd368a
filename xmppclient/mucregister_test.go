package xmppclient

import (
	"bytes"
	"encoding/xml"
	"strings"
	"testing"

	"mellium.im/xmlstream"
)

// The submitted registration form (XEP-0045 §7.10): FORM_TYPE kept, the
// nick filled in, optional fields left out; a required field we cannot
// fill, a form without a nick field or an oversized form is one error.
func TestFillRegForm(t *testing.T) {
	formType := xField{Var: "FORM_TYPE", Type: "hidden", Values: []string{nsMUCRegister}}
	nick := xField{Var: fieldRoomNick, Type: "text-single", Required: &struct{}{}}
	first := xField{Var: "muc#register_first", Type: "text-single"}
	for _, c := range []struct {
		name    string
		fields  []xField
		want    string // in the XML, or the error
		wantErr bool
	}{
		{"prosody's form", []xField{formType, nick},
			`<x xmlns="jabber:x:data" type="submit"><field var="FORM_TYPE"><value>` + nsMUCRegister + `</value></field><field var="muc#register_roomnick"><value>Ally</value></field></x>`, false},
		{"optional names left out", []xField{formType, first, nick}, `<field var="muc#register_roomnick"><value>Ally</value></field></x>`, false},
		{"a required field", []xField{formType, {Var: "muc#register_faqentry", Type: "text-multi", Required: &struct{}{}}, nick}, "muc#register_faqentry", true},
		{"no nick field", []xField{formType, first}, "no nickname field", true},
		{"too large", make([]xField, maxRegFormField+1), "too large", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := fillRegForm(c.fields, "Ally")
			if c.wantErr {
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("err %v, want one mentioning %q", err, c.want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var b bytes.Buffer
			e := xml.NewEncoder(&b)
			if _, err := xmlstream.Copy(e, r); err != nil {
				t.Fatal(err)
			}
			e.Flush()
			if !strings.Contains(b.String(), c.want) || strings.Contains(b.String(), "register_first") {
				t.Fatalf("form %s\nwant %s", b.String(), c.want)
			}
		})
	}
}
