package thirdparty

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"fyne.io/fyne/v2/lang"
)

// Fyne's own translations, parsed only for the language the user's locale
// picks (third_party/fyne-idle, lang.go): each locale still gets its words,
// and a locale with none of Fyne's languages gets English. The language is
// chosen when the package initialises, from the environment, so each case
// runs this test binary again with its LANG.
func TestFyneTranslationsLoadedForTheLocale(t *testing.T) {
	if os.Getenv("CLOVE_LANG_CHILD") != "" {
		fmt.Printf("%s|%s\n", lang.L("Cancel"), lang.L("Quit"))
		return
	}
	for _, tc := range []struct{ locale, want string }{
		{"de_DE.UTF-8", "Abbrechen|Beenden"},
		{"pt_BR.UTF-8", "Cancelar|Sair"},
		{"fr_CH.UTF-8", "Annuler|Quitter"},
		{"ja_JP.UTF-8", "Cancel|Quit"},
		{"C", "Cancel|Quit"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run", "^TestFyneTranslationsLoadedForTheLocale$")
		cmd.Env = append(os.Environ(), "CLOVE_LANG_CHILD=1", "LANG="+tc.locale, "LC_ALL="+tc.locale, "LANGUAGE=", "LC_MESSAGES=")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("%s: %v\n%s", tc.locale, err, out)
		}
		got := strings.SplitN(string(out), "\n", 2)[0]
		if got != tc.want {
			t.Errorf("LANG=%s: %q, want %q", tc.locale, got, tc.want)
		}
	}
}
