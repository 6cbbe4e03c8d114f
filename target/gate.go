package target

// Gate: one configuration knob of a target (an env variable such as
// HAKMEM_POOL_V2_ENABLED) with its effective value. The one gate-value type
// above the allocator: recordings, verdicts, reports and the screen all
// carry this.

import "slices"

// Gate kinds: which values a gate accepts.
const (
	KindBool = "bool"
	KindInt  = "int"
	KindMask = "mask"
	KindEnum = "enum"
)

// Sources: where a gate's effective value came from.
const (
	SourceDefault = "default" // the target's default
	SourceProfile = "profile" // a preset that sets several gates
	SourceEnv     = "env"     // its own environment variable
	SourceCode    = "code"    // set by haktop, e.g. the live view's g key
)

// Gate is one gate's declaration and effective value.
type Gate struct {
	Env      string   `json:"env"`
	Kind     string   `json:"kind,omitempty"`     // KindBool, KindInt, KindMask or KindEnum
	Default  string   `json:"default,omitempty"`  // the default value's canonical text
	Accepted string   `json:"accepted,omitempty"` // the accepted forms, for messages: "0, 1, true or false"
	Values   []string `json:"values,omitempty"`   // KindEnum's choices
	Value    string   `json:"value"`              // the effective value's canonical text
	Source   string   `json:"source"`             // SourceDefault, SourceProfile, SourceEnv or SourceCode
	Paths    []string `json:"paths"`              // ids of the paths it guards
	Off      bool     `json:"off"`                // the value switches every one of Paths off
	// OffPaths, when the value switches off some of Paths but not every
	// one, lists those (a gate's value may turn one path's trigger off and
	// leave another path on); empty when Off, or when none is off.
	OffPaths []string `json:"off_paths,omitempty"`

	// Cycle, when set by the target's adapter, gives the value after
	// current in the gate's cycle (see Next). It is not recorded.
	Cycle func(current string) string `json:"-"`
}

// Next returns the value the live view's g key sets after current: the
// target's own cycle when its adapter gives one; otherwise a bool flips,
// an enum moves to its next value and any other kind goes back to its default.
func (g *Gate) Next(current string) string {
	if g.Cycle != nil {
		return g.Cycle(current)
	}
	switch g.Kind {
	case KindBool:
		if current == "1" || current == "true" {
			return "0"
		}
		return "1"
	case KindEnum:
		if len(g.Values) > 0 {
			return g.Values[(slices.Index(g.Values, current)+1)%len(g.Values)]
		}
	}
	return g.Default
}

// SwitchesOff reports whether g's value switches path id off: id is one of
// the paths it guards and Off, or one of OffPaths.
func (g *Gate) SwitchesOff(id string) bool {
	return g.Off && g.Guards(id) || slices.Contains(g.OffPaths, id)
}

// Guards reports whether g guards path id.
func (g *Gate) Guards(id string) bool { return slices.Contains(g.Paths, id) }
