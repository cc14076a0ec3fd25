package explain

import (
	"html"
	"slices"
	"strings"
	"unicode/utf8"
)

// Text reaches explain through terminals, CI logs, JSON and web pages, each
// of which changes it: this file gives back the lines the tool printed.

// splitLines splits text into lines of at most maxLine bytes, dropping the
// rest of longer lines rather than failing on them as bufio.Scanner would.
// The lines are pieces of s, not copies, except where a line shows the
// tool's words through something else (colours, a JSON string, a web
// page): then it is the words.
func splitLines(s string) []string {
	lines := make([]string, 0, strings.Count(s, "\n")+1)
	for len(s) > 0 {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		if len(line) >= maxLine { // with its line feed, more than maxLine
			line = line[:maxLine]
		}
		if strings.IndexByte(line, 0x1b) >= 0 {
			line = stripEscapes(line)
		}
		if strings.Contains(line, `\"`) || strings.Contains(line, `\\`) {
			line = unquoteJSON(line)
		}
		line = fromPage(line)
		lines = append(lines, strings.TrimRight(line, "\r\n"))
	}
	return lines
}

// pageText maps what a web page puts in a pasted error for the characters
// the tool printed: no-break and other wide spaces, zero-width marks,
// typographic quotes.
var pageText = strings.NewReplacer(
	"\u00a0", " ", "\u2007", " ", "\u2009", " ", "\u202f", " ", "\u3000", " ",
	"\u200b", "", "\u200c", "", "\u200d", "", "\u2060", "", "\ufeff", "",
	"\u201c", `"`, "\u201d", `"`, "\u2018", "'", "\u2019", "'",
)

// fromPage undoes what a web page does to a line of output copied from it:
// its characters (pageText) and its HTML entities (&quot;, &#39;).
func fromPage(line string) string {
	if !utf8.ValidString(line) {
		return line
	}
	for i := 0; i < len(line); i++ {
		if line[i] >= utf8.RuneSelf {
			line = pageText.Replace(line)
			break
		}
	}
	if i := strings.IndexByte(line, '&'); i >= 0 && strings.IndexByte(line[i:], ';') > 0 {
		// An entity that makes a control character (&#10;, &#27;) is
		// left as written: a line stays one line, and hostile bytes stay
		// visible as what they are.
		if un := html.UnescapeString(line); controls(un) == controls(line) {
			line = un
		}
	}
	return line
}

// controls counts the C0 control characters of s.
func controls(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 {
			n++
		}
	}
	return n
}

// unquoteJSON undoes the escapes a JSON string puts on quotes, slashes
// and backslashes ({"message":"Head \"https://…\": denied"}), so that
// the words read as the tool printed them; other escapes stay as they are.
func unquoteJSON(line string) string {
	var b strings.Builder
	b.Grow(len(line))
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\/`, line[i+1]) >= 0 {
			i++
		}
		b.WriteByte(line[i])
	}
	return b.String()
}

// stripEscapes removes the colour and erase-line sequences of a CI log
// or a terminal (ESC [ digits and semicolons, then m or K). Any other
// control sequence stays, to be read as the hostile text it may be.
func stripEscapes(line string) string {
	var b strings.Builder
	b.Grow(len(line))
	for i := 0; i < len(line); i++ {
		if line[i] == 0x1b && i+1 < len(line) && line[i+1] == '[' {
			j := i + 2
			for j < len(line) && (isDigit(line[j]) || line[j] == ';') {
				j++
			}
			if j < len(line) && (line[j] == 'm' || line[j] == 'K') {
				i = j
				continue
			}
		}
		b.WriteByte(line[i])
	}
	return b.String()
}

// maxPieces is how many cut lines unwrap joins into one: a message of
// some thousands of characters at a terminal's width.
const maxPieces = 40

// termWidths are the widths terminals and consoles are commonly set to.
var termWidths = []int{80, 100, 120, 132, 160, 200}

// unwrap joins the lines a terminal, a console or a paste cut at a fixed
// width, mid-word, back into the lines the tool printed, so that a URL or
// a message cut in two reads whole. The width is that of the longest
// lines when no line is longer and it is a common terminal width or the
// width of two different lines. at[k] is the index in lines of
// the first piece of logical line k; nil when nothing was joined.
func unwrap(lines []string) (out []string, at []int) {
	width := 0
	var first string
	distinct := false
	for _, l := range lines {
		switch w := utf8.RuneCountInString(l); {
		case w > width:
			width, first, distinct = w, l, false
		case w == width:
			distinct = distinct || l != first
		}
	}
	if width < wrapAt || !distinct && !slices.Contains(termWidths, width) {
		return lines, nil
	}
	out = make([]string, 0, len(lines))
	at = make([]int, 0, len(lines))
	var b strings.Builder
	for i := 0; i < len(lines); i++ {
		start := i
		for n := 1; n < maxPieces && i+1 < len(lines) && utf8.RuneCountInString(lines[i]) == width && cutAfter(lines[i], lines[i+1]); n++ {
			i++
		}
		line := lines[start]
		if i > start {
			b.Reset()
			for _, l := range lines[start : i+1] {
				b.WriteString(l)
			}
			line = b.String()
		}
		out = append(out, line)
		at = append(at, start)
	}
	return out, at
}

// cutAfter reports whether next can be the rest of a line cut after
// line: not empty, and not a line of its own that begins as line does (a
// repeat, a log's prefix, the indentation of a message that wraps itself).
func cutAfter(line, next string) bool {
	return next != "" && commonPrefix(line, next) < 3
}
