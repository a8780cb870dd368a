package xmppclient

// xForm is a data form (XEP-0004, jabber:x:data) as read from a stanza:
// a room's registration, configuration and voice-request forms and the
// room info in disco#info all decode into it.
type xForm struct {
	Title        string   `xml:"title"`
	Instructions string   `xml:"instructions"`
	Fields       []xField `xml:"field"`
}

// xField is one field of an xForm.
type xField struct {
	Var      string    `xml:"var,attr"`
	Type     string    `xml:"type,attr"`
	Label    string    `xml:"label,attr"`
	Desc     string    `xml:"desc"`
	Required *struct{} `xml:"required"`
	Values   []string  `xml:"value"`
	Options  []struct {
		Label string `xml:"label,attr"`
		Value string `xml:"value"`
	} `xml:"option"`
}

// value is the first value of f's field v ("" if it has none).
func (f *xForm) value(v string) string {
	for _, fld := range f.Fields {
		if fld.Var == v && len(fld.Values) > 0 {
			return fld.Values[0]
		}
	}
	return ""
}
