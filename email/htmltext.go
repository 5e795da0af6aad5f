package email

import (
	"html"
	"strconv"
	"strings"
	"unicode"
)

// HTMLToText turns an HTML email body into readable plain text, for the
// text part of messages that only have HTML. It is deliberately small:
//
//   - tags are dropped, along with the content of script, style, head,
//     title, template and noscript elements, and comments;
//   - a link becomes "text (url)", or just "url" when the text is the URL
//     (a mailto: link shows the bare address); links to "#..." and
//     javascript: URLs keep only their text;
//   - an image becomes its alt text;
//   - br starts a new line; p, headings, lists, tables, blockquote, pre
//     and hr are separated by a blank line; div, tr and similar blocks
//     start a new line; li becomes "- item" ("1. item" inside ol);
//   - entities are decoded with html.UnescapeString, runs of white space
//     collapse to one space (except inside pre), and no more than one
//     blank line appears in a row.
func HTMLToText(s string) string {
	w := &textWriter{}
	i := 0
	for i < len(s) {
		if s[i] != '<' {
			j := strings.IndexByte(s[i:], '<')
			if j < 0 {
				j = len(s) - i
			}
			w.text(html.UnescapeString(s[i : i+j]))
			i += j
			continue
		}
		rest := s[i:]
		switch {
		case strings.HasPrefix(rest, "<!--"):
			end := strings.Index(rest[4:], "-->")
			if end < 0 {
				return w.String()
			}
			i += 4 + end + 3
			continue
		case strings.HasPrefix(rest, "<!") || strings.HasPrefix(rest, "<?"):
			end := strings.IndexByte(rest, '>')
			if end < 0 {
				return w.String()
			}
			i += end + 1
			continue
		}
		closing := false
		j := 1
		if j < len(rest) && rest[j] == '/' {
			closing = true
			j++
		}
		if j >= len(rest) || !isASCIILetter(rest[j]) {
			// A lone "<" is text.
			w.text("<")
			i++
			continue
		}
		start := j
		for j < len(rest) && (isASCIILetter(rest[j]) || (rest[j] >= '0' && rest[j] <= '9')) {
			j++
		}
		name := strings.ToLower(rest[start:j])
		attrs, end := parseAttrs(rest, j)
		if end < 0 {
			// Unterminated tag: drop the rest.
			return w.String()
		}
		i += end
		if closing {
			w.closeTag(name)
			continue
		}
		if skipContent[name] {
			// Jump past the matching end tag.
			k := indexFold(s[i:], "</"+name)
			if k < 0 {
				return w.String()
			}
			gt := strings.IndexByte(s[i+k:], '>')
			if gt < 0 {
				return w.String()
			}
			i += k + gt + 1
			continue
		}
		w.openTag(name, attrs)
	}
	return w.String()
}

var skipContent = map[string]bool{
	"script": true, "style": true, "head": true, "title": true, "template": true, "noscript": true,
}

// Blocks separated by a blank line and blocks that only start a new line.
var (
	paragraphTags = map[string]bool{
		"p": true, "h1": true, "h2": true, "h3": true, "h4": true, "h5": true, "h6": true,
		"ul": true, "ol": true, "table": true, "blockquote": true, "pre": true, "dl": true,
		"figure": true,
	}
	lineTags = map[string]bool{
		"div": true, "tr": true, "dt": true, "dd": true, "section": true, "article": true,
		"header": true, "footer": true, "nav": true, "main": true, "aside": true, "form": true,
		"address": true, "li": true, "caption": true, "tbody": true, "thead": true, "tfoot": true,
		"center": true, "figcaption": true, "body": true, "html": true,
	}
)

type link struct {
	href  string
	start int
}

type textWriter struct {
	b            strings.Builder
	pendingNL    int  // newlines to write before the next text
	pendingSpace bool // a space before the next text on this line
	lineStart    bool // no space may start the next text
	col          int  // bytes written on the current line
	started      bool // anything written at all
	pre          int  // depth of pre elements
	links        []link
	lists        []int // per open list: -1 for ul, else the next ol number
	cellInRow    int
}

func (w *textWriter) String() string {
	lines := strings.Split(w.b.String(), "\n")
	out := lines[:0]
	blank := 0
	for _, l := range lines {
		l = strings.TrimRightFunc(l, unicode.IsSpace)
		if l == "" {
			blank++
			if blank > 1 {
				continue
			}
		} else {
			blank = 0
		}
		out = append(out, l)
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// breakLines asks for at least n newlines before the next text (1: new
// line, 2: blank line).
func (w *textWriter) breakLines(n int) {
	if n > w.pendingNL {
		w.pendingNL = n
	}
	w.pendingSpace = false
}

// flush writes pending newlines, or a pending space, before new text.
func (w *textWriter) flush() {
	if w.pendingNL > 0 && w.started {
		n := w.pendingNL
		if n > 2 {
			n = 2
		}
		if w.col == 0 {
			// The current line is empty already: one newline fewer.
			n--
		}
		w.b.WriteString(strings.Repeat("\n", n))
		if n > 0 {
			w.col = 0
		}
		w.lineStart = true
		w.pendingSpace = false
	} else if w.pendingSpace && !w.lineStart {
		w.b.WriteByte(' ')
	}
	w.pendingNL = 0
	w.pendingSpace = false
}

// raw writes s as is, after any pending break.
func (w *textWriter) raw(s string) {
	if s == "" {
		return
	}
	w.flush()
	w.write(s)
}

// write appends s and tracks the column.
func (w *textWriter) write(s string) {
	w.b.WriteString(s)
	w.started = true
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		w.col = len(s) - i - 1
	} else {
		w.col += len(s)
	}
	w.lineStart = w.col == 0
}

func (w *textWriter) text(s string) {
	if w.pre > 0 {
		s = strings.ReplaceAll(s, "\r\n", "\n")
		if s == "" {
			return
		}
		w.flush()
		w.write(s)
		return
	}
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u00a0' {
			if w.started && !w.lineStart {
				w.pendingSpace = true
			}
			continue
		}
		w.flush()
		w.write(string(r))
	}
}

func (w *textWriter) openTag(name string, attrs map[string]string) {
	switch {
	case name == "br":
		if w.started && w.pendingNL < 2 {
			w.pendingNL++
		}
		w.pendingSpace = false
		return
	case name == "hr":
		w.breakLines(2)
		w.raw("----")
		w.breakLines(2)
		return
	case name == "img":
		if alt := strings.TrimSpace(attrs["alt"]); alt != "" {
			w.text(alt)
		}
		return
	case name == "a":
		w.links = append(w.links, link{href: strings.TrimSpace(attrs["href"]), start: w.b.Len()})
		return
	case name == "td" || name == "th":
		if w.cellInRow > 0 {
			w.text(" ")
		}
		w.cellInRow++
		return
	case name == "ul":
		w.lists = append(w.lists, -1)
	case name == "ol":
		n := 1
		if v, err := strconv.Atoi(attrs["start"]); err == nil {
			n = v
		}
		w.lists = append(w.lists, n)
	case name == "pre":
		w.pre++
	case name == "tr":
		w.cellInRow = 0
	}
	switch {
	case paragraphTags[name]:
		if (name == "ul" || name == "ol") && len(w.lists) > 1 {
			w.breakLines(1)
		} else {
			w.breakLines(2)
		}
	case lineTags[name]:
		w.breakLines(1)
	}
	if name == "li" {
		indent := ""
		if d := len(w.lists); d > 1 {
			indent = strings.Repeat("  ", d-1)
		}
		marker := "- "
		if d := len(w.lists); d > 0 && w.lists[d-1] >= 0 {
			marker = strconv.Itoa(w.lists[d-1]) + ". "
			w.lists[d-1]++
		}
		w.raw(indent + marker)
		w.lineStart = true // the marker does not count as line content
		w.pendingSpace = false
	}
}

func (w *textWriter) closeTag(name string) {
	switch name {
	case "a":
		if len(w.links) == 0 {
			return
		}
		l := w.links[len(w.links)-1]
		w.links = w.links[:len(w.links)-1]
		href := l.href
		if href == "" || strings.HasPrefix(href, "#") || strings.HasPrefix(strings.ToLower(href), "javascript:") {
			return
		}
		if strings.HasPrefix(strings.ToLower(href), "mailto:") {
			href = href[len("mailto:"):]
		}
		text := ""
		if l.start <= w.b.Len() {
			text = strings.TrimSpace(w.b.String()[l.start:])
		}
		switch {
		case text == "":
			w.text(href)
		case text == href || strings.TrimRight(text, "/") == strings.TrimRight(href, "/"):
		default:
			w.text(" ")
			w.text("(" + href + ")")
		}
		return
	case "ul", "ol":
		if len(w.lists) > 0 {
			w.lists = w.lists[:len(w.lists)-1]
		}
	case "pre":
		if w.pre > 0 {
			w.pre--
		}
	}
	switch {
	case paragraphTags[name]:
		if (name == "ul" || name == "ol") && len(w.lists) > 0 {
			w.breakLines(1)
		} else {
			w.breakLines(2)
		}
	case lineTags[name]:
		w.breakLines(1)
	}
}

// parseAttrs reads the attributes of a tag whose name ends at rest[i], up
// to and including the closing '>'. It returns the attributes (lower-case
// names, unescaped values) and the index just past '>', or -1 when the tag
// is not terminated.
func parseAttrs(rest string, i int) (map[string]string, int) {
	var attrs map[string]string
	for i < len(rest) {
		c := rest[i]
		switch {
		case c == '>':
			return attrs, i + 1
		case c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '/':
			i++
			continue
		}
		start := i
		for i < len(rest) && !strings.ContainsRune(" \t\n\r\f/>=", rune(rest[i])) {
			i++
		}
		name := strings.ToLower(rest[start:i])
		for i < len(rest) && strings.ContainsRune(" \t\n\r\f", rune(rest[i])) {
			i++
		}
		value := ""
		if i < len(rest) && rest[i] == '=' {
			i++
			for i < len(rest) && strings.ContainsRune(" \t\n\r\f", rune(rest[i])) {
				i++
			}
			if i < len(rest) && (rest[i] == '"' || rest[i] == '\'') {
				q := rest[i]
				end := strings.IndexByte(rest[i+1:], q)
				if end < 0 {
					return nil, -1
				}
				value = rest[i+1 : i+1+end]
				i += end + 2
			} else {
				vs := i
				for i < len(rest) && !strings.ContainsRune(" \t\n\r\f>", rune(rest[i])) {
					i++
				}
				value = rest[vs:i]
			}
		}
		if name != "" {
			if attrs == nil {
				attrs = make(map[string]string)
			}
			if _, dup := attrs[name]; !dup {
				attrs[name] = html.UnescapeString(value)
			}
		}
	}
	return nil, -1
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// indexFold is strings.Index ignoring ASCII case.
func indexFold(s, sub string) int {
	n := len(sub)
	for i := 0; i+n <= len(s); i++ {
		if strings.EqualFold(s[i:i+n], sub) {
			return i
		}
	}
	return -1
}
