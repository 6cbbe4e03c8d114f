package ab

// The NO-OP rule: a comparison whose arms differ only in gates whose guarded
// paths never ran measured nothing, whatever the timings say (the Phase 29
// lesson). This file owns that rule and nothing else; Analyze calls it.
//
// The rule, in order:
//  1. Build tags that differ are a build difference: never NO-OP.
//  2. The gates that differ are those whose effective values differ
//     (HAKMEM_PROFILE is left out: its effect shows in the gates it sets).
//     None differ: the arms are the same configuration, not NO-OP.
//  3. A differing gate that guards no registered path (HAKMEM_POOL_V2_STATS)
//     cannot be shown inert: not NO-OP.
//  4. A run whose child was built without counters (haktop_nostats, so
//     every hit reads 0) or whose report lacks a guarded path: ab cannot tell
//     what ran, not NO-OP.
//  5. Otherwise it is NO-OP exactly when every path those gates guard (the
//     paths whose behaviour their values change, allocator/gates.go:
//     HAKMEM_TINY_CACHE_CAP guards tiny_refill and tiny_flush, not the
//     inline fast path, whose code is the same at any cap) had zero hits
//     in every measured run of both arms. A guarded path that ran as
//     often in both arms still ran, with the gate shaping what it did
//     (a refill of 1024 blocks instead of 256): not NO-OP, and the reason
//     says its counts were equal.

import (
	"fmt"
	"slices"
	"strings"

	"github.com/haktop/haktop/profile"
	"github.com/haktop/haktop/target/embedded"
	"github.com/haktop/haktop/textfmt"
)

// PathActivity is one path guarded by a differing gate, with its hits summed
// over each arm's measured runs.
type PathActivity struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	HitsA uint64 `json:"hits_a"`
	HitsB uint64 `json:"hits_b"`
}

// GateChange is one gate whose effective value differs between the arms.
type GateChange struct {
	Env    string   `json:"env"`
	A      string   `json:"a"`
	B      string   `json:"b"`
	Guards []string `json:"guards"` // path keys
}

// activity is the outcome of the NO-OP rule.
type activity struct {
	changes []GateChange
	paths   []PathActivity
	noop    bool
	reason  string // why it is, or is not, NO-OP
}

// gateActivity applies the NO-OP rule to arms a and b and their measured runs.
func gateActivity(a, b Arm, runsA, runsB []profile.RunReport) (activity, error) {
	var act activity
	sa, err := a.Schema()
	if err != nil {
		return act, fmt.Errorf("arm A: %v", err)
	}
	sb, err := b.Schema()
	if err != nil {
		return act, fmt.Errorf("arm B: %v", err)
	}
	var guarded []string // path ids
	pathless := ""
	for i, g := range sa.Gates {
		if g.Env == embedded.ProfileEnv || g.Value == sb.Gates[i].Value {
			continue
		}
		ch := GateChange{Env: g.Env, A: g.Value, B: sb.Gates[i].Value}
		for _, p := range g.Paths {
			ch.Guards = append(ch.Guards, p)
			if !slices.Contains(guarded, p) {
				guarded = append(guarded, p)
			}
		}
		if len(g.Paths) == 0 && pathless == "" {
			pathless = g.Env
		}
		act.changes = append(act.changes, ch)
	}
	for _, id := range guarded {
		pa := PathActivity{ID: id, Name: id}
		if i := sa.PathIndex(id); i >= 0 {
			pa.Name = sa.Paths[i].Name
		}
		pa.HitsA = sumHits(runsA, pa.ID)
		pa.HitsB = sumHits(runsB, pa.ID)
		act.paths = append(act.paths, pa)
	}

	switch {
	case a.Tags != b.Tags:
		act.reason = fmt.Sprintf("the build tags differ (A: %s, B: %s); a build difference is never NO-OP by gates alone", tagsOrNone(a.Tags), tagsOrNone(b.Tags))
	case len(act.changes) == 0:
		act.reason = "A and B run the same gate values"
	case len(runsA) == 0 || len(runsB) == 0:
		act.reason = "an arm has no measured run"
	case pathless != "":
		act.reason = fmt.Sprintf("%s guards no registered path, so ab cannot show the change is inert", pathless)
	default:
		if why := countersMissing(runsA, "A", guarded); why != "" {
			act.reason = why
		} else if why := countersMissing(runsB, "B", guarded); why != "" {
			act.reason = why
		} else {
			var ran []string
			equal := true
			for _, pa := range act.paths {
				if pa.HitsA != 0 || pa.HitsB != 0 {
					ran = append(ran, fmt.Sprintf("%s (A %d, B %d hits)", pa.ID, pa.HitsA, pa.HitsB))
					equal = equal && pa.HitsA == pa.HitsB
				}
			}
			if len(ran) > 0 {
				act.reason = "guarded paths ran: " + strings.Join(ran, ", ")
				if equal {
					act.reason += "; as often in both arms, but the gate changes what each of them does"
				}
			} else {
				act.noop = true
				act.reason = fmt.Sprintf("%s %s, but %s had zero hits in every run of both arms",
					changedNames(act.changes), textfmt.Noun(len(act.changes), "differs"), pathKeys(act.paths))
			}
		}
	}
	return act, nil
}

// countersMissing returns why runs of arm cannot show which paths ran, or "".
func countersMissing(runs []profile.RunReport, arm string, guarded []string) string {
	for _, r := range runs {
		if !r.StatsCompiled {
			return fmt.Sprintf("arm %s's child was built without counters (haktop_nostats), so ab cannot tell which paths ran", arm)
		}
		for _, p := range guarded {
			if _, ok := pathHits(r, p); !ok {
				return fmt.Sprintf("arm %s's reports do not list path %s, so ab cannot tell whether it ran", arm, p)
			}
		}
	}
	return ""
}

func sumHits(runs []profile.RunReport, key string) uint64 {
	var n uint64
	for _, r := range runs {
		h, _ := pathHits(r, key)
		n += h
	}
	return n
}

func tagsOrNone(t string) string {
	if t == "" {
		return "none"
	}
	return t
}

func changedNames(ch []GateChange) string {
	names := make([]string, len(ch))
	for i, c := range ch {
		names[i] = c.Env
	}
	return strings.Join(names, ", ")
}

func pathKeys(ps []PathActivity) string {
	keys := make([]string, len(ps))
	for i, p := range ps {
		keys[i] = p.ID
	}
	return strings.Join(keys, ", ")
}
