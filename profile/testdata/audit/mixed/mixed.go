// Package mixed holds every kind of env read the audit must find.
package mixed

import (
	. "os"
	env "os"
	"syscall"

	"github.com/haktop/haktop/profile/testdata/audit/mixed/names"
)

var lookup = env.LookupEnv

func Reads(name string) []string {
	a := env.Getenv("HAKMEM_UNDECLARED_LITERAL")
	b := env.Getenv(secret)
	c := env.Getenv((enabled))
	d, _ := syscall.Getenv("HAKMEM_SYSCALL_READ")
	e := env.Getenv(name)
	f := Getenv("HAKMEM_DOT_IMPORT")
	g := env.Getenv(names.Remote)
	h := env.Getenv("PATH")
	return []string{a, b, c, d, e, f, g, h}
}
