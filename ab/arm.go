package ab

// Arm owns one side of a comparison: the HAKMEM_* environment and the build
// tags its child runs with, and the parsing of the --a/--b and --tags-a/--tags-b
// strings into it. Everything is validated here, before any child runs, so a
// typo costs an error message rather than ten minutes of benchmarks.
// Only this file constructs Arm values from user input.

import (
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/haktop/haktop/target"
	"github.com/haktop/haktop/target/embedded"
)

// Arm is one side of an A/B comparison.
type Arm struct {
	Name string   // "A" or "B"
	Env  []string // NAME=VALUE pairs, each a gate of the embedded allocator, canonical values
	Tags string   // comma-separated go build tags; "" runs the current executable
}

// envForm is the accepted form of an arm spec, for error messages.
const envForm = "space-separated HAKMEM_NAME=VALUE pairs, e.g. 'HAKMEM_POOL_V2_ENABLED=1 HAKMEM_POOL_V2_CLASSES=0x7F'"

// tagPattern is what go build accepts as one tag.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_.]+$`)

// ParseArm returns the Arm named name ("A" or "B") that spec and tags
// describe. Errors name the flag the text came from (--a, --tags-a). Each pair of
// spec must be NAME=VALUE with NAME a gate of the embedded allocator's schema and VALUE one of
// the gate's accepted forms; tags is a comma- or space-separated list of build
// tags. The returned Env holds canonical values in registry order.
func ParseArm(name, spec, tags string) (Arm, error) {
	arm := Arm{Name: name}
	flag := "--" + strings.ToLower(name)
	given := map[string]string{}
	for _, pair := range strings.Fields(spec) {
		env, value, ok := strings.Cut(pair, "=")
		if !ok || env == "" {
			return Arm{}, fmt.Errorf("%s: %q is not NAME=VALUE: want %s", flag, pair, envForm)
		}
		if defaults.Gate(env) == nil {
			if embedded.LooksLikeGate(env) {
				return Arm{}, fmt.Errorf("%s: %s is not a gate the allocator reads: did you mean %s? (want one of %s)",
					flag, env, embedded.ClosestGate(env), gateNames())
			}
			return Arm{}, fmt.Errorf("%s: %s is not a gate the allocator reads: want one of %s", flag, env, gateNames())
		}
		if _, dup := given[env]; dup {
			return Arm{}, fmt.Errorf("%s: %s is set twice: give each gate once", flag, env)
		}
		given[env] = value
	}
	s, err := embedded.SchemaFrom(func(env string) (string, bool) {
		v, ok := given[env]
		return v, ok
	})
	if err != nil {
		return Arm{}, fmt.Errorf("%s: %v", flag, err)
	}
	// Keep what the user set, in registry order, with the values the
	// allocator will read back (canonical), so reports compare equal.
	for _, g := range s.Gates {
		if _, ok := given[g.Env]; ok {
			arm.Env = append(arm.Env, g.Env+"="+g.Value)
		}
	}
	arm.Tags, err = parseTags("--tags-"+strings.ToLower(name), tags)
	if err != nil {
		return Arm{}, err
	}
	return arm, nil
}

// parseTags returns tags as a sorted, deduplicated, comma-joined list.
func parseTags(flag, tags string) (string, error) {
	fields := strings.FieldsFunc(tags, func(r rune) bool { return r == ',' || r == ' ' })
	for _, t := range fields {
		if !tagPattern.MatchString(t) {
			return "", fmt.Errorf("%s: %q is not a build tag: want comma-separated tags of letters, digits, _ and ., e.g. haktop_nostats", flag, t)
		}
	}
	slices.Sort(fields)
	return strings.Join(slices.Compact(fields), ","), nil
}

// defaults is the embedded allocator with every gate at its default: the
// gates an arm may set. An empty environment always parses.
var defaults, _ = embedded.SchemaFrom(func(string) (string, bool) { return "", false })

func gateNames() string {
	names := make([]string, len(defaults.Gates))
	for i, g := range defaults.Gates {
		names[i] = g.Env
	}
	return strings.Join(names, ", ")
}

// Schema returns the embedded allocator's schema as the arm's children run
// it (every gate with the value they read), or an error naming the bad
// variable and its accepted forms. Children get no HAKMEM_* variable from
// the parent's environment, so this is exactly what they read.
func (a Arm) Schema() (target.Schema, error) { return embedded.SchemaFrom(a.lookup) }

func (a Arm) lookup(env string) (string, bool) {
	for _, kv := range a.Env {
		if k, v, _ := strings.Cut(kv, "="); k == env {
			return v, true
		}
	}
	return "", false
}

// Label returns the arm's settings as one line for tables: its env pairs and
// tags, or "defaults".
func (a Arm) Label() string {
	parts := append([]string(nil), a.Env...)
	if a.Tags != "" {
		parts = append(parts, "tags="+a.Tags)
	}
	if len(parts) == 0 {
		return "defaults"
	}
	return strings.Join(parts, " ")
}
