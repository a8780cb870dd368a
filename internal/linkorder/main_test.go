package main

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

func TestSymbols(t *testing.T) {
	const m = "example.org/app/cmd/app"
	for _, c := range []struct {
		line string
		want []string
	}{
		{"bufio/bufio.go:62:\t\t\tNewReader\t\t\t100.0%", []string{"bufio.NewReader"}},
		{"bufio/bufio.go:87:\t\t\t*Reader.reset\t\t\t100.0%", []string{"bufio.(*Reader).reset"}},
		{"fyne.io/fyne/v2/theme/color.go:9:\t\tColor.RGBA\t\t50.0%", []string{"fyne.io/fyne/v2/theme.Color.RGBA", "fyne.io/fyne/v2/theme.(*Color).RGBA"}},
		{"example.org/app/cmd/app/main.go:10:\tmain\t\t12.5%", []string{"main.main"}},
		{"bufio/bufio.go:67:\t\t\t*Reader.Size\t\t\t0.0%", nil},
		{"total\t\t\t\t(statements)\t\t\t21.4%", nil},
		{"", nil},
	} {
		if got := symbols(c.line, m); !slices.Equal(got, c.want) {
			t.Errorf("symbols(%q) = %q, want %q", c.line, got, c.want)
		}
	}
}

func TestRunOnceEachAndRefusesNothing(t *testing.T) {
	in := "a/b.go:1:\tF\t1.0%\na/c.go:2:\tF\t2.0%\na/b.go:3:\tG\t0.0%\n"
	var out bytes.Buffer
	if err := run(strings.NewReader(in), &out, "m"); err != nil || out.String() != "a.F\n" {
		t.Fatalf("run = %q, %v", out.String(), err)
	}
	if err := run(strings.NewReader(""), &out, "m"); err == nil {
		t.Fatal("an empty profile was taken")
	}
}
