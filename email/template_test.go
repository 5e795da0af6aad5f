package email

import (
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func templateFS() fstest.MapFS {
	return fstest.MapFS{
		"mail/_layout.html.tmpl": {Data: []byte(`<html><head><title>{{block "title" .}}VoidX{{end}}</title></head>` +
			`<body>{{template "content" .}}<p class="footer">VoidX · {{year}}</p></body></html>`)},
		"mail/_layout.text.tmpl":    {Data: []byte("{{template \"content\" .}}\n--\nVoidX")},
		"mail/welcome.subject.tmpl": {Data: []byte("  Welcome to VoidX, {{.Name}}!\n")},
		"mail/welcome.html.tmpl":    {Data: []byte(`{{define "title"}}Welcome{{end}}<h1>Welcome, {{.Name}}!</h1><p>Your account is ready. <a href="{{.URL}}">Sign in</a></p>`)},
		"mail/receipt.subject.tmpl": {Data: []byte("Receipt {{.ID}}")},
		"mail/receipt.html.tmpl":    {Data: []byte(`<p>Total: {{.Total}}</p>`)},
		"mail/receipt.text.tmpl":    {Data: []byte(`Total: {{.Total}}`)},
		"mail/notes.txt":            {Data: []byte("ignored")},
	}
}

func loadTestTemplates(t *testing.T) *Templates {
	t.Helper()
	tpl, err := LoadTemplates(templateFS(), "mail", WithFuncs(map[string]any{"year": func() int { return 2026 }}))
	require.NoError(t, err)
	return tpl
}

func TestTemplatesRender(t *testing.T) {
	tpl := loadTestTemplates(t)
	assert.Equal(t, []string{"receipt", "welcome"}, tpl.Names())

	c, err := tpl.Render("welcome", map[string]any{"Name": "<Ada>", "URL": "https://voidx.example/login?a=1&b=2"})
	require.NoError(t, err)
	assert.Equal(t, "Welcome to VoidX, <Ada>!", c.Subject, "subjects are text, not HTML-escaped")
	assert.Contains(t, c.HTML, "<title>Welcome</title>", "message blocks override the layout's")
	assert.Contains(t, c.HTML, "<h1>Welcome, &lt;Ada&gt;!</h1>", "HTML is escaped")
	assert.Contains(t, c.HTML, `href="https://voidx.example/login?a=1&amp;b=2"`)
	assert.Contains(t, c.HTML, "VoidX · 2026")
	// No text template: derived from the HTML.
	assert.Equal(t, "Welcome, <Ada>!\n\nYour account is ready. Sign in (https://voidx.example/login?a=1&b=2)\n\nVoidX · 2026", c.Text)

	c, err = tpl.Render("receipt", struct{ ID, Total string }{"R-1", "€5"})
	require.NoError(t, err)
	assert.Equal(t, "Receipt R-1", c.Subject)
	assert.Equal(t, "Total: €5\n--\nVoidX", c.Text, "text layout applies to text templates")
	assert.Contains(t, c.HTML, "<title>VoidX</title>")

	m := c.Apply(&Message{From: "a@example.com", To: []string{"b@example.com"}})
	require.NoError(t, m.Validate())
	assert.Equal(t, "Receipt R-1", m.Subject)
}

func TestTemplatesErrors(t *testing.T) {
	tpl := loadTestTemplates(t)
	_, err := tpl.Render("missing", nil)
	require.ErrorIs(t, err, ErrTemplateNotFound)

	// missingkey=error by default.
	_, err = tpl.Render("welcome", map[string]any{"URL": "x"})
	require.Error(t, err)

	// A subject that renders to several lines is refused.
	fsys := fstest.MapFS{
		"a.subject.tmpl": {Data: []byte("Hi {{.}}")},
		"a.text.tmpl":    {Data: []byte("x")},
	}
	tpl2, err := LoadTemplates(fsys, ".")
	require.NoError(t, err)
	_, err = tpl2.Render("a", "there\r\nBcc: x@example.com")
	require.ErrorIs(t, err, ErrInvalidMessage)
	c, err := tpl2.Render("a", "there")
	require.NoError(t, err)
	assert.Equal(t, "Hi there", c.Subject)
	assert.Equal(t, "", c.HTML)

	bad := []struct {
		name string
		fsys fstest.MapFS
		want string
	}{
		{"Empty", fstest.MapFS{"x.txt": {Data: []byte("x")}}, "no message templates"},
		{"SubjectOnly", fstest.MapFS{"a.subject.tmpl": {Data: []byte("x")}}, "has no"},
		{"ParseHTML", fstest.MapFS{"a.html.tmpl": {Data: []byte("{{.X")}}, "parsing a.html.tmpl"},
		{"ParseLayout", fstest.MapFS{"_layout.html.tmpl": {Data: []byte("{{end}}")}, "a.html.tmpl": {Data: []byte("x")}}, "parsing _layout.html.tmpl"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := LoadTemplates(tc.fsys, ".")
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
	_, err = LoadTemplates(fstest.MapFS{}, "nope")
	require.Error(t, err)
}

func TestTemplatesMissingKeyOption(t *testing.T) {
	fsys := fstest.MapFS{"a.text.tmpl": {Data: []byte("[{{.Missing}}]")}}
	tpl, err := LoadTemplates(fsys, ".", WithMissingKey("zero"))
	require.NoError(t, err)
	c, err := tpl.Render("a", map[string]string{})
	require.NoError(t, err)
	assert.Equal(t, "[]", c.Text)
}

func TestTemplatesConcurrent(t *testing.T) {
	tpl := loadTestTemplates(t)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := tpl.Render("welcome", map[string]any{"Name": strings.Repeat("a", i), "URL": "u"})
			assert.NoError(t, err)
			assert.Contains(t, c.HTML, "Welcome, "+strings.Repeat("a", i)+"!")
		}()
	}
	wg.Wait()
}
