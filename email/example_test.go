package email_test

import (
	"errors"
	"fmt"
	"testing/fstest"

	"github.com/switchboard-go/switchboard/email"
)

// Rendering a message from templates that share a layout. In an
// application the files usually come from an embed.FS.
func Example() {
	fsys := fstest.MapFS{
		"mail/_layout.html.tmpl":    {Data: []byte(`<html><body>{{template "content" .}}<p>The VoidX team</p></body></html>`)},
		"mail/welcome.subject.tmpl": {Data: []byte(`Welcome to VoidX, {{.Name}}!`)},
		"mail/welcome.html.tmpl":    {Data: []byte(`<h1>Welcome!</h1><p>Your account is ready, <a href="{{.URL}}">sign in</a>.</p>`)},
	}
	tpl, err := email.LoadTemplates(fsys, "mail")
	if err != nil {
		fmt.Println(err)
		return
	}
	content, err := tpl.Render("welcome", map[string]string{"Name": "Ada", "URL": "https://voidx.example/login"})
	if err != nil {
		fmt.Println(err)
		return
	}
	msg := content.Apply(&email.Message{From: "VoidX <hello@voidx.example>", To: []string{"user@example.com"}})
	fmt.Println("valid:", msg.Validate() == nil)
	fmt.Println("Subject:", msg.Subject)
	fmt.Println("HTML:", msg.HTML)
	fmt.Printf("Text:\n%s\n", msg.Text)
	// Output:
	// valid: true
	// Subject: Welcome to VoidX, Ada!
	// HTML: <html><body><h1>Welcome!</h1><p>Your account is ready, <a href="https://voidx.example/login">sign in</a>.</p><p>The VoidX team</p></body></html>
	// Text:
	// Welcome!
	//
	// Your account is ready, sign in (https://voidx.example/login).
	//
	// The VoidX team
}

// Validation refuses header injection and names the field.
func ExampleValidate() {
	err := email.Validate(&email.Message{
		From:    "hello@voidx.example",
		To:      []string{"user@example.com"},
		Subject: "Hi\r\nBcc: victim@example.com",
		Text:    "Hello",
	})
	var ve *email.ValidationError
	fmt.Println(errors.Is(err, email.ErrInvalidMessage), errors.As(err, &ve), ve.Field)
	fmt.Println(err)
	// Output:
	// true true Subject
	// email: invalid Subject: contains a carriage return (CR)
}

func ExampleHTMLToText() {
	fmt.Println(email.HTMLToText(`<p>Hi &amp; welcome!</p><ul><li>Read <a href="https://example.com/docs">the docs</a></li><li>Have fun</li></ul>`))
	// Output:
	// Hi & welcome!
	//
	// - Read the docs (https://example.com/docs)
	// - Have fun
}

// An HTML-only message, as every Sender delivers it: with a text part
// derived from the HTML.
func ExamplePrepare() {
	m := &email.Message{
		From:    "VoidX <hello@voidx.example>",
		To:      []string{"ada@example.com"},
		Subject: "Welcome",
		HTML:    `<h1>Welcome, Ada!</h1><p>Confirm your address: <a href="https://voidx.example/c/42">confirm</a>.</p>`,
	}
	sent, err := email.Prepare(m)
	if err != nil {
		fmt.Println("error:", err)
		return
	}
	fmt.Println(sent.Text)
	fmt.Printf("original Text: %q\n", m.Text)
	// Output:
	// Welcome, Ada!
	//
	// Confirm your address: confirm (https://voidx.example/c/42).
	// original Text: ""
}
