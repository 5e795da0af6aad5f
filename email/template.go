package email

import (
	"bytes"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io/fs"
	"path"
	"sort"
	"strings"
	texttemplate "text/template"
)

// Template file names. In the directory given to LoadTemplates, a message
// named NAME is made of up to three files:
//
//	NAME.subject.tmpl   the subject line (text/template)
//	NAME.html.tmpl      the HTML body (html/template)
//	NAME.text.tmpl      the plain-text body (text/template)
//
// At least one of the HTML and text files must exist. Two optional layouts
// wrap every message: _layout.html.tmpl and _layout.text.tmpl. A layout
// renders the message's body with {{template "content" .}}; message files
// may define further blocks the layout uses ({{define "title"}}...{{end}}).
const (
	SubjectSuffix    = ".subject.tmpl"
	HTMLSuffix       = ".html.tmpl"
	TextSuffix       = ".text.tmpl"
	HTMLLayoutFile   = "_layout.html.tmpl"
	TextLayoutFile   = "_layout.text.tmpl"
	ContentBlockName = "content"
)

// ErrTemplateNotFound is returned by Templates.Render for an unknown name.
var ErrTemplateNotFound = errors.New("email: template not found")

// TemplateOption configures LoadTemplates.
type TemplateOption func(*templateConfig)

type templateConfig struct {
	funcs      map[string]any
	missingKey string
}

// WithFuncs adds functions to every template (subject, HTML and text),
// as html/template.Template.Funcs does.
func WithFuncs(funcs map[string]any) TemplateOption {
	return func(c *templateConfig) {
		for k, v := range funcs {
			c.funcs[k] = v
		}
	}
}

// WithMissingKey sets the templates' missingkey option ("error", the
// default, or "default"/"zero"). With "error", a map key the data lacks
// fails the render instead of printing "<no value>".
func WithMissingKey(mode string) TemplateOption {
	return func(c *templateConfig) { c.missingKey = mode }
}

// Templates is a set of message templates loaded by LoadTemplates. It is
// safe for concurrent use.
type Templates struct {
	msgs map[string]*msgTemplate
}

type msgTemplate struct {
	subject *texttemplate.Template
	html    *htmltemplate.Template
	text    *texttemplate.Template
}

// Content is a rendered message template.
type Content struct {
	Subject string
	HTML    string
	Text    string
}

// Apply copies the subject and bodies into m and returns m.
func (c *Content) Apply(m *Message) *Message {
	m.Subject = c.Subject
	m.HTML = c.HTML
	m.Text = c.Text
	return m
}

// LoadTemplates parses the message templates in directory dir of fsys
// (use "." for the root), as described at SubjectSuffix. fsys is usually
// an embed.FS:
//
//	//go:embed mail/*.tmpl
//	var mailFS embed.FS
//	tpl, err := email.LoadTemplates(mailFS, "mail")
func LoadTemplates(fsys fs.FS, dir string, opts ...TemplateOption) (*Templates, error) {
	cfg := templateConfig{funcs: map[string]any{}, missingKey: "error"}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("email: reading templates: %w", err)
	}
	read := func(name string) (string, error) {
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return "", fmt.Errorf("email: reading template %s: %w", name, err)
		}
		return string(b), nil
	}
	files := make(map[string]bool)
	for _, e := range entries {
		if !e.IsDir() {
			files[e.Name()] = true
		}
	}
	option := "missingkey=" + cfg.missingKey

	var htmlLayout *htmltemplate.Template
	if files[HTMLLayoutFile] {
		src, err := read(HTMLLayoutFile)
		if err != nil {
			return nil, err
		}
		htmlLayout, err = htmltemplate.New(HTMLLayoutFile).Option(option).Funcs(cfg.funcs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("email: parsing %s: %w", HTMLLayoutFile, err)
		}
	}
	var textLayout *texttemplate.Template
	if files[TextLayoutFile] {
		src, err := read(TextLayoutFile)
		if err != nil {
			return nil, err
		}
		textLayout, err = texttemplate.New(TextLayoutFile).Option(option).Funcs(cfg.funcs).Parse(src)
		if err != nil {
			return nil, fmt.Errorf("email: parsing %s: %w", TextLayoutFile, err)
		}
	}

	t := &Templates{msgs: make(map[string]*msgTemplate)}
	get := func(name string) *msgTemplate {
		mt := t.msgs[name]
		if mt == nil {
			mt = &msgTemplate{}
			t.msgs[name] = mt
		}
		return mt
	}
	names := make([]string, 0, len(files))
	for f := range files {
		names = append(names, f)
	}
	sort.Strings(names)
	for _, f := range names {
		if strings.HasPrefix(f, "_") {
			continue
		}
		switch {
		case strings.HasSuffix(f, SubjectSuffix):
			src, err := read(f)
			if err != nil {
				return nil, err
			}
			tt, err := texttemplate.New(f).Option(option).Funcs(cfg.funcs).Parse(strings.TrimSpace(src))
			if err != nil {
				return nil, fmt.Errorf("email: parsing %s: %w", f, err)
			}
			get(strings.TrimSuffix(f, SubjectSuffix)).subject = tt
		case strings.HasSuffix(f, HTMLSuffix):
			src, err := read(f)
			if err != nil {
				return nil, err
			}
			var ht *htmltemplate.Template
			if htmlLayout != nil {
				ht, err = htmlLayout.Clone()
				if err == nil {
					_, err = ht.New(ContentBlockName).Parse(src)
				}
			} else {
				ht, err = htmltemplate.New(ContentBlockName).Option(option).Funcs(cfg.funcs).Parse(src)
			}
			if err != nil {
				return nil, fmt.Errorf("email: parsing %s: %w", f, err)
			}
			get(strings.TrimSuffix(f, HTMLSuffix)).html = ht
		case strings.HasSuffix(f, TextSuffix):
			src, err := read(f)
			if err != nil {
				return nil, err
			}
			var tt *texttemplate.Template
			if textLayout != nil {
				tt, err = textLayout.Clone()
				if err == nil {
					_, err = tt.New(ContentBlockName).Parse(src)
				}
			} else {
				tt, err = texttemplate.New(ContentBlockName).Option(option).Funcs(cfg.funcs).Parse(src)
			}
			if err != nil {
				return nil, fmt.Errorf("email: parsing %s: %w", f, err)
			}
			get(strings.TrimSuffix(f, TextSuffix)).text = tt
		}
	}
	for name, mt := range t.msgs {
		if mt.html == nil && mt.text == nil {
			return nil, fmt.Errorf("email: template %q has no %s or %s file", name, HTMLSuffix, TextSuffix)
		}
	}
	if len(t.msgs) == 0 {
		return nil, fmt.Errorf("email: no message templates in %q", dir)
	}
	return t, nil
}

// Names returns the names of the message templates, sorted.
func (t *Templates) Names() []string {
	out := make([]string, 0, len(t.msgs))
	for n := range t.msgs {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Render executes the templates of message name with data. The subject is
// trimmed and must be a single line. When the message has no text
// template, Text is produced from the rendered HTML with HTMLToText.
func (t *Templates) Render(name string, data any) (*Content, error) {
	mt, ok := t.msgs[name]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrTemplateNotFound, name)
	}
	var c Content
	var buf bytes.Buffer
	if mt.subject != nil {
		if err := mt.subject.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("email: rendering %s subject: %w", name, err)
		}
		c.Subject = strings.TrimSpace(buf.String())
		if strings.ContainsAny(c.Subject, "\r\n") {
			return nil, fmt.Errorf("email: rendering %s subject: %w", name,
				invalid("Subject", "rendered subject spans several lines"))
		}
	}
	if mt.html != nil {
		buf.Reset()
		if err := mt.html.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("email: rendering %s HTML: %w", name, err)
		}
		c.HTML = buf.String()
	}
	if mt.text != nil {
		buf.Reset()
		if err := mt.text.Execute(&buf, data); err != nil {
			return nil, fmt.Errorf("email: rendering %s text: %w", name, err)
		}
		c.Text = buf.String()
	} else {
		c.Text = HTMLToText(c.HTML)
	}
	return &c, nil
}
