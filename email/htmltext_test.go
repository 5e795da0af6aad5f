package email

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestHTMLToText(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"Empty", "", ""},
		{"PlainText", "just text", "just text"},
		{"Welcome", "<h1>Welcome!</h1><p>Your account is ready.</p>", "Welcome!\n\nYour account is ready."},
		{"CollapseWhitespace", "<p>  a \n\t b   </p>", "a b"},
		{"Entities", "<p>Fish &amp; chips &lt;3 &eacute;t&eacute; &#8364;5&nbsp;each</p>", "Fish & chips <3 été €5 each"},
		{"Br", "line one<br>line two<br/>line three<BR />", "line one\nline two\nline three"},
		{"DoubleBr", "a<br><br>b", "a\n\nb"},
		{"ManyBr", "a<br><br><br><br>b", "a\n\nb"},
		{"LeadingBr", "<br><br>a", "a"},
		{"Link", `<p>Read <a href="https://example.com/docs">the docs</a>.</p>`, "Read the docs (https://example.com/docs)."},
		{"LinkSameText", `<a href="https://example.com/">https://example.com</a>`, "https://example.com"},
		{"LinkNoText", `<a href="https://example.com/x"><img src="x.png"></a>`, "https://example.com/x"},
		{"LinkImageAlt", `<a href="https://example.com/x"><img src="x.png" alt="Logo"></a>`, "Logo (https://example.com/x)"},
		{"Mailto", `Write to <a href="mailto:help@example.com">help@example.com</a> or <a href='mailto:sales@example.com'>sales</a>`, "Write to help@example.com or sales (sales@example.com)"},
		{"AnchorAndJS", `<a href="#top">top</a> <a href="javascript:void(0)">click</a>`, "top click"},
		{"LinkEntityHref", `<a href="https://example.com/?a=1&amp;b=2">go</a>`, "go (https://example.com/?a=1&b=2)"},
		{"UnquotedAttr", `<a href=https://example.com/u>u</a>`, "u (https://example.com/u)"},
		{"List", "<ul><li>one</li><li>two</li></ul><p>after</p>", "- one\n- two\n\nafter"},
		{"OrderedList", "<ol><li>one<li>two</ol>", "1. one\n2. two"},
		{"NestedList", "<ul><li>a<ul><li>b</li></ul></li><li>c</li></ul>", "- a\n  - b\n- c"},
		{"Headings", "<h2>Title</h2>text<h3>Sub</h3>more", "Title\n\ntext\n\nSub\n\nmore"},
		{"Divs", "<div>a</div><div>b</div>", "a\nb"},
		{"Table", "<table><tr><td>Item</td><td>€5</td></tr><tr><td>Tax</td><td>€1</td></tr></table>", "Item €5\nTax €1"},
		{"ScriptStyleHead", "<html><head><title>T</title><style>p{color:red}</style></head><body><script>alert('<p>x</p>')</script><p>Body</p></body></html>", "Body"},
		{"Comment", "a<!-- <p>hidden</p> -->b", "ab"},
		{"Doctype", "<!DOCTYPE html><p>x</p>", "x"},
		{"LoneLessThan", "1 < 2 and 3 > 2", "1 < 2 and 3 > 2"},
		{"UnterminatedTag", "text <a href=\"x", "text"},
		{"UnterminatedComment", "text <!-- never", "text"},
		{"Pre", "<pre>  keep\n    this</pre><p>x</p>", "keep\n    this\n\nx"},
		{"Hr", "a<hr>b", "a\n\n----\n\nb"},
		{"InlineTags", "<p>Hello <b>bold</b> and <i>it</i>alic</p>", "Hello bold and italic"},
		{"UppercaseTags", "<P>A</P><P>B</P>", "A\n\nB"},
		{"AttrWithGt", `<p title="a > b">x</p>`, "x"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, HTMLToText(tc.in))
		})
	}
}
