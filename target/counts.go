package target

// Counts: named counts in a fixed order, written as one JSON object whose
// keys are the names in that order (a snapshot's invalid frees or gauges,
// in a recording or a report). Reading one back keeps the file's order, so
// a document that is read and written again is unchanged.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
)

// Count is one named count.
type Count struct {
	Name  string
	Value uint64
}

// Counts are named counts in order.
type Counts []Count

// CountsOf pairs names with their values (0 past the end of values).
func CountsOf(names []string, values []uint64) Counts {
	out := make(Counts, len(names))
	for i, name := range names {
		out[i].Name = name
		if i < len(values) {
			out[i].Value = values[i]
		}
	}
	return out
}

// Get returns the count named name, 0 when there is none.
func (cs Counts) Get(name string) uint64 {
	for _, c := range cs {
		if c.Name == name {
			return c.Value
		}
	}
	return 0
}

// Total returns the sum of the counts.
func (cs Counts) Total() uint64 {
	var t uint64
	for _, c := range cs {
		t += c.Value
	}
	return t
}

// MarshalJSON writes {"name":value,...} in order.
func (cs Counts) MarshalJSON() ([]byte, error) {
	b := []byte{'{'}
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, c.Name)
		b = append(b, ':')
		b = strconv.AppendUint(b, c.Value, 10)
	}
	return append(b, '}'), nil
}

// UnmarshalJSON reads an object of counts, keeping its order. data is one
// valid JSON value (encoding/json checks that first); a member whose value
// is not an unsigned integer is an error, and null, as for encoding/json's
// own types, leaves cs as it is.
func (cs *Counts) UnmarshalJSON(data []byte) error {
	if string(bytes.TrimSpace(data)) == "null" {
		return nil
	}
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return errors.New("counts: want a JSON object of counts")
	}
	out := Counts{}
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		// A key: a JSON string, unquoted the fast way unless it has escapes.
		end := i + 1
		for end < len(data) && data[end] != '"' {
			if data[end] == '\\' {
				end++
			}
			end++
		}
		raw := data[i : end+1]
		key := string(raw[1 : len(raw)-1])
		if bytes.IndexByte(raw, '\\') >= 0 {
			if err := json.Unmarshal(raw, &key); err != nil {
				return err
			}
		}
		i = skipSpace(data, skipSpace(data, end+1)+1) // past the colon
		start := i
		for i < len(data) && data[i] >= '0' && data[i] <= '9' {
			i++
		}
		v, err := strconv.ParseUint(string(data[start:i]), 10, 64)
		if err != nil || (i < len(data) && (data[i] == '.' || data[i] == 'e' || data[i] == 'E')) {
			return fmt.Errorf("counts: %s: want an unsigned integer", key)
		}
		out = append(out, Count{Name: key, Value: v})
		if i = skipSpace(data, i); i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	*cs = out
	return nil
}

func skipSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}
