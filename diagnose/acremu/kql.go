package acremu

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// This file is the emulator's Kusto Query Language: a small, honest
// subset, enough for the queries a diagnosis asks of
// ContainerRegistryLoginEvents, refused as Log Analytics refuses a query it
// cannot parse for anything outside it.
//
//	Table { '|' operator }
//	where <predicate>      comparisons joined by and / or, with parentheses:
//	                       Col == "s", != "s", =~ "s" (any case), !~ "s",
//	                       Col <, <=, >, >=, ==, != datetime(…) | ago(1d) | now() | number,
//	                       Col between (lo .. hi)
//	project Col, Col, …
//	order by Col [asc|desc], …   (also sort by; descending unless asc, as in KQL)
//	take N                  (also limit N)
//
// String literals take double or single quotes with backslash escapes;
// timespans are N followed by d, h, m, s or ms; // starts a comment. Keywords
// and table and column names are case-sensitive, as in KQL.

// Column types, as the query API names them.
const (
	kqlString   = "string"
	kqlDatetime = "datetime"
	kqlReal     = "real"
)

// kqlColumn is a column of a table: its name and type.
type kqlColumn struct {
	Name string `json:"name"`
	Type string `json:"type"`
}

// kqlTable is a table being queried. Values are string, time.Time or
// float64, as the column's type says.
type kqlTable struct {
	name string
	cols []kqlColumn
	rows [][]any
}

// kqlError is a query refused: a syntax error (SYN0002, with where it
// happened) or a semantic one.
type kqlError struct {
	semantic  bool
	code      string
	message   string
	token     string
	line, pos int
}

func (e *kqlError) Error() string { return e.message }

func syntaxError(t kqlToken) *kqlError {
	text := t.text
	if t.kind == tokEOF {
		text = "<EOF>"
	}
	return &kqlError{code: "SYN0002", token: text, line: t.line, pos: t.pos,
		message: fmt.Sprintf("Query could not be parsed at '%s' on line [%d,%d]", text, t.line, t.pos)}
}

func semanticError(code, format string, args ...any) *kqlError {
	return &kqlError{semantic: true, code: code, message: fmt.Sprintf(format, args...)}
}

// Token kinds.
const (
	tokEOF = iota
	tokIdent
	tokString
	tokNumber
	tokDatetime // datetime(…), whose value is what is inside
	tokPunct
)

type kqlToken struct {
	kind int
	text string // as written
	val  string // a string literal's value, a datetime's contents
	line int    // from 1
	pos  int    // from 0, in bytes, within the line
}

// puncts are the operators and punctuation, longest first.
var puncts = []string{"..", "==", "!=", "=~", "!~", ">=", "<=", "|", "(", ")", ",", ">", "<"}

// lexKQL splits src into tokens, ending with tokEOF.
func lexKQL(src string) ([]kqlToken, *kqlError) {
	var toks []kqlToken
	line, lineStart := 1, 0
	at := func(i int) (int, int) { return line, i - lineStart }
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == '\n':
			i++
			line, lineStart = line+1, i
			continue
		case c == ' ' || c == '\t' || c == '\r':
			i++
			continue
		case strings.HasPrefix(src[i:], "//"):
			for i < len(src) && src[i] != '\n' {
				i++
			}
			continue
		}
		l, p := at(i)
		start := i
		switch {
		case isIdentStart(c):
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			t := kqlToken{kind: tokIdent, text: src[start:i], line: l, pos: p}
			if t.text == "datetime" {
				j := i
				for j < len(src) && (src[j] == ' ' || src[j] == '\t') {
					j++
				}
				if j < len(src) && src[j] == '(' {
					end := strings.IndexAny(src[j:], ")\n")
					if end < 0 || src[j+end] != ')' {
						return nil, syntaxError(t)
					}
					inner := strings.TrimSpace(src[j+1 : j+end])
					if len(inner) >= 2 && (inner[0] == '"' || inner[0] == '\'') && inner[len(inner)-1] == inner[0] {
						inner = inner[1 : len(inner)-1]
					}
					i = j + end + 1
					t = kqlToken{kind: tokDatetime, text: src[start:i], val: inner, line: l, pos: p}
				}
			}
			toks = append(toks, t)
		case c >= '0' && c <= '9':
			for i < len(src) && src[i] >= '0' && src[i] <= '9' {
				i++
			}
			if i+1 < len(src) && src[i] == '.' && src[i+1] >= '0' && src[i+1] <= '9' {
				i++
				for i < len(src) && src[i] >= '0' && src[i] <= '9' {
					i++
				}
			}
			for i < len(src) && isIdentPart(src[i]) {
				i++
			}
			toks = append(toks, kqlToken{kind: tokNumber, text: src[start:i], line: l, pos: p})
		case c == '"' || c == '\'':
			var b strings.Builder
			i++
			closed := false
			for i < len(src) && !closed {
				switch ch := src[i]; {
				case ch == c:
					closed = true
					i++
				case ch == '\n':
					i = len(src) // a string does not span lines
				case ch == '\\' && i+1 < len(src):
					switch e := src[i+1]; e {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case '\\', '"', '\'':
						b.WriteByte(e)
					default:
						return nil, syntaxError(kqlToken{kind: tokString, text: src[i : i+2], line: l, pos: i - lineStart})
					}
					i += 2
				default:
					b.WriteByte(ch)
					i++
				}
			}
			if !closed {
				return nil, syntaxError(kqlToken{kind: tokString, text: string(c), line: l, pos: p})
			}
			toks = append(toks, kqlToken{kind: tokString, text: src[start:i], val: b.String(), line: l, pos: p})
		default:
			matched := false
			for _, pu := range puncts {
				if strings.HasPrefix(src[i:], pu) {
					toks = append(toks, kqlToken{kind: tokPunct, text: pu, line: l, pos: p})
					i += len(pu)
					matched = true
					break
				}
			}
			if !matched {
				_, n := utf8.DecodeRuneInString(src[i:])
				return nil, syntaxError(kqlToken{kind: tokPunct, text: src[i : i+n], line: l, pos: p})
			}
		}
	}
	l, p := at(len(src))
	return append(toks, kqlToken{kind: tokEOF, line: l, pos: p}), nil
}

func isIdentStart(c byte) bool {
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

func isIdentPart(c byte) bool { return isIdentStart(c) || (c >= '0' && c <= '9') }

// kqlQuery is a parsed query.
type kqlQuery struct {
	table kqlToken
	ops   []kqlOp
}

// kqlOp is one tabular operator.
type kqlOp struct {
	name  string      // where, project, order, take
	pred  kqlPred     // where
	cols  []kqlToken  // project
	keys  []kqlSortBy // order
	count int         // take
}

type kqlSortBy struct {
	col  kqlToken
	desc bool
}

// kqlPred is a where predicate: *kqlLogic or *kqlCmp.
type kqlPred interface{ isPred() }

type kqlLogic struct {
	and  bool
	l, r kqlPred
}

type kqlCmp struct {
	col    kqlToken
	op     string // ==, !=, =~, !~, <, <=, >, >=, between
	lo, hi kqlLit // hi for between only
}

func (*kqlLogic) isPred() {}
func (*kqlCmp) isPred()   {}

// kqlLit is a literal: a string, a number, a datetime, ago(span) or now().
type kqlLit struct {
	kind string // kqlString, kqlReal, kqlDatetime
	s    string
	n    float64
	t    time.Time
	ago  time.Duration // datetime: now minus ago, when relative
	rel  bool          // datetime relative to now
}

// value is l's value for the query run at now.
func (l kqlLit) value(now time.Time) any {
	switch l.kind {
	case kqlString:
		return l.s
	case kqlReal:
		return l.n
	}
	if l.rel {
		return now.Add(-l.ago)
	}
	return l.t
}

type kqlParser struct {
	toks  []kqlToken
	i     int
	depth int // of parentheses
}

func (p *kqlParser) peek() kqlToken { return p.toks[p.i] }

func (p *kqlParser) next() kqlToken {
	t := p.toks[p.i]
	if t.kind != tokEOF {
		p.i++
	}
	return t
}

func (p *kqlParser) isPunct(s string) bool {
	t := p.peek()
	return t.kind == tokPunct && t.text == s
}

func (p *kqlParser) isWord(s string) bool {
	t := p.peek()
	return t.kind == tokIdent && t.text == s
}

func (p *kqlParser) punct(s string) *kqlError {
	if t := p.next(); t.kind != tokPunct || t.text != s {
		return syntaxError(t)
	}
	return nil
}

// parseKQL parses a query of the subset.
func parseKQL(src string) (*kqlQuery, *kqlError) {
	toks, err := lexKQL(src)
	if err != nil {
		return nil, err
	}
	p := &kqlParser{toks: toks}
	q := &kqlQuery{table: p.next()}
	if q.table.kind != tokIdent {
		return nil, syntaxError(q.table)
	}
	for p.peek().kind != tokEOF {
		if err := p.punct("|"); err != nil {
			return nil, err
		}
		op, err := p.operator()
		if err != nil {
			return nil, err
		}
		q.ops = append(q.ops, op)
	}
	return q, nil
}

func (p *kqlParser) operator() (kqlOp, *kqlError) {
	t := p.next()
	if t.kind != tokIdent {
		return kqlOp{}, syntaxError(t)
	}
	switch t.text {
	case "where":
		pred, err := p.or()
		return kqlOp{name: "where", pred: pred}, err
	case "project":
		op := kqlOp{name: "project"}
		for {
			c := p.next()
			if c.kind != tokIdent {
				return op, syntaxError(c)
			}
			op.cols = append(op.cols, c)
			if !p.isPunct(",") {
				return op, nil
			}
			p.next()
		}
	case "order", "sort":
		if by := p.next(); by.kind != tokIdent || by.text != "by" {
			return kqlOp{}, syntaxError(by)
		}
		op := kqlOp{name: "order"}
		for {
			c := p.next()
			if c.kind != tokIdent {
				return op, syntaxError(c)
			}
			key := kqlSortBy{col: c, desc: true}
			switch {
			case p.isWord("asc"):
				p.next()
				key.desc = false
			case p.isWord("desc"):
				p.next()
			}
			op.keys = append(op.keys, key)
			if !p.isPunct(",") {
				return op, nil
			}
			p.next()
		}
	case "take", "limit":
		n := p.next()
		count, err := strconv.Atoi(n.text)
		if n.kind != tokNumber || err != nil || count < 0 {
			return kqlOp{}, syntaxError(n)
		}
		return kqlOp{name: "take", count: count}, nil
	}
	return kqlOp{}, syntaxError(t)
}

func (p *kqlParser) or() (kqlPred, *kqlError) {
	l, err := p.and()
	for err == nil && p.isWord("or") {
		p.next()
		var r kqlPred
		if r, err = p.and(); err == nil {
			l = &kqlLogic{l: l, r: r}
		}
	}
	return l, err
}

func (p *kqlParser) and() (kqlPred, *kqlError) {
	l, err := p.primary()
	for err == nil && p.isWord("and") {
		p.next()
		var r kqlPred
		if r, err = p.primary(); err == nil {
			l = &kqlLogic{and: true, l: l, r: r}
		}
	}
	return l, err
}

func (p *kqlParser) primary() (kqlPred, *kqlError) {
	if p.isPunct("(") {
		if p.depth >= maxDepth {
			return nil, syntaxError(p.peek())
		}
		p.next()
		p.depth++
		defer func() { p.depth-- }()
		pred, err := p.or()
		if err != nil {
			return nil, err
		}
		return pred, p.punct(")")
	}
	col := p.next()
	if col.kind != tokIdent || col.text == "and" || col.text == "or" {
		return nil, syntaxError(col)
	}
	c := &kqlCmp{col: col}
	op := p.next()
	switch {
	case op.kind == tokIdent && op.text == "between":
		c.op = "between"
		if err := p.punct("("); err != nil {
			return nil, err
		}
		var err *kqlError
		if c.lo, err = p.literal(); err != nil {
			return nil, err
		}
		if err := p.punct(".."); err != nil {
			return nil, err
		}
		if c.hi, err = p.literal(); err != nil {
			return nil, err
		}
		if c.lo.kind != c.hi.kind {
			return nil, semanticError("", "between operator: the range bounds are of types %s and %s", c.lo.kind, c.hi.kind)
		}
		return c, p.punct(")")
	case op.kind == tokPunct && slices.Contains([]string{"==", "!=", "=~", "!~", "<", "<=", ">", ">="}, op.text):
		c.op = op.text
	default:
		return nil, syntaxError(op)
	}
	var err *kqlError
	c.lo, err = p.literal()
	return c, err
}

// datetimeLayouts are the forms a datetime literal may take.
var datetimeLayouts = []string{
	time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02",
}

func parseDatetime(s string) (time.Time, bool) {
	for _, layout := range datetimeLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func (p *kqlParser) literal() (kqlLit, *kqlError) {
	t := p.next()
	switch t.kind {
	case tokString:
		return kqlLit{kind: kqlString, s: t.val}, nil
	case tokNumber:
		n, err := strconv.ParseFloat(t.text, 64)
		if err != nil {
			return kqlLit{}, syntaxError(t)
		}
		return kqlLit{kind: kqlReal, n: n}, nil
	case tokDatetime:
		at, ok := parseDatetime(t.val)
		if !ok {
			return kqlLit{}, syntaxError(t)
		}
		return kqlLit{kind: kqlDatetime, t: at}, nil
	case tokIdent:
		switch t.text {
		case "ago":
			if err := p.punct("("); err != nil {
				return kqlLit{}, err
			}
			span := p.next()
			d, ok := parseTimespan(span)
			if !ok {
				return kqlLit{}, syntaxError(span)
			}
			return kqlLit{kind: kqlDatetime, rel: true, ago: d}, p.punct(")")
		case "now":
			if err := p.punct("("); err != nil {
				return kqlLit{}, err
			}
			return kqlLit{kind: kqlDatetime, rel: true}, p.punct(")")
		}
	}
	return kqlLit{}, syntaxError(t)
}

// maxSpan bounds timespans, and each part of an ISO 8601 duration, well
// within time.Duration: 50 years.
const maxSpan = float64(50 * 366 * 24 * time.Hour)

// maxDepth bounds the nesting of parentheses in a predicate, so that no
// query recurses deep.
const maxDepth = 64

// timespanUnits are the timespan literal suffixes of the subset.
var timespanUnits = map[string]time.Duration{
	"d": 24 * time.Hour, "h": time.Hour, "m": time.Minute, "s": time.Second, "ms": time.Millisecond,
}

// parseTimespan reads a timespan literal: 1d, 3h, 30m, 1.5h, 10s, 100ms.
func parseTimespan(t kqlToken) (time.Duration, bool) {
	if t.kind != tokNumber {
		return 0, false
	}
	i := strings.IndexFunc(t.text, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i <= 0 {
		return 0, false
	}
	unit, ok := timespanUnits[t.text[i:]]
	n, err := strconv.ParseFloat(t.text[:i], 64)
	if !ok || err != nil || n*float64(unit) > maxSpan {
		return 0, false
	}
	return time.Duration(n * float64(unit)), true
}

// column is the index of name in t's columns, or a semantic error for op.
func (t *kqlTable) column(op string, name kqlToken) (int, *kqlError) {
	i := slices.IndexFunc(t.cols, func(c kqlColumn) bool { return c.Name == name.text })
	if i < 0 {
		return 0, semanticError("SEM0100", "'%s' operator: Failed to resolve scalar expression named '%s'", op, name.text)
	}
	return i, nil
}

// run runs q over tables (by name) at now.
func (q *kqlQuery) run(tables map[string]kqlTable, now time.Time) (kqlTable, *kqlError) {
	in, ok := tables[q.table.text]
	if !ok {
		return kqlTable{}, semanticError("SEM0100", "'%s' operator: Failed to resolve table or column expression named '%s'", q.table.text, q.table.text)
	}
	t := kqlTable{name: "PrimaryResult", cols: in.cols, rows: in.rows}
	for _, op := range q.ops {
		var err *kqlError
		switch op.name {
		case "where":
			t, err = t.where(op.pred, now)
		case "project":
			t, err = t.project(op.cols)
		case "order":
			t, err = t.order(op.keys)
		case "take":
			t.rows = t.rows[:min(op.count, len(t.rows))]
		}
		if err != nil {
			return kqlTable{}, err
		}
	}
	return t, nil
}

// check type-checks pred against t's columns.
func (t *kqlTable) check(pred kqlPred) *kqlError {
	switch p := pred.(type) {
	case *kqlLogic:
		if err := t.check(p.l); err != nil {
			return err
		}
		return t.check(p.r)
	case *kqlCmp:
		i, err := t.column("where", p.col)
		if err != nil {
			return err
		}
		typ := t.cols[i].Type
		if typ != p.lo.kind {
			return semanticError("", "Cannot compare values of types %s and %s. Try adding explicit casts", typ, p.lo.kind)
		}
		switch p.op {
		case "=~", "!~":
			if typ != kqlString {
				return semanticError("", "'%s' operator: the operands must be strings", p.op)
			}
		case "<", "<=", ">", ">=", "between":
			if typ == kqlString {
				return semanticError("", "'%s' operator: strings cannot be ordered; use == or =~", p.op)
			}
		}
	}
	return nil
}

func (t kqlTable) where(pred kqlPred, now time.Time) (kqlTable, *kqlError) {
	if err := t.check(pred); err != nil {
		return t, err
	}
	var rows [][]any
	for _, row := range t.rows {
		if t.eval(pred, row, now) {
			rows = append(rows, row)
		}
	}
	t.rows = rows
	return t, nil
}

// eval is pred on row; t.check(pred) passed.
func (t *kqlTable) eval(pred kqlPred, row []any, now time.Time) bool {
	switch p := pred.(type) {
	case *kqlLogic:
		if p.and {
			return t.eval(p.l, row, now) && t.eval(p.r, row, now)
		}
		return t.eval(p.l, row, now) || t.eval(p.r, row, now)
	case *kqlCmp:
		i, _ := t.column("where", p.col)
		v := row[i]
		switch p.op {
		case "=~":
			return strings.EqualFold(v.(string), p.lo.s)
		case "!~":
			return !strings.EqualFold(v.(string), p.lo.s)
		case "between":
			return compare(v, p.lo.value(now)) >= 0 && compare(v, p.hi.value(now)) <= 0
		}
		c := compare(v, p.lo.value(now))
		switch p.op {
		case "==":
			return c == 0
		case "!=":
			return c != 0
		case "<":
			return c < 0
		case "<=":
			return c <= 0
		case ">":
			return c > 0
		case ">=":
			return c >= 0
		}
	}
	return false
}

// compare orders two values of one column type.
func compare(a, b any) int {
	switch a := a.(type) {
	case string:
		return strings.Compare(a, b.(string))
	case float64:
		return cmp.Compare(a, b.(float64))
	case time.Time:
		return a.Compare(b.(time.Time))
	}
	return 0
}

func (t kqlTable) project(cols []kqlToken) (kqlTable, *kqlError) {
	idx := make([]int, len(cols))
	out := kqlTable{name: t.name}
	for j, c := range cols {
		i, err := t.column("project", c)
		if err != nil {
			return t, err
		}
		if slices.ContainsFunc(out.cols, func(k kqlColumn) bool { return k.Name == c.text }) {
			return t, semanticError("", "'project' operator: Column '%s' is projected more than once", c.text)
		}
		idx[j] = i
		out.cols = append(out.cols, t.cols[i])
	}
	for _, row := range t.rows {
		r := make([]any, len(idx))
		for j, i := range idx {
			r[j] = row[i]
		}
		out.rows = append(out.rows, r)
	}
	return out, nil
}

func (t kqlTable) order(keys []kqlSortBy) (kqlTable, *kqlError) {
	idx := make([]int, len(keys))
	for j, k := range keys {
		i, err := t.column("order", k.col)
		if err != nil {
			return t, err
		}
		idx[j] = i
	}
	rows := slices.Clone(t.rows)
	slices.SortStableFunc(rows, func(a, b []any) int {
		for j, k := range keys {
			c := compare(a[idx[j]], b[idx[j]])
			if k.desc {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return 0
	})
	t.rows = rows
	return t, nil
}

// kqlDatetimeLayout is how the query API writes datetimes: UTC, to the
// 100 ns tick Kusto keeps.
const kqlDatetimeLayout = "2006-01-02T15:04:05.0000000Z"

// wire is t's rows as the query API sends them: datetimes as strings.
func (t kqlTable) wire() [][]any {
	rows := make([][]any, 0, len(t.rows))
	for _, row := range t.rows {
		r := make([]any, len(row))
		for i, v := range row {
			if at, ok := v.(time.Time); ok {
				v = at.UTC().Format(kqlDatetimeLayout)
			}
			r[i] = v
		}
		rows = append(rows, r)
	}
	return rows
}
