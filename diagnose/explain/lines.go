package explain

import (
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text reaches explain through terminals, CI logs, JSON and web pages, each
// of which changes it: this file gives back the lines the tool printed.

// textLines are the lines of text as the tool printed them
// (splitLines, then splitEscaped), and from, the line of the text each
// is on, where that differs from its index (nil where none does).
func textLines(text string) (lines []string, from []int) {
	return splitEscaped(splitLines(text))
}

// splitLines splits text into lines, dropping the middle of a line
// longer than maxLine (its start and its end are kept, where a wrapper's
// status and the error it wraps are) rather than failing on it as
// bufio.Scanner would. A carriage return alone ends a line too, as an
// old Mac file or a progress bar's redraw has it; in a text that has line
// feeds, from says which of them each piece is on, so that line numbers
// are those of an editor or grep -n.
func splitLines(s string) (lines []string, from []int) {
	lines = make([]string, 0, strings.Count(s, "\n")+1)
	lf := strings.Contains(s, "\n")
	for n := 0; len(s) > 0; n++ {
		line, rest, _ := strings.Cut(s, "\n")
		s = rest
		line = strings.TrimRight(line, "\r")
		for {
			before, after, cr := strings.Cut(line, "\r")
			if cr && lf && from == nil {
				from = make([]int, len(lines), cap(lines))
				for k := range from {
					from[k] = k
				}
			}
			lines = append(lines, ends(before, maxLine, maxLine/2))
			if from != nil {
				from = append(from, n)
			}
			if !cr {
				break
			}
			line = after
		}
	}
	return lines, from
}

// splitEscaped splits the lines that hold a message as a JSON or Go
// string holds it, its line breaks written \n (an API's "message", a
// logger's field, a kubelet event), into the lines the tool printed. from
// is the text's line each comes from, given for pasted (nil: its index)
// and returned for lines.
func splitEscaped(pasted []string, from []int) (lines []string, out []int) {
	at := func(i int) int {
		if from != nil {
			return from[i]
		}
		return i
	}
	split := false
	for i, l := range pasted {
		pieces := escapedLines(l)
		if pieces == nil && !split {
			continue
		}
		if !split {
			split = true
			lines = append(make([]string, 0, len(pasted)+len(pieces)), pasted[:i]...)
			for k := range i {
				out = append(out, at(k))
			}
		}
		if pieces == nil {
			pieces = []string{l}
		}
		for _, p := range pieces {
			lines = append(lines, p)
			out = append(out, at(i))
		}
	}
	if !split {
		return pasted, from
	}
	return lines, out
}

// maxEscaped is how many lines one escaped message is split into at
// most; the rest stays in the last.
const maxEscaped = 160

// escapedLines is line split at its escaped line breaks (\n, \r\n), or nil
// for a line that is not an escaped string: one that has none, or whose
// backslashes are a Windows path's (C:\new is not a line break, where an
// escaped string would write C:\\new).
func escapedLines(line string) []string {
	if !strings.Contains(line, `\n`) || windowsPath(line) {
		return nil
	}
	var out []string
	start, breaks := 0, 0
	for i := 0; i+1 < len(line) && len(out) < maxEscaped; i++ {
		if line[i] != '\\' {
			continue
		}
		if line[i+1] != 'n' {
			i++ // an escaped character, maybe a backslash: \\n is not a break
			continue
		}
		out = append(out, strings.TrimSuffix(line[start:i], `\r`))
		start, breaks = i+2, breaks+1
		i++
	}
	// One break alone in a line with no other escape may be text that
	// names \n; an escaped string escapes its quotes, has more breaks, or
	// is a JSON object's value.
	if breaks == 0 || breaks == 1 && !strings.Contains(line, `\"`) && !strings.Contains(line, `\t`) && !strings.Contains(line, `{"`) {
		return nil
	}
	rec := recordStart(out[0])
	out[0] = out[0][len(rec):] // {"log":" before the first line
	rest := line[start:]
	switch {
	case rest == `"` || strings.HasPrefix(rest, `",`) || strings.HasPrefix(rest, `"}`):
		// The string's end and the record around it (Docker's json-file
		// log: {"log":"…\n","stream":…}): no line the tool printed.
		return out
	case rec != "":
		rest = strings.TrimSuffix(rest, `"}`)
	}
	return append(out, rest)
}

// recordStart is the start of a JSON record that holds a message as its
// first value ({"log":", {"msg": "), or "".
func recordStart(s string) string {
	key, ok := strings.CutPrefix(s, `{"`)
	if !ok {
		return ""
	}
	i := strings.IndexByte(key, '"')
	if i <= 0 || i > 32 || strings.ContainsAny(key[:i], " \\") {
		return ""
	}
	rest := strings.TrimLeft(key[i+1:], " ")
	rest, ok = strings.CutPrefix(rest, ":")
	rest = strings.TrimLeft(rest, " ")
	if !ok || !strings.HasPrefix(rest, `"`) {
		return ""
	}
	return s[:len(s)-len(rest)+1]
}

// windowsPath reports whether line holds a drive's path with single
// backslashes (C:\Users), which no escaped string does.
func windowsPath(line string) bool {
	for i := 1; i+2 < len(line); i++ {
		if line[i] == ':' && line[i+1] == '\\' && line[i+2] != '\\' && isAlnum(line[i-1]) && (i == 1 || !isAlnum(line[i-2])) {
			return true
		}
	}
	return false
}

// compose maps the lines unwrap made (at) back through the lines
// splitEscaped made (from) to the pasted lines.
func compose(at, from []int) []int {
	if from == nil {
		return at
	}
	if at == nil {
		return from
	}
	out := make([]int, len(at))
	for i, a := range at {
		out[i] = from[a]
	}
	return out
}

// words is a line as the tool printed it, where it shows through
// something else: a terminal's colours, a JSON string, a web page. It is
// what explain reads; what it shows is the line as it was pasted.
func words(line string) string { return undo(line, true) }

// cut is line as a terminal showed it, where it was cut: words without
// undoing a JSON string's escapes, which the tool printed.
func cut(line string) string { return undo(line, false) }

// undo undoes what showed line: colours, a JSON string's escapes (where
// json), a tracker's links, a web page.
func undo(line string, json bool) string {
	if strings.IndexByte(line, 0x1b) >= 0 {
		line = stripEscapes(line)
	}
	if strings.Contains(line, `[`) && strings.IndexByte(line, '\\') >= 0 {
		line = stripEscapedColours(line)
	}
	if json && (strings.Contains(line, `\"`) || strings.Contains(line, `\\`) || strings.Contains(line, `\u`)) {
		line = unquoteJSON(line)
	}
	if strings.Contains(line, "](http") {
		line = unlink(line)
	}
	return fromPage(line)
}

// unlink undoes a Markdown link a page or a tracker made of a URL in the
// output ("[https://r.io/v2/](https://r.io/v2/)"): the URL as printed.
// Only a link to what its text says is undone.
func unlink(line string) string {
	return rewrite(line, "](http", func(line string, i int) (int, int, string, bool) {
		open := strings.LastIndexByte(line[:i], '[')
		end := strings.IndexByte(line[i:], ')')
		if open < 0 || end < 0 || line[open+1:i] != line[i+2:i+end] {
			// A link with words of its own, or to another place, is
			// not a URL the tool printed.
			return 0, 0, "", false
		}
		return open, i + end + 1, line[open+1 : i], true
	})
}

// fromPage undoes what a web page does to a line of output copied from it:
// its HTML entities (&quot;, &#39;), then its characters: no-break and
// other wide spaces, the invisible ones (zero-width, soft hyphens,
// direction marks), typographic quotes.
func fromPage(line string) string {
	if strings.IndexByte(line, '&') >= 0 {
		line = unescapeEntities(line)
	}
	for i := 0; i < len(line); i++ {
		if line[i] >= utf8.RuneSelf {
			return strings.Map(plainRune, line)
		}
	}
	return line
}

// plainRune is r as the tool printed it, or -1 for none.
func plainRune(r rune) rune {
	switch {
	case r == '\u201c' || r == '\u201d':
		return '"'
	case r == '\u2018' || r == '\u2019':
		return '\''
	case unicode.Is(unicode.Zs, r):
		return ' '
	case unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Variation_Selector, r) || r == '\u034f':
		return -1
	}
	return r
}

// entities are the named HTML entities a page puts in error text.
var entities = map[string]rune{
	"quot": '"', "amp": '&', "lt": '<', "gt": '>', "apos": '\'', "nbsp": ' ',
	"shy": -1, "zwsp": -1, "ZeroWidthSpace": -1, "zwj": -1, "zwnj": -1, "lrm": -1, "rlm": -1, "NoBreak": -1,
}

// unescapeEntities decodes the entities of line that end in a semicolon:
// the named ones above and numeric ones. One that would make a control
// character, or none, is left as written: a line stays one line, and
// hostile bytes stay what they are.
func unescapeEntities(line string) string {
	return rewrite(line, "&", func(line string, i int) (int, int, string, bool) {
		j := strings.IndexByte(line[i:], ';')
		if j <= 1 || j > 32 {
			return 0, 0, "", false
		}
		r, ok := entity(line[i+1 : i+j])
		with := ""
		if r >= 0 {
			with = string(r)
		}
		return i, i + j + 1, with, ok
	})
}

// entity is the rune of the entity named name (without & and ;), -1 for
// one that stands for nothing visible.
func entity(name string) (rune, bool) {
	if r, ok := entities[name]; ok {
		return r, true
	}
	num, ok := strings.CutPrefix(name, "#")
	if !ok {
		return 0, false
	}
	base := 10
	if h, ok := strings.CutPrefix(num, "x"); ok {
		num, base = h, 16
	} else if h, ok := strings.CutPrefix(num, "X"); ok {
		num, base = h, 16
	}
	n, err := strconv.ParseUint(num, base, 32)
	r := rune(n)
	if err != nil || r < 0x20 || r >= 0x7f && r < 0xa0 || !utf8.ValidRune(r) {
		return 0, false
	}
	return plainRune(r), true
}

// unquoteJSON undoes the escapes a JSON string puts on quotes, slashes,
// backslashes and printable characters ({"message":"Head \"https://…\":
// denied"}, \u0048), so that the words read as the tool printed them;
// other escapes, and the control characters of \u escapes, stay as they
// are: a line stays one line, and hostile bytes stay written out.
func unquoteJSON(line string) string {
	var b strings.Builder
	b.Grow(len(line))
	for i := 0; i < len(line); i++ {
		if line[i] == '\\' && i+5 < len(line) && line[i+1] == 'u' {
			if n, err := strconv.ParseUint(line[i+2:i+6], 16, 16); err == nil && printable(rune(n)) {
				b.WriteRune(rune(n))
				i += 5
				continue
			}
		}
		if line[i] == '\\' && i+1 < len(line) && strings.IndexByte(`"\/`, line[i+1]) >= 0 {
			i++
		}
		b.WriteByte(line[i])
	}
	return b.String()
}

// printable reports whether r may stand in a line as it is: not a control
// character, a surrogate half, or a line or direction control.
func printable(r rune) bool {
	return r >= 0x20 && r != 0x7f && !(r >= 0x80 && r <= 0x9f) && !(r >= 0xd800 && r <= 0xdfff) && unicode.IsPrint(r)
}

// stripEscapedColours removes colour sequences whose escape character
// is itself written as an escape, as a JSON log (Docker's json-file
// driver), Go's %q or a shell's printf show it: \u001b[1m, \x1b[36m,
// \033[0m, \e[31m.
func stripEscapedColours(line string) string {
	return rewrite(line, `\`, func(line string, i int) (int, int, string, bool) {
		n := 0
		for _, esc := range []string{`\u001b[`, `\u001B[`, `\x1b[`, `\x1B[`, `\033[`, `\e[`} {
			if strings.HasPrefix(line[i:], esc) {
				n = len(esc)
				break
			}
		}
		j := i + n
		for n > 0 && j < len(line) && (isDigit(line[j]) || line[j] == ';') {
			j++
		}
		if n == 0 || j == len(line) || line[j] != 'm' && line[j] != 'K' {
			return 0, 0, "", false
		}
		return i, j + 1, "", true
	})
}

// rewrite replaces, at each place marker is in line, the piece at finds
// around it (line[start:end], start at or before the marker) with what
// it gives, where it finds one; the rest of line stays as it is.
func rewrite(line, marker string, at func(line string, i int) (start, end int, with string, ok bool)) string {
	var b strings.Builder
	done := 0 // line[:done] is in b, or replaced there
	for from := 0; from < len(line); {
		k := strings.Index(line[from:], marker)
		if k < 0 {
			break
		}
		i := from + k
		start, end, with, ok := at(line, i)
		if !ok || start < done {
			from = i + 1
			continue
		}
		b.WriteString(line[done:start])
		b.WriteString(with)
		done, from = end, end
	}
	if done == 0 {
		return line
	}
	b.WriteString(line[done:])
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
//
// A line's width is that of pasted[i] as the terminal showed it (cut):
// its colours, a page's entities and links undone, but its escapes as
// the tool printed them; a line as pasted that has the width was cut
// too (a page's changes made before the cut). pasted nil measures lines.
func unwrap(lines, pasted []string) (out []string, at []int) {
	shown, raw := make([]int, len(lines)), make([]int, len(lines))
	width := 0
	var first string
	distinct := false
	for i, l := range lines {
		w := utf8.RuneCountInString(l)
		raw[i] = w
		if pasted != nil && pasted[i] != l { // most lines read as pasted
			raw[i] = utf8.RuneCountInString(pasted[i])
			w = utf8.RuneCountInString(cut(pasted[i]))
		}
		shown[i] = w
		switch {
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
	for i := 0; i < len(lines); i++ {
		start := i
		for n := 1; n < maxPieces && i+1 < len(lines) && (shown[i] == width || raw[i] == width) && cutAfter(lines[i], lines[i+1]); n++ {
			i++
		}
		out = append(out, strings.Join(lines[start:i+1], ""))
		at = append(at, start)
	}
	return out, at
}

// joinAs joins lines as unwrap joined the lines read from them.
func joinAs(lines []string, at []int) []string {
	if at == nil {
		return lines
	}
	out := make([]string, len(at))
	for k, start := range at {
		end := len(lines)
		if k+1 < len(at) {
			end = at[k+1]
		}
		out[k] = strings.Join(lines[start:end], "")
	}
	return out
}

// cutAfter reports whether next can be the rest of a line cut after
// line: not empty, not a line of its own that begins as line does (a
// repeat, a log's prefix, the indentation of a message that wraps itself),
// and not one that begins as the tools begin their own lines: a log
// padded to one width (a table, a progress bar) is no terminal's cut.
func cutAfter(line, next string) bool {
	return next != "" && commonPrefix(line, next) < 3 && !ownLine(next)
}

// ownLines are how the tools begin a line of their own, in lower case,
// after the indentation and time stamp a log may put in front.
var ownLines = []string{"error response from daemon", "docker: ", "error: ", "error[", "[error]", "##[error]", "fata[", "warn[",
	"warning: ", "fatal: ", `time="`, "denied: ", "unauthorized: ", `get "http`, `head "http`}

// ownLine reports whether line begins as a tool begins a line of its own.
func ownLine(line string) bool {
	lo := strings.ToLower(unstamped(strings.TrimLeft(line, " \t")))
	for _, p := range ownLines {
		if strings.HasPrefix(lo, p) {
			return true
		}
	}
	return false
}
