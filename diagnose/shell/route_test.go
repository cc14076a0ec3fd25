package shell_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// command is the start of a command acr-doctor suggests, in a string
// literal.
var command = regexp.MustCompile(`(?:^|[\s:("'$])(?:az (?:acr|ad|role|login|network|monitor|aks|account)|docker (?:login|logout|pull|push)|podman (?:login|logout)|docker-credential-|nslookup|openssl|kubectl|helm|regctl|echo|chmod|NO_PROXY=|DOCKER_COMMAND=)\b`)

// TestCommandsGoThroughShell reads the program's source for commands
// built around a value with fmt or +, which would put the value in
// unchecked: they must be built with shell.Sprintf or a shell.Fix, whose
// %s take only shell.Args.
func TestCommandsGoThroughShell(t *testing.T) {
	root := filepath.Join("..", "..")
	fset := token.NewFileSet()
	for _, dir := range []string{"diagnose", "plugin", "credhelper", "internal"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") || strings.Contains(path, "testdata") {
				return err
			}
			f, err := parser.ParseFile(fset, path, nil, 0)
			if err != nil {
				return err
			}
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if isShellCall(n) {
						return false // its format is the program's own text, its values Args
					}
					if sel, ok := n.Fun.(*ast.SelectorExpr); ok && isIdent(sel.X, "fmt") && len(n.Args) > 0 {
						for _, a := range n.Args {
							if s, ok := literal(a); ok {
								if loc := command.FindStringIndex(s); loc != nil && hasVerb(clause(s[loc[0]:])) {
									t.Errorf("%s: fmt.%s builds a command around a value: %q", fset.Position(n.Pos()), sel.Sel.Name, s)
								}
								break
							}
						}
					}
				case *ast.BinaryExpr:
					if n.Op != token.ADD {
						return true
					}
					if s, ok := literal(n.X); ok && command.MatchString(s) && !strings.HasSuffix(strings.TrimSpace(s), ".") {
						if _, lit := literal(n.Y); !lit {
							t.Errorf("%s: + puts a value after a command: %q + …", fset.Position(n.Pos()), s)
						}
					}
				}
				return true
			})
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// isShellCall reports whether c is shell.Sprintf, shell.Subst, a Fix's
// Add, or a package's fix shorthand for it.
func isShellCall(c *ast.CallExpr) bool {
	if isIdent(c.Fun, "fix") { // a package's own shorthand for new(shell.Fix).Add
		return true
	}
	sel, ok := c.Fun.(*ast.SelectorExpr)
	if !ok {
		return false
	}
	switch sel.Sel.Name {
	case "Sprintf", "Subst":
		return isIdent(sel.X, "shell")
	case "Add":
		return true
	}
	return false
}

// clause is s up to the end of the command it starts with: the prose
// that may follow a command begins after ": ", "; " or "): ".
func clause(s string) string {
	for _, end := range []string{": ", "; ", "): "} {
		if i := strings.Index(s, end); i >= 0 {
			s = s[:i]
		}
	}
	return s
}

func hasVerb(s string) bool { return strings.Contains(strings.ReplaceAll(s, "%%", ""), "%") }

func isIdent(e ast.Expr, name string) bool {
	id, ok := e.(*ast.Ident)
	return ok && id.Name == name
}

// literal is e's text when e is a string literal, or a sum of them and
// other expressions that ends in one (for X of a BinaryExpr, the part
// just before the +).
func literal(e ast.Expr) (string, bool) {
	switch e := e.(type) {
	case *ast.BasicLit:
		if e.Kind == token.STRING {
			s, err := strconv.Unquote(e.Value)
			return s, err == nil
		}
	case *ast.BinaryExpr:
		if e.Op == token.ADD {
			return literal(e.Y)
		}
	}
	return "", false
}
