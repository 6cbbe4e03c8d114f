package profile

// The static env audit behind `haktop gates --audit`: it parses Go source
// with go/parser, type-checks each package with go/types so that named
// constants resolve (const name = "HAKMEM_" + "X"; os.Getenv(name)), and
// lists every os.Getenv, os.LookupEnv and syscall.Getenv of a HAKMEM_* name.
// It owns the rules for what counts as a read; it never runs the code.
//
// Rules:
//   - A call whose argument is a constant string (a literal or any constant
//     expression, also one from another package of the same module) is a
//     read of that name. Reads of names without the HAKMEM_ prefix are not
//     listed.
//   - A call whose argument is not constant (os.Getenv(name) with a
//     variable) and a reference to one of these functions as a value
//     (ConfigFrom(os.LookupEnv)) are listed as unresolved: the names they
//     read are decided at run time, so the audit cannot check them and they
//     do not fail it. The allocator reads its gates that way, through the
//     registry, which is what declaring a gate means.
//   - Only resolved HAKMEM_* names the target's schema declares no gate
//     of (for the embedded allocator: allocator.Gates) are undeclared, and
//     make the audit fail.
//
// Type-checking is best effort: imports outside the audited module are not
// loaded (os and syscall calls are recognised through the import, which is
// enough), and type errors are ignored. Directories named testdata or
// vendor, or starting with "." or "_", are skipped below the audited
// directory, as the go command skips them.

import (
	"cmp"
	"fmt"
	"go/ast"
	"go/build"
	"go/constant"
	"go/parser"
	"go/token"
	"go/types"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/haktop/haktop/target"
)

// ReadKind says how an env read names its variable.
type ReadKind string

// The kinds of env read.
const (
	ReadLiteral   ReadKind = "literal"    // os.Getenv("HAKMEM_X")
	ReadConstant  ReadKind = "constant"   // os.Getenv(name), name a constant
	ReadDynamic   ReadKind = "dynamic"    // os.Getenv(v), v not constant: unresolved
	ReadFuncValue ReadKind = "func value" // os.LookupEnv passed or stored as a value: unresolved
)

// EnvRead is one env read the audit found.
type EnvRead struct {
	File     string   `json:"file"` // slash-separated, relative to the audited directory
	Line     int      `json:"line"`
	Func     string   `json:"func"`           // os.Getenv, os.LookupEnv or syscall.Getenv
	Name     string   `json:"name,omitempty"` // the variable; "" when unresolved
	Kind     ReadKind `json:"kind"`
	Declared bool     `json:"declared"` // Name is a gate of the target's schema
}

// Unresolved reports whether the read's variable is decided at run time.
func (r EnvRead) Unresolved() bool { return r.Name == "" }

// Undeclared reports whether the read names a variable the schema declares no gate of.
func (r EnvRead) Undeclared() bool { return r.Name != "" && !r.Declared }

// envFuncs are the functions audited, by package path.
var envFuncs = map[string][]string{
	"os":      {"Getenv", "LookupEnv"},
	"syscall": {"Getenv"},
}

// Audit returns every read of a variable named with prefix (the gates'
// namespace, "HAKMEM_") in the Go source under dir, each declared when s
// has a gate of its name, plus the unresolved reads (see the rules at the
// top of this file), ordered by file and line. It returns an error when
// dir is not a readable directory or a file does not parse.
func Audit(dir, prefix string, s *target.Schema) ([]EnvRead, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("audit: %s is not a directory: want a directory of Go source", dir)
	}
	a := newAuditor(dir)
	a.prefix, a.schema = prefix, s
	var reads []EnvRead
	err = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if !d.IsDir() {
			return nil
		}
		if p != dir {
			if n := d.Name(); n == "testdata" || n == "vendor" || strings.HasPrefix(n, ".") || strings.HasPrefix(n, "_") {
				return filepath.SkipDir
			}
		}
		r, err := a.auditDir(p)
		reads = append(reads, r...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("audit: %w", err)
	}
	slices.SortFunc(reads, func(x, y EnvRead) int {
		return cmp.Or(strings.Compare(x.File, y.File), cmp.Compare(x.Line, y.Line), strings.Compare(x.Func, y.Func))
	})
	return reads, nil
}

// auditor holds what one Audit shares across directories: the file set,
// the module that in-module imports resolve against, and the packages
// already type-checked for import.
type auditor struct {
	prefix  string         // the names audited begin with it
	schema  *target.Schema // its gates are the declared names
	root    string
	fset    *token.FileSet
	modDir  string // directory of the enclosing go.mod; "" when there is none
	modPath string
	pkgs    map[string]*types.Package
}

func newAuditor(root string) *auditor {
	a := &auditor{root: root, fset: token.NewFileSet(), pkgs: map[string]*types.Package{}}
	abs, err := filepath.Abs(root)
	if err != nil {
		return a
	}
	for d := abs; ; d = filepath.Dir(d) {
		if data, err := os.ReadFile(filepath.Join(d, "go.mod")); err == nil {
			a.modDir, a.modPath = d, modulePath(data)
			return a
		}
		if filepath.Dir(d) == d {
			return a
		}
	}
}

// modulePath returns the module directive's path of a go.mod, or "".
func modulePath(gomod []byte) string {
	for line := range strings.Lines(string(gomod)) {
		f := strings.Fields(strings.TrimSpace(line))
		if len(f) >= 2 && f[0] == "module" {
			return strings.Trim(f[1], `"`)
		}
	}
	return ""
}

// Import type-checks an in-module package from source; every other path
// is reported missing and go/types gives the file a stand-in package.
func (a *auditor) Import(ipath string) (*types.Package, error) {
	if p, ok := a.pkgs[ipath]; ok {
		if p == nil {
			return nil, fmt.Errorf("import cycle through %s", ipath)
		}
		return p, nil
	}
	if a.modPath == "" || (ipath != a.modPath && !strings.HasPrefix(ipath, a.modPath+"/")) {
		return nil, fmt.Errorf("%s is outside the audited module", ipath)
	}
	a.pkgs[ipath] = nil
	dir := filepath.Join(a.modDir, filepath.FromSlash(strings.TrimPrefix(ipath, a.modPath)))
	bp, err := build.Default.ImportDir(dir, 0)
	if err != nil {
		return nil, err
	}
	var files []*ast.File
	for _, name := range bp.GoFiles {
		f, err := parser.ParseFile(a.fset, filepath.Join(dir, name), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		files = append(files, f)
	}
	pkg, _ := a.check(ipath, files, nil)
	a.pkgs[ipath] = pkg
	return pkg, nil
}

// check type-checks files as package ipath, ignoring type errors.
func (a *auditor) check(ipath string, files []*ast.File, info *types.Info) (*types.Package, error) {
	conf := types.Config{Importer: a, Error: func(error) {}, FakeImportC: true}
	return conf.Check(ipath, a.fset, files, info)
}

// auditDir audits the .go files of one directory (no recursion).
func (a *auditor) auditDir(dir string) ([]EnvRead, error) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	groups := map[string][]*ast.File{} // by package name: x and x_test check apart
	var order []string
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".go") || strings.HasPrefix(e.Name(), ".") || strings.HasPrefix(e.Name(), "_") {
			continue
		}
		f, err := parser.ParseFile(a.fset, filepath.Join(dir, e.Name()), nil, parser.SkipObjectResolution)
		if err != nil {
			return nil, err
		}
		name := f.Name.Name
		if _, ok := groups[name]; !ok {
			order = append(order, name)
		}
		groups[name] = append(groups[name], f)
	}
	ipath := dir
	if rel, err := filepath.Rel(a.modDir, mustAbs(dir)); err == nil && a.modPath != "" && !strings.HasPrefix(rel, "..") {
		ipath = path.Join(a.modPath, filepath.ToSlash(rel))
	}
	var reads []EnvRead
	for _, name := range order {
		info := &types.Info{Types: map[ast.Expr]types.TypeAndValue{}, Uses: map[*ast.Ident]types.Object{}}
		_, _ = a.check(ipath, groups[name], info) // type errors are expected: see the file comment
		for _, f := range groups[name] {
			reads = append(reads, a.auditFile(f, info)...)
		}
	}
	return reads, nil
}

func mustAbs(p string) string {
	if abs, err := filepath.Abs(p); err == nil {
		return abs
	}
	return p
}

// auditFile returns the reads in one type-checked file.
func (a *auditor) auditFile(f *ast.File, info *types.Info) []EnvRead {
	dotImports := map[string]bool{} // package paths imported with "."
	for _, imp := range f.Imports {
		if imp.Name != nil && imp.Name.Name == "." {
			dotImports[strings.Trim(imp.Path.Value, `"`)] = true
		}
	}
	// envFunc returns "os.Getenv" etc. when e refers to an audited function.
	envFunc := func(e ast.Expr) string {
		var pkg, fn string
		switch e := e.(type) {
		case *ast.SelectorExpr:
			id, ok := e.X.(*ast.Ident)
			if !ok {
				return ""
			}
			pn, ok := info.Uses[id].(*types.PkgName)
			if !ok {
				return ""
			}
			pkg, fn = pn.Imported().Path(), e.Sel.Name
		case *ast.Ident:
			// A dot import of a package go/types did not load leaves the
			// name unresolved; a resolved name is something else.
			if info.Uses[e] != nil {
				return ""
			}
			for p := range dotImports {
				if slices.Contains(envFuncs[p], e.Name) {
					pkg, fn = p, e.Name
				}
			}
		default:
			return ""
		}
		if slices.Contains(envFuncs[pkg], fn) {
			return pkg + "." + fn
		}
		return ""
	}
	var reads []EnvRead
	add := func(n ast.Node, fn, name string, kind ReadKind) {
		pos := a.fset.Position(n.Pos())
		file := pos.Filename
		if rel, err := filepath.Rel(a.root, file); err == nil {
			file = rel
		}
		reads = append(reads, EnvRead{File: filepath.ToSlash(file), Line: pos.Line, Func: fn, Name: name, Kind: kind,
			Declared: name != "" && a.schema.Gate(name) != nil})
	}
	called := map[ast.Expr]bool{}     // Fun of every audited call
	selected := map[*ast.Ident]bool{} // the Sel of every selector
	ast.Inspect(f, func(n ast.Node) bool {
		call, ok := n.(*ast.CallExpr)
		if !ok {
			return true
		}
		fn := envFunc(call.Fun)
		if fn == "" || len(call.Args) != 1 {
			return true
		}
		called[call.Fun] = true
		arg := call.Args[0]
		tv := info.Types[ast.Unparen(arg)]
		switch {
		case tv.Value != nil && tv.Value.Kind() == constant.String:
			name := constant.StringVal(tv.Value)
			if !strings.HasPrefix(name, a.prefix) {
				return true
			}
			kind := ReadConstant
			if lit, ok := ast.Unparen(arg).(*ast.BasicLit); ok && lit.Kind == token.STRING {
				kind = ReadLiteral
			}
			add(call, fn, name, kind)
		default:
			add(call, fn, "", ReadDynamic)
		}
		return true
	})
	ast.Inspect(f, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.SelectorExpr, *ast.Ident:
			e := n.(ast.Expr)
			if id, ok := e.(*ast.Ident); called[e] || ok && selected[id] {
				return false
			}
			if sel, ok := e.(*ast.SelectorExpr); ok {
				selected[sel.Sel] = true
			}
			if fn := envFunc(e); fn != "" {
				add(e, fn, "", ReadFuncValue)
				return false
			}
		case *ast.ImportSpec:
			return false
		}
		return true
	})
	return reads
}

// Undeclared returns the reads of names the schema declares no gate of.
func Undeclared(reads []EnvRead) []EnvRead {
	var out []EnvRead
	for _, r := range reads {
		if r.Undeclared() {
			out = append(out, r)
		}
	}
	return out
}
