package profile

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/haktop/haktop/target/embedded"
)

func TestAuditFindsEveryKindOfRead(t *testing.T) {
	reads, err := Audit(filepath.Join("testdata", "audit", "mixed"), embedded.EnvPrefix, &embeddedSchema)
	if err != nil {
		t.Fatal(err)
	}
	want := []EnvRead{
		{File: "ext_test.go", Line: 7, Func: "os.Getenv", Name: "HAKMEM_EXTERNAL_TEST", Kind: ReadConstant},
		{File: "mixed.go", Line: 12, Func: "os.LookupEnv", Kind: ReadFuncValue},
		{File: "mixed.go", Line: 15, Func: "os.Getenv", Name: "HAKMEM_UNDECLARED_LITERAL", Kind: ReadLiteral},
		{File: "mixed.go", Line: 16, Func: "os.Getenv", Name: "HAKMEM_SECRET_KNOB", Kind: ReadConstant},
		{File: "mixed.go", Line: 17, Func: "os.Getenv", Name: "HAKMEM_POOL_V2_ENABLED", Kind: ReadConstant, Declared: true},
		{File: "mixed.go", Line: 18, Func: "syscall.Getenv", Name: "HAKMEM_SYSCALL_READ", Kind: ReadLiteral},
		{File: "mixed.go", Line: 19, Func: "os.Getenv", Kind: ReadDynamic},
		{File: "mixed.go", Line: 20, Func: "os.Getenv", Name: "HAKMEM_DOT_IMPORT", Kind: ReadLiteral},
		{File: "mixed.go", Line: 21, Func: "os.Getenv", Name: "HAKMEM_FROM_OTHER_PACKAGE", Kind: ReadConstant},
		{File: "mixed_test.go", Line: 10, Func: "os.Getenv", Name: "HAKMEM_SS_MAX", Kind: ReadLiteral, Declared: true},
	}
	if !slices.Equal(reads, want) {
		t.Errorf("Audit found\n%s\nwant\n%s", dump(reads), dump(want))
	}
	var undeclared []string
	for _, r := range Undeclared(reads) {
		undeclared = append(undeclared, r.Name)
	}
	if len(undeclared) != 6 {
		t.Errorf("undeclared = %v, want the 6 reads of names missing from the registry", undeclared)
	}
}

func TestAuditClean(t *testing.T) {
	reads, err := Audit(filepath.Join("testdata", "audit", "clean"), embedded.EnvPrefix, &embeddedSchema)
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 2 || len(Undeclared(reads)) != 0 || reads[0].Name != "HAKMEM_POOL_V2_ENABLED" || reads[1].Name != "HAKMEM_TINY_CACHE_CAP" {
		t.Errorf("clean package: %s", dump(reads))
	}
}

// The allocator reads its gates through the registry: os.LookupEnv passed
// as a value, listed unresolved, failing nothing.
func TestAuditAllocator(t *testing.T) {
	reads, err := Audit(filepath.Join("..", "allocator"), embedded.EnvPrefix, &embeddedSchema)
	if err != nil {
		t.Fatal(err)
	}
	if len(reads) != 1 || reads[0].File != "gates.go" || reads[0].Func != "os.LookupEnv" || reads[0].Kind != ReadFuncValue || !reads[0].Unresolved() || reads[0].Undeclared() {
		t.Errorf("allocator: %s", dump(reads))
	}
}

func TestAuditBadInput(t *testing.T) {
	// Written here, not kept in testdata, so gofmt -l over the repo stays clean.
	broken := t.TempDir()
	if err := os.WriteFile(filepath.Join(broken, "broken.go"), []byte("package broken\n\nfunc (\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for dir, want := range map[string]string{
		filepath.Join("testdata", "nope"):                       "no such file or directory",
		filepath.Join("testdata", "audit", "clean", "clean.go"): "is not a directory",
		broken: "broken.go:3:8",
	} {
		if _, err := Audit(dir, embedded.EnvPrefix, &embeddedSchema); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Audit(%s) error = %v, want it to mention %q", dir, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join("testdata", "audit", "mixed", "testdata", "skipped.go")); err != nil {
		t.Fatal("the skipped testdata file is missing, so skipping it proves nothing")
	}
}

func dump(reads []EnvRead) string {
	var b strings.Builder
	for _, r := range reads {
		fmt.Fprintf(&b, "%s:%d %s %q %s declared=%v\n", r.File, r.Line, r.Func, r.Name, r.Kind, r.Declared)
	}
	return b.String()
}
