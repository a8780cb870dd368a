// Package lang introduces a translation and localisation API for Fyne applications
//
// Since 2.5
package lang

import (
	"embed"
	"encoding/json"
	"log"
	"strings" // CLOVE PATCH
	"sync"

	"github.com/jeandeaual/go-locale"
	"github.com/nicksnyder/go-i18n/v2/i18n"
	i18ntemplate "github.com/nicksnyder/go-i18n/v2/i18n/template" // CLOVE PATCH

	"fyne.io/fyne/v2"

	"golang.org/x/text/language"
)

var (
	// L is a shortcut to localize a string, similar to the gettext "_" function.
	// More info available on the `Localize` function.
	L = Localize

	// N is a shortcut to localize a string with plural forms, similar to the ngettext function.
	// More info available on the `LocalizePlural` function.
	N = LocalizePlural

	// X is a shortcut to get the localization of a string with specified key, similar to pgettext.
	// More info available on the `LocalizeKey` function.
	X = LocalizeKey

	// XN is a shortcut to get the localization plural form of a string with specified key, similar to npgettext.
	// More info available on the `LocalizePluralKey` function.
	XN = LocalizePluralKey

	bundle    *i18n.Bundle
	localizer *i18n.Localizer
	setupOnce sync.Once

	//go:embed translations
	translations embed.FS
	translated   []language.Tag
)

// Localize asks the translation engine to translate a string, this behaves like the gettext "_" function.
// The string can be templated and the template data can be passed as a struct with exported fields,
// or as a map of string keys to any suitable value.
func Localize(in string, data ...any) string {
	return LocalizeKey(in, in, data...)
}

// LocalizeKey asks the translation engine for the translation with specific ID.
// If it cannot be found then the fallback will be used.
// The string can be templated and the template data can be passed as a struct with exported fields,
// or as a map of string keys to any suitable value.
func LocalizeKey(key, fallback string, data ...any) string {
	var d0 any
	if len(data) > 0 {
		d0 = data[0]
	}

	ret, err := localizer.Localize(&i18n.LocalizeConfig{
		DefaultMessage: &i18n.Message{
			ID:    key,
			Other: fallback,
		},
		TemplateData: d0,
	})
	if err != nil {
		fyne.LogError("Translation failure", err)
		return fallbackWithData(key, fallback, d0)
	}
	return ret
}

// LocalizePlural asks the translation engine to translate a string from one of a number of plural forms.
// This behaves like the ngettext function, with the `count` parameter determining the plurality looked up.
// The string can be templated and the template data can be passed as a struct with exported fields,
// or as a map of string keys to any suitable value.
func LocalizePlural(in string, count int, data ...any) string {
	return LocalizePluralKey(in, in, count, data...)
}

// LocalizePluralKey asks the translation engine for the translation with specific ID in plural form.
// This behaves like the npgettext function, with the `count` parameter determining the plurality looked up.
// If it cannot be found then the fallback will be used.
// The string can be templated and the template data can be passed as a struct with exported fields,
// or as a map of string keys to any suitable value.
func LocalizePluralKey(key, fallback string, count int, data ...any) string {
	var d0 any
	if len(data) > 0 {
		d0 = data[0]
	}

	ret, err := localizer.Localize(&i18n.LocalizeConfig{
		DefaultMessage: &i18n.Message{
			ID:    key,
			Other: fallback,
		},
		PluralCount:  count,
		TemplateData: d0,
	})
	if err != nil {
		fyne.LogError("Translation failure", err)
		return fallbackWithData(key, fallback, d0)
	}
	return ret
}

// AddTranslations allows an app to load a bundle of translations.
// The language that this relates to will be inferred from the resource name, for example "fr.json".
// The data should be in json format.
func AddTranslations(r fyne.Resource) error {
	defer updateLocalizer()
	return addLanguage(r.Content(), r.Name())
}

// AddTranslationsForLocale allows an app to load a bundle of translations for a specified locale.
// The data should be in json format.
func AddTranslationsForLocale(data []byte, l fyne.Locale) error {
	defer updateLocalizer()
	return addLanguage(data, l.String()+".json")
}

// AddTranslationsFS supports adding all translations in one calling using an `embed.FS` setup.
// The `dir` parameter specifies the name or path of the directory containing translation files
// inside this embedded filesystem.
// Each file should be a json file with the name following pattern [prefix.]lang.json.
func AddTranslationsFS(fs embed.FS, dir string) (retErr error) {
	files, err := fs.ReadDir(dir)
	if err != nil {
		return err
	}

	for _, f := range files {
		name := f.Name()
		data, err := fs.ReadFile(dir + "/" + name)
		if err != nil {
			if retErr == nil {
				retErr = err
			}
			continue
		}

		err = addLanguage(data, name)
		if err != nil {
			if retErr == nil {
				retErr = err
			}
			continue
		}
	}

	updateLocalizer()

	return retErr
}

func addLanguage(data []byte, name string) error {
	f, err := bundle.ParseMessageFileBytes(data, name)
	if err != nil {
		return err
	}

	translated = append(translated, f.Tag)
	return nil
}

func init() {
	bundle = i18n.NewBundle(language.English)
	bundle.RegisterUnmarshalFunc("json", json.Unmarshal)

	translated = []language.Tag{language.Make("en")} // the first item in this list will be the fallback if none match
	err := listBuiltin()                             // CLOVE PATCH
	if err != nil {
		fyne.LogError("Error occurred loading built-in translations", err)
	}
	loadBuiltin(language.English) // CLOVE PATCH: the fallback
	updateLocalizer()             // CLOVE PATCH
}

// CLOVE PATCH: Fyne's own translations are listed at init and each parsed
// when its language is the one set up (setupLang), English always: Fyne
// parsed all 14 at init, 5–8 ms and 0.93 MB in 12,000 allocations at every
// start of every Fyne program (GODEBUG=inittrace=1), 0.3 MB of them kept.
var (
	builtinTags  []language.Tag // CLOVE PATCH
	builtinFiles []string       // CLOVE PATCH: builtinTags[i]'s file
	builtinDone  []bool         // CLOVE PATCH
)

// listBuiltin names the built-in translations' languages, as the parse
// would (go-i18n takes the tag from the file's name), parsing none.
func listBuiltin() error { // CLOVE PATCH
	files, err := translations.ReadDir("translations")
	if err != nil {
		return err
	}
	for _, f := range files {
		name := strings.TrimSuffix(f.Name(), ".json")
		tag := language.Make(name[strings.LastIndexByte(name, '.')+1:])
		builtinTags = append(builtinTags, tag)
		builtinFiles = append(builtinFiles, f.Name())
		builtinDone = append(builtinDone, false)
		translated = append(translated, tag)
	}
	return nil
}

// loadBuiltin parses the built-in translation closest to tag, once.
func loadBuiltin(tag language.Tag) { // CLOVE PATCH
	if len(builtinTags) == 0 {
		return
	}
	_, i, conf := language.NewMatcher(builtinTags).Match(tag)
	if conf == language.No || builtinDone[i] {
		return
	}
	builtinDone[i] = true
	data, err := translations.ReadFile("translations/" + builtinFiles[i])
	if err == nil {
		_, err = bundle.ParseMessageFileBytes(data, builtinFiles[i])
	}
	if err != nil {
		fyne.LogError("Error occurred loading built-in translations", err)
	}
}

func fallbackWithData(key, fallback string, data any) string {
	// CLOVE PATCH: go-i18n's parser ({{.Name}} only in Clove's copy,
	// third_party/slim-i18n), not text/template, whose field lookup makes the
	// linker keep every exported method of every type in the binary.
	t, err := (&i18ntemplate.TextParser{}).Parse(fallback, "", "") // CLOVE PATCH
	if err != nil {
		log.Println("Could not parse fallback template")
		return fallback
	}
	str, _ := t.Execute(data) // CLOVE PATCH
	return str
}

// A utility for setting up languages - available to unit tests for overriding system
func setupLang(lang string) {
	loadBuiltin(language.Make(lang)) // CLOVE PATCH
	localizer = i18n.NewLocalizer(bundle, lang)
}

// updateLocalizer Finds the closest translation from the user's locale list and sets it up
func updateLocalizer() {
	setupOnce.Do(initRuntime)

	all, err := locale.GetLocales()
	if err != nil {
		fyne.LogError("Failed to load user locales", err)
		all = []string{"en"}
	}
	setupLang(closestSupportedLocale(all).LanguageString())
}
